"""Writes to patient records. Views, admin actions and commands call these."""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.utils import timezone

from patients.models import Patient

CHART_PREFIX = "SC-"


def _next_chart_number() -> str:
    last = (
        Patient.objects.filter(chart_number__startswith=CHART_PREFIX)
        .order_by("-chart_number")
        .values_list("chart_number", flat=True)
        .first()
    )
    number = int(last[len(CHART_PREFIX) :]) + 1 if last else 1
    return f"{CHART_PREFIX}{number:06d}"


def patient_create(*, patient: Patient) -> Patient:
    """Save a new patient with the next free chart number (SC-000001, ...)."""
    patient.full_clean(exclude=["chart_number"])
    # Two desks registering at the same moment may pick the same number; the
    # unique constraint refuses the second, which then takes the next one.
    for _attempt in range(5):
        patient.chart_number = _next_chart_number()
        try:
            with transaction.atomic():
                patient.save()
            return patient
        except IntegrityError:
            patient.pk = None
    raise IntegrityError("Could not allocate a chart number")


def patient_archive(*, patient: Patient, reason: str) -> Patient:
    patient.archived_at = timezone.now()
    patient.archive_reason = reason
    patient._change_reason = f"Archived: {reason}"
    patient.save(update_fields=["archived_at", "archive_reason", "updated_at"])
    return patient


def patient_restore(*, patient: Patient) -> Patient:
    patient.archived_at = None
    patient.archive_reason = ""
    patient._change_reason = "Restored from archive"
    patient.save(update_fields=["archived_at", "archive_reason", "updated_at"])
    return patient
