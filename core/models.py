"""Pieces every clinical record shares, and the clinic's own letterhead.

`Voidable`: clinical records are voided with a reason, never deleted.
`Versioned`: optimistic locking; every editable clinical record carries a
version that each save increments, and a form posted with an older version
is refused with who changed the record in between.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.core.validators import MaxLengthValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from simple_history.models import HistoricalRecords

if TYPE_CHECKING:
    from django.contrib.auth.base_user import AbstractBaseUser


class Voidable(models.Model):
    """Clinical records are voided with a reason instead of being deleted."""

    voided_at = models.DateTimeField(null=True, blank=True, editable=False)
    voided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        editable=False,
        on_delete=models.PROTECT,
        related_name="+",
    )
    void_reason = models.CharField(max_length=255, blank=True, editable=False)

    class Meta:
        abstract = True

    @property
    def is_voided(self) -> bool:
        return self.voided_at is not None

    def mark_voided(self, *, user, reason: str) -> None:
        """Set the void fields (the caller saves, with the record's lock held)."""
        if self.is_voided:
            raise ValidationError({"reason": _("This record is already voided.")})
        self.voided_at = timezone.now()
        self.voided_by = user
        self.void_reason = reason


class Versioned(models.Model):
    """Optimistic locking: a stale form never overwrites a newer save."""

    version = models.PositiveIntegerField(default=1, editable=False)

    class Meta:
        abstract = True

    def check_version(self, expected: int | None) -> None:
        """Refuse the save when `expected` (the version the form was opened
        on) is not the stored one; name who saved in between and when.

        Call it on the row read with select_for_update().
        """
        if expected is None or int(expected) == self.version:
            return
        raise ValidationError({NON_FIELD_ERRORS: [self.stale_message()]}, code="stale")

    def last_change(self) -> tuple[Any, datetime | None]:
        """Return who saved the record last and when, from its latest history
        row (one query); (None, updated_at) for a record without history."""
        history = getattr(self, "history", None)
        last = history.select_related("history_user").first() if history else None
        user = getattr(last, "history_user", None)
        when = getattr(last, "history_date", None) or getattr(self, "updated_at", None)
        return user, when

    def stale_message(self) -> str:
        user, when = self.last_change()
        who = (
            (user.get_full_name() or user.get_username()) if user else _("someone else")
        )
        return _(
            "This %(record)s was changed by %(who)s at %(time)s after you opened "
            "it. Your changes are still on this page: open the record in another "
            "tab to see theirs, then save again."
        ) % {
            "record": self._meta.verbose_name,
            "who": who,
            "time": timezone.localtime(when).strftime("%H:%M") if when else "?",
        }

    def bump_version(self) -> None:
        self.version += 1


class Signable(models.Model):
    """Sign-off: the clinician who did the work signs the record once it is
    complete; after that, a change is an addendum beside the original."""

    signed_at = models.DateTimeField(
        gettext_lazy("signed at"), null=True, blank=True, editable=False
    )
    signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=gettext_lazy("signed by"),
        null=True,
        blank=True,
        editable=False,
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        abstract = True

    @property
    def is_signed(self) -> bool:
        return self.signed_at is not None

    def mark_signed(self, *, user) -> None:
        """Set the sign-off fields (the caller saves, with the record's lock held)."""
        if self.is_signed:
            raise ValidationError(
                {NON_FIELD_ERRORS: [_("This record is already signed.")]}
            )
        if getattr(self, "is_voided", False):
            raise ValidationError(
                {NON_FIELD_ERRORS: [_("A voided record cannot be signed.")]}
            )
        self.signed_at = timezone.now()
        self.signed_by = user


class AddendumKind(models.TextChoices):
    CORRECTION = "correction", gettext_lazy("correction")
    REACTION = "reaction", gettext_lazy("reaction")
    NOTE = "note", gettext_lazy("note")


class Addendum(models.Model):
    """Something added to a clinical record after the fact: who, when, why.

    Append-only: written once by a service, never changed or deleted (the
    admin shows it read-only and no page edits it). A correction holds the
    reason and the values it changed, [{field, label, old, new}], as the
    record showed them; the correction itself is also applied to the record.
    """

    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=gettext_lazy("author"),
    )
    created_at = models.DateTimeField(gettext_lazy("written at"), auto_now_add=True)
    kind = models.CharField(
        gettext_lazy("kind"), max_length=10, choices=AddendumKind.choices
    )
    text = models.TextField(gettext_lazy("text"))
    changes = models.JSONField(gettext_lazy("changes"), default=list, blank=True)
    # For a reaction: when it was noticed (may be days after the session).
    noticed_at = models.DateTimeField(gettext_lazy("noticed at"), null=True, blank=True)

    if TYPE_CHECKING:
        _history_user: AbstractBaseUser | None
        _change_reason: str

    class Meta:
        abstract = True
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.created_at:%Y-%m-%d %H:%M}"


class Letterhead(models.Model):
    """The clinic's letterhead on printed sheets; one row, edited by the manager."""

    # Longest address or footer the form takes: a few lines at the foot of a page.
    TEXT_MAX_LENGTH = 500

    clinic_name = models.CharField(
        gettext_lazy("clinic name"), max_length=120, default="Sclero Clinic"
    )
    # TextField's max_length only reaches the form; the validator makes
    # full_clean() (the admin, a service) refuse a longer text too.
    address = models.TextField(
        gettext_lazy("address"),
        max_length=TEXT_MAX_LENGTH,
        blank=True,
        validators=[MaxLengthValidator(TEXT_MAX_LENGTH)],
    )
    phone = models.CharField(gettext_lazy("phone"), max_length=40, blank=True)
    emergency_phone = models.CharField(
        gettext_lazy("phone for urgent problems"), max_length=40, blank=True
    )
    email = models.EmailField(gettext_lazy("email"), blank=True)
    website = models.CharField(gettext_lazy("website"), max_length=120, blank=True)
    # The footer in each language of the printed sheets; a sheet prints the one
    # of its language, else the other (see `footer_in`).
    footer = models.TextField(
        gettext_lazy("footer text (English)"),
        max_length=TEXT_MAX_LENGTH,
        blank=True,
        validators=[MaxLengthValidator(TEXT_MAX_LENGTH)],
    )
    footer_it = models.TextField(
        gettext_lazy("footer text (Italian)"),
        max_length=TEXT_MAX_LENGTH,
        blank=True,
        validators=[MaxLengthValidator(TEXT_MAX_LENGTH)],
    )
    updated_at = models.DateTimeField(auto_now=True)

    history = HistoricalRecords(table_name="treatments_historicalletterhead")

    if TYPE_CHECKING:
        # Set before save(); django-simple-history copies them to the history row.
        _history_user: AbstractBaseUser | None
        _change_reason: str

    class Meta:
        db_table = "treatments_letterhead"
        verbose_name = gettext_lazy("letterhead")

    def __str__(self) -> str:
        return self.clinic_name

    @classmethod
    def current(cls) -> Letterhead:
        letterhead = cls.objects.order_by("id").first()
        return letterhead or cls(clinic_name="Sclero Clinic")

    def footer_in(self, language: str) -> str:
        """Return the footer in `language` ("en", "it"), else the one there is."""
        footers = {"en": self.footer, "it": self.footer_it}
        preferred = footers.get(language.split("-")[0], "")
        return preferred or next((text for text in footers.values() if text), "")

    @property
    def localized_footer(self) -> str:
        """The footer in the active language (a sheet is rendered in its own)."""
        return self.footer_in(get_language() or "en")
