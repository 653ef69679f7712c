"""Doppler (duplex ultrasound) assessments: findings per segment, CEAP, VCSS.

Pathological reflux is derived from the cut-offs (DOMAIN.md §3.2), never typed.
"""

from __future__ import annotations

import uuid
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from core.models import Versioned, Voidable
from patients.models import Leg, Patient, validate_not_future

if TYPE_CHECKING:
    from django.contrib.auth.base_user import AbstractBaseUser

# A Doppler older than this is flagged before a session (DESIGN.md guidance).
DOPPLER_VALID_DAYS = 365


def _seconds(value: Decimal) -> str:
    """Return a reflux time with one or two decimals: 1.0, 0.8, 1.25."""
    text = f"{value:.2f}".rstrip("0")
    return text + "0" if text.endswith(".") else text


class CeapClass(models.TextChoices):
    C0 = "C0", _("C0 – no visible signs")
    C1 = "C1", _("C1 – telangiectasias or reticular veins")
    C2 = "C2", _("C2 – varicose veins")
    C2R = "C2r", _("C2r – recurrent varicose veins")
    C3 = "C3", _("C3 – oedema")
    C4A = "C4a", _("C4a – pigmentation or eczema")
    C4B = "C4b", _("C4b – lipodermatosclerosis or atrophie blanche")
    C4C = "C4c", _("C4c – corona phlebectatica")
    C5 = "C5", _("C5 – healed venous ulcer")
    C6 = "C6", _("C6 – active venous ulcer")
    C6R = "C6r", _("C6r – recurrent active venous ulcer")


class RecommendedPlan(models.TextChoices):
    SCLEROTHERAPY_LIQUID = "liquid", _("Liquid sclerotherapy")
    SCLEROTHERAPY_FOAM = "foam", _("Foam sclerotherapy (ultrasound-guided)")
    LASER = "laser", _("Refer for laser / light treatment")
    ENDOVENOUS = "endovenous", _("Refer for endovenous treatment")
    COMPRESSION = "compression", _("Compression and review")
    NO_TREATMENT = "none", _("No treatment needed")


VCSS_VALIDATORS = [MinValueValidator(0), MaxValueValidator(30)]


class DopplerAssessment(Voidable, Versioned):
    """A duplex ultrasound study of both legs, before therapy."""

    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    patient = models.ForeignKey(
        Patient, on_delete=models.PROTECT, related_name="doppler_assessments"
    )
    assessed_on = models.DateField(_("date"), validators=[validate_not_future])
    examiner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="doppler_assessments",
        verbose_name=_("examiner"),
    )
    ceap_right = models.CharField(
        _("CEAP right leg"), max_length=3, choices=CeapClass.choices, blank=True
    )
    ceap_left = models.CharField(
        _("CEAP left leg"), max_length=3, choices=CeapClass.choices, blank=True
    )
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
        ]

    def __str__(self) -> str:
        return f"Doppler {self.assessed_on:%Y-%m-%d} – {self.patient}"

    def get_absolute_url(self) -> str:
        return reverse("doppler:detail", kwargs={"code": self.code})

    def is_recent(self, on: date | None = None) -> bool:
        """Return whether the study is recent enough to rely on, on day `on`."""
        on = on or timezone.localdate()
        return (on - self.assessed_on).days <= DOPPLER_VALID_DAYS

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


class Segment(models.TextChoices):
    """Examined vein segments (CEAP 2020 anatomy, DOMAIN.md §1.3 and §3.2)."""

    SFJ = "SFJ", _("Saphenofemoral junction")
    GSV_A = "GSVa", _("Great saphenous vein, above knee")
    GSV_B = "GSVb", _("Great saphenous vein, below knee")
    AASV = "AASV", _("Anterior accessory saphenous vein")
    PASV = "PASV", _("Posterior accessory saphenous vein")
    SPJ = "SPJ", _("Saphenopopliteal junction")
    SSV = "SSV", _("Small saphenous vein")
    NSV = "NSV", _("Non-saphenous veins")
    TPV = "TPV", _("Thigh perforator")
    CPV = "CPV", _("Calf perforator")
    CFV = "CFV", _("Common femoral vein")
    DFV = "DFV", _("Deep femoral vein")
    FV = "FV", _("Femoral vein")
    POPV = "POPV", _("Popliteal vein")
    TIBV = "TIBV", _("Crural (tibial/peroneal) veins")


# Femoral and popliteal deep axial veins use the 1 s cut-off; every other
# segment (superficial, perforator, deep femoral, crural) uses 0.5 s.
DEEP_AXIAL_SEGMENTS = frozenset({Segment.CFV, Segment.FV, Segment.POPV})
# The deep veins: an acute thrombus here is a deep-vein thrombosis.
DEEP_SEGMENTS = frozenset(
    {Segment.CFV, Segment.DFV, Segment.FV, Segment.POPV, Segment.TIBV}
)
REFLUX_CUTOFF_DEEP_AXIAL_S = Decimal("1.0")
REFLUX_CUTOFF_OTHER_S = Decimal("0.5")
MAX_REFLUX_S = Decimal("10")
MAX_DIAMETER_MM = Decimal("30")


def reflux_cutoff_s(segment: str) -> Decimal:
    if segment in DEEP_AXIAL_SEGMENTS:
        return REFLUX_CUTOFF_DEEP_AXIAL_S
    return REFLUX_CUTOFF_OTHER_S


class Thrombus(models.TextChoices):
    NONE = "none", _("Patent, no thrombus")
    ACUTE = "acute", _("Acute thrombus")
    CHRONIC = "chronic", _("Chronic / post-thrombotic")
    OCCLUDED = "occluded", _("Occluded / ablated")


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
