"""Bookings the safety net refuses: one patient in two places at once, and
times no clinic could hold (year 1, year 9999)."""

from __future__ import annotations

from datetime import time

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from core.clock import local_datetime
from tests.helpers import tomorrow_at
from visits import services
from visits.models import FollowUpVisit, VisitPurpose

pytestmark = [pytest.mark.django_db, pytest.mark.date_dependent]


def book(patient, clinician, starts_at, minutes=20):
    return services.visit_book(
        patient=patient,
        clinician=clinician,
        starts_at=starts_at,
        duration_min=minutes,
        purpose=VisitPurpose.CHECK,
    )


def test_the_same_patient_with_two_clinicians_at_once_is_refused(
    patient, clinician, colleague
):
    book(patient, clinician, tomorrow_at(9, 0), minutes=30)
    with pytest.raises(ValidationError) as error:
        book(patient, colleague, tomorrow_at(9, 20))
    message = error.value.message_dict["starts_at"][0]
    assert "This patient already has a visit 09:00–09:30" in message
    assert FollowUpVisit.objects.count() == 1
    # Back to back is fine.
    book(patient, colleague, tomorrow_at(9, 30))


def test_moving_a_visit_onto_the_patients_other_visit_is_refused(
    patient, clinician, colleague
):
    first = book(patient, clinician, tomorrow_at(9, 0))
    second = book(patient, colleague, tomorrow_at(11, 0))
    with pytest.raises(ValidationError):
        services.visit_reschedule(
            visit=second,
            starts_at=tomorrow_at(9, 10),
            duration_min=20,
            clinician=colleague,
            expected_version=second.version,
            reason="The patient asked",
        )
    # Moving a visit within its own slot does not collide with itself.
    services.visit_reschedule(
        visit=first,
        starts_at=tomorrow_at(9, 5),
        duration_min=20,
        clinician=clinician,
        expected_version=first.version,
        reason="The patient asked",
    )


@pytest.mark.parametrize("day", ["0001-01-01", "9999-12-31", "1899-12-31"])
def test_implausible_booking_dates_are_field_errors(
    frontdesk_client, patient, clinician, day
):
    url = reverse("visits:create", args=[patient.code])
    response = frontdesk_client.post(
        url,
        {
            "purpose": "check",
            "date": day,
            "time": "23:55",
            "duration_min": "20",
            "clinician": str(clinician.pk),
        },
    )
    assert response.status_code == 200
    assert "date" in response.context["form"].errors
    assert not FollowUpVisit.objects.exists()


def test_the_service_refuses_year_9999_without_overflowing(patient, clinician):
    late = local_datetime(
        timezone.localdate().replace(year=9999, month=12, day=31), time(23, 55)
    )
    with pytest.raises(ValidationError) as error:
        book(patient, clinician, late)
    assert "starts_at" in error.value.message_dict
