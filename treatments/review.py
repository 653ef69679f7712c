"""What a session's injections add up to, and what stands against saving it.

`session_review()` is used both to refuse a save (treatments.services) and
for the live totals of the session form, so the two never disagree.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from django.utils import timezone
from django.utils.translation import gettext as _

from doppler.models import DopplerAssessment
from doppler.selectors import latest_doppler
from patients.models import Patient
from patients.screening import contraindications
from treatments import guidance
from treatments.choices import Agent, Form
from treatments.dosing import (
    MAX_FOAM_ML_PER_SESSION,
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
    # Polidocanol of other active sessions of the patient on the same day.
    other_sessions_polidocanol_mg: Decimal = Decimal("0")
    # Over a dose or foam limit: refused unless overridden with a reason.
    limit_problems: list[str] = field(default_factory=list)
    # Absolute contraindications: refused, no override.
    blocks: list[str] = field(default_factory=list)
    # Relative contraindications and Doppler warnings: shown only.
    warnings: list[Note] = field(default_factory=list)
    # Guidance per injection, by 0-based position.
    row_notes: dict[int, list[Note]] = field(default_factory=dict)

    foam_limit_ml: Decimal = MAX_FOAM_ML_PER_SESSION

    @property
    def polidocanol_mg_day(self) -> Decimal:
        return self.totals.polidocanol_mg + self.other_sessions_polidocanol_mg

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
        return int(self.totals.foam_ml * 100 / self.foam_limit_ml)


def _same_day_polidocanol_mg(
    patient: Patient, performed_at: datetime, exclude: TreatmentSession | None
) -> Decimal:
    """Return polidocanol mg already given to the patient that day in other sessions."""
    day = timezone.localtime(performed_at).date()
    injections = Injection.objects.filter(
        session__patient=patient,
        session__voided_at__isnull=True,
        session__performed_at__date=day,
        voided_at__isnull=True,
        agent=Agent.POLIDOCANOL,
    )
    if exclude is not None and exclude.pk:
        injections = injections.exclude(session=exclude)
    return sum((injection.dose_mg for injection in injections), Decimal("0"))


def session_review(
    *,
    patient: Patient,
    performed_at: datetime | None,
    weight_kg: Decimal | None,
    doppler: DopplerAssessment | None,
    injections: Iterable[Injection],
    session: TreatmentSession | None = None,
) -> SessionReview:
    """Return totals, limits, blocks and warnings for a set of injections.

    Used both to refuse a save and for the live preview of the form, so the
    two never disagree. `session` is the session being edited, left out of
    the same-day count.
    """
    injections = list(injections)
    totals = totals_of(injections)
    limit = max_polidocanol_mg(weight_kg) if weight_kg else None
    review = SessionReview(
        totals=totals, weight_kg=weight_kg, polidocanol_limit_mg=limit
    )
    if performed_at is not None and totals.polidocanol_mg:
        review.other_sessions_polidocanol_mg = _same_day_polidocanol_mg(
            patient, performed_at, session
        )

    if totals.polidocanol_mg:
        if limit is None or weight_kg is None:
            review.limit_problems.append(
                _("Enter the weight on the day to check the polidocanol limit.")
            )
        elif review.polidocanol_mg_day > limit:
            message = _(
                "Polidocanol %(used)s mg exceeds the limit of %(limit)s mg "
                "for %(weight)s kg"
            ) % {
                "used": review.polidocanol_mg_day.quantize(TWO_PLACES),
                "limit": limit,
                "weight": weight_kg.quantize(Decimal("0.1")),
            }
            if review.other_sessions_polidocanol_mg:
                message += " " + _(
                    "(including %(other)s mg in another session that day)"
                ) % {"other": review.other_sessions_polidocanol_mg.quantize(TWO_PLACES)}
            review.limit_problems.append(message + ".")
    if totals.foam_ml > MAX_FOAM_ML_PER_SESSION:
        review.limit_problems.append(
            _("Foam %(used)s mL exceeds the limit of %(limit)s mL per session.")
            % {
                "used": totals.foam_ml.quantize(TWO_PLACES),
                "limit": MAX_FOAM_ML_PER_SESSION.quantize(TWO_PLACES),
            }
        )

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

    if doppler is None:
        doppler = latest_doppler(patient)
    on = (
        timezone.localtime(performed_at).date()
        if performed_at
        else timezone.localdate()
    )
    review.warnings.extend(guidance.doppler_notes(doppler, on=on))

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
