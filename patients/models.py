"""Patients and their screening history."""

from __future__ import annotations

import uuid
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from core.models import Versioned

if TYPE_CHECKING:
    from django.contrib.auth.base_user import AbstractBaseUser

MIN_WEIGHT_KG = Decimal("25")
MAX_WEIGHT_KG = Decimal("250")
OLDEST_BIRTH_YEAR = 1900


def validate_not_future(value: date) -> None:
    if value > timezone.localdate():
        raise ValidationError(_("This date is in the future."), code="future")


def validate_birth_date(value: date) -> None:
    validate_not_future(value)
    if value.year < OLDEST_BIRTH_YEAR:
        raise ValidationError(
            _("Date of birth must be after %(year)s.") % {"year": OLDEST_BIRTH_YEAR},
            code="too_old",
        )


class Language(models.TextChoices):
    ENGLISH = "en", _("English")
    ITALIAN = "it", _("Italian")


class Sex(models.TextChoices):
    FEMALE = "F", _("Female")
    MALE = "M", _("Male")
    OTHER = "X", _("Other / not stated")


class Leg(models.TextChoices):
    RIGHT = "R", _("Right")
    LEFT = "L", _("Left")


class PatientQuerySet(models.QuerySet):
    def active(self) -> PatientQuerySet:
        return self.filter(archived_at__isnull=True)


class Patient(Versioned):
    """A person treated at the clinic. Archived, never deleted."""

    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    chart_number = models.CharField(
        _("chart number"), max_length=12, unique=True, editable=False
    )
    first_name = models.CharField(_("first name"), max_length=100)
    last_name = models.CharField(_("last name"), max_length=100)
    date_of_birth = models.DateField(
        _("date of birth"), validators=[validate_birth_date]
    )
    sex = models.CharField(_("sex"), max_length=1, choices=Sex.choices)
    phone = models.CharField(_("phone"), max_length=30, blank=True)
    email = models.EmailField(_("email"), blank=True)
    address = models.TextField(_("address"), blank=True)
    language = models.CharField(
        _("language for printed material"),
        max_length=2,
        choices=Language.choices,
        default=Language.ENGLISH,
    )
    weight_kg = models.DecimalField(
        _("weight (kg)"),
        max_digits=5,
        decimal_places=1,
        null=True,
        blank=True,
        validators=[MinValueValidator(MIN_WEIGHT_KG), MaxValueValidator(MAX_WEIGHT_KG)],
        help_text=_("Needed for the polidocanol dose limit."),
    )

    # Screening history asked before sclerotherapy (DOMAIN.md §6.1).
    sclerosant_allergy = models.BooleanField(
        _("known sclerosant allergy"), default=False
    )
    allergy_notes = models.CharField(
        _("allergies (details)"), max_length=255, blank=True
    )
    acute_thrombosis = models.BooleanField(
        _("current (acute) DVT or pulmonary embolism"), default=False
    )
    previous_dvt_pe = models.BooleanField(_("previous DVT or PE"), default=False)
    thrombophilia = models.BooleanField(_("thrombophilia"), default=False)
    anticoagulants = models.BooleanField(_("on anticoagulants"), default=False)
    pregnant_or_breastfeeding = models.BooleanField(
        _("pregnant or breastfeeding"), default=False
    )
    migraine_with_aura = models.BooleanField(_("migraine with aura"), default=False)
    known_pfo = models.BooleanField(
        _("known symptomatic PFO / right-to-left shunt"), default=False
    )
    immobility = models.BooleanField(_("long-lasting immobility"), default=False)
    history_notes = models.TextField(_("other history"), blank=True)

    archived_at = models.DateTimeField(null=True, blank=True, editable=False)
    archive_reason = models.CharField(max_length=255, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    history = HistoricalRecords()
    objects = PatientQuerySet.as_manager()

    if TYPE_CHECKING:
        # Set before save(); django-simple-history copies them to the history row.
        _history_user: AbstractBaseUser | None
        _change_reason: str

    class Meta:
        ordering = ["last_name", "first_name", "id"]
        indexes = [
            models.Index(fields=["last_name", "first_name"]),
            models.Index(fields=["date_of_birth"]),
        ]
        constraints = [
            models.CheckConstraint(
                name="patients_patient_weight_range",
                condition=Q(weight_kg__isnull=True)
                | Q(weight_kg__gte=MIN_WEIGHT_KG, weight_kg__lte=MAX_WEIGHT_KG),
            ),
        ]
        permissions = [
            ("change_medical_history", "Can change a patient's medical history"),
            ("archive_patient", "Can archive a patient"),
            ("view_audit_trail", "Can read the audit trail"),
            ("merge_patient", "Can merge two charts of the same person"),
        ]

    def __str__(self) -> str:
        return f"{self.last_name}, {self.first_name} ({self.chart_number})"

    def get_absolute_url(self) -> str:
        return reverse("records:patient", kwargs={"code": self.code})

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}"

    @property
    def is_archived(self) -> bool:
        return self.archived_at is not None

    def age_on(self, day: date) -> int:
        dob = self.date_of_birth
        return day.year - dob.year - ((day.month, day.day) < (dob.month, dob.day))
