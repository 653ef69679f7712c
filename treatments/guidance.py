"""Guidance shown while a session is recorded (DOMAIN.md §4.2, §6.1, §8).

Guidance is shown, not imposed: nothing here blocks a save. The only blocks
are the dose and foam limits and absolute contraindications, which
`treatments.services` enforces.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext as _

from doppler.models import DOPPLER_VALID_DAYS, DopplerAssessment
from patients.screening import NO_COMPRESSION, REDUCED_COMPRESSION
from treatments.choices import Agent, Compression, Form, VesselType
from treatments.dosing import plain_number

WARNING = "warning"
INFO = "info"


@dataclass(frozen=True)
class Note:
    level: str  # WARNING or INFO
    message: str


# Usual concentration (%) per (form, vessel type, agent), from the European
# guideline tables. A low bound of None reads "up to". [R]: guidance only.
_TELANGIECTASIA = (VesselType.RED_TELANGIECTASIA, VesselType.BLUE_TELANGIECTASIA)
_LIQUID: dict[str, dict[str, tuple[Decimal | None, Decimal]]] = {
    VesselType.RETICULAR: {
        Agent.POLIDOCANOL: (Decimal("0.5"), Decimal("1")),
        Agent.STS: (Decimal("0.2"), Decimal("0.5")),
    },
    VesselType.SMALL_VARICOSE: {
        Agent.POLIDOCANOL: (Decimal("1"), Decimal("1")),
        Agent.STS: (Decimal("0.5"), Decimal("1")),
    },
    VesselType.MEDIUM_VARICOSE: {
        Agent.POLIDOCANOL: (Decimal("2"), Decimal("3")),
        Agent.STS: (Decimal("1"), Decimal("3")),
    },
    VesselType.LARGE_VARICOSE: {
        Agent.POLIDOCANOL: (Decimal("3"), Decimal("3")),
        Agent.STS: (Decimal("3"), Decimal("3")),
    },
}
for _vessel in _TELANGIECTASIA:
    _LIQUID[_vessel] = {
        Agent.POLIDOCANOL: (Decimal("0.25"), Decimal("0.5")),
        Agent.STS: (Decimal("0.1"), Decimal("0.2")),
        # 72 % glycerin, often diluted 2:1 with lidocaine (48 %).
        Agent.GLYCERIN: (Decimal("48"), Decimal("72")),
    }

_FOAM: dict[str, dict[str, tuple[Decimal | None, Decimal]]] = {}
for _vessel in (*_TELANGIECTASIA, VesselType.RETICULAR):
    _FOAM[_vessel] = {
        Agent.POLIDOCANOL: (None, Decimal("0.5")),
        Agent.STS: (None, Decimal("0.25")),
    }
for _vessel in (VesselType.SMALL_VARICOSE, VesselType.MEDIUM_VARICOSE):
    # Tributaries.
    _FOAM[_vessel] = {
        Agent.POLIDOCANOL: (None, Decimal("1")),
        Agent.STS: (None, Decimal("1")),
    }
for _vessel in (VesselType.LARGE_VARICOSE, VesselType.TRUNK, VesselType.PERFORATOR):
    _FOAM[_vessel] = {
        Agent.POLIDOCANOL: (Decimal("1"), Decimal("3")),
        Agent.STS: (Decimal("1"), Decimal("3")),
    }

USUAL_RANGE_PCT: dict[str, dict[str, dict[str, tuple[Decimal | None, Decimal]]]] = {
    Form.LIQUID: _LIQUID,
    Form.FOAM: _FOAM,
}


def usual_range(
    vessel_type: str, agent: str, form: str
) -> tuple[Decimal | None, Decimal] | None:
    """Return the usual (low, high) concentration in %, or None if no guidance."""
    return USUAL_RANGE_PCT.get(form, {}).get(vessel_type, {}).get(agent)


def range_text(bounds: tuple[Decimal | None, Decimal]) -> str:
    low, high = bounds
    if low is None:
        return _("up to %(high)s %%") % {"high": plain_number(high)}
    if low == high:
        return f"{plain_number(high)} %"
    return f"{plain_number(low)}–{plain_number(high)} %"


def injection_notes(
    *, vessel_type: str, agent: str, form: str, concentration_pct
) -> list[Note]:
    """Return the guidance for one injection row."""
    notes = []
    if vessel_type == VesselType.RED_TELANGIECTASIA:
        notes.append(Note(INFO, _("Red, very fine vessels: laser may suit better.")))
    if agent == Agent.GLYCERIN and form == Form.FOAM:
        notes.append(Note(WARNING, _("Glycerin is not usually given as foam.")))
    if form == Form.FOAM and vessel_type in _TELANGIECTASIA:
        notes.append(
            Note(INFO, _("Liquid is the usual first choice for telangiectasias."))
        )
    bounds = usual_range(vessel_type, agent, form)
    if bounds and concentration_pct is not None:
        low, high = bounds
        if concentration_pct > high or (low is not None and concentration_pct < low):
            notes.append(
                Note(
                    WARNING,
                    _("Usually %(range)s here; %(value)s %% entered.")
                    % {
                        "range": range_text(bounds),
                        "value": plain_number(concentration_pct),
                    },
                )
            )
        else:
            notes.append(
                Note(INFO, _("Usual %(range)s.") % {"range": range_text(bounds)})
            )
    return notes


def doppler_notes(doppler: DopplerAssessment | None, *, on: date) -> list[Note]:
    """Warn when no Doppler is on file or the one relied on is old."""
    if doppler is None:
        return [Note(WARNING, _("No Doppler assessment on file for this patient."))]
    if not doppler.is_recent(on):
        return [
            Note(
                WARNING,
                _("The Doppler assessment of %(date)s is older than %(months)d months.")
                % {
                    "date": doppler.assessed_on.isoformat(),
                    "months": DOPPLER_VALID_DAYS // 30,
                },
            )
        ]
    return []


# --- compression (the clinic's text: a stocking after small vessels; a
# bandage for 2-3 days, then a stocking, after larger varices and foam) ------

SMALL_VESSELS = frozenset(
    {
        VesselType.RED_TELANGIECTASIA,
        VesselType.BLUE_TELANGIECTASIA,
        VesselType.RETICULAR,
    }
)
MAX_BANDAGE_DAYS = 3
PROPOSED_BANDAGE_DAYS = 2
PROPOSED_STOCKING_CLASS = "2"
PROPOSED_STOCKING_DAYS_SMALL = 7
PROPOSED_STOCKING_DAYS_LARGER = 14


@dataclass(frozen=True)
class CompressionProposal:
    """The compression the clinic's practice proposes for what was injected."""

    compression: str
    bandage_days: int | None
    stocking_class: str
    stocking_days: int

    @property
    def text(self) -> str:
        if self.compression == Compression.BANDAGE_THEN_STOCKING:
            return _(
                "Bandage for %(bandage)d days, then a class %(cls)s stocking "
                "for %(days)d days (larger veins or foam)."
            ) % {
                "bandage": self.bandage_days,
                "cls": self.stocking_class,
                "days": self.stocking_days,
            }
        return _("A class %(cls)s stocking for %(days)d days (small vessels).") % {
            "cls": self.stocking_class,
            "days": self.stocking_days,
        }


def needs_bandage(injections: Iterable[Any]) -> bool:
    """Whether any active injection was foam or a vein larger than a reticular."""
    return any(
        injection.voided_at is None
        and (injection.form == Form.FOAM or injection.vessel_type not in SMALL_VESSELS)
        for injection in injections
    )


def compression_proposal(
    injections: Iterable[Any], *, limit: str | None = None
) -> CompressionProposal | None:
    """Return the compression to propose for these injections (None if none).

    `limit` is what the patient's ankle-brachial index allows
    (patients.screening.compression_limit): nothing below 0.5, a class 1
    stocking only from 0.5 to 0.8.
    """
    active = [injection for injection in injections if injection.voided_at is None]
    if not active or limit == NO_COMPRESSION:
        return None
    if limit == REDUCED_COMPRESSION:
        days = (
            PROPOSED_STOCKING_DAYS_LARGER
            if needs_bandage(active)
            else PROPOSED_STOCKING_DAYS_SMALL
        )
        return CompressionProposal(Compression.STOCKING, None, "1", days)
    if needs_bandage(active):
        return CompressionProposal(
            Compression.BANDAGE_THEN_STOCKING,
            PROPOSED_BANDAGE_DAYS,
            PROPOSED_STOCKING_CLASS,
            PROPOSED_STOCKING_DAYS_LARGER,
        )
    return CompressionProposal(
        Compression.STOCKING,
        None,
        PROPOSED_STOCKING_CLASS,
        PROPOSED_STOCKING_DAYS_SMALL,
    )


def compression_notes(
    *,
    compression: str | None,
    bandage_days: int | None,
    stocking_class: str | None = None,
    injections: Iterable[Any],
    limit: str | None = None,
) -> list[Note]:
    """Warn on no compression after foam or a larger vein, on a long bandage,
    and on compression the ankle-brachial index does not allow."""
    notes = []
    if limit == NO_COMPRESSION and compression not in (None, Compression.NONE):
        notes.append(
            Note(
                WARNING,
                _(
                    "Ankle-brachial index below 0.5: severe arterial disease, "
                    "no compression."
                ),
            )
        )
    elif limit == REDUCED_COMPRESSION and (
        compression == Compression.BANDAGE_THEN_STOCKING or stocking_class in ("2", "3")
    ):
        notes.append(
            Note(
                WARNING,
                _(
                    "Ankle-brachial index 0.5–0.8: reduced compression only "
                    "(a class 1 stocking, no bandage)."
                ),
            )
        )
    if (
        compression == Compression.NONE
        and limit != NO_COMPRESSION
        and needs_bandage(injections)
    ):
        notes.append(
            Note(
                WARNING,
                _(
                    "No compression after foam or a larger vein: the clinic's "
                    "practice is a bandage for 2–3 days, then a stocking."
                ),
            )
        )
    if (
        compression == Compression.BANDAGE_THEN_STOCKING
        and bandage_days
        and bandage_days > MAX_BANDAGE_DAYS
    ):
        notes.append(
            Note(
                WARNING,
                _(
                    "A bandage for %(days)d days: the clinic's practice is 2–3 days, "
                    "then a stocking."
                )
                % {"days": bandage_days},
            )
        )
    return notes
