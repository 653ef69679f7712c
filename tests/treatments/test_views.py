"""Session pages: roles, the form with its rows, htmx endpoints, query counts."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.template.loader import render_to_string
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from tests.conftest import make_injection, make_patient, make_session
from tests.helpers import in_days
from treatments.choices import Form, Gas
from treatments.models import Injection, TreatmentSession

pytestmark = pytest.mark.django_db

ROW_FIELDS = {
    "leg": "R",
    "segment": "",
    "site": "lateral thigh",
    "vessel_type": "reticular",
    "agent": "polidocanol",
    "concentration_pct": "0.5",
    "form": "liquid",
    "gas": "",
    "gas_parts": "",
    "volume_ml": "1.00",
}


def form_data(rows, *, initial=0, **overrides) -> dict:
    when = timezone.localtime() - timedelta(hours=1)
    data = {
        "performed_at": when.strftime("%Y-%m-%dT%H:%M"),
        "weight_kg": "60.0",
        "doppler": "",
        "screening_confirmed": "on",
        "consent_obtained": "on",
        "compression": "stocking",
        "stocking_class": "2",
        "stocking_length": "thigh",
        "stocking_mmhg": "",
        "stocking_days": "14",
        "bandage_days": "",
        "version": "1",
        "injections-TOTAL_FORMS": str(len(rows)),
        "injections-INITIAL_FORMS": str(initial),
        "injections-MIN_NUM_FORMS": "0",
        "injections-MAX_NUM_FORMS": "1000",
    }
    for index, row in enumerate(rows):
        for name, value in {**ROW_FIELDS, **row}.items():
            if name == "ultrasound_guided" and not value:
                continue
            data[f"injections-{index}-{name}"] = value
    data.update(overrides)
    return data


def foam_row(volume="4.00") -> dict:
    return {
        "form": "foam",
        "gas": "air",
        "gas_parts": "4",
        "volume_ml": volume,
        "vessel_type": "var_small",
        "concentration_pct": "1",
    }


# --- role matrix ---------------------------------------------------------------


def _requests(patient, session):
    return [
        ("get", reverse("treatments:session-create", args=[patient.code]), None),
        ("get", reverse("treatments:session-detail", args=[session.code]), None),
        ("get", reverse("treatments:session-edit", args=[session.code]), None),
        ("get", reverse("treatments:injection-row") + "?index=2", None),
        (
            "post",
            reverse("treatments:session-preview"),
            {**form_data([ROW_FIELDS]), "patient_code": str(patient.code)},
        ),
        (
            "post",
            reverse("treatments:session-void", args=[session.code]),
            {"reason": "Entered twice"},
        ),
    ]


EXPECTED = {
    # create, detail, edit, row, preview, void. What each role may see on the
    # detail page (front desk: headlines only) is in tests/test_headlines_only.py.
    "clinician": [200, 200, 200, 200, 200, 302],
    "frontdesk": [403, 200, 403, 403, 403, 403],
    "manager": [403, 200, 403, 403, 403, 403],
    "outsider": [403, 403, 403, 403, 403, 403],
}


@pytest.mark.parametrize("role", sorted(EXPECTED))
def test_session_pages_obey_the_role_matrix(role, request, patient, clinician):
    client = request.getfixturevalue(f"{role}_client")
    session = make_session(patient, clinician)
    make_injection(session)
    got = [
        getattr(client, method)(url, data).status_code
        for method, url, data in _requests(patient, session)
    ]
    assert got == EXPECTED[role]
    session.refresh_from_db()
    assert session.is_voided == (role == "clinician")


def test_void_needs_post(clinician_client, patient, clinician):
    session = make_session(patient, clinician)
    assert (
        clinician_client.get(
            reverse("treatments:session-void", args=[session.code])
        ).status_code
        == 405
    )


def test_new_session_button_only_for_clinicians(
    clinician_client, frontdesk_client, patient
):
    url = reverse("records:patient", args=[patient.code])
    new = reverse("treatments:session-create", args=[patient.code])
    assert new in clinician_client.get(url).content.decode()
    assert new not in frontdesk_client.get(url).content.decode()


# --- create --------------------------------------------------------------------


def test_form_prefills_weight_and_shows_one_empty_row(clinician_client, patient):
    response = clinician_client.get(
        reverse("treatments:session-create", args=[patient.code])
    )
    html = response.content.decode()
    assert 'name="weight_kg" value="60.0"' in html
    assert 'name="injections-0-leg"' in html
    assert 'name="version"' in html
    assert 'name="limit_override_reason"' in html  # the clinician may override
    assert "No Doppler assessment on file" in html


def test_clinician_records_a_session_with_liquid_and_foam(
    clinician_client, clinician, patient
):
    url = reverse("treatments:session-create", args=[patient.code])
    rows = [
        ROW_FIELDS,
        {**foam_row(), "ultrasound_guided": "on", "segment": "GSVb", "site": ""},
    ]
    response = clinician_client.post(url, form_data(rows))
    session = TreatmentSession.objects.get()
    assert (
        response.status_code == 302
        and response["Location"] == session.get_absolute_url()
    )
    assert session.clinician == clinician and session.created_by == clinician
    assert session.injections.count() == 2
    totals = session.totals()
    assert totals.polidocanol_mg == Decimal(
        "13.00"
    )  # 5 mg liquid + 8 mg in 4 mL of 1+4 foam
    assert totals.foam_ml == Decimal("4.00")


def test_blank_extra_rows_are_ignored(clinician_client, patient):
    url = reverse("treatments:session-create", args=[patient.code])
    data = form_data([ROW_FIELDS])
    data["injections-TOTAL_FORMS"] = "3"  # rows 1 and 2 were added and left empty
    data["injections-1-form"] = "liquid"
    assert clinician_client.post(url, data).status_code == 302
    assert Injection.objects.count() == 1


BAD_ROWS = [
    ({"concentration_pct": "5"}, "concentration_pct", "out of range"),
    ({"form": "foam"}, "gas", "Foam needs a gas."),
    ({"volume_ml": "-1"}, "volume_ml", "greater than or equal to 0.01"),
    ({"volume_ml": "lots"}, "volume_ml", "Enter a number."),
    ({"agent": "arsenic"}, "agent", "Select a valid choice."),
]


@pytest.mark.parametrize("bad, field, message", BAD_ROWS)
def test_bad_row_input_gives_a_field_message_and_saves_nothing(
    clinician_client, patient, bad, field, message
):
    url = reverse("treatments:session-create", args=[patient.code])
    response = clinician_client.post(
        url, form_data([ROW_FIELDS, {**ROW_FIELDS, **bad}])
    )
    assert response.status_code == 200
    row = response.context["formset"].forms[1]
    assert any(message in e for e in row.errors[field])
    assert message in response.content.decode().replace("&quot;", '"')
    assert not TreatmentSession.objects.exists() and not Injection.objects.exists()


BAD_SESSION = [
    ({"performed_at": "2026-13-45T10:00"}, "performed_at", "Enter a valid date/time."),
    # A callable: in two days on the test's frozen clock, not on the clock at import.
    pytest.param(
        {"performed_at": lambda: f"{in_days(2)}T10:00"},
        "performed_at",
        "cannot be in the future",
        id="performed_at-in-two-days",
        marks=pytest.mark.date_dependent,
    ),
    ({"weight_kg": "12"}, "weight_kg", "greater than or equal to 25"),
    ({"stocking_days": ""}, "stocking_days", "how many days"),
    ({"stocking_class": ""}, "stocking_class", "class or its pressure"),
    ({"compression": "none"}, "stocking_days", "Leave empty"),
    ({"compression": "bandage"}, "bandage_days", "bandage stays on"),
    ({"bandage_days": "3"}, "bandage_days", "Bandage, then stocking"),
]


@pytest.mark.parametrize("bad, field, message", BAD_SESSION)
def test_bad_session_input_gives_a_field_message_and_saves_nothing(
    clinician_client, patient, bad, field, message
):
    bad = {name: value() if callable(value) else value for name, value in bad.items()}
    url = reverse("treatments:session-create", args=[patient.code])
    response = clinician_client.post(url, form_data([ROW_FIELDS], **bad))
    assert response.status_code == 200
    assert any(message in e for e in response.context["form"].errors[field])
    assert not TreatmentSession.objects.exists()


def test_bandage_then_stocking_is_accepted(clinician_client, patient):
    url = reverse("treatments:session-create", args=[patient.code])
    data = form_data([ROW_FIELDS], compression="bandage", bandage_days="3")
    assert clinician_client.post(url, data).status_code == 302
    session = TreatmentSession.objects.get()
    assert (
        session.compression_summary()
        == "Bandage for 3 days, then class 2 thigh-high stocking for 14 days"
    )


def test_limit_refusal_names_the_numbers_and_keeps_the_input(clinician_client, patient):
    url = reverse("treatments:session-create", args=[patient.code])
    rows = [
        {
            **ROW_FIELDS,
            "concentration_pct": "3",
            "volume_ml": "4.00",
            "vessel_type": "var_large",
        },
        {**ROW_FIELDS, "concentration_pct": "1", "volume_ml": "1.00"},
    ]
    response = clinician_client.post(url, form_data(rows, notes="keep me"))
    html = response.content.decode()
    assert "Polidocanol 130.00 mg exceeds the limit of 120.00 mg for 60.0 kg" in html
    assert response.context["form"].errors["limit_override_reason"]
    assert "keep me" in html and 'value="4.00"' in html
    assert not TreatmentSession.objects.exists()
    response = clinician_client.post(
        url,
        form_data(rows, limit_override_reason="Large varices", confirm_override="on"),
    )
    assert response.status_code == 302
    session = TreatmentSession.objects.get()
    assert session.limit_override_reason == "Large varices"
    detail = clinician_client.get(session.get_absolute_url()).content.decode()
    assert (
        "Limit exceeded with a recorded reason" in detail and "Large varices" in detail
    )


def test_absolute_contraindication_blocks_the_form(clinician_client):
    allergic = make_patient(sclerosant_allergy=True)
    url = reverse("treatments:session-create", args=[allergic.code])
    response = clinician_client.post(url, form_data([ROW_FIELDS]))
    assert "Known allergy to a sclerosant" in response.content.decode()
    assert not TreatmentSession.objects.exists()


# --- edit ----------------------------------------------------------------------


def _edit_data(session, rows, **overrides):
    saved = list(session.injections.filter(voided_at__isnull=True).order_by("id"))
    data = form_data(
        rows, initial=len(saved), version=str(session.version), **overrides
    )
    for index, injection in enumerate(saved):
        data[f"injections-{index}-id"] = str(injection.pk)
        data[f"injections-{index}-session"] = str(session.pk)
    return data


def test_edit_voids_a_removed_row_and_adds_a_new_one(
    clinician_client, patient, clinician
):
    session = make_session(patient, clinician)
    keep, drop = make_injection(session), make_injection(session, site="calf")
    rows = [ROW_FIELDS, {**ROW_FIELDS, "void": "1"}, foam_row("2.00")]
    url = reverse("treatments:session-edit", args=[session.code])
    response = clinician_client.post(url, _edit_data(session, rows))
    assert response.status_code == 302
    drop.refresh_from_db()
    keep.refresh_from_db()
    assert drop.voided_at is not None and keep.voided_at is None
    assert Injection.objects.count() == 3
    session.refresh_from_db()
    assert session.version == 2 and session.totals().foam_ml == Decimal("2.00")


def test_a_voided_row_with_bad_values_does_not_stop_the_save(
    clinician_client, patient, clinician
):
    session = make_session(patient, clinician)
    make_injection(session)
    make_injection(session)
    rows = [ROW_FIELDS, {**ROW_FIELDS, "void": "1", "concentration_pct": "99"}]
    url = reverse("treatments:session-edit", args=[session.code])
    assert clinician_client.post(url, _edit_data(session, rows)).status_code == 302


def test_stale_edit_is_refused_with_who_and_when(
    clinician_client, colleague, patient, clinician
):
    from tests.conftest import client_for

    # The colleague recorded the session for the treating clinician, so both
    # may edit it (treatments.services.is_own_session).
    session = make_session(patient, clinician, created_by=colleague)
    make_injection(session)
    url = reverse("treatments:session-edit", args=[session.code])
    mine = _edit_data(session, [ROW_FIELDS], notes="mine")
    theirs = _edit_data(session, [ROW_FIELDS], notes="theirs")
    assert client_for(colleague).post(url, theirs).status_code == 302
    response = clinician_client.post(url, mine)
    html = response.content.decode()
    assert "This treatment session was changed by Colleague at" in html
    session.refresh_from_db()
    assert session.notes == "theirs" and session.version == 2


def test_voided_session_cannot_be_edited(clinician_client, patient, clinician):
    session = make_session(
        patient, clinician, voided_at=timezone.now(), void_reason="x"
    )
    response = clinician_client.get(
        reverse("treatments:session-edit", args=[session.code])
    )
    assert response.status_code == 302


def test_void_without_reason_changes_nothing(clinician_client, patient, clinician):
    session = make_session(patient, clinician)
    response = clinician_client.post(
        reverse("treatments:session-void", args=[session.code]), {"reason": ""}
    )
    assert response.status_code == 302
    session.refresh_from_db()
    assert not session.is_voided


# --- htmx endpoints ------------------------------------------------------------


def test_injection_row_returns_one_row_with_the_given_index(clinician_client):
    response = clinician_client.get(reverse("treatments:injection-row"), {"index": 7})
    html = response.content.decode()
    assert html.count("<tr") == 1
    assert 'name="injections-7-concentration_pct"' in html
    assert 'id="derived-7"' in html


@pytest.mark.parametrize("index", ["", "x", "-1", "5000"])
def test_injection_row_refuses_a_bad_index(clinician_client, index):
    response = clinician_client.get(
        reverse("treatments:injection-row"), {"index": index}
    )
    assert response.status_code == 400


def test_preview_shows_live_totals_and_saves_nothing(clinician_client, patient):
    rows = [
        {**ROW_FIELDS, "concentration_pct": "3", "volume_ml": "4.00"},
        foam_row("4.00"),
    ]
    data = {**form_data(rows), "patient_code": str(patient.code)}
    response = clinician_client.post(reverse("treatments:session-preview"), data)
    html = response.content.decode()
    assert response.status_code == 200
    assert "128.00 / 120.00 mg" in html
    assert "Polidocanol 128.00 mg exceeds the limit of 120.00 mg for 60.0 kg" in html
    assert "4.00 / 10.00 mL" in html
    assert 'id="derived-1" hx-swap-oob="true"' in html and "8.00 mg" in html
    assert not TreatmentSession.objects.exists()


def test_preview_counts_valid_rows_and_reports_incomplete_ones(
    clinician_client, patient
):
    rows = [ROW_FIELDS, {**ROW_FIELDS, "form": "foam"}]
    data = {**form_data(rows), "patient_code": str(patient.code)}
    html = clinician_client.post(
        reverse("treatments:session-preview"), data
    ).content.decode()
    assert "1 injection" in html and "1 row is incomplete" in html


def test_preview_with_an_unknown_patient_is_404(clinician_client):
    data = {**form_data([ROW_FIELDS]), "patient_code": "not-a-uuid"}
    assert (
        clinician_client.post(reverse("treatments:session-preview"), data).status_code
        == 404
    )


def test_form_posts_live_changes_to_the_preview(clinician_client, patient):
    html = clinician_client.get(
        reverse("treatments:session-create", args=[patient.code])
    ).content.decode()
    assert f'hx-post="{reverse("treatments:session-preview")}"' in html
    assert 'hx-trigger="change' in html
    assert f'hx-get="{reverse("treatments:injection-row")}"' in html


# --- detail and card: fixed number of queries ------------------------------------


def _session_with(patient, clinician, n):
    session = make_session(patient, clinician)
    for i in range(n):
        make_injection(session, site=f"site {i}")
    return session


def _count(client, url) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def test_detail_costs_the_same_queries_for_1_and_30_injections(
    clinician_client, clinician
):
    one = _session_with(make_patient(first_name="One"), clinician, 1)
    many = _session_with(make_patient(first_name="Many"), clinician, 30)
    one_count = _count(clinician_client, one.get_absolute_url())
    assert _count(clinician_client, many.get_absolute_url()) == one_count


def test_detail_shows_derived_values_totals_and_compression(
    clinician_client, patient, clinician
):
    session = make_session(patient, clinician, stocking_length="thigh")
    make_injection(
        session,
        form=Form.FOAM,
        gas=Gas.AIR,
        gas_parts=Decimal("4"),
        volume_ml=Decimal("5.00"),
        concentration_pct=Decimal("1"),
    )
    html = clinician_client.get(session.get_absolute_url()).content.decode()
    assert "1.00 mL" in html and "10.00 mg" in html
    assert "5.00 / 10.00 mL" in html  # foam against the limit
    assert "10.00 / 120.00 mg" in html
    assert "Class 2 thigh-high stocking for 14 days" in html


def test_session_card_uses_only_prefetched_rows(
    patient, clinician, django_assert_num_queries
):
    _session_with(patient, clinician, 3)
    make_session(patient, clinician, voided_at=timezone.now(), void_reason="dup")
    sessions = list(
        TreatmentSession.objects.filter(patient=patient)
        .select_related("clinician")
        .prefetch_related("injections")
    )
    with django_assert_num_queries(0):
        html = "".join(
            render_to_string("treatments/session_card.html", {"session": s})
            for s in sessions
        )
    assert "3 injections" in html and "voided" in html
    assert "Class 2 stocking for 14 days" in html


def test_a_removed_new_row_is_not_rendered_back_after_an_error(
    clinician_client, patient
):
    url = reverse("treatments:session-create", args=[patient.code])
    data = form_data([ROW_FIELDS, {**ROW_FIELDS, "concentration_pct": "9"}])
    data["injections-TOTAL_FORMS"] = "3"  # row 2 was added, then removed from the page
    html = clinician_client.post(url, data).content.decode()
    assert 'name="injections-1-leg"' in html
    assert 'name="injections-2-leg"' not in html
    assert 'name="injections-TOTAL_FORMS" value="3"' in html


@pytest.mark.parametrize("void", ["", "1"])
def test_an_injection_of_another_session_is_refused_not_voided_or_copied(
    clinician_client, patient, clinician, void
):
    session = make_session(patient, clinician)
    mine = make_injection(session)
    earlier = session.performed_at - timedelta(days=7)
    other_session = make_session(patient, clinician, performed_at=earlier)
    theirs = make_injection(other_session, site="calf")
    data = _edit_data(session, [ROW_FIELDS])
    data["injections-0-id"] = str(theirs.pk)
    data["injections-0-void"] = void
    url = reverse("treatments:session-edit", args=[session.code])
    response = clinician_client.post(url, data)
    assert response.status_code == 200
    mine.refresh_from_db()
    theirs.refresh_from_db()
    assert mine.voided_at is None and theirs.voided_at is None
    assert theirs.session == other_session
    assert Injection.objects.count() == 2
    session.refresh_from_db()
    assert session.version == 1
    assert "not one of this session" in response.content.decode()


def test_an_unknown_injection_id_is_refused_on_its_row(
    clinician_client, patient, clinician
):
    session = make_session(patient, clinician)
    mine = make_injection(session)
    data = _edit_data(session, [ROW_FIELDS])
    data["injections-0-id"] = str(mine.pk + 1000)
    url = reverse("treatments:session-edit", args=[session.code])
    response = clinician_client.post(url, data)
    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()
    mine.refresh_from_db()
    assert mine.voided_at is None and Injection.objects.count() == 1
