"""Appointment slip: roles, the PDF's text and language, local times, refusals."""

from __future__ import annotations

import io
from datetime import UTC, date, timedelta

import pytest
from django.contrib.messages import get_messages
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from core.models import Letterhead
from tests.conftest import make_injection, make_patient, make_session, make_visit
from tests.helpers import in_days, pdf_text, rome
from treatments.choices import Compression
from visits.models import VisitPurpose, VisitStatus

pytestmark = pytest.mark.django_db

CLINIC_PHONE = "+39 02 555 0101"


def slip_url(visit) -> str:
    return reverse("visits:slip", args=[visit.code])


@pytest.fixture
def letterhead(db):
    return Letterhead.objects.create(
        clinic_name="Vein Centre Test",
        address="Via Roma 12\n20121 Milano",
        phone=CLINIC_PHONE,
        emergency_phone="+39 333 000 1111",
        email="info@vein.example",
        footer="Mon–Fri 8:30–18:30",
    )


@pytest.fixture
def visit(patient, clinician, letterhead):
    clinician.last_name = "Bianchi"
    clinician.save()
    return make_visit(patient, clinician, starts_at=rome(date(2027, 7, 6), 9))


def fetch(client, visit) -> tuple[str, object]:
    response = client.get(slip_url(visit))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    return pdf_text(response.content), response


# --- roles ---------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["clinician", "frontdesk", "manager"])
def test_front_desk_clinician_and_manager_get_the_slip(request, visit, role):
    client = request.getfixturevalue(f"{role}_client")
    text, response = fetch(client, visit)
    assert "Maria Esposito" in text
    assert 'filename="appointment-' in response["Content-Disposition"]


def test_outsider_is_refused(outsider_client, visit):
    assert outsider_client.get(slip_url(visit)).status_code == 403


def test_anonymous_is_sent_to_log_in(client, visit):
    response = client.get(slip_url(visit))
    assert response.status_code == 302
    assert "/login/" in response["Location"]


def test_the_slip_is_read_only(frontdesk_client, visit):
    assert frontdesk_client.post(slip_url(visit)).status_code == 405


def test_unknown_visit_is_404(frontdesk_client):
    import uuid

    url = reverse("visits:slip", args=[uuid.uuid4()])
    assert frontdesk_client.get(url).status_code == 404


# --- content -------------------------------------------------------------------------


def test_slip_says_who_when_how_long_what_for_and_how_to_cancel(
    frontdesk_client, visit
):
    text, response = fetch(frontdesk_client, visit)
    reader = PdfReader(io.BytesIO(response.content))
    assert len(reader.pages) == 1
    width, height = (float(v) for v in reader.pages[0].mediabox.upper_right)
    assert (round(width), round(height)) == (298, 420)  # A6 in points
    for expected in [
        "Vein Centre Test",
        "Via Roma 12",
        "Your appointment",
        "Maria Esposito",
        visit.patient.chart_number,
        "Tuesday 6 July 2027",
        "09:00 to 09:20",
        "20 minutes",
        "Post-treatment check",
        "Dr Bianchi",
        "Wear loose clothing",
        CLINIC_PHONE,
        "To cancel or move this appointment",
    ]:
        assert expected in text, expected
    filename = f"appointment-{visit.patient.chart_number}-20270706-0900.pdf"
    assert f'filename="{filename}"' in response["Content-Disposition"]


def test_purpose_and_duration_follow_the_visit(
    frontdesk_client, patient, clinician, letterhead
):
    visit = make_visit(
        patient,
        clinician,
        starts_at=rome(date(2027, 7, 6), 15, 30),
        duration_min=45,
        purpose=VisitPurpose.DOPPLER,
    )
    text, _ = fetch(frontdesk_client, visit)
    assert "Doppler re-assessment" in text
    assert "45 minutes" in text
    assert "15:30 to 16:15" in text


@pytest.mark.parametrize(
    ("day", "weekday"),
    [
        (date(2027, 1, 12), "Tuesday 12 January 2027"),  # winter time, UTC+1
        (date(2027, 3, 29), "Monday 29 March 2027"),  # the day after the spring change
        (date(2027, 11, 1), "Monday 1 November 2027"),  # after the autumn change
    ],
)
def test_local_clinic_time_is_printed_across_dst(
    frontdesk_client, patient, clinician, letterhead, day, weekday
):
    visit = make_visit(patient, clinician, starts_at=rome(day, 9))
    text, _ = fetch(frontdesk_client, visit)
    assert weekday in text
    assert "09:00 to 09:20" in text
    utc = visit.starts_at.astimezone(UTC)
    assert utc.hour in (7, 8)
    assert f"{utc:%H:%M}" not in text


def test_italian_patient_gets_italian_text_with_lower_case_names(
    frontdesk_client, clinician, letterhead
):
    patient = make_patient(first_name="Giulia", last_name="Romano", language="it")
    clinician.last_name = "Bianchi"
    clinician.save()
    session = make_session(patient, clinician)
    visit = make_visit(
        patient, clinician, session=session, starts_at=rome(date(2027, 3, 29), 9)
    )
    text, _ = fetch(frontdesk_client, visit)
    assert "Il Suo appuntamento" in text
    assert "lunedì 29 marzo 2027" in text
    assert "Marzo" not in text and "Lunedì" not in text
    assert "dalle 09:00 alle 09:20" in text
    assert "20 minuti" in text
    assert "Dott. Bianchi" in text
    assert "La Sua calza elastica" in text
    assert "Indossi abiti comodi" in text
    assert CLINIC_PHONE in text
    assert "Your appointment" not in text
    # The page around it stays in the user's language.
    page = frontdesk_client.get(visit.get_absolute_url())
    assert "Print slip" in page.content.decode()


def test_stocking_is_asked_for_only_after_a_session_with_compression(
    frontdesk_client, patient, clinician, letterhead
):
    with_stocking = make_session(patient, clinician)
    assert with_stocking.compression == Compression.STOCKING
    without = make_session(
        patient,
        clinician,
        compression=Compression.NONE,
        stocking_class="",
        stocking_days=None,
        performed_at=timezone.now() - timedelta(days=10),
    )
    voided = make_session(
        patient,
        clinician,
        performed_at=timezone.now() - timedelta(days=20),
        voided_at=timezone.now(),
    )
    day = date(2027, 7, 6)
    cases = [
        (9, with_stocking, True),
        (10, without, False),
        (11, voided, False),
        (12, None, False),
    ]
    for hour, session, asks in cases:
        starts_at = rome(day, hour)
        visit = make_visit(patient, clinician, session=session, starts_at=starts_at)
        text, _ = fetch(frontdesk_client, visit)
        assert ("compression stocking" in text) is asks, visit
        assert "Wear loose clothing" in text


def test_nothing_clinical_is_printed(frontdesk_client, patient, clinician, letterhead):
    session = make_session(
        patient,
        clinician,
        notes="SECRET-NOTE",
        immediate_reactions="VASOVAGAL-X",
    )
    make_injection(session, site="SITE-XYZ")
    visit = make_visit(
        patient, clinician, session=session, starts_at=rome(date(2027, 7, 6), 9)
    )
    text, _ = fetch(frontdesk_client, visit)
    secrets = [
        "SECRET-NOTE",
        "VASOVAGAL-X",
        "SITE-XYZ",
        "polidocanol",
        "Polidocanol",
        "class 2",
        "mmHg",
        patient.phone,
    ]
    for secret in secrets:
        assert secret not in text, secret


def test_without_a_phone_the_slip_says_to_contact_the_clinic(
    frontdesk_client, visit, letterhead
):
    letterhead.phone = ""
    letterhead.emergency_phone = ""
    letterhead.save()
    text, _ = fetch(frontdesk_client, visit)
    assert "please contact the clinic" in text


def test_the_slip_costs_the_same_queries_with_a_long_history(
    frontdesk_client, patient, clinician, letterhead
):
    def count_for(visit) -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert frontdesk_client.get(slip_url(visit)).status_code == 200
        return len(ctx.captured_queries)

    first = make_visit(
        patient,
        clinician,
        starts_at=rome(date(2027, 7, 6), 9),
        session=make_session(patient, clinician),
    )
    small = count_for(first)
    for n in range(8):
        session = make_session(
            patient, clinician, performed_at=timezone.now() - timedelta(days=30 + n)
        )
        make_injection(session)
        make_visit(
            patient,
            clinician,
            session=session,
            starts_at=rome(date(2027, 8, 1) + timedelta(days=n), 9),
        )
    last = make_visit(
        patient,
        clinician,
        starts_at=rome(date(2027, 9, 6), 9),
        session=make_session(patient, clinician),
    )
    assert count_for(last) == small


# --- refusals ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "words"),
    [
        (VisitStatus.CANCELLED, "was cancelled"),
        (VisitStatus.NO_SHOW, "no-show"),
        (VisitStatus.ARRIVED, "already taken place"),
        (VisitStatus.COMPLETED, "already taken place"),
    ],
)
def test_a_visit_that_is_off_or_over_gets_no_slip(
    frontdesk_client, visit, status, words
):
    visit.status = status
    visit.save()
    response = frontdesk_client.get(slip_url(visit))
    assert response.status_code == 302
    assert response["Location"] == visit.get_absolute_url()
    assert not response.content.startswith(b"%PDF")
    shown = [str(m) for m in get_messages(response.wsgi_request)]
    assert any(words in m and "no appointment slip" in m for m in shown), shown
    page = frontdesk_client.get(visit.get_absolute_url())
    assert slip_url(visit) not in page.content.decode()


# --- where it is offered ------------------------------------------------------------


def test_visit_detail_offers_the_slip_for_a_scheduled_visit(clinician_client, visit):
    page = clinician_client.get(visit.get_absolute_url()).content.decode()
    assert slip_url(visit) in page


@pytest.mark.date_dependent
def test_booking_lands_on_a_page_that_offers_the_slip(
    frontdesk_client, patient, clinician
):
    url = reverse("visits:create", args=[patient.code])
    data = {
        "purpose": VisitPurpose.CHECK,
        "date": in_days(1).isoformat(),
        "time": "09:00",
        "duration_min": "20",
        "clinician": str(clinician.pk),
        "session": "",
    }
    response = frontdesk_client.post(url, data, follow=True)
    visit = patient.follow_up_visits.get()
    assert response.redirect_chain[-1][0] == visit.get_absolute_url()
    html = response.content.decode()
    assert "Visit booked." in html
    assert slip_url(visit) in html


@pytest.mark.date_dependent
def test_day_agenda_offers_the_slip_on_scheduled_rows_only(
    frontdesk_client, patient, clinician, letterhead
):
    day = in_days(2)
    scheduled = make_visit(patient, clinician, starts_at=rome(day, 9))
    cancelled = make_visit(
        make_patient(last_name="Other"),
        clinician,
        starts_at=rome(day, 10),
        status=VisitStatus.CANCELLED,
    )
    html = frontdesk_client.get(
        reverse("visits:agenda-day"), {"date": day.isoformat()}
    ).content.decode()
    assert slip_url(scheduled) in html
    assert slip_url(cancelled) not in html
