"""Reads of Doppler assessments."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Any

from django.utils.translation import gettext as _

from core.amend import Snapshot, as_of, rows_as_of, side_by_side, snapshot
from doppler.models import DopplerAssessment, DopplerFinding
from doppler.segments import Thrombus
from patients.models import Leg, Patient


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


# What a correction's addendum lists: the header fields a person enters
# (the derived highest class and VCSS total follow from them).
_SNAPSHOT_EXCLUDED = {"id", "code", "patient", "ceap_right", "ceap_left"}


def assessment_snapshot(
    assessment: DopplerAssessment, findings: Iterable[DopplerFinding]
) -> Snapshot:
    """Return the assessment's fields and segment findings in words."""
    names = [
        field.name
        for field in DopplerAssessment._meta.concrete_fields
        if field.editable and field.name not in _SNAPSHOT_EXCLUDED
    ]
    extra = {}
    for finding in findings:
        parts = []
        if finding.reflux_s is not None:
            parts.append(_("reflux %(s)s s") % {"s": finding.reflux_s})
        if finding.diameter_mm is not None:
            parts.append(_("%(mm)s mm") % {"mm": finding.diameter_mm})
        if finding.thrombus and finding.thrombus != Thrombus.NONE:
            parts.append(str(finding.get_thrombus_display()))
        if finding.note:
            parts.append(finding.note)
        label = f"{finding.segment} ({Leg(finding.leg).label.lower()})"
        extra[f"finding-{finding.leg}-{finding.segment}"] = (label, ", ".join(parts))
    return snapshot(assessment, names, extra)


def assessment_as_signed(assessment: DopplerAssessment) -> list[dict[str, Any]] | None:
    """Return the assessment as it was signed beside what it holds now:
    [{label, signed, now}], from the history row current at sign-off, or
    None when it is not signed (or its history is missing)."""
    if assessment.signed_at is None:
        return None
    row = as_of(assessment.history, assessment.signed_at)
    if row is None:
        return None
    history = DopplerFinding.history.filter(assessment_id=assessment.pk)
    findings = [r.instance for r in rows_as_of(history, assessment.signed_at)]
    signed = assessment_snapshot(row.instance, findings)
    now = assessment_snapshot(assessment, list(assessment.findings.all()))
    return side_by_side(signed, now)
