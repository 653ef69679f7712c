"""The menus of a treatment session: agents, vessels, forms, gases, compression."""

from __future__ import annotations

from decimal import Decimal

from django.db import models
from django.utils.translation import gettext_lazy as _


class Agent(models.TextChoices):
    POLIDOCANOL = "polidocanol", _("Polidocanol")
    STS = "sts", _("Sodium tetradecyl sulfate")
    GLYCERIN = "glycerin", _("Glycerin")


# Hard ranges per agent; outside them the value is a typing error.
CONCENTRATION_RANGE_PCT: dict[str, tuple[Decimal, Decimal]] = {
    Agent.POLIDOCANOL: (Decimal("0.1"), Decimal("3")),
    Agent.STS: (Decimal("0.1"), Decimal("3")),
    Agent.GLYCERIN: (Decimal("10"), Decimal("72")),
}


class VesselType(models.TextChoices):
    RED_TELANGIECTASIA = "tel_red", _("Red telangiectasia")
    BLUE_TELANGIECTASIA = "tel_blue", _("Blue telangiectasia")
    RETICULAR = "reticular", _("Reticular vein")
    SMALL_VARICOSE = "var_small", _("Small varicose vein")
    MEDIUM_VARICOSE = "var_medium", _("Medium varicose vein")
    LARGE_VARICOSE = "var_large", _("Large varicose vein")
    TRUNK = "trunk", _("Saphenous trunk")
    PERFORATOR = "perforator", _("Perforator")


class Form(models.TextChoices):
    LIQUID = "liquid", _("Liquid")
    FOAM = "foam", _("Foam")


class Gas(models.TextChoices):
    AIR = "air", _("Room air")
    CO2 = "co2", _("CO₂")
    CO2_O2 = "co2_o2", _("CO₂/O₂ mixture")
    O2 = "o2", _("O₂")


class Compression(models.TextChoices):
    NONE = "none", _("No compression")
    STOCKING = "stocking", _("Compression stocking")
    BANDAGE_THEN_STOCKING = "bandage", _("Bandage, then stocking")


STOCKING_FIELDS = [
    "stocking_class",
    "stocking_mmhg",
    "stocking_length",
    "stocking_days",
]


# The pressure range of each stocking class, for the patient's sheet.
CLASS_PRESSURE_MMHG = {"1": "18–21", "2": "23–32", "3": "34–46"}


class StockingClass(models.TextChoices):
    CLASS_1 = "1", _("Class 1 (18–21 mmHg)")
    CLASS_2 = "2", _("Class 2 (23–32 mmHg)")
    CLASS_3 = "3", _("Class 3 (34–46 mmHg)")


class StockingLength(models.TextChoices):
    KNEE = "knee", _("knee-high")
    THIGH = "thigh", _("thigh-high")
    TIGHTS = "tights", _("tights")
