"""The letter to the referring doctor: the course chosen, its text in the
patient's language, who may print it, a patient without a doctor, fixed
queries."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse

from accesslog.models import AccessEvent
from patients.models import ReferringDoctor
from printing import letters
from tests.conftest import (
    make_doppler,
    make_injection,
    make_patient,
    make_session,
    make_visit,
)
from tests.helpers import at, in_days, pdf_text
from treatments.choices import Form, Gas, VesselType
from visits.models import AdverseEvent, VisitPlan, VisitStatus

pytestmark = pytest.mark.django_db


def make_doctor(**overrides) -> ReferringDoctor:
    fields = {
        "name": "Dott. Marco Rossi",
        "practice": "Studio Medico Rossi",
        "address": "Via Roma 1\n00100 Roma",
        "email": "rossi@example.org",
    }
    fields.update(overrides)
    return ReferringDoctor.objects.create(**fields)


def course(patient, clinician, sessions: int = 2):
    """A Doppler before, `sessions` sessions, a follow-up with a bruise and
    one that ends the course, a Doppler after."""
    make_doppler(patient, clinician, assessed_on=in_days(-90), vcss_right=6)
    for n in range(sessions):
        session = make_session(patient, clinician, performed_at=at(-80 + n, 10))
        make_injection(session, concentration_pct=Decimal("0.5"))
        make_injection(
            session,
            form=Form.FOAM,
            gas=Gas.AIR,
            gas_parts=Decimal("4"),
            vessel_type=VesselType.SMALL_VARICOSE,
            concentration_pct=Decimal("1"),
            ultrasound_guided=True,
        )
    make_visit(
        patient,
        clinician,
        starts_at=at(-50, 9),
        status=VisitStatus.COMPLETED,
        clearance_pct=60,
        adverse_events=[AdverseEvent.BRUISING],
        plan=VisitPlan.ANOTHER_SESSION,
    )
    make_visit(
        patient,
        clinician,
        starts_at=at(-20, 9),
        status=VisitStatus.COMPLETED,
        clearance_pct=90,
        plan=VisitPlan.COMPLETE,
    )
    make_doppler(patient, clinician, assessed_on=in_days(-10), vcss_right=1)


def url(patient) -> str:
    return reverse("printing:letter", args=[patient.code])


def test_the_letter_summarises_the_course(clinician_client, clinician):
    patient = make_patient(referring_doctor=make_doctor())
    course(patient, clinician)
    page = clinician_client.get(url(patient))
    assert page.status_code == 200
    assert "Course complete: 2 session(s)" in page.content.decode()
    key = letters.courses_of(patient)[0].key
    response = clinician_client.post(
        url(patient), {"course": key, "note": "Please review in a year."}
    )
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    text = pdf_text(response.content)
    for words in (
        "Dott. Marco Rossi",
        "Studio Medico Rossi",
        "Via Roma 1",
        "Maria Esposito",
        "2 sessions",
        "Right leg",
        "Polidocanol 0.5 % (liquid): 2 injection(s)",
        "Polidocanol 1 % (foam): 2 injection(s)",
        "60 %",
        "90 %",
        "Bruising / haematoma",
        "Course complete",
        "Please review in a year.",
        "Kind regards, Clinician",
        # Each leg's trend chart, drawn on the server, with its numbers.
        "Trends per leg",
    ):
        assert words in text, words
    # VCSS of the right leg before (6) and after (1).
    assert "C1 6 C1 1" in text
    assert AccessEvent.objects.filter(kind="referral-letter-pdf").count() == 1


def test_the_letter_is_in_the_patients_language(clinician_client, clinician):
    patient = make_patient(language="it", referring_doctor=make_doctor())
    course(patient, clinician, sessions=1)
    key = letters.courses_of(patient)[0].key
    text = pdf_text(clinician_client.post(url(patient), {"course": key}).content)
    assert "Gentile Dott. Marco Rossi," in text
    assert "Complicanze" in text and "Cordiali saluti" in text
    assert "Kind regards" not in text


def test_a_patient_without_a_doctor_gets_a_clear_message(clinician_client, patient):
    response = clinician_client.get(url(patient))
    assert response.status_code == 200
    body = response.content.decode()
    assert "has no referring doctor" in body
    assert reverse("patients:edit", args=[patient.code]) in body
    response = clinician_client.post(url(patient), {"course": "current"})
    assert response.status_code == 200
    assert "has no referring doctor" in response.content.decode()


def test_an_unknown_course_is_refused_on_the_field(clinician_client, clinician):
    patient = make_patient(referring_doctor=make_doctor())
    course(patient, clinician, sessions=1)
    response = clinician_client.post(url(patient), {"course": "nonsense"})
    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()


@pytest.mark.parametrize(
    "client_name, status",
    [
        ("clinician_client", 200),
        ("manager_client", 403),
        ("frontdesk_client", 403),
        ("outsider_client", 403),
    ],
)
def test_only_clinicians_write_letters(request, patient, client_name, status):
    response = request.getfixturevalue(client_name).get(url(patient))
    assert response.status_code == status


def test_an_unknown_patient_is_not_found(clinician_client):
    response = clinician_client.get(
        reverse("printing:letter", args=["00000000-0000-0000-0000-000000000000"])
    )
    assert response.status_code == 404


@pytest.mark.parametrize("sessions", [1, 6])
def test_the_letter_costs_fixed_queries(clinician, sessions, django_assert_num_queries):
    patient = make_patient(referring_doctor=make_doctor())
    course(patient, clinician, sessions=sessions)
    patient.refresh_from_db()
    # 10 for the course and its results, 3 for the trend charts.
    with django_assert_num_queries(13):
        found = letters.courses_of(patient)
        letter = letters.build_letter(
            patient=patient, course=found[0], author=clinician
        )
    assert len(letter.session_days) == sessions
