"""Doppler pages: roles, the segment grid, errors, edit, void, query counts."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from django.db import connection
from django.db.models import F
from django.template.loader import render_to_string
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from doppler.clinical import VCSS_ITEMS
from doppler.models import DopplerAssessment, DopplerFinding
from doppler.segments import Segment
from patients.models import Leg
from tests.conftest import make_doppler, make_patient


def vcss_post(side: str, scores: list) -> dict[str, str]:
    """The ten VCSS selects of a leg, posted as the form sends them."""
    return {
        f"vcss_{item.key}_{side}": "" if score is None else str(score)
        for item, score in zip(VCSS_ITEMS, scores, strict=True)
    }


HEADER = {
    "assessed_on": "2026-01-05",
    "ceap_c_right": ["C2", "C4c"],
    "ceap_s_right": "S",
    "ceap_e_right": "Ep",
    "ceap_a_right": "As",
    "ceap_p_right": "Pr",
    "ceap_c_left": ["C1"],
    "ceap_s_left": "A",
    # Right: pain 2, varicose veins 3, compression 1 (6); left: pain 1,
    # varicose veins 1 (2).
    **vcss_post("right", [2, 3, 0, 0, 0, 0, 0, 0, 0, 1]),
    **vcss_post("left", [1, 1, 0, 0, 0, 0, 0, 0, 0, 0]),
    "conclusion": "Incompetent right SFJ with GSV reflux above the knee.",
    "recommended_plan": "foam",
    "plan_notes": "Review in 6 weeks.",
}


def post_data(examiner, **cells):
    """Header fields plus grid cells, e.g. R_SFJ_reflux_s="1.2"."""
    data = dict(HEADER, examiner=str(examiner.pk))
    for name, value in cells.items():
        data[name.replace("_", "-", 2)] = value
    return data


# --- role matrix ---------------------------------------------------------------

EXPECTED = {
    # create GET, create POST, detail, edit GET, edit POST, void POST
    "clinician": [200, 302, 200, 200, 302, 302],
    "frontdesk": [403, 403, 403, 403, 403, 403],
    "manager": [403, 403, 200, 403, 403, 403],
    "outsider": [403, 403, 403, 403, 403, 403],
}


@pytest.mark.parametrize("role", sorted(EXPECTED))
def test_doppler_pages_obey_the_role_matrix(role, request, patient, clinician):
    client = request.getfixturevalue(f"{role}_client")
    doppler = make_doppler(patient, clinician)
    data = post_data(clinician, R_SFJ_reflux_s="0.7")
    create_url = reverse("doppler:create", args=[patient.code])
    got = [
        client.get(create_url).status_code,
        client.post(create_url, data).status_code,
        client.get(reverse("doppler:detail", args=[doppler.code])).status_code,
        client.get(reverse("doppler:edit", args=[doppler.code])).status_code,
        client.post(reverse("doppler:edit", args=[doppler.code]), data).status_code,
        client.post(
            reverse("doppler:void", args=[doppler.code]), {"reason": "duplicate"}
        ).status_code,
    ]
    assert got == EXPECTED[role]
    doppler.refresh_from_db()
    allowed = role == "clinician"
    assert DopplerAssessment.objects.count() == (2 if allowed else 1)
    assert doppler.is_voided is allowed


def test_void_needs_post(clinician_client, clinician, patient):
    doppler = make_doppler(patient, clinician)
    url = reverse("doppler:void", args=[doppler.code])
    assert clinician_client.get(url).status_code == 405


def test_unknown_codes_are_404(clinician_client):
    import uuid

    code = uuid.uuid4()
    assert (
        clinician_client.get(reverse("doppler:detail", args=[code])).status_code == 404
    )
    assert (
        clinician_client.get(reverse("doppler:create", args=[code])).status_code == 404
    )


def test_new_doppler_button_only_for_clinicians(
    clinician_client, frontdesk_client, patient
):
    url = reverse("doppler:create", args=[patient.code])
    assert url in clinician_client.get(patient.get_absolute_url()).content.decode()
    assert url not in frontdesk_client.get(patient.get_absolute_url()).content.decode()


# --- create ---------------------------------------------------------------------


@pytest.mark.date_dependent
def test_create_form_defaults_to_today_and_the_logged_in_clinician(
    clinician_client, clinician, colleague, frontdesk, patient
):
    form = clinician_client.get(reverse("doppler:create", args=[patient.code])).context[
        "form"
    ]
    assert form.initial["examiner"] == clinician.pk
    assert form.initial["assessed_on"] == timezone.localdate()
    examiners = set(form.fields["examiner"].queryset)
    assert {clinician, colleague} <= examiners and frontdesk not in examiners


def test_clinician_creates_an_assessment_from_the_grid(
    clinician_client, clinician, patient
):
    data = post_data(
        clinician,
        R_SFJ_reflux_s="1,2",  # comma decimal
        R_SFJ_diameter_mm="7.5",
        R_GSVa_reflux_s="0.8",
        R_FV_reflux_s="1.00",
        L_POPV_thrombus="chronic",
        L_CPV_note="Cockett, 10 cm above the malleolus",
    )
    response = clinician_client.post(
        reverse("doppler:create", args=[patient.code]), data
    )
    assessment = DopplerAssessment.objects.get()
    assert response.status_code == 302
    assert response["Location"] == assessment.get_absolute_url()
    assert (assessment.patient, assessment.examiner) == (patient, clinician)
    assert (assessment.ceap_c_right, assessment.ceap_right) == ("C2,C4c", "C4c")
    assert (assessment.vcss_right, assessment.vcss_left) == (6, 2)
    assert assessment.recommended_plan == "foam"
    rows = {(f.leg, f.segment): f for f in assessment.findings.all()}
    assert set(rows) == {
        ("R", "SFJ"),
        ("R", "GSVa"),
        ("R", "FV"),
        ("L", "POPV"),
        ("L", "CPV"),
    }
    assert rows[("R", "SFJ")].reflux_s == Decimal("1.2")
    assert [f.segment for f in assessment.pathological_findings] == ["SFJ", "GSVa"]
    detail = clinician_client.get(response["Location"]).content.decode()
    assert "Right: reflux at SFJ (1.2 s), GSVa (0.8 s)" in detail
    assert "Left: no pathological reflux; Chronic / post-thrombotic: POPV" in detail
    assert detail.count('class="reflux pathological') == 2


def test_invalid_cells_show_their_message_and_save_nothing(
    clinician_client, clinician, patient
):
    data = post_data(
        clinician,
        R_SFJ_reflux_s="12",
        L_GSVb_diameter_mm="0",
        L_SSV_reflux_s="abc",
        R_CPV_note="kept note",
        R_GSVa_reflux_s="0.8",
    )
    data["vcss_pain_left"] = "4"
    response = clinician_client.post(
        reverse("doppler:create", args=[patient.code]), data
    )
    assert response.status_code == 200
    assert (
        not DopplerAssessment.objects.exists() and not DopplerFinding.objects.exists()
    )
    grid, form = response.context["grid"], response.context["form"]
    assert grid.errors["R-SFJ-reflux_s"] == ["Reflux must be between 0 and 10 s."]
    assert grid.errors["L-GSVb-diameter_mm"] == [
        "Diameter must be between 0.1 and 30 mm."
    ]
    assert grid.errors["L-SSV-reflux_s"] == ["Enter reflux in seconds, e.g. 0.8."]
    assert form.errors["vcss_pain_left"] == [
        "Select a valid choice. 4 is not one of the available choices."
    ]
    assert set(grid.errors) == {
        "R-SFJ-reflux_s",
        "L-GSVb-diameter_mm",
        "L-SSV-reflux_s",
    }
    html = response.content.decode()
    # The message sits in the wrong cell, right after its input, which is marked.
    cell = html.split('name="R-SFJ-reflux_s"')[1].split("</td>")[0]
    assert 'value="12"' in cell and "is-invalid" in cell
    assert "Reflux must be between 0 and 10 s." in cell
    # Everything typed comes back.
    for typed in ('value="abc"', 'value="kept note"', 'value="0.8"', 'value="0"'):
        assert typed in html
    assert "Nothing was saved." in html


@pytest.mark.date_dependent
def test_future_date_is_a_field_error(clinician_client, clinician, patient):
    data = post_data(clinician)
    data["assessed_on"] = "2999-01-01"
    response = clinician_client.post(
        reverse("doppler:create", args=[patient.code]), data
    )
    assert (
        "This date is in the future." in response.context["form"].errors["assessed_on"]
    )
    assert not DopplerAssessment.objects.exists()


# --- edit -------------------------------------------------------------------------


def test_edit_shows_the_grid_filled_and_saves_changes(
    clinician_client, clinician, colleague, patient
):
    doppler = make_doppler(patient, clinician)  # right SFJ 0.3 s
    DopplerFinding.objects.create(
        assessment=doppler, leg=Leg.LEFT, segment=Segment.SSV, diameter_mm=Decimal("4")
    )
    url = reverse("doppler:edit", args=[doppler.code])
    page = clinician_client.get(url)
    assert page.context["grid"]["R-SFJ-reflux_s"].value() == Decimal("0.30")
    data = post_data(colleague, R_SFJ_reflux_s="0.9", R_TPV_reflux_s="0.6")
    data["version"] = page.context["form"]["version"].value()
    response = clinician_client.post(url, data)  # left SSV left empty: cleared
    assert response.status_code == 302
    doppler.refresh_from_db()
    assert doppler.examiner == colleague and doppler.vcss_right == 6
    rows = {(f.leg, f.segment): f.reflux_s for f in doppler.findings.all()}
    assert rows == {("R", "SFJ"): Decimal("0.90"), ("R", "TPV"): Decimal("0.60")}
    assert DopplerFinding.history.filter(history_type="-", segment="SSV").exists()


def test_edit_with_a_stale_version_is_refused(clinician_client, clinician, patient):
    doppler = make_doppler(patient, clinician)
    url = reverse("doppler:edit", args=[doppler.code])
    version = clinician_client.get(url).context["form"]["version"].value()
    DopplerAssessment.objects.filter(pk=doppler.pk).update(
        conclusion="saved by a colleague", version=F("version") + 1
    )
    data = post_data(clinician, R_SFJ_reflux_s="0.9")
    data["version"] = version
    response = clinician_client.post(url, data)
    assert response.status_code == 200
    assert "This Doppler assessment was changed by" in response.content.decode()
    doppler.refresh_from_db()
    assert doppler.conclusion == "saved by a colleague"
    assert doppler.findings.get().reflux_s == Decimal("0.30")


def test_a_voided_assessment_cannot_be_edited(clinician_client, clinician, patient):
    doppler = make_doppler(
        patient, clinician, voided_at=timezone.now(), void_reason="x"
    )
    url = reverse("doppler:edit", args=[doppler.code])
    assert clinician_client.get(url)["Location"] == doppler.get_absolute_url()
    clinician_client.post(url, post_data(clinician, R_SFJ_reflux_s="2"))
    assert doppler.findings.get().reflux_s == Decimal("0.30")


# --- void -------------------------------------------------------------------------


def test_void_with_reason_keeps_record_and_audit_trail(
    clinician_client, clinician, patient
):
    doppler = make_doppler(patient, clinician)
    url = reverse("doppler:void", args=[doppler.code])
    clinician_client.post(url, {"reason": ""})
    doppler.refresh_from_db()
    assert not doppler.is_voided
    response = clinician_client.post(url, {"reason": "Entered on the wrong patient"})
    assert response["Location"] == doppler.get_absolute_url()
    doppler.refresh_from_db()
    assert doppler.is_voided and doppler.voided_by == clinician
    assert doppler.void_reason == "Entered on the wrong patient"
    assert doppler.findings.count() == 1
    latest = doppler.history.first()
    assert latest.history_change_reason == "Voided: Entered on the wrong patient"
    assert latest.history_user == clinician
    detail = clinician_client.get(doppler.get_absolute_url()).content.decode()
    assert (
        "Entered on the wrong patient" in detail
        and "text-decoration-line-through" in detail
    )
    assert reverse("doppler:edit", args=[doppler.code]) not in detail


# --- query counts -------------------------------------------------------------------


def _doppler_with(n_findings, patient, clinician):
    doppler = make_doppler(patient, clinician)
    doppler.findings.all().delete()
    segments = list(Segment)
    for index in range(n_findings):
        DopplerFinding.objects.create(
            assessment=doppler,
            leg=Leg.values[index % 2],
            segment=segments[index // 2],
            reflux_s=Decimal("1.5"),
            diameter_mm=Decimal("5"),
        )
    return doppler


def test_detail_costs_the_same_queries_for_2_and_30_findings(
    clinician_client, clinician, django_assert_num_queries
):
    small = _doppler_with(2, make_patient(last_name="Small"), clinician)
    large = _doppler_with(30, make_patient(last_name="Large"), clinician)
    with CaptureQueriesContext(connection) as baseline:
        assert clinician_client.get(small.get_absolute_url()).status_code == 200
    # 13 with the access log's row, plus one for the addenda (prefetched).
    assert len(baseline) <= 14
    with django_assert_num_queries(len(baseline)):
        response = clinician_client.get(large.get_absolute_url())
    assert response.content.decode().count('class="reflux pathological') == 30


def test_card_partial_reads_only_the_prefetched_findings(
    clinician, patient, django_assert_num_queries
):
    doppler = make_doppler(patient, clinician, recommended_plan="foam")
    DopplerFinding.objects.create(
        assessment=doppler, leg=Leg.LEFT, segment=Segment.GSV_A, reflux_s=Decimal("0.9")
    )
    assessment = (
        DopplerAssessment.objects.select_related("examiner")
        .prefetch_related("findings")
        .get()
    )
    with django_assert_num_queries(0):
        html = render_to_string("doppler/doppler_card.html", {"assessment": assessment})
    assert "Left: reflux at GSVa (0.9 s)" in html
    assert "Right: no pathological reflux" in html
    assert "Foam sclerotherapy" in html


# --- CEAP and VCSS --------------------------------------------------------------


def test_the_form_offers_ceap_checkboxes_and_ten_score_selects_per_leg(
    clinician_client, patient
):
    response = clinician_client.get(reverse("doppler:create", args=[patient.code]))
    html = response.content.decode()
    for side in ("right", "left"):
        assert html.count(f'name="ceap_c_{side}"') == 11  # one checkbox per class
        for part in ("s", "e", "a", "p"):
            assert f'<select name="ceap_{part}_{side}"' in html
        for item in VCSS_ITEMS:
            select = html.split(f'<select name="vcss_{item.key}_{side}"')[1]
            options = select.split("</select>")[0]
            assert options.count("<option") == 5  # not scored, 0, 1, 2, 3
    assert 'name="vcss_right"' not in html  # the total is never typed
    assert "What the scores mean" in html


def test_an_ulcer_item_without_c6_is_a_field_message_and_saves_nothing(
    clinician_client, clinician, patient
):
    data = post_data(clinician, R_SFJ_reflux_s="0.9")
    data["ceap_c_left"] = ["C4a", "C5"]
    data["vcss_ulcer_number_left"] = "1"
    response = clinician_client.post(
        reverse("doppler:create", args=[patient.code]), data
    )
    assert response.status_code == 200
    assert (
        not DopplerAssessment.objects.exists() and not DopplerFinding.objects.exists()
    )
    message = (
        "Item 7 (active ulcer number) scores an active ulcer: tick C6 or C6r for "
        "the left leg, or score 0."
    )
    form = response.context["form"]
    assert form.errors == {"vcss_ulcer_number_left": [message]}
    html = response.content.decode()
    assert "Nothing was saved." in html
    # The message sits below the item's row, whose select is marked.
    select, after = html.split('name="vcss_ulcer_number_left"')[1].split("</select>", 1)
    assert "is-invalid" in select and '<option value="1" selected>' in select
    assert message in after.split('name="vcss_ulcer_duration_right"')[0]
    # What was ticked comes back ticked.
    ticked = re.findall(
        r'<input [^>]*name="ceap_c_left" value="(\w+)"[^>]*checked', html
    )
    assert ticked == ["C4a", "C5"]
    # Ticking C6 lets the same scores through, with the derived total.
    data["ceap_c_left"] = ["C4a", "C5", "C6"]
    response = clinician_client.post(
        reverse("doppler:create", args=[patient.code]), data
    )
    assert response.status_code == 302
    assessment = DopplerAssessment.objects.get()
    assert (assessment.ceap_c_left, assessment.vcss_left) == ("C4a,C5,C6", 3)


def test_partial_scores_and_c0_with_another_class_are_field_messages(
    clinician_client, clinician, patient
):
    data = post_data(clinician)
    data["vcss_oedema_right"] = ""
    data["ceap_c_left"] = ["C0", "C1"]
    response = clinician_client.post(
        reverse("doppler:create", args=[patient.code]), data
    )
    errors = response.context["form"].errors
    assert errors["vcss_oedema_right"] == [
        "Score all ten items of the right leg, or none."
    ]
    assert errors["ceap_c_left"] == [
        "C0 means no visible signs: it cannot go with another class."
    ]
    assert not DopplerAssessment.objects.exists()


def test_a_leg_left_unscored_saves_no_vcss(clinician_client, clinician, patient):
    data = post_data(clinician, **vcss_post("left", [None] * 10))
    data.update(vcss_post("left", [None] * 10))
    response = clinician_client.post(
        reverse("doppler:create", args=[patient.code]), data
    )
    assert response.status_code == 302
    assessment = DopplerAssessment.objects.get()
    assert (assessment.vcss_right, assessment.vcss_left) == (6, None)
    assert assessment.vcss_scores(Leg.LEFT) == [None] * 10


def test_detail_card_and_timeline_show_the_ceap_notation_and_derived_total(
    clinician_client, clinician, patient
):
    response = clinician_client.post(
        reverse("doppler:create", args=[patient.code]), post_data(clinician)
    )
    assessment = DopplerAssessment.objects.get()
    detail = clinician_client.get(response["Location"]).content.decode()
    assert "C2,4c,S Ep As Pr" in detail and "C1,A" in detail
    assert "6 / 30" in detail and "2 / 30" in detail
    assert "C4c – corona phlebectatica" in detail and "Ep – primary" in detail
    assert "10. Use of compression therapy" in detail
    assert "total only" not in detail
    card = render_to_string("doppler/doppler_card.html", {"assessment": assessment})
    assert "CEAP C2,4c,S Ep As Pr · VCSS 6" in card and "CEAP C1,A · VCSS 2" in card
    item = render_to_string(
        "records/timeline_doppler_item.html",
        {
            "assessment": assessment,
            "item": {"detail": True, "day": assessment.assessed_on},
        },
    )
    assert "R C2,4c,S Ep As Pr · L C1,A" in " ".join(item.split())
    assert "R 6 · L 2" in " ".join(item.split())


def test_an_older_record_with_only_stored_totals_still_renders(
    clinician_client, clinician, patient
):
    # As saved before the classes and items: one class and a total per leg.
    old = make_doppler(patient, clinician, ceap_right="C3", vcss_right=14)
    detail = clinician_client.get(old.get_absolute_url()).content.decode()
    assert "14 / 30" in detail and "4 / 30" in detail
    assert detail.count("total only (items not recorded)") == 2
    assert "C3 – oedema" in detail and "Items not recorded." in detail
    card = render_to_string("doppler/doppler_card.html", {"assessment": old})
    assert "CEAP C3 · VCSS 14" in " ".join(card.split())
    assert card.count("(total only)") == 2
    item = render_to_string(
        "records/timeline_doppler_item.html",
        {"assessment": old, "item": {"detail": True, "day": old.assessed_on}},
    )
    assert "R 14 (total only) · L 4 (total only)" in " ".join(item.split())


def test_editing_an_older_record_ticks_its_class_and_keeps_its_total(
    clinician_client, clinician, patient
):
    old = make_doppler(patient, clinician, ceap_right="C3", vcss_right=14)
    url = reverse("doppler:edit", args=[old.code])
    page = clinician_client.get(url)
    form = page.context["form"]
    assert form["ceap_c_right"].value() == ["C3"]
    assert "total only (items not recorded)" in page.content.decode()
    data = post_data(clinician, **vcss_post("right", [None] * 10))
    data.update(vcss_post("right", [None] * 10), ceap_c_right=["C3", "C4a"])
    data["version"] = form["version"].value()
    assert clinician_client.post(url, data).status_code == 302
    old.refresh_from_db()
    assert (old.ceap_c_right, old.ceap_right) == ("C3,C4a", "C4a")
    assert (old.vcss_right, old.vcss_total_only_right) == (14, True)
    # The left leg is now scored item by item: its total is their sum.
    assert (old.vcss_left, old.vcss_total_only_left) == (2, False)


@pytest.mark.parametrize("day", ["0001-01-01", "9999-12-31", "1985-06-01"])
def test_an_implausible_study_date_is_a_field_error(
    clinician_client, clinician, patient, day
):
    url = reverse("doppler:create", args=[patient.code])
    data = post_data(clinician, R_SFJ_reflux_s="0,9")
    data["assessed_on"] = day
    response = clinician_client.post(url, data)
    assert response.status_code == 200
    assert "assessed_on" in response.context["form"].errors
    assert not DopplerAssessment.objects.exists()


def test_a_reflux_time_typed_with_a_comma_is_saved(
    clinician_client, clinician, patient
):
    url = reverse("doppler:create", args=[patient.code])
    response = clinician_client.post(url, post_data(clinician, R_SFJ_reflux_s="0,9"))
    assert response.status_code == 302
    finding = DopplerAssessment.objects.get().findings.get()
    assert finding.reflux_s == Decimal("0.9")
