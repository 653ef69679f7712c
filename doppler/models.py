"""Doppler (duplex ultrasound) assessments: findings per segment, CEAP, VCSS.

Pathological reflux is derived from the cut-offs (DOMAIN.md §3.2), never typed;
so is each leg's VCSS total (the sum of its ten items, DOMAIN.md §2) and its
CEAP notation (DOMAIN.md §1).
"""

from __future__ import annotations

import uuid
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from core.models import Versioned, Voidable
from core.validators import validate_clinical_date
from doppler.clinical import (
    CEAP_CLASSES_MAX_LENGTH,
    CEAP_PART_CHOICES,
    CEAP_PART_LABELS,
    LEGS,
    VCSS_ITEM_MAX,
    VCSS_ITEMS,
    VCSS_MAX,
    VCSS_MAX_WITHOUT_ULCER,
    VCSS_ULCER_KEYS,
    CeapAnatomy,
    CeapClass,
    CeapEtiology,
    CeapPathophysiology,
    CeapSymptoms,
    ceap_field,
    ceap_notation,
    has_active_ulcer,
    highest_ceap_class,
    join_ceap_classes,
    leg_side,
    split_ceap_classes,
    validate_ceap_classes,
    vcss_field,
    vcss_fields,
    vcss_total_field,
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


VCSS_VALIDATORS = [MinValueValidator(0), MaxValueValidator(VCSS_MAX)]


def _on_leg(label: Any, leg: str) -> Any:
    """Return a field's verbose name with its leg: "Active ulcer size (Right)"."""
    return format_lazy("{label} ({leg})", label=label, leg=Leg(leg).label)


def _ceap_classes_field(leg: str) -> models.CharField:
    return models.CharField(
        _on_leg(_("CEAP clinical classes"), leg),
        max_length=CEAP_CLASSES_MAX_LENGTH,
        blank=True,
        validators=[validate_ceap_classes],
        help_text=_("Comma-joined codes in CEAP order, e.g. C2,C4c."),
    )


def _ceap_choice_field(
    label: Any, leg: str, choices: type[models.TextChoices]
) -> models.CharField:
    return models.CharField(
        _on_leg(label, leg),
        max_length=max(len(value) for value in choices.values),
        choices=choices.choices,
        blank=True,
    )


def _vcss_item_field(key: str, leg: str) -> models.PositiveSmallIntegerField:
    item = next(item for item in VCSS_ITEMS if item.key == key)
    return models.PositiveSmallIntegerField(
        _on_leg(
            format_lazy("VCSS {number}. {label}", number=item.number, label=item.label),
            leg,
        ),
        null=True,
        blank=True,
        validators=[MinValueValidator(0), MaxValueValidator(VCSS_ITEM_MAX)],
    )


def _vcss_constraints(leg: str) -> list[models.BaseConstraint]:
    """The VCSS rules of one leg the database enforces too.

    A CHECK passes when its condition is NULL, so every branch that compares
    an item also says the item is not null. (The items are never negative:
    PositiveSmallIntegerField has its own CHECK.)
    """
    side = leg_side(leg)
    items = vcss_fields(leg)
    total = vcss_total_field(leg)
    ulcer = [vcss_field(key, leg) for key in VCSS_ULCER_KEYS]
    not_scored = Q(**{f"{name}__isnull": True for name in items})
    scored = Q(
        **{
            lookup: value
            for name in items
            for lookup, value in (
                (f"{name}__isnull", False),
                (f"{name}__lte", VCSS_ITEM_MAX),
            )
        }
    )
    item_sum = sum((F(name) for name in items[1:]), start=F(items[0]))
    return [
        models.CheckConstraint(
            name=f"patients_dopplerassessment_vcss_items_{side}",
            condition=not_scored | scored,
            violation_error_message=_(
                "Score every VCSS item of a leg from 0 to 3, or none."
            ),
        ),
        models.CheckConstraint(
            name=f"patients_dopplerassessment_vcss_total_{side}",
            condition=Q(**{f"{items[0]}__isnull": True})
            | Q(**{f"{total}__isnull": False, total: item_sum}),
            violation_error_message=_(
                "The VCSS total of a leg is the sum of its ten items."
            ),
        ),
        models.CheckConstraint(
            name=f"patients_dopplerassessment_vcss_ulcer_{side}",
            condition=Q(**{f"{ulcer[0]}__isnull": True})
            | Q(**dict.fromkeys(ulcer, 0))
            | Q(**{f"{ceap_field('c', leg)}__contains": CeapClass.C6.value}),
            violation_error_message=_(
                "VCSS items 7 to 9 score an active ulcer: they need C6 or C6r."
            ),
        ),
    ]


class DopplerAssessment(Voidable, Versioned):
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
    ceap_c_right = _ceap_classes_field(Leg.RIGHT)
    ceap_s_right = _ceap_choice_field(_("Symptomatic (S/A)"), Leg.RIGHT, CeapSymptoms)
    ceap_e_right = _ceap_choice_field(_("CEAP etiology"), Leg.RIGHT, CeapEtiology)
    ceap_a_right = _ceap_choice_field(_("CEAP anatomy"), Leg.RIGHT, CeapAnatomy)
    ceap_p_right = _ceap_choice_field(
        _("CEAP pathophysiology"), Leg.RIGHT, CeapPathophysiology
    )
    ceap_c_left = _ceap_classes_field(Leg.LEFT)
    ceap_s_left = _ceap_choice_field(_("Symptomatic (S/A)"), Leg.LEFT, CeapSymptoms)
    ceap_e_left = _ceap_choice_field(_("CEAP etiology"), Leg.LEFT, CeapEtiology)
    ceap_a_left = _ceap_choice_field(_("CEAP anatomy"), Leg.LEFT, CeapAnatomy)
    ceap_p_left = _ceap_choice_field(
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
    vcss_pain_right = _vcss_item_field("pain", Leg.RIGHT)
    vcss_varicose_right = _vcss_item_field("varicose", Leg.RIGHT)
    vcss_oedema_right = _vcss_item_field("oedema", Leg.RIGHT)
    vcss_pigmentation_right = _vcss_item_field("pigmentation", Leg.RIGHT)
    vcss_inflammation_right = _vcss_item_field("inflammation", Leg.RIGHT)
    vcss_induration_right = _vcss_item_field("induration", Leg.RIGHT)
    vcss_ulcer_number_right = _vcss_item_field("ulcer_number", Leg.RIGHT)
    vcss_ulcer_duration_right = _vcss_item_field("ulcer_duration", Leg.RIGHT)
    vcss_ulcer_size_right = _vcss_item_field("ulcer_size", Leg.RIGHT)
    vcss_compression_right = _vcss_item_field("compression", Leg.RIGHT)
    vcss_pain_left = _vcss_item_field("pain", Leg.LEFT)
    vcss_varicose_left = _vcss_item_field("varicose", Leg.LEFT)
    vcss_oedema_left = _vcss_item_field("oedema", Leg.LEFT)
    vcss_pigmentation_left = _vcss_item_field("pigmentation", Leg.LEFT)
    vcss_inflammation_left = _vcss_item_field("inflammation", Leg.LEFT)
    vcss_induration_left = _vcss_item_field("induration", Leg.LEFT)
    vcss_ulcer_number_left = _vcss_item_field("ulcer_number", Leg.LEFT)
    vcss_ulcer_duration_left = _vcss_item_field("ulcer_duration", Leg.LEFT)
    vcss_ulcer_size_left = _vcss_item_field("ulcer_size", Leg.LEFT)
    vcss_compression_left = _vcss_item_field("compression", Leg.LEFT)
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
            *_vcss_constraints(Leg.RIGHT),
            *_vcss_constraints(Leg.LEFT),
        ]

    def __str__(self) -> str:
        return f"Doppler {self.assessed_on:%Y-%m-%d} – {self.patient}"

    def get_absolute_url(self) -> str:
        return reverse("doppler:detail", kwargs={"code": self.code})

    def is_recent(self, on: date | None = None) -> bool:
        """Return whether the study is recent enough to rely on, on day `on`."""
        on = on or timezone.localdate()
        return (on - self.assessed_on).days <= DOPPLER_VALID_DAYS

    # --- CEAP and VCSS of a leg ----------------------------------------------

    def ceap_classes(self, leg: str) -> list[str]:
        """Return the leg's clinical classes in CEAP order.

        A record written with only the highest class (before the classes
        were recorded one by one) gives that class.
        """
        codes = split_ceap_classes(getattr(self, ceap_field("c", leg)))
        if not codes and getattr(self, f"ceap_{leg_side(leg)}"):
            codes = [getattr(self, f"ceap_{leg_side(leg)}")]
        return codes

    def ceap_notation(self, leg: str) -> str:
        """Return the leg's CEAP as written in a report, e.g. "C2,4c,S Ep As Pr"."""
        return ceap_notation(
            self.ceap_classes(leg),
            *(getattr(self, ceap_field(part, leg)) for part in ("s", "e", "a", "p")),
        )

    @property
    def ceap_notation_right(self) -> str:
        return self.ceap_notation(Leg.RIGHT)

    @property
    def ceap_notation_left(self) -> str:
        return self.ceap_notation(Leg.LEFT)

    def ceap_rows(self) -> list[dict[str, Any]]:
        """Return the CEAP in words, one row per part, right and left, for the
        read view."""
        rows = [
            {
                "label": CEAP_PART_LABELS["c"],
                "values": [
                    "\n".join(
                        str(CeapClass(code).label) if code in CeapClass.values else code
                        for code in self.ceap_classes(leg)
                    )
                    for leg in LEGS
                ],
            }
        ]
        for part, choices in CEAP_PART_CHOICES.items():
            labels = dict(choices.choices)
            values = [getattr(self, ceap_field(part, leg)) for leg in LEGS]
            rows.append(
                {
                    "label": CEAP_PART_LABELS[part],
                    "values": [str(labels.get(value, value)) for value in values],
                }
            )
        return rows

    def vcss_scores(self, leg: str) -> list[int | None]:
        """Return the leg's ten VCSS item scores in item order (None: not scored)."""
        return [getattr(self, name) for name in vcss_fields(leg)]

    def vcss_items_recorded(self, leg: str) -> bool:
        return all(score is not None for score in self.vcss_scores(leg))

    def vcss_total(self, leg: str) -> int | None:
        """Return the leg's VCSS: the sum of its items, or for a record scored
        before the items were recorded, the total it stored."""
        scores = self.vcss_scores(leg)
        if all(score is not None for score in scores):
            return sum(score for score in scores if score is not None)
        return getattr(self, vcss_total_field(leg))

    @property
    def vcss_total_right(self) -> int | None:
        return self.vcss_total(Leg.RIGHT)

    @property
    def vcss_total_left(self) -> int | None:
        return self.vcss_total(Leg.LEFT)

    def vcss_total_only(self, leg: str) -> bool:
        """Return True when the leg has a total but no item scores: a record
        scored before the items were recorded one by one."""
        return self.vcss_total(leg) is not None and not self.vcss_items_recorded(leg)

    @property
    def vcss_total_only_right(self) -> bool:
        return self.vcss_total_only(Leg.RIGHT)

    @property
    def vcss_total_only_left(self) -> bool:
        return self.vcss_total_only(Leg.LEFT)

    @property
    def vcss_items_recorded_any(self) -> bool:
        return any(self.vcss_items_recorded(leg) for leg in LEGS)

    def vcss_rows(self) -> list[dict[str, Any]]:
        """Return the ten items with the right and left score, for the read view."""
        right, left = self.vcss_scores(Leg.RIGHT), self.vcss_scores(Leg.LEFT)
        return [
            {"item": item, "scores": [right[index], left[index]]}
            for index, item in enumerate(VCSS_ITEMS)
        ]

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

    def _clean_leg(self, leg: str, errors: dict[str, list[ValidationError]]) -> None:
        side = leg_side(leg)
        leg_name = Leg(leg).label.lower()
        classes_field = ceap_field("c", leg)
        codes = split_ceap_classes(getattr(self, classes_field))
        setattr(self, classes_field, join_ceap_classes(codes))
        setattr(self, f"ceap_{side}", highest_ceap_class(codes))
        ulcer = has_active_ulcer(codes)

        names = vcss_fields(leg)
        scores = self.vcss_scores(leg)
        if all(score is None for score in scores):
            # No items: an older record's total may stand alone, but not one
            # only an active ulcer can reach.
            total = getattr(self, vcss_total_field(leg))
            if total is not None and total > VCSS_MAX_WITHOUT_ULCER and not ulcer:
                errors.setdefault(classes_field, []).append(
                    ValidationError(
                        gettext(
                            "The %(leg)s leg's VCSS total of %(total)s is above "
                            "%(max)s, which only an active ulcer reaches: tick "
                            "C6 or C6r, or score the ten items."
                        ),
                        code="vcss_total_needs_ulcer",
                        params={
                            "leg": leg_name,
                            "total": total,
                            "max": VCSS_MAX_WITHOUT_ULCER,
                        },
                    )
                )
            return
        for name, score in zip(names, scores, strict=True):
            if score is None:
                errors.setdefault(name, []).append(
                    ValidationError(
                        gettext("Score all ten items of the %(leg)s leg, or none."),
                        code="vcss_partial",
                        params={"leg": leg_name},
                    )
                )
        for item in VCSS_ITEMS:
            name = vcss_field(item.key, leg)
            if item.key not in VCSS_ULCER_KEYS or not getattr(self, name) or ulcer:
                continue
            errors.setdefault(name, []).append(
                ValidationError(
                    gettext(
                        "Item %(number)s (%(item)s) scores an active ulcer: "
                        "tick C6 or C6r for the %(leg)s leg, or score 0."
                    ),
                    code="vcss_ulcer_needs_c6",
                    params={
                        "number": item.number,
                        "item": str(item.label).lower(),
                        "leg": leg_name,
                    },
                )
            )
        if all(score is not None for score in scores):
            total = sum(score for score in scores if score is not None)
            setattr(self, vcss_total_field(leg), total)

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
