"""Questions other apps ask about a patient's consents."""

from __future__ import annotations

from typing import Any

from consent.models import ConsentText, Procedure, SignedConsent


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


def consents_of(patient: Any) -> list[SignedConsent]:
    """Return all the patient's consents, newest first (one query)."""
    return list(
        SignedConsent.objects.filter(patient=patient)
        .select_related("text", "witness")
        .order_by("-signed_at", "-id")
    )


def current_text(procedure: str, language: str) -> ConsentText | None:
    """Return the version in use for `procedure` in `language`, else in English."""
    texts = {
        text.language: text
        for text in ConsentText.objects.active().filter(procedure=procedure)
    }
    return texts.get(language) or texts.get("en") or next(iter(texts.values()), None)
