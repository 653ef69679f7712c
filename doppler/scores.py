"""The CEAP and VCSS of each leg, as DopplerAssessment stores and reads them.

The model fields and database constraints it declares per leg, and the
LegScores methods it inherits: each leg's CEAP notation and classes, its
VCSS items and total (DOMAIN.md §1 and §2), and the check its clean() runs on
one leg. The vocabularies and pure functions are in doppler.clinical.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils.text import format_lazy
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

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
    CeapClass,
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
from patients.models import Leg

VCSS_VALIDATORS = [MinValueValidator(0), MaxValueValidator(VCSS_MAX)]


def on_leg(label: Any, leg: str) -> Any:
    """Return a field's verbose name with its leg: "Active ulcer size (Right)"."""
    return format_lazy("{label} ({leg})", label=label, leg=Leg(leg).label)


def ceap_classes_field(leg: str) -> models.CharField:
    return models.CharField(
        on_leg(_("CEAP clinical classes"), leg),
        max_length=CEAP_CLASSES_MAX_LENGTH,
        blank=True,
        validators=[validate_ceap_classes],
        help_text=_("Comma-joined codes in CEAP order, e.g. C2,C4c."),
    )


def ceap_choice_field(
    label: Any, leg: str, choices: type[models.TextChoices]
) -> models.CharField:
    return models.CharField(
        on_leg(label, leg),
        max_length=max(len(value) for value in choices.values),
        choices=choices.choices,
        blank=True,
    )


def vcss_item_field(key: str, leg: str) -> models.PositiveSmallIntegerField:
    item = next(item for item in VCSS_ITEMS if item.key == key)
    return models.PositiveSmallIntegerField(
        on_leg(
            format_lazy("VCSS {number}. {label}", number=item.number, label=item.label),
            leg,
        ),
        null=True,
        blank=True,
        validators=[MinValueValidator(0), MaxValueValidator(VCSS_ITEM_MAX)],
    )


def vcss_constraints(leg: str) -> list[models.BaseConstraint]:
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


class LegScores:
    """CEAP and VCSS of a leg, read from and checked on the per-leg fields
    (DopplerAssessment inherits them)."""

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
