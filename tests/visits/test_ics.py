"""A visit's calendar file, written with icalendar: UTC, CRLF, folding, the
site in the patient's language, SEQUENCE = the visit's version."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from django.urls import reverse
from icalendar import Calendar

from clinics.models import Site
from tests.conftest import make_patient, make_visit
from tests.helpers import rome
from visits import ics
from visits import services as visit_services

pytestmark = pytest.mark.django_db

LONG_ADDRESS = (
    "Poliambulatorio Città di Sant'Eufemia, Via Vittorio Emanuele II 128, "
    "scala B, quarto piano (ascensore), 20121 Milano MI — " + "àèéìòù" * 12
)


@pytest.fixture
def site(db):
    return Site.objects.create(
        name="Sede Brera; Milano, centro",
        address="Via Solferino 3\n20121 Milano",
        phone="+39 02 555 0100",
    )


def _event(body: bytes):
    (event,) = Calendar.from_ical(body).walk("VEVENT")
    return event


def test_the_file_parses_back_with_times_in_utc(patient, clinician, site):
    visit = make_visit(
        patient, clinician, site=site, starts_at=rome(date(2026, 12, 1), 9)
    )
    body = ics.visit_calendar_bytes(visit)
    calendar = Calendar.from_ical(body)
    assert str(calendar["VERSION"]) == "2.0"
    assert "Sclero Clinic" in str(calendar["PRODID"])
    event = _event(body)
    assert str(event["UID"]) == f"{visit.code}@sclero-clinic"
    assert event.decoded("DTSTART") == datetime(2026, 12, 1, 8, 0, tzinfo=UTC)
    assert event.decoded("DTEND") == datetime(2026, 12, 1, 8, 20, tzinfo=UTC)
    assert event.decoded("DTSTAMP").utcoffset().total_seconds() == 0
    assert b"DTSTART:20261201T080000Z\r\n" in body
    assert str(event["SUMMARY"]) == "Visit at Sede Brera; Milano, centro"
    assert str(event["LOCATION"]) == "Via Solferino 3, 20121 Milano"
    assert str(event["STATUS"]) == "CONFIRMED"
    assert event["SEQUENCE"] == 1
    # Escaped as TEXT on the wire.
    assert b"SUMMARY:Visit at Sede Brera\\; Milano\\, centro\r\n" in body


def test_summer_time_is_written_in_utc(patient, clinician, site):
    visit = make_visit(
        patient, clinician, site=site, starts_at=rome(date(2027, 7, 5), 9, 30)
    )
    event = _event(ics.visit_calendar_bytes(visit))
    assert event.decoded("DTSTART") == datetime(2027, 7, 5, 7, 30, tzinfo=UTC)


def test_every_line_ends_in_crlf_and_is_folded_at_75_octets(patient, clinician):
    site = Site.objects.create(name="Sede Città Studi", address=LONG_ADDRESS)
    visit = make_visit(patient, clinician, site=site)
    body = ics.visit_calendar_bytes(visit)
    assert body.endswith(b"END:VCALENDAR\r\n")
    lines = body.split(b"\r\n")
    assert lines[-1] == b""
    assert b"\n" not in body.replace(b"\r\n", b"")
    assert max(len(line) for line in lines) <= 75
    # The address needed folding, and no fold split a UTF-8 character.
    assert any(line.startswith(b" ") for line in lines)
    for line in lines:
        line.decode("utf-8")
    assert str(_event(body)["LOCATION"]) == LONG_ADDRESS


def test_the_summary_is_in_the_patients_language(clinician, site):
    italian = make_patient(last_name="Rossi", language="it")
    visit = make_visit(italian, clinician, site=site)
    event = _event(ics.visit_calendar_bytes(visit))
    assert str(event["SUMMARY"]) == "Visita presso Sede Brera; Milano, centro"


def test_no_patient_name_or_clinical_detail(patient, clinician, site):
    visit = make_visit(patient, clinician, site=site, purpose="doppler")
    body = ics.visit_calendar_bytes(visit).decode()
    assert "Esposito" not in body and "Maria" not in body
    assert "doppler" not in body.lower()
    assert patient.chart_number not in body


def test_a_moved_visit_keeps_its_uid_with_a_higher_sequence(patient, clinician, site):
    visit = make_visit(patient, clinician, site=site)
    before = _event(ics.visit_calendar_bytes(visit))
    moved = visit_services.visit_reschedule(
        visit=visit,
        starts_at=visit.starts_at.replace(hour=visit.starts_at.hour + 1),
        duration_min=20,
        clinician=clinician,
        expected_version=visit.version,
        reason="The patient asked for a later time",
    )
    after = _event(ics.visit_calendar_bytes(moved))
    assert after["UID"] == before["UID"]
    assert after["SEQUENCE"] == before["SEQUENCE"] + 1 == moved.version
    assert after.decoded("DTSTART") > before.decoded("DTSTART")


def test_a_cancelled_visit_says_so(patient, clinician, site):
    visit = make_visit(
        patient, clinician, site=site, status="cancelled", status_reason="patient"
    )
    body = ics.visit_calendar_bytes(visit)
    assert str(_event(body)["STATUS"]) == "CANCELLED"
    assert b"STATUS:CANCELLED\r\n" in body


def test_the_download_is_the_same_file(frontdesk_client, patient, clinician, site):
    visit = make_visit(patient, clinician, site=site)
    response = frontdesk_client.get(reverse("visits:ics", args=[visit.code]))
    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    event = _event(response.content)
    assert str(event["SUMMARY"]) == "Visit at Sede Brera; Milano, centro"
    assert str(event["UID"]) == f"{visit.code}@sclero-clinic"
