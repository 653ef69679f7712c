"""Questions other apps ask about a patient's consents."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from django.db.models import Q
from django.utils import timezone

from consent.models import ConsentText, Procedure, SignedConsent
from core.prepared import PreparedQuery


def has_photo_consent(patient: Any) -> bool:
    """Return True if the patient has a signed photography consent that is
    neither withdrawn nor voided."""
    return valid_consent(patient, Procedure.PHOTOGRAPHY) is not None


def valid_consent(patient: Any, procedure: str) -> SignedConsent | None:
    """Return the patient's latest valid consent to `procedure`, or None."""
    if patient is None or patient.pk is None:
        return None
    return (
        SignedConsent.objects.valid()
        .filter(patient=patient, procedure=procedure)
        .select_related("text")
        .order_by("-signed_at", "-id")
        .first()
    )


# Built and compiled once (core.prepared): the patient page reads it.
_CONSENTS_OF = PreparedQuery(
    lambda patient_id: (
        SignedConsent.objects.filter(patient_id=patient_id)
        .select_related("text", "witness")
        .order_by("-signed_at", "-id")
    )
)


def consents_of(patient: Any) -> list[SignedConsent]:
    """Return all the patient's consents, newest first (one query)."""
    return _CONSENTS_OF(patient.pk)


def current_text(procedure: str, language: str) -> ConsentText | None:
    """Return the version in use for `procedure` in `language`, else in English."""
    texts = {
        text.language: text
        for text in ConsentText.objects.active().filter(procedure=procedure)
    }
    return texts.get(language) or texts.get("en") or next(iter(texts.values()), None)


def consent_covering(
    patient: Any, procedure: str, at: datetime
) -> SignedConsent | None:
    """Return the patient's consent to `procedure` that was in force at `at`:
    signed that day or before, not voided, not withdrawn by then."""
    day = _clinic_day(at)
    if patient is None or patient.pk is None or day is None:
        return None
    return (
        SignedConsent.objects.filter(
            patient=patient,
            procedure=procedure,
            voided_at__isnull=True,
            signed_at__date__lte=day,
        )
        .filter(Q(withdrawn_at__isnull=True) | Q(withdrawn_at__gt=at))
        .select_related("text")
        .order_by("-signed_at", "-id")
        .first()
    )


def treatment_consents(patient: Any, at: datetime | None = None) -> dict[str, Any]:
    """Return the consents to liquid and to foam sclerotherapy in force at
    `at` (now by default), by procedure, in one query."""
    day = _clinic_day(at) if at is not None else None
    if day is None:
        # No time, or one out of range (a refused form shows it back).
        at = timezone.now()
        day = timezone.localdate()
    if patient is None or patient.pk is None:
        return {}
    found: dict[str, Any] = {}
    for consent in (
        SignedConsent.objects.filter(
            patient=patient,
            procedure__in=[Procedure.LIQUID, Procedure.FOAM],
            voided_at__isnull=True,
            signed_at__date__lte=day,
        )
        .filter(Q(withdrawn_at__isnull=True) | Q(withdrawn_at__gt=at))
        .select_related("text")
        .order_by("-signed_at", "-id")
    ):
        found.setdefault(consent.procedure, consent)
    return found


def _clinic_day(at: Any) -> date | None:
    """Return the clinic day of `at`, or None for a time out of range."""
    if not isinstance(at, datetime):
        return None
    if timezone.is_naive(at):
        return None
    try:
        # The database compares it in UTC: it must fit there too.
        at.astimezone(UTC)
        return timezone.localtime(at).date()
    except (OverflowError, ValueError):
        return None
