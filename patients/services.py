"""Writes to patient records. Views, commands and the demo data call these.

Each write runs in one transaction with its history row, so a change is never
saved without its audit entry; edits lock the row and refuse a stale form
(optimistic locking on Patient.version).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

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


def patient_create(*, patient: Patient, user: Any = None) -> Patient:
    """Save a new patient with the next free chart number (SC-000001, ...)."""
    patient.full_clean(exclude=["chart_number"])
    # Two desks registering at the same moment may pick the same number; the
    # unique constraint refuses the second, which then takes the next one.
    for _attempt in range(5):
        patient.chart_number = _next_chart_number()
        try:
            with transaction.atomic():
                patient._history_user = user
                patient.save()
            return patient
        except IntegrityError:
            patient.pk = None
    raise IntegrityError("Could not allocate a chart number")


def _locked(patient: Patient) -> Patient:
    return Patient.objects.select_for_update().get(pk=patient.pk)


@transaction.atomic
def patient_update(
    *,
    patient: Patient,
    data: Mapping[str, Any],
    expected_version: int | None,
    user: Any = None,
) -> Patient:
    """Change a patient's demographics or history; refuse a stale form."""
    current = _locked(patient)
    current.check_version(expected_version)
    for name, value in data.items():
        setattr(current, name, value)
    current.full_clean()
    current.bump_version()
    current._history_user = user
    current.save()
    return current


@transaction.atomic
def patient_archive(*, patient: Patient, reason: str, user: Any = None) -> Patient:
    current = _locked(patient)
    current.archived_at = timezone.now()
    current.archive_reason = reason
    current.bump_version()
    current._history_user = user
    # The history row keeps 100 characters; archive_reason keeps it whole.
    current._change_reason = f"Archived: {reason}"[:100]
    current.save()
    patient.refresh_from_db()
    return current


@transaction.atomic
def patient_restore(*, patient: Patient, user: Any = None) -> Patient:
    current = _locked(patient)
    current.archived_at = None
    current.archive_reason = ""
    current.bump_version()
    current._history_user = user
    current._change_reason = "Restored from archive"
    current.save()
    patient.refresh_from_db()
    return current
