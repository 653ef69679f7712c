"""Treatment sessions and their injections, vein by vein.

Clinical limits are module constants (DOMAIN.md §4); they are enforced by
`treatments.services`, which every way in (views, admin, commands) goes through.
"""

from __future__ import annotations

import uuid
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from clinics.models import Site, default_site_pk
from consent.models import SignedConsent
from core.models import Addendum, Signable, Versioned, Voidable
from core.validators import validate_clinical_date
from doppler.models import DopplerAssessment
from doppler.segments import Segment
from patients.models import MAX_WEIGHT_KG, MIN_WEIGHT_KG, Leg, Patient
from treatments import dosing, wording
from treatments.choices import (
    Agent,
    Compression,
    Form,
    Gas,
    StockingClass,
    StockingLength,
    VesselType,
)
from treatments.dosing import (
    MAX_GAS_PARTS,
    MAX_INJECTION_VOLUME_ML,
    MIN_GAS_PARTS,
    MIN_INJECTION_VOLUME_ML,
    SessionTotals,
    plain_number,
    totals_of,
)
from treatments.validation import clean_injection, clean_lot, clean_session

if TYPE_CHECKING:
    from django.contrib.auth.base_user import AbstractBaseUser


class SessionQuerySet(models.QuerySet):
    def active(self) -> SessionQuerySet:
        return self.filter(voided_at__isnull=True)


class TreatmentSession(Signable, Voidable, Versioned):
    """One sclerotherapy session: what was injected and what was prescribed."""

    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    patient = models.ForeignKey(
        Patient, on_delete=models.PROTECT, related_name="treatment_sessions"
    )
    performed_at = models.DateTimeField(
        _("date and time"), validators=[validate_clinical_date]
    )
    clinician = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="treatment_sessions",
        verbose_name=_("clinician"),
    )
    site = models.ForeignKey(
        Site,
        on_delete=models.PROTECT,
        # Left empty by a form of a single-site clinic: save() puts the
        # clinic's only site in.
        blank=True,
        related_name="treatment_sessions",
        verbose_name=_("site"),
    )
    doppler = models.ForeignKey(
        DopplerAssessment,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="treatment_sessions",
        verbose_name=_("Doppler assessment relied on"),
    )
    weight_kg = models.DecimalField(
        _("weight on the day (kg)"),
        max_digits=5,
        decimal_places=1,
        validators=[MinValueValidator(MIN_WEIGHT_KG), MaxValueValidator(MAX_WEIGHT_KG)],
    )
    screening_confirmed = models.BooleanField(
        _("screening questions asked today"), default=False
    )
    screening_notes = models.TextField(_("screening notes"), blank=True)
    consent_obtained = models.BooleanField(
        _("informed consent obtained"), default=False
    )
    # Going on without the screening or the consent needs a written reason.
    screening_missing_reason = models.TextField(
        _("why the screening questions were not asked today"), blank=True
    )
    consent_missing_reason = models.TextField(
        _("why informed consent was not obtained"), blank=True
    )
    # The signed consent form that is this session's informed consent (set
    # by the service from the patient's consents, never chosen on the form).
    consent_record = models.ForeignKey(
        SignedConsent,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        editable=False,
        related_name="sessions",
        verbose_name=_("signed consent"),
    )
    notes = models.TextField(_("notes"), blank=True)
    immediate_reactions = models.TextField(_("immediate reactions"), blank=True)

    compression = models.CharField(
        _("compression prescribed"),
        max_length=8,
        choices=Compression.choices,
        default=Compression.NONE,
    )
    stocking_class = models.CharField(
        _("stocking class"), max_length=1, choices=StockingClass.choices, blank=True
    )
    stocking_mmhg = models.PositiveSmallIntegerField(
        _("stocking pressure (mmHg)"),
        null=True,
        blank=True,
        validators=[MinValueValidator(10), MaxValueValidator(60)],
    )
    stocking_length = models.CharField(
        _("stocking length"), max_length=6, choices=StockingLength.choices, blank=True
    )
    stocking_days = models.PositiveSmallIntegerField(
        _("stocking for (days)"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(180)],
    )
    bandage_days = models.PositiveSmallIntegerField(
        _("bandage for (days)"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(14)],
    )

    # A limit (dose or foam volume) may be exceeded only with a recorded reason.
    limit_override_reason = models.TextField(
        _("reason for exceeding a limit"), blank=True
    )
    limit_override_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
    )

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        editable=False,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    # Kept by treatments.summaries whenever the patient's sessions or visits
    # change, for the statistics and the worklist to read an index instead
    # of every session: when the patient's previous active session (any
    # clinician; this clinician) and next one were performed, and whether no
    # visit is booked (scheduled, arrived, completed) at or after this one.
    previous_at = models.DateTimeField(null=True, editable=False)
    previous_same_clinician_at = models.DateTimeField(null=True, editable=False)
    next_at = models.DateTimeField(null=True, editable=False)
    next_same_clinician_at = models.DateTimeField(null=True, editable=False)
    awaiting_follow_up = models.BooleanField(
        default=True, db_default=True, editable=False
    )

    history = HistoricalRecords(
        excluded_fields=[
            "previous_at",
            "previous_same_clinician_at",
            "next_at",
            "next_same_clinician_at",
            "awaiting_follow_up",
        ]
    )
    objects = SessionQuerySet.as_manager()

    if TYPE_CHECKING:
        # Set before save(); django-simple-history copies them to the history row.
        _history_user: AbstractBaseUser | None
        _change_reason: str

    class Meta:
        ordering = ["-performed_at", "-id"]
        # The timeline and the worklist read a patient's sessions by date.
        indexes = [
            models.Index(fields=["patient", "performed_at"]),
            # The day's sheets, and the statistics' patients treated and
            # without a follow-up (an index-only scan on PostgreSQL).
            models.Index(
                fields=["performed_at"],
                include=[
                    "clinician",
                    "patient",
                    "previous_at",
                    "previous_same_clinician_at",
                    "awaiting_follow_up",
                ],
                condition=Q(voided_at__isnull=True),
                name="treatments_session_active_at",
            ),
            # The worklist: the few sessions awaiting a follow-up.
            models.Index(
                fields=["performed_at"],
                include=["patient", "clinician", "next_at", "site"],
                condition=Q(voided_at__isnull=True, awaiting_follow_up=True),
                name="treatments_session_awaiting",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                name="treatments_treatmentsession_compression_fields",
                condition=(
                    Q(
                        compression=Compression.NONE,
                        stocking_class="",
                        stocking_mmhg__isnull=True,
                        stocking_days__isnull=True,
                        bandage_days__isnull=True,
                    )
                    | (
                        Q(compression=Compression.STOCKING, bandage_days__isnull=True)
                        & ~Q(stocking_class="", stocking_mmhg__isnull=True)
                        & Q(stocking_days__isnull=False)
                    )
                    | (
                        Q(
                            compression=Compression.BANDAGE_THEN_STOCKING,
                            bandage_days__isnull=False,
                        )
                        & ~Q(stocking_class="", stocking_mmhg__isnull=True)
                        & Q(stocking_days__isnull=False)
                    )
                ),
                violation_error_message=_(
                    "Compression details do not match the kind of compression."
                ),
            ),
        ]
        permissions = [
            ("override_limit", "Can exceed a dose or foam limit with a reason"),
            ("void_treatmentsession", "Can void a treatment session"),
            ("print_aftercare", "Can print aftercare sheets"),
            ("view_statistics", "Can view outcome statistics"),
            ("sign_treatmentsession", "Can sign off one's own treatment session"),
            (
                "change_any_session",
                "Can edit or void another clinician's session (with a reason)",
            ),
        ]

    def __str__(self) -> str:
        return f"Session {self.performed_at:%Y-%m-%d %H:%M} – {self.patient}"

    def save(self, *args, **kwargs) -> None:
        if self.site_id is None:
            self.site_id = default_site_pk()
        super().save(*args, **kwargs)

    def get_absolute_url(self) -> str:
        return reverse("treatments:session-detail", kwargs={"code": self.code})

    def clean(self) -> None:
        """Compression details, screening and consent (clean_session)."""
        clean_session(self)

    def totals(self) -> SessionTotals:
        """Return totals of the active injections (uses a prefetch if present)."""
        return totals_of(self.injections.all())

    def stocking_summary(self) -> str:
        """Return the stocking in words: "class 2 thigh-high stocking for 14 days"."""
        return wording.stocking_summary(self)

    def stocking_pressure(self) -> str:
        """Return the stocking's pressure: as prescribed in mmHg, else its
        class's range ("23–32 mmHg"); empty when neither is set."""
        return wording.stocking_pressure(self)

    def compression_summary(self) -> str:
        """Return the compression prescribed in words, for the record and the sheet."""
        return wording.compression_summary(self)


class SessionAddendum(Addendum):
    """A correction, a reaction or a note added to a session; append-only."""

    session = models.ForeignKey(
        TreatmentSession, on_delete=models.PROTECT, related_name="addenda"
    )

    history = HistoricalRecords()

    class Meta(Addendum.Meta):
        verbose_name = _("session addendum")
        verbose_name_plural = _("session addenda")


class LotQuerySet(models.QuerySet):
    def usable_on(self, day: date) -> LotQuerySet:
        """Return the lots open (not closed) and not expired on `day`."""
        return self.filter(closed_at__isnull=True, expiry_date__gte=day)


class SclerosantLot(models.Model):
    """A lot (batch) of a sclerosant in the clinic's stock, kept by the manager.

    Each injection names the lot it came from, so that the patients who
    received a lot can be found (a recall, a reaction reported for a batch).
    A lot is closed, never deleted; its number and expiry stay fixable, with
    history.
    """

    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    agent = models.CharField(_("agent"), max_length=12, choices=Agent.choices)
    concentration_pct = models.DecimalField(
        _("concentration (%)"),
        max_digits=4,
        decimal_places=2,
        validators=[
            MinValueValidator(Decimal("0.1")),
            MaxValueValidator(Decimal("72")),
        ],
    )
    lot_number = models.CharField(_("lot number"), max_length=40)
    expiry_date = models.DateField(_("expiry date"))
    received_on = models.DateField(_("date received"))
    opened_on = models.DateField(_("date opened"), null=True, blank=True)
    closed_at = models.DateTimeField(
        _("closed at"), null=True, blank=True, editable=False
    )
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
    )
    notes = models.TextField(_("notes"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        editable=False,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    history = HistoricalRecords()
    objects = LotQuerySet.as_manager()

    if TYPE_CHECKING:
        _history_user: AbstractBaseUser | None
        _change_reason: str

    class Meta:
        ordering = ["agent", "concentration_pct", "expiry_date", "lot_number"]
        verbose_name = _("sclerosant lot")
        verbose_name_plural = _("sclerosant lots")
        constraints = [
            models.UniqueConstraint(
                fields=["agent", "concentration_pct", "lot_number"],
                name="treatments_sclerosantlot_unique_number",
                violation_error_message=_(
                    "This lot of this agent and concentration is already listed."
                ),
            ),
            models.CheckConstraint(
                name="treatments_sclerosantlot_expiry_after_receipt",
                condition=Q(expiry_date__gt=F("received_on")),
                violation_error_message=_(
                    "The expiry date must be after the date received."
                ),
            ),
        ]
        permissions = [
            ("manage_lots", "Can keep the sclerosant stock list"),
        ]

    def __str__(self) -> str:
        return (
            f"{self.get_agent_display()} {plain_number(self.concentration_pct)} % "
            f"· {self.lot_number}"
        )

    def get_absolute_url(self) -> str:
        return reverse("treatments:lot-recipients", kwargs={"code": self.code})

    def clean(self) -> None:
        """Agent range, plausible dates (clean_lot)."""
        clean_lot(self)

    @property
    def is_closed(self) -> bool:
        return self.closed_at is not None

    def is_expired_on(self, day: date) -> bool:
        """Return True if the lot is past its expiry date on `day`."""
        return self.expiry_date < day

    def usable_on(self, day: date) -> bool:
        """Return True if the lot is open and not expired on `day`."""
        return not self.is_closed and not self.is_expired_on(day)


class Injection(models.Model):
    """One vein treated in a session."""

    session = models.ForeignKey(
        TreatmentSession, on_delete=models.PROTECT, related_name="injections"
    )
    leg = models.CharField(_("leg"), max_length=1, choices=Leg.choices)
    segment = models.CharField(
        _("segment"), max_length=4, choices=Segment.choices, blank=True
    )
    site = models.CharField(_("site"), max_length=100, blank=True)
    vessel_type = models.CharField(
        _("vessel type"), max_length=10, choices=VesselType.choices
    )
    agent = models.CharField(_("agent"), max_length=12, choices=Agent.choices)
    concentration_pct = models.DecimalField(
        _("concentration (%)"),
        max_digits=4,
        decimal_places=2,
        validators=[
            MinValueValidator(Decimal("0.1")),
            MaxValueValidator(Decimal("72")),
        ],
    )
    form = models.CharField(_("form"), max_length=6, choices=Form.choices)
    gas = models.CharField(_("gas"), max_length=6, choices=Gas.choices, blank=True)
    gas_parts = models.DecimalField(
        _("gas parts per 1 part liquid"),
        max_digits=3,
        decimal_places=1,
        null=True,
        blank=True,
        validators=[MinValueValidator(MIN_GAS_PARTS), MaxValueValidator(MAX_GAS_PARTS)],
    )
    volume_ml = models.DecimalField(
        _("volume injected (mL)"),
        max_digits=5,
        decimal_places=2,
        validators=[
            MinValueValidator(MIN_INJECTION_VOLUME_ML),
            MaxValueValidator(MAX_INJECTION_VOLUME_ML),
        ],
    )
    ultrasound_guided = models.BooleanField(_("ultrasound-guided"), default=False)
    # Old injections, and clinics that do not track their stock, have none.
    lot = models.ForeignKey(
        SclerosantLot,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="injections",
        verbose_name=_("Lot"),
    )
    diagram_x_pct = models.DecimalField(
        max_digits=4,
        decimal_places=1,
        null=True,
        blank=True,
        validators=[MinValueValidator(0), MaxValueValidator(100)],
    )
    diagram_y_pct = models.DecimalField(
        max_digits=4,
        decimal_places=1,
        null=True,
        blank=True,
        validators=[MinValueValidator(0), MaxValueValidator(100)],
    )
    voided_at = models.DateTimeField(null=True, blank=True, editable=False)

    history = HistoricalRecords()

    if TYPE_CHECKING:
        # Set before save(); django-simple-history copies them to the history row.
        _history_user: AbstractBaseUser | None
        _change_reason: str
        # The lot as read from the database (from_db).
        _saved_lot_id: int | None

    class Meta:
        ordering = ["session", "id"]
        constraints = [
            models.CheckConstraint(
                name="treatments_injection_foam_fields",
                condition=Q(form=Form.FOAM, gas__in=Gas.values, gas_parts__gte=1)
                | Q(form=Form.LIQUID, gas="", gas_parts__isnull=True),
                violation_error_message=_(
                    "Foam needs a gas and a ratio; liquid must have neither."
                ),
            ),
            models.CheckConstraint(
                name="treatments_injection_volume_positive",
                condition=Q(volume_ml__gt=0),
            ),
        ]

    def __str__(self) -> str:
        return (
            f"{self.get_leg_display()} {self.site or self.segment}: "
            f"{self.get_agent_display()} {self.concentration_pct}% "
            f"{self.get_form_display()} {self.volume_ml} mL"
        )

    @classmethod
    def from_db(cls, db, field_names, values):
        instance = super().from_db(db, field_names, values)
        # The lot as saved: clean() refuses a closed or expired lot only
        # when it is newly chosen, never the one an old injection keeps.
        instance._saved_lot_id = instance.__dict__.get("lot_id")
        return instance

    def clean(self) -> None:
        """Agent range, foam fields, a site (clean_injection)."""
        clean_injection(self)

    @property
    def liquid_ml(self) -> Decimal:
        """Return the liquid sclerosant volume: foam is 1 part liquid + N gas."""
        return dosing.liquid_ml(self.volume_ml, self.form, self.gas_parts)

    @property
    def dose_mg(self) -> Decimal:
        """Return milligrams of sclerosant: % x 10 mg/mL x liquid mL."""
        return dosing.dose_mg(self.concentration_pct, self.liquid_ml)


class SessionDaySummary(models.Model):
    """One clinician's active sessions of one clinic-local day, counted.

    The statistics add these rows up instead of reading every session. Kept
    by treatments.summaries inside the transaction of every service that
    writes a session or its injections; rebuilt by `rebuild_statistics`.
    """

    day = models.DateField()
    clinician = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    sessions = models.PositiveIntegerField(default=0)
    injections = models.PositiveIntegerField(default=0)
    foam = models.PositiveIntegerField(default=0)
    liquid = models.PositiveIntegerField(default=0)
    overrides = models.PositiveIntegerField(default=0)
    # For the patients treated and without a follow-up over any period
    # (reporting.selectors.patient_counts): the sessions that are the
    # patient's first and last active one (of any clinician; of this
    # clinician), and the sessions awaiting a follow-up (all; the last ones).
    firsts = models.PositiveIntegerField(default=0)
    lasts = models.PositiveIntegerField(default=0)
    firsts_with_clinician = models.PositiveIntegerField(default=0)
    lasts_with_clinician = models.PositiveIntegerField(default=0)
    awaiting = models.PositiveIntegerField(default=0)
    awaiting_lasts = models.PositiveIntegerField(default=0)
    awaiting_lasts_with_clinician = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["day", "clinician"], name="treatments_sessiondaysummary_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.day} clinician {self.clinician_id}: {self.sessions} sessions"


class PatientFollowUp(models.Model):
    """When the patient's latest booked (scheduled, arrived or completed)
    visit starts: written by the visits services, read by the session
    services to tell whether a session awaits a follow-up."""

    patient = models.OneToOneField(
        Patient, on_delete=models.CASCADE, primary_key=True, related_name="+"
    )
    booked_until = models.DateTimeField(null=True)

    def __str__(self) -> str:
        return f"{self.patient_id}: {self.booked_until}"
