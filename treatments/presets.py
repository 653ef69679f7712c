"""What the session form proposes for an injection row, and a session's plan.

Choosing a vessel type proposes an agent, its concentration, the form and,
for foam, the gas and the ratio (DOMAIN.md §4.2, the European guideline
tables; §4.4, the Tessari 1+4 room-air foam). Each concentration sits inside
the usual range `treatments.guidance` shows for that vessel, agent and form
(tests/treatments/test_presets.py checks it), so a proposal never draws the
form's own "usually ..." warning. Where several concentrations apply, the SmPC
says to choose by diameter and, in doubt, the lower; the proposals follow
the brief's reference practice for telangiectasias and reticular veins and
the lower end elsewhere. Every proposal can be changed in the row; the page
applies it only to fields the user has not set (static/js/session_form.js).

The volume is never proposed: DOMAIN.md §4.3 gives ceilings per injection,
not a usual volume, so the row shows the ceiling as a hint.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.utils.translation import gettext as _

from treatments.choices import Agent, Form, Gas, VesselType
from treatments.dosing import plain_number
from treatments.models import Injection, TreatmentSession

if TYPE_CHECKING:
    from patients.models import Patient

# Room air, 1 part liquid + 4 parts gas: the European consensus standard.
FOAM_GAS = Gas.AIR
FOAM_GAS_PARTS = Decimal("4")


@dataclass(frozen=True)
class Preset:
    """The proposal for one vessel type."""

    form: str
    # Concentration (%) per agent; the first agent is the one proposed.
    concentration_pct: dict[str, Decimal]
    ultrasound_guided: bool = False
    # The most per injection (mL), shown as a hint, never filled in.
    volume_hint_ml: Decimal | None = None
    gas: str = field(default="")
    gas_parts: Decimal | None = None

    @property
    def agent(self) -> str:
        return next(iter(self.concentration_pct))


def _liquid(
    polidocanol: str, sts: str, *, glycerin: str | None = None, volume: str | None
) -> Preset:
    pct = {Agent.POLIDOCANOL.value: Decimal(polidocanol), Agent.STS.value: Decimal(sts)}
    if glycerin:
        pct[Agent.GLYCERIN.value] = Decimal(glycerin)
    return Preset(
        form=Form.LIQUID,
        concentration_pct=pct,
        volume_hint_ml=Decimal(volume) if volume else None,
    )


def _foam(polidocanol: str, sts: str, *, ultrasound: bool = False) -> Preset:
    return Preset(
        form=Form.FOAM,
        concentration_pct={
            Agent.POLIDOCANOL.value: Decimal(polidocanol),
            Agent.STS.value: Decimal(sts),
        },
        ultrasound_guided=ultrasound,
        # Foam per injection: at most 5 mL (DOMAIN.md §4.3).
        volume_hint_ml=Decimal("5"),
        gas=FOAM_GAS,
        gas_parts=FOAM_GAS_PARTS,
    )


# DOMAIN.md §4.2 (liquid: telangiectasia POL 0.25-0.5 / STS 0.1-0.2 %,
# reticular 0.5-1 / 0.2-0.5 %, small varices 1 / 0.5-1 %; foam: tributaries
# up to 1 %, large veins, trunks and perforators 1-3 %) and §4.3 (per
# injection: telangiectasia up to 0.2 mL, reticular up to 0.5 mL).
PRESETS: dict[str, Preset] = {
    # Red, very fine: the lowest strength (laser may suit better).
    VesselType.RED_TELANGIECTASIA: _liquid("0.25", "0.1", glycerin="72", volume="0.2"),
    VesselType.BLUE_TELANGIECTASIA: _liquid("0.5", "0.2", glycerin="72", volume="0.2"),
    VesselType.RETICULAR: _liquid("1", "0.5", volume="0.5"),
    VesselType.SMALL_VARICOSE: _liquid("1", "1", volume=None),
    # A medium varix is a tributary in the foam table: up to 1 %.
    VesselType.MEDIUM_VARICOSE: _foam("1", "1"),
    VesselType.LARGE_VARICOSE: _foam("3", "3"),
    # Trunks and perforators are injected under ultrasound (DOMAIN.md §4.5);
    # without the diameter, the lower strength.
    VesselType.TRUNK: _foam("1", "1", ultrasound=True),
    VesselType.PERFORATOR: _foam("1", "1", ultrasound=True),
}


def presets_for_page() -> dict[str, dict[str, Any]]:
    """Return the table as the page's script reads it (json_script)."""
    table = {}
    for vessel, preset in PRESETS.items():
        hint = preset.volume_hint_ml
        table[str(vessel)] = {
            "agent": preset.agent,
            "concentration_pct": {
                agent: plain_number(pct)
                for agent, pct in preset.concentration_pct.items()
            },
            "form": str(preset.form),
            "gas": str(preset.gas),
            "gas_parts": plain_number(preset.gas_parts) if preset.gas_parts else "",
            "ultrasound_guided": preset.ultrasound_guided,
            "volume_hint": (
                _("At most %(ml)s mL per injection.") % {"ml": plain_number(hint)}
                if hint
                else ""
            ),
            "volume_placeholder": f"≤ {plain_number(hint)}" if hint else "",
        }
    return table


# --- repeating the last session's plan ---------------------------------------

PLAN_INJECTION_FIELDS = [
    "leg",
    "segment",
    "site",
    "vessel_type",
    "agent",
    "concentration_pct",
    "form",
    "gas",
    "gas_parts",
    "volume_ml",
    "ultrasound_guided",
]
PLAN_SESSION_FIELDS = [
    "compression",
    "bandage_days",
    "stocking_class",
    "stocking_mmhg",
    "stocking_length",
    "stocking_days",
]


@dataclass(frozen=True)
class Plan:
    """What a new session takes over from an earlier one."""

    source: TreatmentSession
    rows: list[dict[str, Any]]
    session: dict[str, Any]


def last_session(patient: Patient) -> TreatmentSession | None:
    """Return the patient's latest session that is not voided, or None."""
    return (
        TreatmentSession.objects.filter(patient=patient, voided_at__isnull=True)
        .order_by("-performed_at", "-id")
        .first()
    )


def last_plan(patient: Patient) -> Plan | None:
    """Return the plan of the patient's last session (its active injections,
    without their positions on the leg map, and its compression), or None
    when there is no such session or it has no active injection."""
    source = last_session(patient)
    if source is None:
        return None
    injections = list(
        Injection.objects.filter(session=source, voided_at__isnull=True)
        .order_by("id")
        .values(*PLAN_INJECTION_FIELDS)
    )
    if not injections:
        return None
    for row in injections:
        for name, value in row.items():
            # As typed: "3", not "3.00".
            if isinstance(value, Decimal):
                row[name] = plain_number(value)
    session = {name: getattr(source, name) for name in PLAN_SESSION_FIELDS}
    return Plan(source=source, rows=injections, session=session)


def plan_available(patient: Patient) -> bool:
    """Whether the patient's last session has a plan to repeat."""
    source = last_session(patient)
    return (
        source is not None and source.injections.filter(voided_at__isnull=True).exists()
    )
