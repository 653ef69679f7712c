"""The patient export holds this issue's data: each visit's site, the
patient's answer to a reminder, the messages about the visit, and the
patient's consent to be contacted by email and SMS."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from clinics.models import Site
from tests.conftest import make_patient, make_visit
from tests.helpers import at
from tests.records.test_export import export
from visits.models import Confirmation, VisitMessage

pytestmark = [pytest.mark.django_db, pytest.mark.date_dependent]


def test_the_export_holds_sites_answers_and_messages(manager_client, clinician):
    patient = make_patient(
        email="maria@example.org", contact_by_email=True, contact_by_sms=False
    )
    monza = Site.objects.create(name="Monza")
    visit = make_visit(
        patient,
        clinician,
        site=monza,
        starts_at=at(7, 9),
        confirmation=Confirmation.CONFIRMED,
        confirmation_at=at(0, 9),
    )
    VisitMessage.objects.create(
        visit=visit,
        channel="email",
        status="sent",
        due_at=at(6, 9),
        attempts=1,
        recipient="maria@example.org",
        sent_at=at(6, 9),
    )
    VisitMessage.objects.create(
        visit=visit,
        channel="sms",
        status="skipped",
        due_at=at(6, 9),
        detail="No consent to SMS",
    )
    data = export(manager_client, patient)
    assert data["patient"]["contact_by_email"] is True
    assert data["patient"]["contact_by_sms"] is False
    (item,) = data["visits"]
    assert item["site"] == "Monza"
    assert item["confirmation"] == "confirmed"
    assert item["confirmation_display"] == "Confirmed by the patient"
    assert item["confirmation_at"] == at(0, 9).isoformat()
    sent, skipped = item["messages"]
    assert sent["channel"] == "email" and sent["status_display"] == "Sent"
    assert sent["recipient"] == "maria@example.org" and sent["attempts"] == 1
    assert sent["sent_at"] == at(6, 9).isoformat()
    assert skipped["channel_display"] == "SMS" and skipped["status"] == "skipped"
    assert skipped["detail"] == "No consent to SMS" and skipped["sent_at"] is None
    assert "visit" not in sent


def test_messages_cost_no_query_per_visit(manager_client, clinician):
    patient = make_patient()
    url = reverse("records:export", args=[patient.code])

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert manager_client.post(url).status_code == 200
        return len(queries)

    def add_visit(day: int) -> None:
        visit = make_visit(patient, clinician, starts_at=at(day, 9))
        VisitMessage.objects.create(visit=visit, channel="email", due_at=at(day - 1, 9))

    add_visit(7)
    few = count()
    for day in range(8, 12):
        add_visit(day)
    assert count() == few
