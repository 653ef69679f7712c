"""Writes on consent texts and signed consents, each in one transaction."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from consent.files import scan_without_metadata
from consent.models import ConsentText, Method, SignedConsent
from consent.pdf import render_consent_pdf
from core.validators import validate_reason


@transaction.atomic
def text_add_version(
    *, procedure: str, language: str, title: str, body: str, user: Any
) -> ConsentText:
    """Write a new version of the text of `procedure` in `language`; it is
    the one in use from now on. Earlier versions stay as they were."""
    # Lock the earlier versions so that two managers saving at once do not
    # both take the same version number.
    earlier = ConsentText.objects.select_for_update().filter(
        procedure=procedure, language=language
    )
    latest = earlier.aggregate(latest=Max("version"))["latest"] or 0
    earlier.filter(active=True).update(active=False)
    text = ConsentText(
        procedure=procedure,
        language=language,
        version=latest + 1,
        title=title.strip(),
        body=body.strip(),
        active=True,
        created_by=user,
    )
    text.full_clean()
    text.save()
    return text


def _check_witness(witness: Any, witness_name: str) -> None:
    if witness is None and not (witness_name or "").strip():
        raise ValidationError(
            {"witness": _("Name the witness: a member of staff or their name.")}
        )


def _check_text(patient: Any, procedure: str, text: ConsentText) -> None:
    if text.procedure != procedure:
        raise ValidationError({"text": _("This text is for another procedure.")})
    if patient.is_archived:
        raise ValidationError(
            _(
                "This patient's chart is archived: restore it before recording "
                "a consent."
            )
        )


@transaction.atomic
def consent_sign_on_tablet(
    *,
    patient: Any,
    procedure: str,
    text: ConsentText,
    signature_png: bytes,
    witness: Any,
    witness_name: str,
    user: Any,
) -> SignedConsent:
    """Record a consent signed on the tablet now and store its PDF."""
    _check_text(patient, procedure, text)
    _check_witness(witness, witness_name)
    consent = SignedConsent(
        patient=patient,
        procedure=procedure,
        text=text,
        language=text.language,
        signed_at=timezone.now(),
        method=Method.TABLET,
        witness=witness,
        witness_name=(witness_name or "").strip(),
        signature_png=signature_png,
        recorded_by=user,
    )
    pdf = render_consent_pdf(consent, signature_png)
    stamp = timezone.localtime(consent.signed_at).strftime("%Y%m%d-%H%M%S")
    consent.file.save(
        f"consent-{procedure}-{patient.chart_number}-{stamp}.pdf",
        ContentFile(pdf),
        save=False,
    )
    consent.full_clean(exclude=["file"])
    consent._history_user = user
    consent._change_reason = "Signed on the tablet"
    consent.save()
    return consent


@transaction.atomic
def consent_record_paper(
    *,
    patient: Any,
    procedure: str,
    text: ConsentText,
    signed_at: datetime,
    scan: Any,
    extension: str,
    witness: Any,
    witness_name: str,
    user: Any,
) -> SignedConsent:
    """Record a consent signed on paper, with the scan of the signed form."""
    _check_text(patient, procedure, text)
    _check_witness(witness, witness_name)
    if signed_at > timezone.now():
        raise ValidationError({"signed_at": _("The signing date is in the future.")})
    consent = SignedConsent(
        patient=patient,
        procedure=procedure,
        text=text,
        language=text.language,
        signed_at=signed_at,
        method=Method.PAPER,
        witness=witness,
        witness_name=(witness_name or "").strip(),
        recorded_by=user,
    )
    day = timezone.localtime(signed_at).strftime("%Y%m%d")
    scan.seek(0)
    consent.file.save(
        f"consent-{procedure}-{patient.chart_number}-{day}-scan.{extension}",
        ContentFile(scan_without_metadata(scan.read(), extension)),
        save=False,
    )
    consent.full_clean(exclude=["file"])
    consent._history_user = user
    consent._change_reason = "Paper form scanned"
    consent.save()
    return consent


@transaction.atomic
def consent_withdraw(
    *, consent: SignedConsent, reason: str, user: Any
) -> SignedConsent:
    """The patient withdraws the consent; the record and its file stay."""
    current = SignedConsent.objects.select_for_update().get(pk=consent.pk)
    if current.is_withdrawn:
        raise ValidationError({"reason": _("This consent is already withdrawn.")})
    if current.is_voided:
        raise ValidationError({"reason": _("This consent was voided.")})
    validate_reason(reason)
    current.withdrawn_at = timezone.now()
    current.withdrawn_reason = reason.strip()
    current._history_user = user
    current._change_reason = "Withdrawn"
    current.save()
    return current


@transaction.atomic
def consent_void(*, consent: SignedConsent, reason: str, user: Any) -> SignedConsent:
    """Void a consent recorded by mistake (wrong patient, wrong scan)."""
    current = SignedConsent.objects.select_for_update().get(pk=consent.pk)
    validate_reason(reason)
    current.mark_voided(user=user, reason=reason.strip())
    current._history_user = user
    current._change_reason = "Voided"
    current.save()
    return current
