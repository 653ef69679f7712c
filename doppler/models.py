"""Doppler (duplex ultrasound) assessments: findings per segment, CEAP, VCSS.

Pathological reflux is derived from the cut-offs (DOMAIN.md §3.2), never typed;
so is each leg's VCSS total (the sum of its ten items, DOMAIN.md §2) and its
CEAP notation (DOMAIN.md §1). The per-leg CEAP and VCSS fields, constraints
and methods are in doppler.scores; the segments and cut-offs in doppler.segments.
"""

from __future__ import annotations

import uuid
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from core.models import Addendum, Signable, Versioned, Voidable
from core.validators import validate_clinical_date
from doppler.clinical import (
    LEGS,
    CeapAnatomy,
    CeapClass,
    CeapEtiology,
    CeapPathophysiology,
    CeapSymptoms,
)
from doppler.scores import (
    VCSS_VALIDATORS,
    LegScores,
    ceap_choice_field,
    ceap_classes_field,
    vcss_constraints,
    vcss_item_field,
)
from doppler.segments import (
    DEEP_SEGMENTS,
    MAX_DIAMETER_MM,
    MAX_REFLUX_S,
    Segment,
    Thrombus,
    reflux_cutoff_s,
)
from patients.models import Leg, Patient, validate_not_future

if TYPE_CHECKING:
    from django.contrib.auth.base_user import AbstractBaseUser

# A Doppler older than this is flagged before a session (DESIGN.md guidance).
DOPPLER_VALID_DAYS = 365


def _seconds(value: Decimal) -> str:
    """Return a reflux time with one or two decimals: 1.0, 0.8, 1.25."""
    text = f"{value:.2f}".rstrip("0")
    return text + "0" if text.endswith(".") else text


class RecommendedPlan(models.TextChoices):
    SCLEROTHERAPY_LIQUID = "liquid", _("Liquid sclerotherapy")
    SCLEROTHERAPY_FOAM = "foam", _("Foam sclerotherapy (ultrasound-guided)")
    LASER = "laser", _("Refer for laser / light treatment")
    ENDOVENOUS = "endovenous", _("Refer for endovenous treatment")
    COMPRESSION = "compression", _("Compression and review")
    NO_TREATMENT = "none", _("No treatment needed")


class DopplerAssessment(LegScores, Signable, Voidable, Versioned):
    """A duplex ultrasound study of both legs, before therapy."""

    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    patient = models.ForeignKey(
        Patient, on_delete=models.PROTECT, related_name="doppler_assessments"
    )
    assessed_on = models.DateField(
        _("date"), validators=[validate_not_future, validate_clinical_date]
    )
    examiner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="doppler_assessments",
        verbose_name=_("examiner"),
    )
    # CEAP 2020 per leg: the clinical classes (several), the S/A modifier,
    # etiology, anatomy and pathophysiology.
    ceap_c_right = ceap_classes_field(Leg.RIGHT)
    ceap_s_right = ceap_choice_field(_("Symptomatic (S/A)"), Leg.RIGHT, CeapSymptoms)
    ceap_e_right = ceap_choice_field(_("CEAP etiology"), Leg.RIGHT, CeapEtiology)
    ceap_a_right = ceap_choice_field(_("CEAP anatomy"), Leg.RIGHT, CeapAnatomy)
    ceap_p_right = ceap_choice_field(
        _("CEAP pathophysiology"), Leg.RIGHT, CeapPathophysiology
    )
    ceap_c_left = ceap_classes_field(Leg.LEFT)
    ceap_s_left = ceap_choice_field(_("Symptomatic (S/A)"), Leg.LEFT, CeapSymptoms)
    ceap_e_left = ceap_choice_field(_("CEAP etiology"), Leg.LEFT, CeapEtiology)
    ceap_a_left = ceap_choice_field(_("CEAP anatomy"), Leg.LEFT, CeapAnatomy)
    ceap_p_left = ceap_choice_field(
        _("CEAP pathophysiology"), Leg.LEFT, CeapPathophysiology
    )
    # The highest clinical class ("basic" CEAP), derived from the classes on
    # every save. Records from before the classes were recorded one by one
    # had only this field; a migration copied it into the classes.
    ceap_right = models.CharField(
        _("Highest CEAP class (Right)"),
        max_length=3,
        choices=CeapClass.choices,
        blank=True,
    )
    ceap_left = models.CharField(
        _("Highest CEAP class (Left)"),
        max_length=3,
        choices=CeapClass.choices,
        blank=True,
    )
    # Revised VCSS per leg: ten items scored 0-3, all or none.
    vcss_pain_right = vcss_item_field("pain", Leg.RIGHT)
    vcss_varicose_right = vcss_item_field("varicose", Leg.RIGHT)
    vcss_oedema_right = vcss_item_field("oedema", Leg.RIGHT)
    vcss_pigmentation_right = vcss_item_field("pigmentation", Leg.RIGHT)
    vcss_inflammation_right = vcss_item_field("inflammation", Leg.RIGHT)
    vcss_induration_right = vcss_item_field("induration", Leg.RIGHT)
    vcss_ulcer_number_right = vcss_item_field("ulcer_number", Leg.RIGHT)
    vcss_ulcer_duration_right = vcss_item_field("ulcer_duration", Leg.RIGHT)
    vcss_ulcer_size_right = vcss_item_field("ulcer_size", Leg.RIGHT)
    vcss_compression_right = vcss_item_field("compression", Leg.RIGHT)
    vcss_pain_left = vcss_item_field("pain", Leg.LEFT)
    vcss_varicose_left = vcss_item_field("varicose", Leg.LEFT)
    vcss_oedema_left = vcss_item_field("oedema", Leg.LEFT)
    vcss_pigmentation_left = vcss_item_field("pigmentation", Leg.LEFT)
    vcss_inflammation_left = vcss_item_field("inflammation", Leg.LEFT)
    vcss_induration_left = vcss_item_field("induration", Leg.LEFT)
    vcss_ulcer_number_left = vcss_item_field("ulcer_number", Leg.LEFT)
    vcss_ulcer_duration_left = vcss_item_field("ulcer_duration", Leg.LEFT)
    vcss_ulcer_size_left = vcss_item_field("ulcer_size", Leg.LEFT)
    vcss_compression_left = vcss_item_field("compression", Leg.LEFT)
    # The VCSS total: the sum of the items, stored on every save. Records
    # from before the items were scored have only this total ("total only").
    vcss_right = models.PositiveSmallIntegerField(
        _("VCSS right leg"), null=True, blank=True, validators=VCSS_VALIDATORS
    )
    vcss_left = models.PositiveSmallIntegerField(
        _("VCSS left leg"), null=True, blank=True, validators=VCSS_VALIDATORS
    )
    conclusion = models.TextField(_("conclusion"), blank=True)
    recommended_plan = models.CharField(
        _("recommended plan"),
        max_length=12,
        choices=RecommendedPlan.choices,
        blank=True,
    )
    plan_notes = models.TextField(_("plan notes"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    history = HistoricalRecords(table_name="patients_historicaldopplerassessment")

    if TYPE_CHECKING:
        # Set before save(); django-simple-history copies them to the history row.
        _history_user: AbstractBaseUser | None
        _change_reason: str

    class Meta:
        db_table = "patients_dopplerassessment"
        verbose_name = _("Doppler assessment")
        ordering = ["-assessed_on", "-id"]
        constraints = [
            models.CheckConstraint(
                name="patients_dopplerassessment_vcss_range",
                condition=(Q(vcss_right__isnull=True) | Q(vcss_right__lte=30))
                & (Q(vcss_left__isnull=True) | Q(vcss_left__lte=30)),
            ),
            *vcss_constraints(Leg.RIGHT),
            *vcss_constraints(Leg.LEFT),
        ]
        permissions = [
            ("sign_dopplerassessment", "Can sign off one's own Doppler assessment"),
            (
                "change_any_dopplerassessment",
                "Can edit or void another examiner's Doppler (with a reason)",
            ),
        ]

    def __str__(self) -> str:
        return f"Doppler {self.assessed_on:%Y-%m-%d} – {self.patient}"

    def get_absolute_url(self) -> str:
        return reverse("doppler:detail", kwargs={"code": self.code})

    def is_recent(self, on: date | None = None) -> bool:
        """Return whether the study is recent enough to rely on, on day `on`."""
        on = on or timezone.localdate()
        return (on - self.assessed_on).days <= DOPPLER_VALID_DAYS

    def clean(self) -> None:
        """Put each leg's classes in CEAP order and derive the highest class and
        the VCSS total; refuse a partial VCSS and ulcer items without an
        active ulcer. Every message is keyed by the field to correct."""
        super().clean()
        errors: dict[str, list[ValidationError]] = {}
        for leg in LEGS:
            self._clean_leg(leg, errors)
        if errors:
            raise ValidationError(errors)

    # The read helpers below only use `self.findings.all()`, so a page that
    # prefetches "findings" renders any number of assessments without queries.
    def findings_for_leg(self, leg: str) -> list[DopplerFinding]:
        """Return one leg's findings in anatomical (Segment) order."""
        order = {value: index for index, value in enumerate(Segment.values)}
        found = [f for f in self.findings.all() if f.leg == leg]
        return sorted(found, key=lambda f: order.get(f.segment, len(order)))

    def acute_thrombosis(self, *, deep: bool) -> list[DopplerFinding]:
        """Return the findings with an acute thrombus in deep veins (acute DVT,
        an absolute contraindication) or in superficial veins (acute
        superficial vein thrombosis, a relative one)."""
        return [
            finding
            for leg in Leg.values
            for finding in self.findings_for_leg(leg)
            if finding.thrombus == Thrombus.ACUTE
            and (finding.segment in DEEP_SEGMENTS) == deep
        ]

    @property
    def pathological_findings(self) -> list[DopplerFinding]:
        return [
            finding
            for leg in Leg.values
            for finding in self.findings_for_leg(leg)
            if finding.pathological_reflux
        ]

    def reflux_summary(self, leg: str) -> str:
        """Return e.g. "Right: reflux at SFJ (1.2 s), GSVa (0.8 s)"."""
        label = Leg(leg).label
        findings = self.findings_for_leg(leg)
        if not findings:
            return _("%(leg)s: not examined") % {"leg": label}
        refluxing = [
            f"{f.segment} ({_seconds(f.reflux_s)} s)"
            for f in findings
            if f.reflux_s is not None and f.pathological_reflux
        ]
        if refluxing:
            text = _("%(leg)s: reflux at %(segments)s") % {
                "leg": label,
                "segments": ", ".join(refluxing),
            }
        else:
            text = _("%(leg)s: no pathological reflux") % {"leg": label}
        for state in (Thrombus.ACUTE, Thrombus.CHRONIC, Thrombus.OCCLUDED):
            segments = [f.segment for f in findings if f.thrombus == state]
            if segments:
                text += f"; {state.label}: {', '.join(segments)}"
        return text

    @property
    def reflux_summary_right(self) -> str:
        return self.reflux_summary(Leg.RIGHT)

    @property
    def reflux_summary_left(self) -> str:
        return self.reflux_summary(Leg.LEFT)


class DopplerAddendum(Addendum):
    """A correction or a note added to a Doppler assessment; append-only."""

    assessment = models.ForeignKey(
        DopplerAssessment, on_delete=models.PROTECT, related_name="addenda"
    )

    history = HistoricalRecords()

    class Meta(Addendum.Meta):
        verbose_name = _("Doppler addendum")
        verbose_name_plural = _("Doppler addenda")


class DopplerFinding(models.Model):
    """One examined segment of one leg."""

    assessment = models.ForeignKey(
        DopplerAssessment, on_delete=models.PROTECT, related_name="findings"
    )
    leg = models.CharField(_("leg"), max_length=1, choices=Leg.choices)
    segment = models.CharField(_("segment"), max_length=4, choices=Segment.choices)
    reflux_s = models.DecimalField(
        _("reflux (s)"),
        max_digits=4,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(MAX_REFLUX_S)],
    )
    diameter_mm = models.DecimalField(
        _("diameter (mm)"),
        max_digits=4,
        decimal_places=1,
        null=True,
        blank=True,
        validators=[
            MinValueValidator(Decimal("0.1")),
            MaxValueValidator(MAX_DIAMETER_MM),
        ],
    )
    thrombus = models.CharField(
        _("occlusion / thrombus"),
        max_length=8,
        choices=Thrombus.choices,
        default=Thrombus.NONE,
    )
    note = models.CharField(_("note"), max_length=255, blank=True)

    history = HistoricalRecords(table_name="patients_historicaldopplerfinding")

    if TYPE_CHECKING:
        # Set before save(); django-simple-history copies them to the history row.
        _history_user: AbstractBaseUser | None
        _change_reason: str

    class Meta:
        db_table = "patients_dopplerfinding"
        ordering = ["assessment", "leg", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["assessment", "leg", "segment"],
                name="patients_dopplerfinding_one_per_segment",
            ),
            models.CheckConstraint(
                name="patients_dopplerfinding_reflux_range",
                condition=Q(reflux_s__isnull=True)
                | Q(reflux_s__gte=0, reflux_s__lte=MAX_REFLUX_S),
            ),
            models.CheckConstraint(
                name="patients_dopplerfinding_diameter_range",
                condition=Q(diameter_mm__isnull=True)
                | Q(diameter_mm__gt=0, diameter_mm__lte=MAX_DIAMETER_MM),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_leg_display()} {self.segment}"

    @property
    def reflux_cutoff_s(self) -> Decimal:
        return reflux_cutoff_s(self.segment)

    @property
    def pathological_reflux(self) -> bool:
        """Return True when reflux lasts longer than the segment's cut-off."""
        return self.reflux_s is not None and self.reflux_s > self.reflux_cutoff_s
