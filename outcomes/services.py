"""Recording and voiding questionnaire responses.

`record_response` checks the answers against the instrument's scales,
scores them, and stores the response with its answers in one transaction.
With an invitation, the invitation's row is locked first: a second answer
through the same link, even sent at the same moment, is refused, and the
invitation is marked answered. `void_response` voids with a reason; nothing
is deleted. Every change is in the audit trail (simple_history).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.validators import validate_reason
from outcomes import course_summaries, scoring
from outcomes.models import (
    Instrument,
    InvitationStatus,
    QuestionnaireAnswer,
    QuestionnaireInvitation,
    QuestionnaireResponse,
    ResponseSource,
    Timepoint,
)
from patients.models import Patient


def record_response(
    *,
    patient: Patient,
    instrument: Instrument,
    answers: scoring.Answers,
    source: str,
    language: str,
    user: Any = None,
    invitation: QuestionnaireInvitation | None = None,
    timepoint: str,
    answered_at: datetime | None = None,
) -> QuestionnaireResponse:
    """Store a filled questionnaire and its score; ValidationError on bad
    answers, or when the invitation cannot take an answer any more."""
    if source not in ResponseSource.values:
        raise ValidationError({"source": _("Unknown source.")})
    if timepoint not in Timepoint.values:
        raise ValidationError({"timepoint": _("Choose a timepoint.")})
    if not instrument.active:
        raise ValidationError(_("This questionnaire is no longer in use."))
    answered_at = answered_at or timezone.now()
    if answered_at > timezone.now() + timedelta(minutes=5):
        raise ValidationError({"answered_at": _("The date cannot be in the future.")})
    items = list(instrument.items.all())
    clean = scoring.check_answers(instrument, answers, items=items)
    score = scoring.score_of(instrument, clean, items=items)
    user = user if getattr(user, "is_authenticated", False) else None
    with transaction.atomic():
        if invitation is not None:
            locked = QuestionnaireInvitation.objects.select_for_update().get(
                pk=invitation.pk
            )
            if locked.patient_id != patient.pk or locked.instrument_id != instrument.pk:
                raise ValidationError(
                    _("This invitation is for another questionnaire.")
                )
            if (
                locked.status == InvitationStatus.ANSWERED
                or locked.answered_at is not None
                or QuestionnaireResponse.objects.filter(invitation=locked).exists()
            ):
                raise ValidationError(
                    _("This questionnaire has already been filled in.")
                )
            if locked.status == InvitationStatus.CANCELLED:
                raise ValidationError(_("This questionnaire is no longer needed."))
            invitation = locked
        response = QuestionnaireResponse(
            patient=patient,
            instrument=instrument,
            invitation=invitation,
            timepoint=timepoint,
            answered_at=answered_at,
            source=source,
            language=language[:2] if language else patient.language,
            entered_by=user,
            score=score,
        )
        response._history_user = user  # type: ignore[attr-defined]
        response._change_reason = f"Questionnaire filled ({source})"  # type: ignore[attr-defined]
        response.save()
        for item in items:
            answer = QuestionnaireAnswer(
                response=response, item=item, value=clean.get(item.key)
            )
            answer._history_user = user  # type: ignore[attr-defined]
            answer.save()
        if invitation is not None:
            invitation.status = InvitationStatus.ANSWERED
            invitation.answered_at = answered_at
            invitation._history_user = user  # type: ignore[attr-defined]
            invitation._change_reason = "Answered"  # type: ignore[attr-defined]
            invitation.save(update_fields=["status", "answered_at"])
        # The clinic trends' symptom score before and after each course.
        course_summaries.patient_refresh(patient.pk)
    return response


def void_response(
    response: QuestionnaireResponse, user: Any, reason: str
) -> QuestionnaireResponse:
    """Void a response with a reason; it stays, marked void, in the record.
    Its invitation stays answered: the link is not reopened."""
    reason = (reason or "").strip()
    try:
        validate_reason(reason)
    except ValidationError as error:
        raise ValidationError({"reason": error.messages}) from None
    with transaction.atomic():
        current = QuestionnaireResponse.objects.select_for_update().get(pk=response.pk)
        current.mark_voided(user=user, reason=reason[:255])
        current._history_user = user  # type: ignore[attr-defined]
        current._change_reason = f"Voided: {reason}"[:100]  # type: ignore[attr-defined]
        current.save()
        course_summaries.patient_refresh(current.patient_id)
    return current
