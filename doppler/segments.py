"""What a Doppler finding records: the vein segment, its thrombus state.

The segment also sets the reflux cut-off: reflux lasting longer is
pathological (DOMAIN.md §1.3 and §3.2). DopplerFinding stores these.
"""

from __future__ import annotations

from decimal import Decimal

from django.db import models
from django.utils.translation import gettext_lazy as _


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
