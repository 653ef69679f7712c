"""Reads for the merge page: a chart by its number, and what a chart holds."""

from __future__ import annotations

from doppler.models import DopplerAssessment
from patients.models import Patient
from treatments.models import TreatmentSession
from visits.models import FollowUpVisit


def find_chart(chart_number: str) -> Patient | None:
    """Return the patient with this chart number (any case, spaces ignored)."""
    number = "".join((chart_number or "").split()).upper()
    if not number:
        return None
    return Patient.objects.filter(chart_number=number).first()


def chart_contents(patient: Patient) -> dict[str, int]:
    """Return how many Dopplers, sessions and follow-ups the chart holds."""
    return {
        "dopplers": DopplerAssessment.objects.filter(patient=patient).count(),
        "sessions": TreatmentSession.objects.filter(patient=patient).count(),
        "visits": FollowUpVisit.objects.filter(patient=patient).count(),
    }
