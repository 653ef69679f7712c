"""Patients and their screening history (yes / no / not asked, and when)."""

from __future__ import annotations

import uuid
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from core.models import Versioned
from core.search import fold
from patients.phones import to_e164

if TYPE_CHECKING:
    from django.contrib.auth.base_user import AbstractBaseUser

MIN_WEIGHT_KG = Decimal("25")
MAX_WEIGHT_KG = Decimal("250")
MIN_ABI = Decimal("0.2")
MAX_ABI = Decimal("1.5")
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


class Answer(models.TextChoices):
    """The answer to a screening question. Not asked is not the same as no."""

    YES = "yes", _("yes")
    NO = "no", _("no")
    NOT_ASKED = "", _("not asked")


def as_answer(value: object) -> str:
    """Return a screening answer as stored: "yes", "no" or "" (not asked).

    The questions were once tick boxes: True still means yes, and False (an
    unticked box) means not asked, never no, as the data migration mapped them.
    """
    if value is True:
        return Answer.YES.value
    if value is False or value is None:
        return Answer.NOT_ASKED.value
    return str(value)


class ScreeningAnswerField(models.CharField):
    """A screening question: yes, no or not asked (the empty string).

    Booleans still assigned by older code become answers when the record is
    cleaned or saved (see `as_answer`). Migrations see a plain CharField.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("max_length", 3)
        kwargs.setdefault("choices", Answer.choices)
        kwargs.setdefault("blank", True)
        kwargs.setdefault("default", Answer.NOT_ASKED.value)
        super().__init__(*args, **kwargs)

    def deconstruct(self) -> Any:
        name, _path, args, kwargs = super().deconstruct()
        return name, "django.db.models.CharField", args, kwargs

    def to_python(self, value: Any) -> Any:
        return super().to_python(as_answer(value))


class PatientQuerySet(models.QuerySet):
    def active(self) -> PatientQuerySet:
        return self.filter(archived_at__isnull=True)


class ReferringDoctor(models.Model):
    """A doctor who refers patients to the clinic and receives its letters.

    Kept in the clinic's own directory; a doctor who no longer refers is
    made inactive, never deleted (their letters name them).
    """

    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    name = models.CharField(_("name"), max_length=150)
    practice = models.CharField(_("practice"), max_length=150, blank=True)
    address = models.TextField(_("address"), blank=True)
    email = models.EmailField(_("email"), blank=True)
    phone = models.CharField(_("phone"), max_length=30, blank=True)
    active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("referring doctor")
        verbose_name_plural = _("referring doctors")
        ordering = ["name", "id"]

    def __str__(self) -> str:
        return f"{self.name} ({self.practice})" if self.practice else self.name


FOLDED_LENGTH = 200


class Patient(Versioned):
    """A person treated at the clinic. Archived, never deleted."""

    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    chart_number = models.CharField(
        _("chart number"), max_length=12, unique=True, editable=False
    )
    first_name = models.CharField(_("first name"), max_length=100)
    last_name = models.CharField(_("last name"), max_length=100)
    # The names as searched (core.search.fold: no accents, lower case), kept
    # by save(): plain columns that PostgreSQL indexes for the search (a
    # B-tree for "starts with", trigrams for "contains"; migration 0013).
    first_name_folded = models.CharField(
        max_length=FOLDED_LENGTH, default="", editable=False
    )
    last_name_folded = models.CharField(
        max_length=FOLDED_LENGTH, default="", editable=False
    )
    date_of_birth = models.DateField(
        _("date of birth"), validators=[validate_birth_date]
    )
    sex = models.CharField(_("sex"), max_length=1, choices=Sex.choices)
    # E.164 ("+393471234567"), shown in national format (patients.phones);
    # a number from before that the migration could not read stays as typed.
    phone = models.CharField(_("phone"), max_length=30, blank=True)
    email = models.EmailField(_("email"), blank=True)
    # The patient's consent to be contacted (visit reminders): no consent,
    # no message. Who recorded it and when is in the record's history.
    contact_by_email = models.BooleanField(
        _("agrees to reminders by email"), default=False
    )
    contact_by_sms = models.BooleanField(_("agrees to reminders by SMS"), default=False)
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

    # Screening questions asked before sclerotherapy (DOMAIN.md §6.1, Rabe
    # 2014): each is yes, no or not asked; patients.screening says which are
    # absolute or relative contraindications.
    sclerosant_allergy = ScreeningAnswerField(_("known allergy to a sclerosant"))
    allergy_notes = models.CharField(
        _("allergies (details)"), max_length=255, blank=True
    )
    acute_thrombosis = ScreeningAnswerField(
        _("acute deep-vein thrombosis or pulmonary embolism")
    )
    infection = ScreeningAnswerField(
        _("local infection in the treatment area or severe systemic infection")
    )
    immobility = ScreeningAnswerField(
        _("long-lasting immobility or confinement to bed")
    )
    known_pfo = ScreeningAnswerField(
        _("known symptomatic right-to-left shunt (e.g. PFO)")
    )
    pregnant_or_breastfeeding = ScreeningAnswerField(_("pregnant or breastfeeding"))
    severe_pad = ScreeningAnswerField(_("severe peripheral arterial disease"))
    ankle_brachial_index = models.DecimalField(
        _("ankle-brachial index"),
        max_digits=3,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(MIN_ABI), MaxValueValidator(MAX_ABI)],
        help_text=_(
            "If known. Below 0.5: no compression; 0.5 to 0.8: reduced compression only."
        ),
    )
    superficial_thrombophlebitis = ScreeningAnswerField(
        _("acute superficial vein thrombosis (thrombophlebitis)")
    )
    previous_dvt_pe = ScreeningAnswerField(_("previous DVT or PE"))
    thrombophilia = ScreeningAnswerField(_("thrombophilia"))
    active_cancer = ScreeningAnswerField(_("active cancer"))
    anticoagulants = ScreeningAnswerField(_("on anticoagulants"))
    poor_general_health = ScreeningAnswerField(_("poor general health"))
    allergic_predisposition = ScreeningAnswerField(
        _("strong predisposition to allergy")
    )
    migraine_with_aura = ScreeningAnswerField(_("migraine with aura"))
    screening_asked_on = models.DateField(
        _("screening questions last asked on"),
        null=True,
        blank=True,
        validators=[validate_not_future],
        help_text=_(
            "Set to today when an answer changes. Set it yourself when you "
            "ask again and every answer stays the same."
        ),
    )
    history_notes = models.TextField(_("other history"), blank=True)
    referring_doctor = models.ForeignKey(
        ReferringDoctor,
        verbose_name=_("referring doctor"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="patients",
    )

    archived_at = models.DateTimeField(null=True, blank=True, editable=False)
    archive_reason = models.CharField(max_length=255, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    history = HistoricalRecords(
        excluded_fields=["first_name_folded", "last_name_folded"]
    )
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
            # Search by phone: an exact match on the E.164 number.
            models.Index(fields=["phone"], name="patients_patient_phone"),
        ]
        constraints = [
            models.CheckConstraint(
                name="patients_patient_weight_range",
                condition=Q(weight_kg__isnull=True)
                | Q(weight_kg__gte=MIN_WEIGHT_KG, weight_kg__lte=MAX_WEIGHT_KG),
            ),
            models.CheckConstraint(
                name="patients_patient_abi_range",
                condition=Q(ankle_brachial_index__isnull=True)
                | Q(
                    ankle_brachial_index__gte=MIN_ABI,
                    ankle_brachial_index__lte=MAX_ABI,
                ),
            ),
        ]
        permissions = [
            ("change_medical_history", "Can change a patient's medical history"),
            ("archive_patient", "Can archive a patient"),
            ("view_audit_trail", "Can read the audit trail"),
            ("merge_patient", "Can merge two charts of the same person"),
            ("export_patient", "Can export all of a patient's data"),
        ]

    def __str__(self) -> str:
        return f"{self.last_name}, {self.first_name} ({self.chart_number})"

    def get_absolute_url(self) -> str:
        return reverse("records:patient", kwargs={"code": self.code})

    def save(self, *args: Any, **kwargs: Any) -> None:
        # The folded columns follow the names (those loaded: a deferred name
        # is not being changed).
        deferred = self.get_deferred_fields()
        folded = {}
        for name in ("first_name", "last_name"):
            if name not in deferred:
                folded[f"{name}_folded"] = fold(getattr(self, name), FOLDED_LENGTH)
                setattr(self, f"{name}_folded", folded[f"{name}_folded"])
        update_fields = kwargs.get("update_fields")
        if update_fields is not None:
            wanted = set(update_fields)
            wanted |= {f"{name}_folded" for name in wanted} & set(folded)
            kwargs["update_fields"] = wanted
        super().save(*args, **kwargs)

    def folded_names(self) -> tuple[str, str]:
        """Return the first and last name as their folded columns hold them."""
        return fold(self.first_name, FOLDED_LENGTH), fold(self.last_name, FOLDED_LENGTH)

    def clean(self) -> None:
        super().clean()
        # Store a valid number in E.164 however it was typed; the form
        # refuses one that is not valid, an older one stays as typed.
        e164 = to_e164(self.phone)
        if e164:
            self.phone = e164

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}"

    @property
    def is_archived(self) -> bool:
        return self.archived_at is not None

    def age_on(self, day: date) -> int:
        dob = self.date_of_birth
        return day.year - dob.year - ((day.month, day.day) < (dob.month, dob.day))
