"""The statistics computed from the rows, as before the day summaries.

Used only by the tests, which check that reporting.selectors (reading the
summaries) gives exactly these figures on generated data. Every function
here reads every session (joined to its injections) and every visit of the
period.

Voided sessions and voided injections are never counted. Sessions count by
the day they were performed, visits by the day they were booked for.
"""

from __future__ import annotations

import statistics as pystats
from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import (
    Avg,
    Count,
    DateField,
    Exists,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
)
from django.db.models.functions import TruncMonth
from django.utils import timezone
from django.utils.translation import gettext as _

from core.roles import clinicians
from reporting.period import Bar, Period, Share, bar_width
from treatments.choices import Form
from treatments.models import TreatmentSession
from visits.models import (
    BOOKED_STATUSES,
    AdverseEvent,
    FollowUpVisit,
    VisitPlan,
    VisitStatus,
)

SATISFACTION_SCORES = (1, 2, 3, 4, 5)


def clinician_choices() -> QuerySet:
    """Return the users one may filter by: clinicians, and anyone who treated."""
    treated = TreatmentSession.objects.values("clinician_id")
    return clinicians(including=treated)


# --- treatment sessions ----------------------------------------------------------


def _sessions(period: Period) -> QuerySet:
    start, end = period.bounds()
    sessions = TreatmentSession.objects.active().filter(
        performed_at__gte=start, performed_at__lt=end
    )
    if period.clinician is not None:
        sessions = sessions.filter(clinician=period.clinician)
    return sessions


_ACTIVE_INJECTION = Q(injections__voided_at__isnull=True)
# As on the session page: the service records who overrode, with the reason.
_OVERRIDE = Q(limit_override_by__isnull=False)


def _session_counts() -> dict:
    # Keyed "n_*": an alias named "injections" would hide the relation.
    return {
        "n_sessions": Count("id", distinct=True),
        "n_injections": Count("injections", filter=_ACTIVE_INJECTION),
        "n_foam": Count(
            "injections", filter=_ACTIVE_INJECTION & Q(injections__form=Form.FOAM)
        ),
        "n_liquid": Count(
            "injections", filter=_ACTIVE_INJECTION & Q(injections__form=Form.LIQUID)
        ),
        "n_overrides": Count("id", distinct=True, filter=_OVERRIDE),
    }


def _unprefixed(row: dict) -> dict:
    return {key.removeprefix("n_"): value or 0 for key, value in row.items()}


@dataclass(kw_only=True)
class SessionCounts:
    """The counts _session_counts() aggregates, for a month or a period."""

    sessions: int = 0
    injections: int = 0
    foam: int = 0
    liquid: int = 0
    overrides: int = 0

    @property
    def foam_share(self) -> Share:
        return Share(self.foam, self.injections)


@dataclass(kw_only=True)
class MonthRow(SessionCounts):
    month: date
    bar_pct: int = 0


def sessions_by_month(period: Period) -> list[MonthRow]:
    """Return one row per month of the period (empty months too). One query."""
    month = TruncMonth(
        "performed_at", output_field=DateField(), tzinfo=timezone.get_default_timezone()
    )
    rows = (
        _sessions(period)
        .annotate(month=month)
        .order_by()
        .values("month")
        .annotate(**_session_counts())
    )
    by_month = {row.pop("month"): _unprefixed(row) for row in rows}
    result = [MonthRow(month=m, **by_month.get(m, {})) for m in period.months()]
    largest = max((row.sessions for row in result), default=0)
    for row in result:
        row.bar_pct = bar_width(row.sessions, largest)
    return result


@dataclass(kw_only=True)
class SessionSummary(SessionCounts):
    patients: int = 0

    @property
    def liquid_share(self) -> Share:
        return Share(self.liquid, self.injections)

    @property
    def override_share(self) -> Share:
        return Share(self.overrides, self.sessions)


def session_summary(period: Period) -> SessionSummary:
    """Return the period's totals, with patients treated. One query."""
    totals = _sessions(period).aggregate(
        n_patients=Count("patient", distinct=True), **_session_counts()
    )
    return SessionSummary(**_unprefixed(totals))


def override_sessions(period: Period) -> QuerySet:
    """Return the sessions of the period where a limit was exceeded, latest first."""
    return (
        _sessions(period)
        .filter(_OVERRIDE)
        .select_related("patient", "clinician", "limit_override_by")
        .order_by("-performed_at", "-id")
    )


def without_follow_up(sessions: QuerySet) -> QuerySet:
    """Return each patient's latest session among `sessions` that has no visit
    scheduled, arrived or completed on or after it."""
    latest = sessions.filter(patient=OuterRef("patient")).order_by(
        "-performed_at", "-id"
    )
    booked_after = FollowUpVisit.objects.filter(
        patient=OuterRef("patient"),
        starts_at__gte=OuterRef("performed_at"),
        status__in=BOOKED_STATUSES,
    )
    return sessions.filter(pk=Subquery(latest.values("pk")[:1])).exclude(
        Exists(booked_after)
    )


def patients_without_follow_up(period: Period) -> int:
    """Return how many patients treated in the period have no follow-up visit
    (scheduled, arrived or completed) on or after their last session in it.
    One query."""
    return without_follow_up(_sessions(period)).count()


# --- follow-up visits ------------------------------------------------------------


def _visits(period: Period) -> QuerySet:
    start, end = period.bounds()
    visits = FollowUpVisit.objects.filter(starts_at__gte=start, starts_at__lt=end)
    if period.clinician is not None:
        visits = visits.filter(clinician=period.clinician)
    return visits


_COMPLETED = Q(status=VisitStatus.COMPLETED)


@dataclass
class VisitSummary:
    by_status: dict[str, int] = field(default_factory=dict)
    clearance_recorded: int = 0
    clearance_mean: Decimal | None = None
    clearance_median: Decimal | None = None
    satisfaction: dict[int, int] = field(default_factory=dict)
    satisfaction_mean: Decimal | None = None
    plans: dict[str, int] = field(default_factory=dict)

    @property
    def total(self) -> int:
        return sum(self.by_status.values())

    @property
    def completed(self) -> int:
        return self.by_status.get(VisitStatus.COMPLETED, 0)

    @property
    def no_show_rate(self) -> Share:
        """Return no-shows out of completed + no-show + arrived visits."""
        attended_or_not = (
            self.completed
            + self.by_status.get(VisitStatus.NO_SHOW, 0)
            + self.by_status.get(VisitStatus.ARRIVED, 0)
        )
        return Share(self.by_status.get(VisitStatus.NO_SHOW, 0), attended_or_not)

    @property
    def cancellation_rate(self) -> Share:
        return Share(self.by_status.get(VisitStatus.CANCELLED, 0), self.total)

    @property
    def rated(self) -> int:
        return sum(self.satisfaction.values())

    def status_bars(self) -> list[Bar]:
        return [
            Bar(str(label), Share(self.by_status.get(value, 0), self.total))
            for value, label in VisitStatus.choices
        ]

    def satisfaction_bars(self) -> list[Bar]:
        return [
            Bar(str(score), Share(self.satisfaction.get(score, 0), self.rated))
            for score in SATISFACTION_SCORES
        ]

    def plan_bars(self) -> list[Bar]:
        bars = [
            Bar(str(label), Share(self.plans.get(value, 0), self.completed))
            for value, label in VisitPlan.choices
        ]
        unknown = Share(self.plans.get("", 0), self.completed)
        bars.append(Bar(_("Not recorded"), unknown))
        return bars


def _one_decimal(value) -> Decimal | None:
    if value is None:
        return None
    return Decimal(str(value)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def visit_summary(period: Period) -> VisitSummary:
    """Return visits by status and the outcomes of completed ones.

    Two queries: one aggregate, and one that reads the middle clearance
    value(s) for the median (skipped when no clearance was recorded).
    """
    visits = _visits(period)
    counts = {
        f"status_{value}": Count("id", filter=Q(status=value))
        for value in VisitStatus.values
    }
    counts.update(
        {
            f"satisfaction_{score}": Count(
                "id", filter=_COMPLETED & Q(satisfaction=score)
            )
            for score in SATISFACTION_SCORES
        }
    )
    plan_values = [*VisitPlan.values, ""]
    counts.update(
        {
            f"plan_{value}": Count("id", filter=_COMPLETED & Q(plan=value))
            for value in plan_values
        }
    )
    row = visits.aggregate(
        clearance_recorded=Count("clearance_pct", filter=_COMPLETED),
        clearance_mean=Avg("clearance_pct", filter=_COMPLETED),
        satisfaction_mean=Avg("satisfaction", filter=_COMPLETED),
        **counts,
    )
    summary = VisitSummary(
        by_status={value: row[f"status_{value}"] for value in VisitStatus.values},
        clearance_recorded=row["clearance_recorded"],
        clearance_mean=_one_decimal(row["clearance_mean"]),
        satisfaction={
            score: row[f"satisfaction_{score}"] for score in SATISFACTION_SCORES
        },
        satisfaction_mean=_one_decimal(row["satisfaction_mean"]),
        plans={value: row[f"plan_{value}"] for value in plan_values},
    )
    summary.clearance_median = clearance_median(period, summary.clearance_recorded)
    return summary


def clearance_median(period: Period, recorded: int) -> Decimal | None:
    """Return the median clearance of the `recorded` completed visits with one.

    Reads only the one or two middle values, in one query.
    """
    if not recorded:
        return None
    values = (
        _visits(period)
        .filter(_COMPLETED, clearance_pct__isnull=False)
        .order_by("clearance_pct")
        .values_list("clearance_pct", flat=True)
    )
    middle = list(values[(recorded - 1) // 2 : recorded // 2 + 1])
    if not middle:  # a visit changed between the two queries
        return None
    return _one_decimal(pystats.median(middle))


@dataclass
class AdverseEventRow:
    code: str
    label: str
    share: Share
    serious: bool = False


# Events a manager must never miss, even at a count of zero.
SERIOUS_EVENTS = frozenset(
    {AdverseEvent.NECROSIS, AdverseEvent.DVT, AdverseEvent.ALLERGY, AdverseEvent.VISUAL}
)


@dataclass
class AdverseEventSummary:
    completed: int
    with_any: int
    rows: list[AdverseEventRow]

    @property
    def any_share(self) -> Share:
        return Share(self.with_any, self.completed)


def adverse_events(period: Period) -> AdverseEventSummary:
    """Return how often each adverse event was recorded at a completed visit.

    One query: the JSON lists of the completed visits, counted here. A code
    listed twice on one visit counts once; a code no longer in the list is
    shown as it was stored.
    """
    lists = _visits(period).filter(_COMPLETED).values_list("adverse_events", flat=True)
    counts: Counter[str] = Counter()
    completed = 0
    with_any = 0
    for codes in lists:
        completed += 1
        found = set()
        if isinstance(codes, list):
            found = {code for code in codes if isinstance(code, str) and code}
        if found:
            with_any += 1
        counts.update(found)
    rows = [
        AdverseEventRow(
            code=value,
            label=str(label),
            share=Share(counts.pop(value, 0), completed),
            serious=value in SERIOUS_EVENTS,
        )
        for value, label in AdverseEvent.choices
    ]
    rows += [
        AdverseEventRow(code=code, label=code, share=Share(count, completed))
        for code, count in sorted(counts.items())
    ]
    return AdverseEventSummary(completed=completed, with_any=with_any, rows=rows)


# --- everything at once ------------------------------------------------------------


@dataclass
class ClinicStatistics:
    period: Period
    months: list[MonthRow]
    sessions: SessionSummary
    without_follow_up: Share
    visits: VisitSummary
    adverse: AdverseEventSummary

    @property
    def is_empty(self) -> bool:
        return not self.sessions.sessions and not self.visits.total


def clinic_statistics(period: Period) -> ClinicStatistics:
    """Return every figure of the statistics page. Seven queries at most."""
    sessions = session_summary(period)
    return ClinicStatistics(
        period=period,
        months=sessions_by_month(period),
        sessions=sessions,
        without_follow_up=Share(patients_without_follow_up(period), sessions.patients),
        visits=visit_summary(period),
        adverse=adverse_events(period),
    )
