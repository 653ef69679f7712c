"""CEAP 2020 and the revised VCSS of one leg (DOMAIN.md §1 and §2).

The vocabularies and the pure functions over them. DopplerAssessment stores
them per leg, the form offers them, the pages show the notation.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from patients.models import Leg


class CeapClass(models.TextChoices):
    """Clinical classes; a leg may have several ("advanced" CEAP)."""

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


class CeapSymptoms(models.TextChoices):
    """The modifier after the clinical classes: "C2,4c,S"."""

    SYMPTOMATIC = "S", _("S – symptomatic")
    ASYMPTOMATIC = "A", _("A – asymptomatic")


class CeapEtiology(models.TextChoices):
    PRIMARY = "Ep", _("Ep – primary")
    SECONDARY = "Es", _("Es – secondary")
    SECONDARY_INTRAVENOUS = "Esi", _("Esi – secondary, intravenous")
    SECONDARY_EXTRAVENOUS = "Ese", _("Ese – secondary, extravenous")
    CONGENITAL = "Ec", _("Ec – congenital")
    NONE = "En", _("En – no cause identified")


class CeapAnatomy(models.TextChoices):
    """The venous systems involved, alone or together ("As,p")."""

    SUPERFICIAL = "As", _("As – superficial")
    DEEP = "Ad", _("Ad – deep")
    PERFORATOR = "Ap", _("Ap – perforator")
    SUPERFICIAL_DEEP = "As,d", _("As,d – superficial and deep")
    SUPERFICIAL_PERFORATOR = "As,p", _("As,p – superficial and perforator")
    DEEP_PERFORATOR = "Ad,p", _("Ad,p – deep and perforator")
    ALL = "As,d,p", _("As,d,p – superficial, deep and perforator")
    NONE = "An", _("An – no venous location identified")


class CeapPathophysiology(models.TextChoices):
    REFLUX = "Pr", _("Pr – reflux")
    OBSTRUCTION = "Po", _("Po – obstruction")
    REFLUX_OBSTRUCTION = "Pr,o", _("Pr,o – reflux and obstruction")
    NONE = "Pn", _("Pn – no pathophysiology identified")


# The classes of a leg with an active ulcer: VCSS items 7 to 9 score it.
ACTIVE_ULCER_CLASSES = frozenset({CeapClass.C6.value, CeapClass.C6R.value})
# Stored comma-joined: all eleven codes fit.
CEAP_CLASSES_MAX_LENGTH = 40


def split_ceap_classes(value: str | Iterable[str] | None) -> list[str]:
    """Return the codes of a stored ("C2,C4c") or submitted value, without
    blanks or repeats, in the order given."""
    if value is None:
        return []
    parts = value.split(",") if isinstance(value, str) else list(value)
    codes: list[str] = []
    for part in parts:
        code = str(part).strip()
        if code and code not in codes:
            codes.append(code)
    return codes


def canonical_ceap_classes(codes: Iterable[str]) -> list[str]:
    """Return the codes in CeapClass order; codes not in it follow, as given."""
    order = {code: index for index, code in enumerate(CeapClass.values)}
    return sorted(codes, key=lambda code: order.get(code, len(order)))


def join_ceap_classes(value: str | Iterable[str] | None) -> str:
    """Return the stored form of the classes: canonical order, comma-joined."""
    return ",".join(canonical_ceap_classes(split_ceap_classes(value)))


def validate_ceap_classes(value: str) -> None:
    """Refuse unknown codes, and C0 (no visible signs) beside another class."""
    codes = split_ceap_classes(value)
    unknown = [code for code in codes if code not in CeapClass.values]
    if unknown:
        raise ValidationError(
            _("Unknown CEAP clinical class: %(codes)s."),
            code="unknown",
            params={"codes": ", ".join(unknown)},
        )
    if CeapClass.C0 in codes and len(codes) > 1:
        raise ValidationError(
            _("C0 means no visible signs: it cannot go with another class."),
            code="c0_alone",
        )


def highest_ceap_class(codes: Iterable[str]) -> str:
    """Return the highest known class ("basic" CEAP), or "" for none."""
    known = [code for code in codes if code in CeapClass.values]
    return canonical_ceap_classes(known)[-1] if known else ""


def has_active_ulcer(codes: Iterable[str]) -> bool:
    return not ACTIVE_ULCER_CLASSES.isdisjoint(codes)


def ceap_notation(
    classes: Iterable[str],
    symptoms: str = "",
    etiology: str = "",
    anatomy: str = "",
    pathophysiology: str = "",
) -> str:
    """Return the CEAP of a leg as written in a report: "C2,4c,S Ep As Pr".

    The classes share one "C"; the S/A modifier follows them after a comma.
    Parts not recorded are left out; nothing recorded gives "".
    """
    codes = canonical_ceap_classes(split_ceap_classes(classes))
    parts = []
    if codes:
        clinical = "C" + ",".join(
            code[1:] if code[:1] == "C" else code for code in codes
        )
        parts.append(f"{clinical},{symptoms}" if symptoms else clinical)
    elif symptoms:
        parts.append(symptoms)
    parts.extend(part for part in (etiology, anatomy, pathophysiology) if part)
    return " ".join(parts)


# --- revised VCSS (Vasquez 2010) -------------------------------------------------


@dataclass(frozen=True)
class VcssItem:
    """One of the ten descriptors, scored 0 (none) to 3 (severe)."""

    number: int
    key: str
    label: str | Promise
    # What scores 1, 2 and 3 mean.
    grades: tuple[str | Promise, str | Promise, str | Promise]
    hint: str | Promise = ""


VCSS_ITEMS: tuple[VcssItem, ...] = (
    VcssItem(
        1,
        "pain",
        _("Pain or other discomfort"),
        (
            _("Occasional, not restricting daily activities"),
            _("Daily, interfering with but not preventing daily activities"),
            _("Daily, limiting most daily activities"),
        ),
        _("Aching, heaviness, fatigue, soreness, burning; of venous origin"),
    ),
    VcssItem(
        2,
        "varicose",
        _("Varicose veins"),
        (
            _("Few, scattered; includes corona phlebectatica"),
            _("Confined to calf or thigh"),
            _("Involves calf and thigh"),
        ),
        _("At least 3 mm across, standing"),
    ),
    VcssItem(
        3,
        "oedema",
        _("Venous oedema"),
        (
            _("Limited to foot and ankle"),
            _("Above the ankle but below the knee"),
            _("To the knee and above"),
        ),
    ),
    VcssItem(
        4,
        "pigmentation",
        _("Skin pigmentation"),
        (
            _("Limited to the perimalleolar area"),
            _("Diffuse over the lower third of the calf"),
            _("Wider, above the lower third of the calf"),
        ),
        _("Not focal pigmentation over varicose veins"),
    ),
    VcssItem(
        5,
        "inflammation",
        _("Inflammation"),
        (
            _("Perimalleolar"),
            _("Diffuse over the lower third of the calf"),
            _("Above the lower third of the calf"),
        ),
        _("Erythema, cellulitis, venous eczema, dermatitis"),
    ),
    VcssItem(
        6,
        "induration",
        _("Induration"),
        (
            _("Perimalleolar"),
            _("Lower third of the calf"),
            _("Above the lower third of the calf"),
        ),
        _(
            "Chronic oedema with fibrosis, hypodermitis, white atrophy, "
            "lipodermatosclerosis"
        ),
    ),
    VcssItem(
        7,
        "ulcer_number",
        _("Active ulcer number"),
        ("1", "2", _("3 or more")),
    ),
    VcssItem(
        8,
        "ulcer_duration",
        _("Active ulcer duration"),
        (
            _("Less than 3 months"),
            _("3 months to 1 year"),
            _("Not healed for more than 1 year"),
        ),
        _("The longest-standing active ulcer"),
    ),
    VcssItem(
        9,
        "ulcer_size",
        _("Active ulcer size"),
        (_("Less than 2 cm across"), _("2 to 6 cm"), _("More than 6 cm")),
        _("The largest active ulcer"),
    ),
    VcssItem(
        10,
        "compression",
        _("Use of compression therapy"),
        (
            _("Intermittent use of stockings"),
            _("Wears stockings most days"),
            _("Full compliance: stockings"),
        ),
    ),
)
VCSS_ITEM_MAX = 3
VCSS_MAX = VCSS_ITEM_MAX * len(VCSS_ITEMS)
# Items 7 to 9 score an active ulcer; without one they are 0, so the
# other seven items cap the total at 21.
VCSS_ULCER_KEYS = ("ulcer_number", "ulcer_duration", "ulcer_size")
VCSS_MAX_WITHOUT_ULCER = VCSS_ITEM_MAX * (len(VCSS_ITEMS) - len(VCSS_ULCER_KEYS))

LEGS = (Leg.RIGHT, Leg.LEFT)
_SIDES = {Leg.RIGHT.value: "right", Leg.LEFT.value: "left"}


def leg_side(leg: str) -> str:
    """Return "right" or "left", the suffix of a leg's field names."""
    return _SIDES[leg]


def ceap_field(part: str, leg: str) -> str:
    """Return the name of a CEAP field: part "c", "s", "e", "a" or "p"."""
    return f"ceap_{part}_{leg_side(leg)}"


CEAP_PARTS = ("c", "s", "e", "a", "p")
# The parts chosen from a list, after the clinical classes.
CEAP_PART_CHOICES: dict[str, type[models.TextChoices]] = {
    "s": CeapSymptoms,
    "e": CeapEtiology,
    "a": CeapAnatomy,
    "p": CeapPathophysiology,
}
CEAP_PART_LABELS = {
    "c": _("Clinical classes (C)"),
    "s": _("S / A"),
    "e": _("Etiology (E)"),
    "a": _("Anatomy (A)"),
    "p": _("Pathophysiology (P)"),
}


def ceap_fields(leg: str) -> list[str]:
    return [ceap_field(part, leg) for part in CEAP_PARTS]


def vcss_field(key: str, leg: str) -> str:
    """Return the name of one item's field, e.g. "vcss_ulcer_number_right"."""
    return f"vcss_{key}_{leg_side(leg)}"


def vcss_fields(leg: str) -> list[str]:
    """Return the ten item fields of a leg, in item order."""
    return [vcss_field(item.key, leg) for item in VCSS_ITEMS]


def vcss_total_field(leg: str) -> str:
    """Return the stored total's field: "vcss_right" or "vcss_left"."""
    return f"vcss_{leg_side(leg)}"
