"""Dose arithmetic, as pure functions of the values typed (DOMAIN.md §4).

Liquid volume of a foam, milligrams of sclerosant, a session's totals and the
polidocanol limit. The models, the services' limit checks and the live totals
of the session form all call these, so they never disagree.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import TYPE_CHECKING, Any

from treatments.choices import Agent, Form

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

# Polidocanol: 2 mg per kg of body weight per day (DOMAIN.md §4.3).
MAX_POLIDOCANOL_MG_PER_KG = Decimal("2")
# Physician-compounded foam: the generally accepted maximum of 10 mL, counted
# per patient and clinic day across sessions (DOMAIN.md §4.3).
MAX_FOAM_ML_PER_SESSION = Decimal("10")
# Sodium tetradecyl sulfate: at most 10 mL per treatment (Sotradecol label),
# counted as liquid (a foam by its liquid part) per patient and clinic day.
MAX_STS_LIQUID_ML_PER_DAY = Decimal("10")
# A sclerosant solution of 1 % holds 10 mg per mL.
MG_PER_ML_PER_PCT = Decimal("10")
MAX_INJECTION_VOLUME_ML = Decimal("20")
MIN_INJECTION_VOLUME_ML = Decimal("0.01")
MAX_GAS_PARTS = Decimal("8")
MIN_GAS_PARTS = Decimal("1")
TWO_PLACES = Decimal("0.01")


def liquid_ml(volume_ml: Decimal, form: str, gas_parts: Decimal | None) -> Decimal:
    """Return the liquid sclerosant in an injection: foam is 1 part liquid + N gas."""
    if form == Form.FOAM and gas_parts:
        return (volume_ml / (1 + gas_parts)).quantize(
            Decimal("0.001"), rounding=ROUND_HALF_UP
        )
    return volume_ml


def dose_mg(concentration_pct: Decimal, liquid: Decimal) -> Decimal:
    """Return milligrams of sclerosant: % x 10 mg/mL x liquid mL."""
    return (concentration_pct * MG_PER_ML_PER_PCT * liquid).quantize(
        TWO_PLACES, rounding=ROUND_HALF_UP
    )


@dataclass
class SessionTotals:
    """Totals of a session's active injections (derived, never typed)."""

    injections: int = 0
    volume_ml: Decimal = Decimal("0")
    foam_ml: Decimal = Decimal("0")
    liquid_ml: Decimal = Decimal("0")
    # mg of sclerosant and mL injected, per agent value (e.g. "polidocanol").
    mg_by_agent: dict[str, Decimal] = field(default_factory=dict)
    ml_by_agent: dict[str, Decimal] = field(default_factory=dict)
    # Liquid sclerosant per agent: a foam counts by its liquid part.
    liquid_ml_by_agent: dict[str, Decimal] = field(default_factory=dict)

    @property
    def polidocanol_mg(self) -> Decimal:
        return self.mg_by_agent.get(Agent.POLIDOCANOL, Decimal("0"))

    @property
    def sts_liquid_ml(self) -> Decimal:
        return self.liquid_ml_by_agent.get(Agent.STS, Decimal("0"))

    def per_agent(self) -> list[tuple[StrOrPromise, Decimal, Decimal]]:
        """Return (agent label, mL injected, mg) for each agent used, in menu order."""
        return [
            (label, self.ml_by_agent[value], self.mg_by_agent[value])
            for value, label in Agent.choices
            if value in self.ml_by_agent
        ]


def totals_of(injections: Iterable[Any]) -> SessionTotals:
    """Return the totals of the given injections, skipping voided ones."""
    totals = SessionTotals()
    for injection in injections:
        if injection.voided_at is not None:
            continue
        totals.injections += 1
        totals.volume_ml += injection.volume_ml
        totals.liquid_ml += injection.liquid_ml
        if injection.form == Form.FOAM:
            totals.foam_ml += injection.volume_ml
        agent = injection.agent
        totals.mg_by_agent[agent] = (
            totals.mg_by_agent.get(agent, Decimal("0")) + injection.dose_mg
        )
        totals.ml_by_agent[agent] = (
            totals.ml_by_agent.get(agent, Decimal("0")) + injection.volume_ml
        )
        totals.liquid_ml_by_agent[agent] = (
            totals.liquid_ml_by_agent.get(agent, Decimal("0")) + injection.liquid_ml
        )
    return totals


def plain_number(value: Decimal) -> str:
    """Return a decimal without trailing zeros: 0.50 -> "0.5", 10 -> "10"."""
    return format(value.normalize(), "f")


def max_polidocanol_mg(weight_kg: Decimal) -> Decimal:
    """Return the polidocanol limit for the day: 2 mg per kg of body weight."""
    return (weight_kg * MAX_POLIDOCANOL_MG_PER_KG).quantize(TWO_PLACES)
