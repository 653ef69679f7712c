"""What a session's injections add up to, and what stands against saving it.

`session_review()` is used both to refuse a save (treatments.services) and
for the live totals of the session form, so the two never disagree.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

from django.utils import timezone
from django.utils.translation import gettext as _

from core.clock import local_day_bounds
from doppler.models import DopplerAssessment
from doppler.selectors import latest_doppler
from patients.models import Patient
from patients.screening import compression_limit, contraindications, unasked_absolute
from treatments import guidance
from treatments.choices import Form
from treatments.dosing import (
    MAX_FOAM_ML_PER_SESSION,
    MAX_STS_LIQUID_ML_PER_DAY,
    TWO_PLACES,
    SessionTotals,
    max_polidocanol_mg,
    totals_of,
)
from treatments.guidance import Note
from treatments.models import Injection, TreatmentSession


@dataclass
class SessionReview:
    """What a session's injections add up to, and what stands against saving it."""

    totals: SessionTotals
    weight_kg: Decimal | None
    polidocanol_limit_mg: Decimal | None
    # Other active sessions of the patient on the same clinic day.
    other: SessionTotals = field(default_factory=SessionTotals)
    # Over a dose or foam limit: refused unless overridden with a reason.
    limit_problems: list[str] = field(default_factory=list)
    # Absolute contraindications: refused, no override, when injections are
    # added or changed (documenting a past session is never blocked).
    blocks: list[str] = field(default_factory=list)
    # Relative contraindications and Doppler warnings: shown only.
    warnings: list[Note] = field(default_factory=list)
    # Errors on the session's own fields (a Doppler done after the session).
    field_errors: dict[str, list[str]] = field(default_factory=dict)
    # Guidance per injection, by 0-based position.
    row_notes: dict[int, list[Note]] = field(default_factory=dict)
    # Absolute screening questions never asked: the session needs "screening
    # asked today" ticked (a reason is not enough) before new injections.
    unasked_absolute: list[str] = field(default_factory=list)
    # The Doppler the session relies on: the one chosen, else the latest one
    # done on or before the session day.
    doppler: DopplerAssessment | None = None
    compression_proposal: guidance.CompressionProposal | None = None

    foam_limit_ml: Decimal = MAX_FOAM_ML_PER_SESSION
    sts_limit_ml: Decimal = MAX_STS_LIQUID_ML_PER_DAY

    @property
    def other_sessions_polidocanol_mg(self) -> Decimal:
        return self.other.polidocanol_mg

    @property
    def polidocanol_mg_day(self) -> Decimal:
        return self.totals.polidocanol_mg + self.other.polidocanol_mg

    @property
    def foam_ml_day(self) -> Decimal:
        return self.totals.foam_ml + self.other.foam_ml

    @property
    def sts_liquid_ml_day(self) -> Decimal:
        return self.totals.sts_liquid_ml + self.other.sts_liquid_ml

    @property
    def over_limit(self) -> bool:
        return bool(self.limit_problems)

    @property
    def polidocanol_used_pct(self) -> int | None:
        if not self.polidocanol_limit_mg:
            return None
        return int(self.polidocanol_mg_day * 100 / self.polidocanol_limit_mg)

    @property
    def foam_used_pct(self) -> int:
        return int(self.foam_ml_day * 100 / self.foam_limit_ml)

    @property
    def sts_used_pct(self) -> int:
        return int(self.sts_liquid_ml_day * 100 / self.sts_limit_ml)


def _same_day_totals(
    patient: Patient, day: date, exclude: TreatmentSession | None
) -> SessionTotals:
    """Return the totals of the patient's other active sessions that clinic day."""
    start, end = local_day_bounds(day)
    injections = Injection.objects.filter(
        session__patient=patient,
        session__voided_at__isnull=True,
        session__performed_at__gte=start,
        session__performed_at__lt=end,
        voided_at__isnull=True,
    )
    if exclude is not None and exclude.pk:
        injections = injections.exclude(session=exclude)
    return totals_of(injections)


def _including(other: Decimal, unit: str) -> str:
    if not other:
        return ""
    return " " + _("(including %(other)s %(unit)s in another session that day)") % {
        "other": other.quantize(TWO_PLACES),
        "unit": unit,
    }


def _limit_problems(review: SessionReview) -> list[str]:
    """Return each limit the day's injections exceed, naming figure and limit."""
    problems = []
    limit, weight_kg = review.polidocanol_limit_mg, review.weight_kg
    if review.totals.polidocanol_mg:
        if limit is None or weight_kg is None:
            problems.append(
                _("Enter the weight on the day to check the polidocanol limit.")
            )
        elif review.polidocanol_mg_day > limit:
            problems.append(
                _(
                    "Polidocanol %(used)s mg exceeds the limit of %(limit)s mg "
                    "for %(weight)s kg"
                )
                % {
                    "used": review.polidocanol_mg_day.quantize(TWO_PLACES),
                    "limit": limit,
                    "weight": weight_kg.quantize(Decimal("0.1")),
                }
                + _including(review.other.polidocanol_mg, "mg")
                + "."
            )
    if review.totals.sts_liquid_ml and review.sts_liquid_ml_day > review.sts_limit_ml:
        problems.append(
            _(
                "Sodium tetradecyl sulfate %(used)s mL exceeds the limit of "
                "%(limit)s mL a day"
            )
            % {
                "used": review.sts_liquid_ml_day.quantize(TWO_PLACES),
                "limit": review.sts_limit_ml.quantize(TWO_PLACES),
            }
            + _including(review.other.sts_liquid_ml, "mL")
            + "."
        )
    if review.totals.foam_ml and review.foam_ml_day > review.foam_limit_ml:
        problems.append(
            _("Foam %(used)s mL exceeds the limit of %(limit)s mL a day")
            % {
                "used": review.foam_ml_day.quantize(TWO_PLACES),
                "limit": review.foam_limit_ml.quantize(TWO_PLACES),
            }
            + _including(review.other.foam_ml, "mL")
            + "."
        )
    return problems


def _review_doppler(
    review: SessionReview,
    *,
    patient: Patient,
    chosen: DopplerAssessment | None,
    day: date,
) -> None:
    """Only a study done on or before the session day counts; an acute deep
    thrombosis on it blocks new treatment like the history flag does."""
    if chosen is not None and chosen.assessed_on > day:
        review.field_errors["doppler"] = [
            _(
                "This Doppler (%(date)s) was done after the session day "
                "(%(day)s): choose one done on or before it."
            )
            % {"date": chosen.assessed_on.isoformat(), "day": day.isoformat()}
        ]
        chosen = None
    doppler = chosen or latest_doppler(patient, on_or_before=day)
    review.doppler = doppler
    review.warnings.extend(guidance.doppler_notes(doppler, on=day))
    if doppler is None:
        return
    for deep, found in (
        (True, doppler.acute_thrombosis(deep=True)),
        (False, doppler.acute_thrombosis(deep=False)),
    ):
        if not found:
            continue
        where = ", ".join(f"{f.get_leg_display()} {f.segment}" for f in found)
        values = {"date": doppler.assessed_on.isoformat(), "where": where}
        if deep:
            review.blocks.append(
                _(
                    "Absolute contraindication: acute deep-vein thrombosis on the "
                    "Doppler of %(date)s (%(where)s)."
                )
                % values
            )
        else:
            review.warnings.append(
                Note(
                    guidance.WARNING,
                    _(
                        "Relative contraindication: acute superficial vein "
                        "thrombosis on the Doppler of %(date)s (%(where)s)."
                    )
                    % values,
                )
            )


def session_review(
    *,
    patient: Patient,
    performed_at: datetime | None,
    weight_kg: Decimal | None,
    doppler: DopplerAssessment | None,
    injections: Iterable[Injection],
    session: TreatmentSession | None = None,
    compression: str | None = None,
    bandage_days: int | None = None,
    stocking_class: str | None = None,
) -> SessionReview:
    """Return totals, limits, blocks and warnings for a set of injections.

    Used both to refuse a save and for the live preview of the form, so the
    two never disagree. `session` is the session being edited, left out of
    the same-day totals.
    """
    injections = list(injections)
    day = (
        timezone.localtime(performed_at).date()
        if performed_at
        else timezone.localdate()
    )
    review = SessionReview(
        totals=totals_of(injections),
        weight_kg=weight_kg,
        polidocanol_limit_mg=max_polidocanol_mg(weight_kg) if weight_kg else None,
    )
    if performed_at is not None:
        review.other = _same_day_totals(patient, day, session)
    review.limit_problems = _limit_problems(review)

    active = [injection for injection in injections if injection.voided_at is None]
    foam = any(injection.form == Form.FOAM for injection in active)
    for item in contraindications(patient, foam=foam):
        if item.is_absolute:
            review.blocks.append(
                _("Absolute contraindication: %(reason)s") % {"reason": item.message}
            )
        else:
            review.warnings.append(
                Note(
                    guidance.WARNING,
                    _("Relative contraindication: %(reason)s")
                    % {"reason": item.message},
                )
            )
    review.unasked_absolute = [
        str(item.label) for item in unasked_absolute(patient, foam=foam)
    ]
    if review.unasked_absolute:
        review.warnings.append(
            Note(
                guidance.WARNING,
                _(
                    "Never asked: %(questions)s. Ask the screening questions today "
                    "and tick “screening questions asked today”."
                )
                % {"questions": "; ".join(review.unasked_absolute)},
            )
        )
    _review_doppler(review, patient=patient, chosen=doppler, day=day)
    limit = compression_limit(patient)
    review.compression_proposal = guidance.compression_proposal(active, limit=limit)
    review.warnings.extend(
        guidance.compression_notes(
            compression=compression,
            bandage_days=bandage_days,
            stocking_class=stocking_class,
            injections=active,
            limit=limit,
        )
    )

    for index, injection in enumerate(injections):
        if injection.voided_at is not None:
            continue
        notes = guidance.injection_notes(
            vessel_type=injection.vessel_type,
            agent=injection.agent,
            form=injection.form,
            concentration_pct=injection.concentration_pct,
        )
        if notes:
            review.row_notes[index] = notes
    return review
