"""Reads of Doppler assessments."""

from __future__ import annotations

from doppler.models import DopplerAssessment
from patients.models import Patient


def latest_doppler(patient: Patient) -> DopplerAssessment | None:
    """Return the patient's latest assessment that is not voided."""
    return (
        DopplerAssessment.objects.filter(patient=patient, voided_at__isnull=True)
        .order_by("-assessed_on", "-id")
        .first()
    )
