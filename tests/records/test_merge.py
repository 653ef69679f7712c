"""Merging two charts of the same person (manager only): every record moves
with its history, the kept chart is completed and never overwritten, the
merged chart is archived with the reason, nothing is deleted."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import models
from django.urls import reverse

from doppler.models import DopplerAssessment, DopplerFinding
from patients.models import Patient
from patients.services import patient_archive
from records import services
from records.audit import patient_audit_trail
from tests.conftest import (
    make_doppler,
    make_injection,
    make_patient,
    make_session,
    make_visit,
)
from treatments.models import Injection, TreatmentSession
from visits.models import FollowUpVisit

pytestmark = pytest.mark.django_db

REASON = "Registered twice at the front desk"


def _answer(name: str, yes: bool):
    """A screening answer as the model stores it (tick box or yes/no/not asked)."""
    field = Patient._meta.get_field(name)
    if isinstance(field, models.BooleanField):
        return yes
    return "yes" if yes else ""


@pytest.fixture
def charts(clinician):
    keep = make_patient(
        first_name="Anna",
        last_name="Ferri",
        phone="+39 02 111 2222",
        email="",
        weight_kg=None,
        allergy_notes="latex",
    )
    merge = make_patient(
        first_name="ANNA",
        last_name="Ferri",
        phone="+39 333 999 8888",
        email="anna@example.org",
        weight_kg=Decimal("64.0"),
        address="Via Po 3, Torino",
        allergy_notes="rash after polidocanol",
        sclerosant_allergy=_answer("sclerosant_allergy", True),
    )
    own_doppler = make_doppler(keep, clinician)
    doppler = make_doppler(merge, clinician)
    session = make_session(merge, clinician, doppler=doppler)
    injection = make_injection(session)
    visit = make_visit(merge, clinician, session=session)
    return {
        "keep": keep,
        "merge": merge,
        "own_doppler": own_doppler,
        "doppler": doppler,
        "session": session,
        "injection": injection,
        "visit": visit,
    }


def _counts() -> dict[str, int]:
    return {
        model.__name__: model.objects.count()
        for model in (
            Patient,
            DopplerAssessment,
            DopplerFinding,
            TreatmentSession,
            Injection,
            FollowUpVisit,
        )
    }


def test_every_relation_to_a_patient_is_moved_by_the_merge():
    related = {rel.related_model for rel in Patient._meta.related_objects}
    assert related == set(services.MOVED_MODELS) | set(services.STAYING_MODELS)
    assert not set(services.MOVED_MODELS) & set(services.STAYING_MODELS)


def test_merge_moves_every_record_with_its_history_and_archives_the_merged_chart(
    charts, manager
):
    keep, merge = charts["keep"], charts["merge"]
    before = _counts()
    moved = [charts["doppler"], charts["session"], charts["visit"]]
    history_before = {record: record.history.count() for record in moved}

    services.patient_merge(keep=keep, merge=merge, user=manager, reason=REASON)

    assert _counts() == before  # nothing deleted, nothing copied
    for record in moved:
        record.refresh_from_db()
        assert record.patient_id == keep.pk
        assert record.history.count() == history_before[record] + 1
        last = record.history.first()
        assert last.history_user == manager
        assert last.history_change_reason.startswith(
            f"Moved from {merge.chart_number} to {keep.chart_number}: "
        )
        assert last.prev_record.patient_id == merge.pk  # the old version stays
    charts["injection"].refresh_from_db()
    assert charts["injection"].session == charts["session"]
    assert charts["own_doppler"].patient == keep
    assert not DopplerAssessment.objects.filter(patient=merge).exists()
    assert not TreatmentSession.objects.filter(patient=merge).exists()
    assert not FollowUpVisit.objects.filter(patient=merge).exists()

    merge.refresh_from_db()
    assert merge.is_archived
    assert merge.archive_reason == f"Merged into {keep.chart_number}: {REASON}"
    archived = merge.history.first()
    assert archived.history_user == manager
    assert archived.history_change_reason.startswith("Archived: Merged into")


def test_kept_chart_is_completed_never_overwritten(charts, manager):
    keep, merge = charts["keep"], charts["merge"]
    version = keep.version
    services.patient_merge(keep=keep, merge=merge, user=manager, reason=REASON)
    keep.refresh_from_db()
    assert keep.phone == "+39021112222"  # its own, kept
    assert keep.email == "anna@example.org"  # lacking: filled
    assert keep.weight_kg == Decimal("64.0")
    assert keep.address == "Via Po 3, Torino"
    assert keep.sclerosant_allergy == _answer("sclerosant_allergy", True)
    assert keep.allergy_notes == "latex; rash after polidocanol"
    assert (keep.first_name, keep.chart_number) == ("Anna", keep.chart_number)
    assert keep.version == version + 1
    assert keep.history.first().history_user == manager
    assert keep.history.first().history_change_reason.startswith(
        f"Chart {merge.chart_number} merged into this one"
    )


def test_a_yes_on_the_kept_chart_stays_a_yes(charts, manager):
    keep, merge = charts["keep"], charts["merge"]
    Patient.objects.filter(pk=keep.pk).update(
        anticoagulants=_answer("anticoagulants", True)
    )
    services.patient_merge(keep=keep, merge=merge, user=manager, reason=REASON)
    keep.refresh_from_db()
    assert keep.anticoagulants == _answer("anticoagulants", True)
    assert keep.sclerosant_allergy == _answer("sclerosant_allergy", True)


def test_audit_trail_of_the_kept_chart_holds_the_moved_records_whole_history(
    charts, manager
):
    keep, merge = charts["keep"], charts["merge"]
    merged_before = patient_audit_trail(merge)
    services.patient_merge(keep=keep, merge=merge, user=manager, reason=REASON)
    kept_trail = patient_audit_trail(keep)
    kinds = [entry.kind for entry in kept_trail]
    # Two Dopplers (its own, the moved one: created and moved), the session,
    # its injection, the visit and the findings of both Dopplers.
    assert kinds.count("Doppler assessment") == 3
    assert kinds.count("Doppler finding") == 2
    assert kinds.count("Treatment session") == 2
    assert kinds.count("Injection") == 1
    assert kinds.count("Follow-up visit") == 2
    moves = [e for e in kept_trail if e.reason.startswith("Moved from")]
    assert len(moves) == 3
    assert all(e.who == manager for e in moves)
    # The merged chart still shows what it held, and its archiving.
    merged_after = patient_audit_trail(merge)
    assert len(merged_after) >= len(merged_before) + 1
    assert any(e.reason.startswith("Archived: Merged into") for e in merged_after)


@pytest.mark.parametrize("reason", ["", "dup", "........ 1234"])
def test_merge_needs_a_real_reason(charts, manager, reason):
    with pytest.raises(ValidationError) as caught:
        services.patient_merge(
            keep=charts["keep"], merge=charts["merge"], user=manager, reason=reason
        )
    assert "reason" in caught.value.message_dict
    doppler = DopplerAssessment.objects.get(pk=charts["doppler"].pk)
    assert doppler.patient_id == charts["merge"].pk


def test_merge_refuses_a_chart_into_itself(charts, manager):
    with pytest.raises(ValidationError) as caught:
        services.patient_merge(
            keep=charts["merge"], merge=charts["merge"], user=manager, reason=REASON
        )
    assert "other" in caught.value.message_dict


@pytest.mark.parametrize("archived", ["keep", "merge"])
def test_merge_refuses_an_archived_chart(charts, manager, archived):
    patient_archive(patient=charts[archived], reason="Moved to another region")
    with pytest.raises(ValidationError) as caught:
        services.patient_merge(
            keep=charts["keep"], merge=charts["merge"], user=manager, reason=REASON
        )
    assert "other" in caught.value.message_dict
    charts["session"].refresh_from_db()
    assert charts["session"].patient == charts["merge"]


# --- the pages -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "status"),
    [("manager", 200), ("clinician", 403), ("frontdesk", 403), ("outsider", 403)],
)
def test_only_the_manager_opens_and_posts_the_merge_page(request, charts, role, status):
    client = request.getfixturevalue(f"{role}_client")
    url = reverse("records:merge", args=[charts["merge"].code])
    assert client.get(url).status_code == status
    data = {"other": charts["keep"].chart_number, "reason": REASON, "confirm": "1"}
    response = client.post(url, data)
    assert response.status_code == (302 if role == "manager" else 403)
    charts["session"].refresh_from_db()
    expected = charts["keep"] if role == "manager" else charts["merge"]
    assert charts["session"].patient == expected


def test_merge_page_needs_a_login(client, charts):
    url = reverse("records:merge", args=[charts["merge"].code])
    response = client.get(url)
    assert response.status_code == 302
    assert "login" in response["Location"]


@pytest.mark.parametrize(
    ("role", "shown"), [("manager", True), ("clinician", False), ("frontdesk", False)]
)
def test_patient_page_offers_the_merge_to_the_manager_only(
    request, charts, role, shown
):
    client = request.getfixturevalue(f"{role}_client")
    merge = charts["merge"]
    html = client.get(reverse("records:patient", args=[merge.code])).content.decode()
    assert (reverse("records:merge", args=[merge.code]) in html) is shown


def test_manager_merges_after_a_confirmation_page(manager_client, charts):
    keep, merge = charts["keep"], charts["merge"]
    url = reverse("records:merge", args=[merge.code])
    response = manager_client.post(
        url, {"other": f" {keep.chart_number.lower()} ", "reason": REASON}
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="merge-summary"' in html
    assert keep.chart_number in html and merge.chart_number in html
    assert 'name="confirm" value="1"' in html
    charts["session"].refresh_from_db()
    assert charts["session"].patient == merge  # nothing merged yet

    response = manager_client.post(
        url, {"other": keep.chart_number, "reason": REASON, "confirm": "1"}
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("records:patient", args=[keep.code])
    for name in ("doppler", "session", "visit"):
        charts[name].refresh_from_db()
        assert charts[name].patient == keep
    merge.refresh_from_db()
    assert merge.archive_reason == f"Merged into {keep.chart_number}: {REASON}"

    # Both charts stay readable; the kept one's audit trail shows the moves.
    page = manager_client.get(reverse("records:patient", args=[merge.code]))
    assert f"Merged into {keep.chart_number}" in page.content.decode()
    trail = manager_client.get(reverse("records:history", args=[keep.code]))
    assert trail.content.decode().count(f"Moved from {merge.chart_number}") == 3


@pytest.mark.parametrize(
    ("other", "reason", "field"),
    [
        ("SC-999999", REASON, "other"),
        ("merge", REASON, "other"),  # the same chart
        ("keep", "dup", "reason"),
        ("", REASON, "other"),
    ],
)
def test_merge_form_errors_change_nothing(manager_client, charts, other, reason, field):
    keep, merge = charts["keep"], charts["merge"]
    number = {"keep": keep.chart_number, "merge": merge.chart_number}.get(other, other)
    url = reverse("records:merge", args=[merge.code])
    response = manager_client.post(
        url, {"other": number, "reason": reason, "confirm": "1"}
    )
    assert response.status_code == 200
    assert response.context["form"].errors[field]
    merge.refresh_from_db()
    assert not merge.is_archived
    charts["session"].refresh_from_db()
    assert charts["session"].patient == merge


def test_merge_into_an_archived_chart_is_refused_on_the_page(manager_client, charts):
    keep, merge = charts["keep"], charts["merge"]
    patient_archive(patient=keep, reason="Moved to another region")
    response = manager_client.post(
        reverse("records:merge", args=[merge.code]),
        {"other": keep.chart_number, "reason": REASON, "confirm": "1"},
    )
    assert response.status_code == 200
    assert response.context["form"].errors["other"]
    assert not Patient.objects.get(pk=merge.pk).is_archived


def test_an_archived_chart_is_not_merged_from_its_page(manager_client, charts):
    keep, merge = charts["keep"], charts["merge"]
    patient_archive(patient=merge, reason="Moved to another region")
    url = reverse("records:merge", args=[merge.code])
    assert 'name="reason"' not in manager_client.get(url).content.decode()
    response = manager_client.post(
        url, {"other": keep.chart_number, "reason": REASON, "confirm": "1"}
    )
    assert response.status_code == 200
    charts["session"].refresh_from_db()
    assert charts["session"].patient == merge


def test_a_long_reason_is_kept_whole_on_the_archived_chart(charts, manager):
    reason = "Registered twice: " + "same person, same address, same phone " * 4
    reason = reason[: services.MAX_REASON_LENGTH].strip()
    keep, merge = charts["keep"], charts["merge"]
    services.patient_merge(keep=keep, merge=merge, user=manager, reason=reason)
    merge.refresh_from_db()
    assert merge.archive_reason == f"Merged into {keep.chart_number}: {reason}"
    assert merge.history.first().history_change_reason.startswith("Archived: Merged")


def test_a_reason_over_the_limit_is_refused(charts, manager):
    with pytest.raises(ValidationError) as caught:
        services.patient_merge(
            keep=charts["keep"],
            merge=charts["merge"],
            user=manager,
            reason="Registered twice " * 20,
        )
    assert "reason" in caught.value.message_dict


def test_archiving_with_a_long_reason_keeps_it_whole(frontdesk_client, patient):
    reason = "Moved abroad; " + "records sent to the new clinic on request; " * 5
    response = frontdesk_client.post(
        reverse("patients:archive", args=[patient.code]), {"reason": reason[:255]}
    )
    assert response.status_code == 302
    patient.refresh_from_db()
    assert patient.archive_reason == reason[:255].strip()
