"""Clinical photos: before and after pictures of a leg, per treatment session.

The image and its thumbnail live in the private storage (storages["private"]),
re-encoded without any metadata (photos.imaging); they are read only through
photos.views, which check the role and write the access log. A photo is
voided with a reason, never deleted; its file stays.
"""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.files.storage import Storage, storages
from django.core.validators import MaxLengthValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from simple_history.models import HistoricalRecords

from core.models import Voidable
from core.validators import validate_clinical_date
from patients.models import Leg, Patient
from treatments.models import TreatmentSession

if TYPE_CHECKING:
    from django.contrib.auth.base_user import AbstractBaseUser

MAX_NOTES_LENGTH = 5000


def private_storage() -> Storage:
    """Return the private storage (a callable, so settings decide at run time)."""
    return storages["private"]


class Phase(models.TextChoices):
    BEFORE = "before", _("Before treatment")
    AFTER = "after", _("After treatment")


class View(models.TextChoices):
    """The standard views of a leg photo."""

    FRONT = "front", pgettext_lazy("photo view", "Front")
    BACK = "back", pgettext_lazy("photo view", "Back")
    INNER = "inner", pgettext_lazy("photo view", "Inner (medial)")
    OUTER = "outer", pgettext_lazy("photo view", "Outer (lateral)")


class PhotoQuerySet(models.QuerySet):
    def active(self) -> PhotoQuerySet:
        return self.filter(voided_at__isnull=True)


class ClinicalPhoto(Voidable):
    """One photo of one leg from one standard view, before or after a session."""

    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    # Denormalised from the session, for a patient's photos in one lookup.
    patient = models.ForeignKey(
        Patient, on_delete=models.PROTECT, related_name="clinical_photos"
    )
    session = models.ForeignKey(
        TreatmentSession,
        on_delete=models.PROTECT,
        related_name="photos",
        verbose_name=_("session"),
    )
    phase = models.CharField(_("before or after"), max_length=6, choices=Phase.choices)
    leg = models.CharField(_("leg"), max_length=1, choices=Leg.choices)
    view = models.CharField(_("view"), max_length=5, choices=View.choices)
    taken_at = models.DateTimeField(_("taken at"), validators=[validate_clinical_date])
    image = models.FileField(
        storage=private_storage,
        upload_to="photos/%Y/%m/",
        max_length=200,
        editable=False,
    )
    thumbnail = models.FileField(
        storage=private_storage,
        upload_to="photos/%Y/%m/",
        max_length=200,
        editable=False,
    )
    width = models.PositiveIntegerField(editable=False)
    height = models.PositiveIntegerField(editable=False)
    byte_size = models.PositiveIntegerField(editable=False)
    # SHA-256 of the stored (re-encoded) file, as hex.
    sha256 = models.CharField(max_length=64, editable=False)
    notes = models.TextField(
        _("notes"), blank=True, validators=[MaxLengthValidator(MAX_NOTES_LENGTH)]
    )
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        editable=False,
    )
    uploaded_at = models.DateTimeField(default=timezone.now, editable=False)

    history = HistoricalRecords()
    objects = PhotoQuerySet.as_manager()

    if TYPE_CHECKING:
        # Set before save(); django-simple-history copies them to the history row.
        _history_user: AbstractBaseUser | None
        _change_reason: str

    class Meta:
        verbose_name = _("clinical photo")
        verbose_name_plural = _("clinical photos")
        ordering = ["taken_at", "id"]
        # The comparison page reads a patient's photos of one leg and view by date.
        indexes = [models.Index(fields=["patient", "leg", "view", "taken_at"])]
        constraints = [
            models.CheckConstraint(
                name="photos_clinicalphoto_choices",
                condition=Q(phase__in=Phase.values)
                & Q(leg__in=Leg.values)
                & Q(view__in=View.values),
            ),
            models.CheckConstraint(
                name="photos_clinicalphoto_sha256",
                condition=Q(sha256__regex=r"^[0-9a-f]{64}$"),
            ),
        ]
        permissions = [("void_clinicalphoto", "Can void a clinical photo")]

    def __str__(self) -> str:
        return (
            f"{self.get_phase_display()} · {self.get_leg_display()} · "
            f"{self.get_view_display()} · {timezone.localtime(self.taken_at):%Y-%m-%d}"
        )

    def file_name(self) -> str:
        """Return the stored file's own name (without its folder)."""
        return self.image.name.rsplit("/", 1)[-1]
