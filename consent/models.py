"""Consent forms: the texts the manager keeps and the forms patients sign.

A `ConsentText` is one version of the text for one procedure in one
language. It is never edited: a change is a new version (a new row), so a
signed form always points at the words the patient read. A `SignedConsent`
is withdrawn or voided, never deleted; its file (the PDF made at signing,
or the scan of a paper form) lives in the private storage.
"""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.files.storage import Storage, storages
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from core.models import Voidable
from patients.models import Language, Patient

if TYPE_CHECKING:
    from django.contrib.auth.base_user import AbstractBaseUser


def private_storage() -> Storage:
    """The storage of private files (a callable: settings may change in tests)."""
    return storages["private"]


class Procedure(models.TextChoices):
    LIQUID = "liquid", _("Liquid sclerotherapy")
    FOAM = "foam", _("Foam sclerotherapy")
    PHOTOGRAPHY = "photography", _("Clinical photography")


class Method(models.TextChoices):
    TABLET = "tablet", _("Signed on the tablet")
    PAPER = "paper", _("Paper form, scanned")


class ConsentTextQuerySet(models.QuerySet):
    def active(self) -> ConsentTextQuerySet:
        return self.filter(active=True)


class ConsentText(models.Model):
    """One version of a consent text (procedure + language); never edited."""

    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    procedure = models.CharField(
        _("procedure"), max_length=12, choices=Procedure.choices
    )
    language = models.CharField(_("language"), max_length=2, choices=Language.choices)
    version = models.PositiveIntegerField(_("version"), editable=False)
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("text"))
    active = models.BooleanField(
        _("in use"),
        default=True,
        help_text=_("The version in use is the one patients are asked to sign."),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("created by"),
    )

    objects = ConsentTextQuerySet.as_manager()

    class Meta:
        verbose_name = _("consent text")
        verbose_name_plural = _("consent texts")
        ordering = ["procedure", "language", "-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["procedure", "language", "version"],
                name="consent_consenttext_one_version_number",
            ),
            # At most one version in use per procedure and language.
            models.UniqueConstraint(
                fields=["procedure", "language"],
                condition=Q(active=True),
                name="consent_consenttext_one_active",
            ),
        ]
        permissions = [("manage_consenttext", "Can write new consent text versions")]

    def __str__(self) -> str:
        return f"{self.get_procedure_display()} ({self.language}) v{self.version}"

    def get_absolute_url(self) -> str:
        return reverse("consent:text", kwargs={"code": self.code})

    @property
    def paragraphs(self) -> list[str]:
        """The body split at blank lines, each paragraph on one line."""
        body = self.body.replace("\r\n", "\n")
        blocks = [block.strip() for block in body.split("\n\n")]
        return [" ".join(block.split()) for block in blocks if block]


class SignedConsentQuerySet(models.QuerySet):
    def valid(self) -> SignedConsentQuerySet:
        """Neither withdrawn nor voided."""
        return self.filter(withdrawn_at__isnull=True, voided_at__isnull=True)


def _upload_to(instance: SignedConsent, filename: str) -> str:
    return f"consent/{instance.patient.code}/{filename}"


class SignedConsent(Voidable):
    """A patient's consent to a procedure, signed against one text version."""

    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    patient = models.ForeignKey(
        Patient, on_delete=models.PROTECT, related_name="consents"
    )
    procedure = models.CharField(
        _("procedure"), max_length=12, choices=Procedure.choices
    )
    text = models.ForeignKey(
        ConsentText,
        on_delete=models.PROTECT,
        related_name="signatures",
        verbose_name=_("text version"),
    )
    language = models.CharField(_("language"), max_length=2, choices=Language.choices)
    signed_at = models.DateTimeField(_("signed at"))
    method = models.CharField(_("method"), max_length=6, choices=Method.choices)
    witness = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("witness (staff)"),
    )
    witness_name = models.CharField(_("witness name"), max_length=200, blank=True)
    # The PNG the signature pad drew, as it came (tablet signatures only).
    signature_png = models.BinaryField(_("signature image"), blank=True, editable=False)
    file = models.FileField(
        _("signed form"), storage=private_storage, upload_to=_upload_to, max_length=255
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("recorded by"),
    )
    recorded_at = models.DateTimeField(_("recorded at"), auto_now_add=True)
    withdrawn_at = models.DateTimeField(_("withdrawn at"), null=True, blank=True)
    withdrawn_reason = models.CharField(
        _("reason for withdrawal"), max_length=255, blank=True
    )

    history = HistoricalRecords(excluded_fields=["signature_png"])
    objects = SignedConsentQuerySet.as_manager()

    if TYPE_CHECKING:
        _history_user: AbstractBaseUser | None
        _change_reason: str

    class Meta:
        verbose_name = _("signed consent")
        verbose_name_plural = _("signed consents")
        ordering = ["-signed_at", "-id"]
        indexes = [models.Index(fields=["patient", "procedure", "-signed_at"])]
        constraints = [
            models.CheckConstraint(
                condition=~Q(witness__isnull=True, witness_name=""),
                name="consent_signedconsent_has_witness",
            ),
            models.CheckConstraint(
                condition=Q(withdrawn_at__isnull=True, withdrawn_reason="")
                | Q(withdrawn_at__isnull=False) & ~Q(withdrawn_reason=""),
                name="consent_signedconsent_withdrawal_reason",
            ),
        ]
        permissions = [("sign_on_tablet", "Can take a signature on the tablet")]

    def __str__(self) -> str:
        return _("%(procedure)s v%(version)s, %(date)s") % {
            "procedure": self.get_procedure_display(),
            "version": self.text.version,
            "date": self.signed_at.date().isoformat(),
        }

    def get_absolute_url(self) -> str:
        return reverse("consent:file", kwargs={"code": self.code})

    @property
    def is_withdrawn(self) -> bool:
        return self.withdrawn_at is not None

    @property
    def is_valid(self) -> bool:
        return not self.is_withdrawn and not self.is_voided

    @property
    def witness_label(self) -> str:
        parts = []
        user = self.witness if self.witness_id else None
        if user is not None:
            parts.append(user.get_full_name() or user.get_username())
        if self.witness_name:
            parts.append(self.witness_name)
        return ", ".join(parts)
