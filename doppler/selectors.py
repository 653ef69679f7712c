"""Reads of Doppler assessments."""

from __future__ import annotations

from datetime import date

from doppler.models import DopplerAssessment
from patients.models import Patient


def latest_doppler(
    patient: Patient, *, on_or_before: date | None = None
) -> DopplerAssessment | None:
    """Return the patient's latest assessment that is not voided, done on or
    before `on_or_before` when given (only a study done before a session can
    have guided it)."""
    assessments = DopplerAssessment.objects.filter(
        patient=patient, voided_at__isnull=True
    )
    if on_or_before is not None:
        assessments = assessments.filter(assessed_on__lte=on_or_before)
    return (
        assessments.prefetch_related("findings").order_by("-assessed_on", "-id").first()
    )
