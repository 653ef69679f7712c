"""Doppler sign-off, amendments and notes; who may change another's assessment."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse
from django.utils import timezone

from core.models import AddendumKind
from doppler import services
from doppler.models import DopplerAddendum, DopplerAssessment, DopplerFinding
from doppler.segments import Segment
from patients.models import Leg
from tests.conftest import client_for, make_doppler
from tests.doppler.test_views import post_data

pytestmark = pytest.mark.django_db

REASON = "Reflux time misread from the printout; corrected."


def url(name: str, doppler) -> str:
    return reverse(f"doppler:{name}", args=[doppler.code])


def signed_doppler(patient, examiner, **fields) -> DopplerAssessment:
    doppler = make_doppler(patient, examiner, **fields)
    return services.doppler_sign(assessment=doppler, user=examiner)


def edit_post(doppler, examiner, **cells) -> dict:
    data = post_data(examiner, **cells)
    data["version"] = str(doppler.version)
    return data


def test_the_examiner_signs_and_the_history_records_it(
    clinician_client, clinician, patient
):
    doppler = make_doppler(patient, clinician)
    page = clinician_client.get(doppler.get_absolute_url()).content.decode()
    assert "Signing locks the record: later changes are addenda" in page
    response = clinician_client.post(url("sign", doppler), {"version": "1"})
    assert response.status_code == 302
    doppler.refresh_from_db()
    assert doppler.signed_by == clinician and doppler.is_signed
    row = doppler.history.first()
    assert row.history_change_reason == "Signed" and row.signed_at is not None
    page = clinician_client.get(doppler.get_absolute_url()).content.decode()
    assert "Signed by Clinician on" in page and ">Amend<" in page


@pytest.mark.parametrize("role", ["colleague", "frontdesk", "manager"])
def test_no_one_else_signs(role, request, clinician, patient):
    doppler = make_doppler(patient, clinician)
    client = client_for(request.getfixturevalue(role))
    assert client.post(url("sign", doppler), {"version": "1"}).status_code == 403
    doppler.refresh_from_db()
    assert not doppler.is_signed


def test_a_signed_assessment_is_not_voided_and_a_voided_one_not_signed(
    clinician_client, clinician, patient
):
    signed = signed_doppler(patient, clinician)
    clinician_client.post(url("void", signed), {"reason": "Wrong patient chart"})
    signed.refresh_from_db()
    assert not signed.is_voided
    voided = make_doppler(patient, clinician, voided_at=timezone.now())
    clinician_client.post(url("sign", voided), {"version": "1"})
    voided.refresh_from_db()
    assert not voided.is_signed


def test_an_edit_after_sign_off_needs_a_reason_on_the_field(
    clinician_client, clinician, patient
):
    doppler = signed_doppler(patient, clinician)  # right SFJ 0.3 s
    data = edit_post(doppler, clinician, R_SFJ_reflux_s="0.9")
    response = clinician_client.post(url("edit", doppler), data)
    assert response.status_code == 200
    assert "amend_reason" in response.context["form"].errors
    doppler.refresh_from_db()
    assert doppler.findings.get().reflux_s == Decimal("0.30")
    assert not DopplerAddendum.objects.exists()


def test_an_amendment_applies_the_change_and_writes_the_addendum(
    clinician_client, clinician, patient
):
    doppler = signed_doppler(patient, clinician, conclusion="Competent junctions.")
    data = edit_post(doppler, clinician, R_SFJ_reflux_s="0.9")
    data["amend_reason"] = REASON
    response = clinician_client.post(url("edit", doppler), data)
    assert response.status_code == 302
    doppler.refresh_from_db()
    assert doppler.findings.get(segment="SFJ").reflux_s == Decimal("0.90")
    addendum = DopplerAddendum.objects.get()
    assert addendum.kind == AddendumKind.CORRECTION and addendum.text == REASON
    changes = {change["label"]: change for change in addendum.changes}
    assert changes["SFJ (right)"]["old"] == "reflux 0.30 s"
    assert changes["SFJ (right)"]["new"] == "reflux 0.90 s"
    assert changes["Conclusion"]["old"] == "Competent junctions."
    page = clinician_client.get(doppler.get_absolute_url()).content.decode()
    assert REASON in page and "SFJ (right)" in page
    signed = clinician_client.get(doppler.get_absolute_url() + "?as_signed=1")
    rows = {row["label"]: row for row in signed.context["as_signed"]}
    assert rows["SFJ (right)"]["signed"] == "reflux 0.30 s"
    assert rows["SFJ (right)"]["now"] == "reflux 0.90 s"
    assert rows["Conclusion"]["signed"] == "Competent junctions."


def test_another_clinician_cannot_edit_or_void_but_adds_a_note(
    clinician, colleague, patient
):
    doppler = make_doppler(patient, clinician)
    client = client_for(colleague)
    page = client.get(doppler.get_absolute_url()).content.decode()
    assert "Void assessment" not in page and ">Edit<" not in page
    data = edit_post(doppler, clinician, R_SFJ_reflux_s="0.9")
    data["amend_reason"] = REASON
    assert client.post(url("edit", doppler), data).status_code == 302
    client.post(url("void", doppler), {"reason": "Duplicate of another study"})
    doppler.refresh_from_db()
    assert not doppler.is_voided and doppler.version == 1
    assert client.get(url("addendum", doppler)).status_code == 200
    response = client.post(url("addendum", doppler), {"text": "Seen the images"})
    assert response.status_code == 302
    note = DopplerAddendum.objects.get()
    assert note.kind == AddendumKind.NOTE and note.author == colleague
    page = client.get(doppler.get_absolute_url()).content.decode()
    assert "Seen the images" in page and "(not the examiner)" in page


def test_a_lead_clinician_edits_another_s_assessment_with_a_reason(
    clinician, colleague, patient
):
    colleague.user_permissions.add(
        Permission.objects.get(codename="change_any_dopplerassessment")
    )
    doppler = make_doppler(patient, clinician)
    client = client_for(colleague)
    data = edit_post(doppler, clinician, R_SFJ_reflux_s="0.9")
    assert (
        "amend_reason" in client.post(url("edit", doppler), data).context["form"].errors
    )
    data["amend_reason"] = REASON
    assert client.post(url("edit", doppler), data).status_code == 302
    addendum = DopplerAddendum.objects.get()
    assert addendum.author == colleague and addendum.changes


def test_an_empty_note_is_a_field_error(clinician_client, clinician, patient):
    doppler = make_doppler(patient, clinician)
    response = clinician_client.post(url("addendum", doppler), {"text": " "})
    assert response.status_code == 200
    assert "Write what you add" in response.context["form"].errors["text"][0]


def test_addenda_are_read_only_in_the_admin(admin_client, clinician, patient):
    doppler = make_doppler(patient, clinician)
    note = services.doppler_addendum_add(
        assessment=doppler, user=clinician, text="Seen again"
    )
    change = reverse("admin:doppler_doppleraddendum_change", args=[note.pk])
    admin_client.post(change, {"text": "edited"})
    delete = reverse("admin:doppler_doppleraddendum_delete", args=[note.pk])
    assert admin_client.post(delete, {"post": "yes"}).status_code == 403
    note.refresh_from_db()
    assert note.text == "Seen again"
    assert note.history.get().history_type == "+"


def test_front_desk_sees_no_addendum_text_on_the_timeline(
    frontdesk_client, clinician_client, clinician, patient
):
    doppler = signed_doppler(patient, clinician)
    services.doppler_addendum_add(
        assessment=doppler, user=clinician, text="Secret thrombus remark"
    )
    DopplerFinding.objects.create(
        assessment=doppler, leg=Leg.LEFT, segment=Segment.SSV, diameter_mm=4
    )
    timeline = frontdesk_client.get(patient.get_absolute_url()).content.decode()
    assert "Secret" not in timeline and "amended" in timeline
    assert frontdesk_client.get(doppler.get_absolute_url()).status_code == 403
    clinical = clinician_client.get(patient.get_absolute_url()).content.decode()
    assert "1 addendum" in clinical and ">signed<" in clinical
