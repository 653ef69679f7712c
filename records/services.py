"""Writes that span every clinical app: merging two charts of the same person.

A merge moves every Doppler, session and follow-up of one chart to the other
(each move saved with its history row, so both charts' history stays
readable), fills what the kept chart lacks from the other, and archives the
merged chart with the reason. Nothing is deleted.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils.translation import gettext as _

from accesslog.models import AccessEvent
from consent.models import SignedConsent
from core.validators import validate_reason
from doppler.models import DopplerAssessment
from outcomes.models import QuestionnaireInvitation, QuestionnaireResponse
from patients.models import Patient
from patients.services import patient_archive
from photos.models import ClinicalPhoto
from treatments.models import TreatmentSession
from treatments.summaries import sessions_changed
from visits.models import FollowUpVisit
from visits.summaries import visits_changed

# The records that belong to a chart, by model; with STAYING_MODELS, every
# relation to Patient.
MOVED_MODELS: tuple[type[models.Model], ...] = (
    DopplerAssessment,
    TreatmentSession,
    FollowUpVisit,
    SignedConsent,
    # With their sessions: a photo's patient is its session's.
    ClinicalPhoto,
    # Questionnaires asked and answered: the person's, whichever chart.
    QuestionnaireInvitation,
    QuestionnaireResponse,
)

# What stays with the merged chart: the access log says which chart was
# viewed, and that does not change when the chart is merged.
STAYING_MODELS: tuple[type[models.Model], ...] = (AccessEvent,)

# What identifies the chart or is bookkeeping: never copied from the other one.
_NOT_COPIED = {
    "id",
    "code",
    "chart_number",
    "first_name",
    "last_name",
    "date_of_birth",
    "sex",
    "language",
    "archived_at",
    "archive_reason",
    "created_at",
    "updated_at",
    "version",
}

# Free-text medical notes: the merged chart's are added to the kept chart's.
NOTE_FIELDS = {"allergy_notes", "history_notes"}

# The answer to a screening question that outranks the others; "not asked"
# (blank) ranks last.
YES = "yes"

# simple_history keeps 100 characters of a change reason; the archive reason
# ("Merged into SC-000123: " and this) 255.
CHANGE_REASON_LENGTH = 100
MAX_REASON_LENGTH = 200


def merge_reason_text(keep: Patient, reason: str) -> str:
    """Return the archive reason of the merged chart."""
    return f"Merged into {keep.chart_number}: {reason}"


def _is_empty(value: Any) -> bool:
    return value is None or value == ""


def _answer_rank(value: Any) -> int:
    """Rank a screening answer: yes, then any other answer, then not asked."""
    if _is_empty(value):
        return 0
    return 2 if value == YES else 1


def _combined_text(field: models.Field, kept: str, other: str) -> str:
    """Return both notes, the kept chart's first, within the field's length."""
    if not other or other.strip() in kept:
        return kept
    if not kept:
        return other
    separator = "\n" if isinstance(field, models.TextField) else "; "
    joined = f"{kept}{separator}{other}"
    if field.max_length and len(joined) > field.max_length:
        return kept  # the merged chart, archived, still reads in full
    return joined


def _merged_values(keep: Patient, merge: Patient) -> dict[str, Any]:
    """Return the kept chart's fields that change: what it lacks is filled
    from the other chart, a "yes" (or True) to a screening question on
    either chart stays, and the medical notes of both are kept."""
    changes: dict[str, Any] = {}
    for field in Patient._meta.concrete_fields:
        name = field.attname
        if name in _NOT_COPIED or not field.editable:
            continue
        kept, other = getattr(keep, name), getattr(merge, name)
        if _is_empty(other) or kept == other:
            continue
        value: Any
        if isinstance(field, models.BooleanField):
            value = bool(kept) or bool(other)
        elif field.choices and YES in {choice for choice, _label in field.choices}:
            value = kept if _answer_rank(kept) >= _answer_rank(other) else other
        elif _is_empty(kept):
            value = other
        elif name in NOTE_FIELDS and isinstance(kept, str):
            value = _combined_text(field, kept, other)
        else:
            value = kept  # the kept chart's own phone, address, weight...
        if value != kept:
            changes[name] = value
    return changes


def _validated_reason(reason: str) -> str:
    reason = (reason or "").strip()
    try:
        validate_reason(reason)
    except ValidationError as error:
        raise ValidationError({"reason": error.messages}) from None
    if len(reason) > MAX_REASON_LENGTH:
        raise ValidationError(
            {
                "reason": [
                    _("Keep the reason under %(n)d characters.")
                    % {"n": MAX_REASON_LENGTH}
                ]
            },
            code="max_length",
        )
    return reason


@transaction.atomic
def patient_merge(*, keep: Patient, merge: Patient, user: Any, reason: str) -> Patient:
    """Merge chart `merge` into chart `keep` and return the kept patient.

    Locks both patients (in id order, so two merges never deadlock), moves
    every record of `merge` to `keep` through save() with the user and the
    reason (one history row per record moved), completes `keep` without
    overwriting anything it holds, and archives `merge` with "Merged into
    SC-xxxxxx: <reason>". Raises ValidationError keyed by field.
    """
    reason = _validated_reason(reason)
    if keep.pk == merge.pk:
        raise ValidationError(
            {"other": [_("A chart cannot be merged into itself.")]}, code="same"
        )
    locked = {
        patient.pk: patient
        for patient in Patient.objects.select_for_update()
        .filter(pk__in=[keep.pk, merge.pk])
        .order_by("pk")
    }
    kept, merged = locked[keep.pk], locked[merge.pk]
    if kept.is_archived:
        raise ValidationError(
            {"other": [_("The chart to keep is archived: restore it first.")]},
            code="archived",
        )
    if merged.is_archived:
        raise ValidationError(
            {"other": [_("This chart is archived: restore it before merging.")]},
            code="archived",
        )
    moved_reason = f"Moved from {merged.chart_number} to {kept.chart_number}: {reason}"
    moved_reason = moved_reason[:CHANGE_REASON_LENGTH]
    for model in MOVED_MODELS:
        records = model._default_manager.select_for_update().filter(patient=merged)
        for record in records.order_by("pk"):
            record.patient = kept  # type: ignore[attr-defined]
            if hasattr(record, "bump_version"):
                record.bump_version()
            record._history_user = user  # type: ignore[attr-defined]
            record._change_reason = moved_reason  # type: ignore[attr-defined]
            record.save()
    # The sessions' pointers and follow-up flags are the patient's; the day
    # summaries count by day and clinician, which a merge does not change.
    for patient in (kept, merged):
        visits_changed(patient_id=patient.pk, keys=[], lock=False)
        sessions_changed(patient_id=patient.pk, keys=[], lock=False)
    changes = _merged_values(kept, merged)
    for name, value in changes.items():
        setattr(kept, name, value)
    kept.bump_version()
    kept._history_user = user
    kept._change_reason = (
        f"Chart {merged.chart_number} merged into this one: {reason}"
    )[:CHANGE_REASON_LENGTH]
    kept.save()
    patient_archive(patient=merged, reason=merge_reason_text(kept, reason), user=user)
    keep.refresh_from_db()
    merge.refresh_from_db()
    return kept
