"""Adding and voiding clinical photos: every way in goes through these."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils.translation import gettext as _

from consent.selectors import has_photo_consent
from core.validators import validate_reason
from photos.imaging import CleanPhoto
from photos.models import ClinicalPhoto, private_storage
from treatments.models import TreatmentSession

ADD_PERM = "photos.add_clinicalphoto"
VIEW_PERM = "photos.view_clinicalphoto"
VOID_PERM = "photos.void_clinicalphoto"


def no_consent_message() -> str:
    return _(
        "The patient has not signed the photography consent (or withdrew it): "
        "no photo can be taken. Have the consent signed first."
    )


def photo_add(
    *,
    session: TreatmentSession,
    user: Any,
    photo: CleanPhoto,
    phase: str,
    leg: str,
    view: str,
    taken_at: datetime,
    notes: str = "",
) -> ClinicalPhoto:
    """Store a cleaned photo of the session's patient; refuse without consent
    or on a voided session (ValidationError keyed by field)."""
    with transaction.atomic():
        current = TreatmentSession.objects.select_for_update().get(pk=session.pk)
        if current.is_voided:
            raise ValidationError(
                {"image": [_("The session is voided: no photo can be added to it.")]}
            )
        if not has_photo_consent(current.patient):
            raise ValidationError({"image": [no_consent_message()]})
        record = ClinicalPhoto(
            patient_id=current.patient_id,
            session=current,
            phase=phase,
            leg=leg,
            view=view,
            taken_at=taken_at,
            notes=notes,
            uploaded_by=user,
            width=photo.width,
            height=photo.height,
            byte_size=len(photo.image),
            sha256=photo.sha256,
        )
        record.image.save(f"{record.code}.jpg", ContentFile(photo.image), save=False)
        record.thumbnail.save(
            f"{record.code}-thumb.jpg", ContentFile(photo.thumbnail), save=False
        )
        # A refused save leaves no file behind.
        stored = [record.image.name, record.thumbnail.name]
        try:
            record.full_clean(exclude=["image", "thumbnail"])
            record._history_user = user
            record._change_reason = "Photo added"
            record.save()
        except Exception:
            for name in stored:
                private_storage().delete(name)
            raise
    return record


def photo_void(*, photo: ClinicalPhoto, user: Any, reason: str) -> ClinicalPhoto:
    """Void a photo with a reason; the record and its file stay."""
    reason = (reason or "").strip()
    try:
        validate_reason(reason)
    except ValidationError as error:
        raise ValidationError({"reason": error.messages}) from None
    with transaction.atomic():
        current = ClinicalPhoto.objects.select_for_update().get(pk=photo.pk)
        current.mark_voided(user=user, reason=reason[:255])
        current._history_user = user
        current._change_reason = f"Voided: {reason}"[:100]
        current.save()
    return current
