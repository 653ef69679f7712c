"""Outcome statistics for the clinic manager and the clinicians.

Pure read-only queries over a period of local (clinic time zone) days,
optionally for one clinician. They add up the day summaries the services of
treatments and visits keep on write (a row per day and clinician), so a
period of years reads thousands of small rows, not every session and visit.
Patients treated and patients without a follow-up are not additive: they are
counted from the day summaries' first, last and awaiting sessions, corrected
from the sessions after the period or else the period's own, whichever are
fewer (see patient_counts). Each
function runs a fixed number of queries, whatever the length of the history.
reporting.reference holds the row-level computation the tests compare with.

Voided sessions and voided injections are never counted. Sessions count by
the day they were performed, visits by the day they were booked for.
"""

from __future__ import annotations

import statistics as pystats
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Count, DateField, Exists, OuterRef, Q, QuerySet, Sum
from django.db.models.functions import TruncMonth
from django.utils.translation import gettext as _

from core.roles import clinicians
from reporting.period import Bar, Period, Share, bar_width
from treatments.models import PatientFollowUp, SessionDaySummary, TreatmentSession
from visits.models import (
    VISIT_DAY_COUNTS,
    AdverseEvent,
    VisitDayAdverseEvent,
    VisitDayClearance,
    VisitDaySummary,
    VisitMonthAdverseEvent,
    VisitMonthClearance,
    VisitMonthSummary,
    VisitPlan,
    VisitStatus,
)
from visits.summaries import SATISFACTION_SCORES


def clinician_choices() -> QuerySet:
    """Return the users one may filter by: clinicians, and anyone who treated."""
    treated = SessionDaySummary.objects.values("clinician_id")
    return clinicians(including=treated)


def _days(model, period: Period) -> QuerySet:
    """Return the period's day summary rows (or histogram rows) of `model`."""
    rows = model.objects.filter(day__gte=period.first, day__lte=period.last)
    if period.clinician is not None:
        rows = rows.filter(clinician=period.clinician)
    return rows


def _next_month(day: date) -> date:
    return (day.replace(day=1) + timedelta(days=32)).replace(day=1)


def period_totals(
    day_model,
    month_model,
    period: Period,
    values: tuple[str, ...],
    counts: tuple[str, ...] = ("visits",),
    day_sums: dict | None = None,
) -> dict[tuple, list[int]]:
    """Return the period's `counts` of a day table (VisitDayClearance,
    VisitDayAdverseEvent, VisitDayClearanceBy) added up by `values`: the
    months wholly inside the period from their month totals
    (visits.month_totals), the days of the months it starts or ends inside
    from the day rows. One query: a period of years reads a few hundred
    month rows, not tens of thousands of days'. `day_sums` adds `counts` up
    from rows that are not day totals (the course summaries: one row per
    course), an aggregate per count; the month rows are always summed."""
    first, last = period.first, period.last
    whole_from = first if first.day == 1 else _next_month(first)
    # The first month not wholly inside (the month of `last`, unless it ends
    # on that month's last day).
    whole_until = (last + timedelta(days=1)).replace(day=1)

    def added_up(rows: QuerySet, from_days: bool = False) -> QuerySet:
        if period.clinician is not None:
            rows = rows.filter(clinician=period.clinician)
        sums = {
            f"total_{c}": day_sums[c] if from_days and day_sums else Sum(c)
            for c in counts
        }
        return (
            rows.order_by().values(*values).annotate(**sums).values_list(*values, *sums)
        )

    if whole_from < whole_until:
        months = month_model.objects.filter(
            month__gte=whole_from, month__lt=whole_until
        )
        before = Q(day__gte=first, day__lt=whole_from)
        after = Q(day__gte=whole_until, day__lte=last)
        days = day_model.objects.filter(before | after)
        rows = added_up(months).union(added_up(days, True), all=True)
    else:
        rows = added_up(_days(day_model, period), True)
    found: dict[tuple, list[int]] = {}
    width = len(values)
    for row in rows:
        totals = found.setdefault(tuple(row[:width]), [0] * len(counts))
        for n, value in enumerate(row[width:]):
            totals[n] += value or 0
    return found


def histogram(day_model, month_model, field: str, period: Period) -> list[tuple]:
    """Return the period's (value, visits) of a day histogram, by value
    (period_totals)."""
    totals = period_totals(day_model, month_model, period, (field,))
    return sorted((key[0], n[0]) for key, n in totals.items())


# --- treatment sessions ----------------------------------------------------------


def _sessions(period: Period) -> QuerySet:
    start, end = period.bounds()
    sessions = TreatmentSession.objects.active().filter(
        performed_at__gte=start, performed_at__lt=end
    )
    if period.clinician is not None:
        sessions = sessions.filter(clinician=period.clinician)
    return sessions


# As on the session page: the service records who overrode, with the reason.
_OVERRIDE = Q(limit_override_by__isnull=False)
_SESSION_FIGURES = ("sessions", "injections", "foam", "liquid", "overrides")


def _session_counts() -> dict:
    # Keyed "n_*", as the summaries' fields would clash with the aliases.
    return {f"n_{name}": Sum(name) for name in _SESSION_FIGURES}


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
    rows = (
        _days(SessionDaySummary, period)
        .annotate(month=TruncMonth("day", output_field=DateField()))
        .order_by()
        .values("month")
        .annotate(**_session_counts())
    )
    by_month = {row.pop("month"): _unprefixed(row) for row in rows}
    return _month_rows(period, by_month)


@dataclass(kw_only=True)
class SessionSummary(SessionCounts):
    patients: int = 0

    @property
    def liquid_share(self) -> Share:
        return Share(self.liquid, self.injections)

    @property
    def override_share(self) -> Share:
        return Share(self.overrides, self.sessions)


def session_summary(
    period: Period, patients: int | None = None, totals: dict | None = None
) -> SessionSummary:
    """Return the period's totals, with patients treated (if not given, two
    more queries). One query, none given the `totals` of session_totals()."""
    if totals is None:
        totals = _unprefixed(
            _days(SessionDaySummary, period).aggregate(**_session_counts())
        )
    summary = SessionSummary(**{name: totals[name] for name in _SESSION_FIGURES})
    if patients is None:
        patients = patient_counts(period)["treated"]
    summary.patients = patients
    return summary


def session_totals(period: Period) -> dict[str, int]:
    """Return the period's session figures (as session_summary) and what
    patient_counts() reads of the days from the period's first to the last
    one recorded. One query over the day summaries."""
    return session_totals_by_month(period)[0]


def session_totals_by_month(period: Period) -> tuple[dict[str, int], list[MonthRow]]:
    """session_totals() and sessions_by_month() in one query: the day
    summaries from the period's first day on, added up by month, then the
    months added up."""
    rows = SessionDaySummary.objects.filter(day__gte=period.first)
    suffix = ""
    if period.clinician is not None:
        rows = rows.filter(clinician=period.clinician)
        suffix = "_with_clinician"
    inside, after = Q(day__lte=period.last), Q(day__gt=period.last)
    by_month = (
        rows.annotate(month=TruncMonth("day", output_field=DateField()))
        .order_by()
        .values("month")
        .annotate(
            **{f"n_{name}": Sum(name, filter=inside) for name in _SESSION_FIGURES},
            n_after=Sum("sessions", filter=after),
            n_lasts=Sum(f"lasts{suffix}"),
            n_firsts_after=Sum(f"firsts{suffix}", filter=after),
            n_awaiting_lasts=Sum(f"awaiting_lasts{suffix}", filter=inside),
        )
    )
    keys = [
        *(f"n_{name}" for name in _SESSION_FIGURES),
        "n_after",
        "n_lasts",
        "n_firsts_after",
        "n_awaiting_lasts",
    ]
    totals = dict.fromkeys(keys, 0)
    months: dict[date, dict] = {}
    for row in by_month:
        month = row.pop("month")
        for key in keys:
            totals[key] += row[key] or 0
        months[month] = _unprefixed(
            {f"n_{name}": row[f"n_{name}"] for name in _SESSION_FIGURES}
        )
    return _unprefixed(totals), _month_rows(period, months)


def _month_rows(period: Period, by_month: dict[date, dict]) -> list[MonthRow]:
    result = [MonthRow(month=m, **by_month.get(m, {})) for m in period.months()]
    largest = max((row.sessions for row in result), default=0)
    for row in result:
        row.bar_pct = bar_width(row.sessions, largest)
    return result


def patient_counts(
    period: Period, totals: dict | None = None, *, from_later: bool | None = None
) -> dict[str, int]:
    """Return the patients treated in the period, and those among them with
    no follow-up visit (scheduled, arrived or completed) on or after their
    last session in it. Two queries (one given the `totals` of
    session_totals()): the day summaries, and an index-only scan of either
    the sessions after the period or the period's own, whichever are fewer
    (`from_later` chooses, for the tests).

    A patient counts once, at their first session of the period: the one
    whose previous active session (with the same clinician, for a
    clinician's figures; all that follows reads "the same clinician's" so)
    was before the period or never. Every session from the period's start
    on that is the patient's last, matched one to one with those whose
    previous one is before the start, so that

        treated = last sessions from the start on
                  - first sessions after the period
                  - sessions after the period whose previous one is before it

    the last term reading the few sessions after a recent period. Without
    a follow-up: a patient's last session of the period is followed by no
    booked visit exactly when some session of theirs in the period is (the
    visits services keep `awaiting_follow_up`: true after the patient's
    latest booked visit, so for all of the patient's sessions after one),
    counted at that last session: an awaiting one that is the patient's
    last, or whose next session is after the period (read from that next
    one, whose previous session is in the period and after the latest
    booked visit).
    """
    if totals is None:
        totals = session_totals(period)
    start, end = period.bounds()
    previous = "previous_at"
    if period.clinician is not None:
        previous = "previous_same_clinician_at"
    if from_later is None:
        from_later = totals["after"] <= totals["sessions"]
    if not from_later:
        first = Q(**{f"{previous}__isnull": True}) | Q(**{f"{previous}__lt": start})
        row = _sessions(period).aggregate(
            # Counting a column of the index keeps the scan index-only.
            treated=Count("performed_at", filter=first),
            without_follow_up=Count(
                "patient", distinct=True, filter=Q(awaiting_follow_up=True)
            ),
        )
        return {name: value or 0 for name, value in row.items()}
    later = TreatmentSession.objects.active().filter(performed_at__gte=end)
    if period.clinician is not None:
        later = later.filter(clinician=period.clinician)
    booked = PatientFollowUp.objects.filter(
        patient_id=OuterRef("patient_id"), booked_until__gte=OuterRef(previous)
    )
    row = later.aggregate(
        spanning=Count("performed_at", filter=Q(**{f"{previous}__lt": start})),
        awaiting=Count(
            "performed_at",
            filter=Q(**{f"{previous}__gte": start, f"{previous}__lt": end})
            & ~Exists(booked),
        ),
    )
    return {
        "treated": totals["lasts"] - totals["firsts_after"] - (row["spanning"] or 0),
        "without_follow_up": totals["awaiting_lasts"] + (row["awaiting"] or 0),
    }


def override_sessions(period: Period) -> QuerySet:
    """Return the sessions of the period where a limit was exceeded, latest first."""
    return (
        _sessions(period)
        .filter(_OVERRIDE)
        .select_related("patient", "clinician", "limit_override_by")
        .order_by("-performed_at", "-id")
    )


def patients_without_follow_up(period: Period) -> int:
    """Return how many patients treated in the period have no follow-up visit
    (scheduled, arrived or completed) on or after their last session in it.
    One query."""
    return patient_counts(period)["without_follow_up"]


# --- follow-up visits ------------------------------------------------------------


@dataclass
class VisitSummary:
    by_status: dict[str, int] = field(default_factory=dict)
    clearance_recorded: int = 0
    clearance_mean: Decimal | None = None
    clearance_median: Decimal | None = None
    satisfaction: dict[int, int] = field(default_factory=dict)
    satisfaction_mean: Decimal | None = None
    plans: dict[str, int] = field(default_factory=dict)
    with_adverse_event: int = 0

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


_STATUS_FIELDS = {value: value for value in VisitStatus.values}
_PLAN_FIELDS = {value: f"plan_{value or 'none'}" for value in [*VisitPlan.values, ""]}


def visit_day_totals(period: Period) -> dict[str, int]:
    """The period's visit day summaries added up (VISIT_DAY_COUNTS): whole
    months from their totals, the rest from the days. One query."""
    totals = period_totals(
        VisitDaySummary, VisitMonthSummary, period, ("clinician",), VISIT_DAY_COUNTS
    )
    return {
        name: sum(counts[n] for counts in totals.values())
        for n, name in enumerate(VISIT_DAY_COUNTS)
    }


def visit_summary(period: Period) -> VisitSummary:
    """Return visits by status and the outcomes of completed ones.

    Two queries: the sums of the day (and month) summaries, and the
    clearance histogram for the median (skipped when no clearance was
    recorded).
    """
    row = visit_day_totals(period)
    satisfaction = {
        score: row[f"satisfaction_{score}"] for score in SATISFACTION_SCORES
    }
    rated = sum(satisfaction.values())
    scored = sum(score * count for score, count in satisfaction.items())
    recorded = row["clearance_recorded"]
    # As Avg() did: a float mean, then rounded half up to one decimal.
    summary = VisitSummary(
        by_status={value: row[name] for value, name in _STATUS_FIELDS.items()},
        clearance_recorded=recorded,
        clearance_mean=_one_decimal(row["clearance_sum"] / recorded)
        if recorded
        else None,
        satisfaction=satisfaction,
        satisfaction_mean=_one_decimal(scored / rated) if rated else None,
        plans={value: row[name] for value, name in _PLAN_FIELDS.items()},
    )
    summary.with_adverse_event = row["with_adverse_event"]
    summary.clearance_median = clearance_median(period, recorded)
    return summary


def clearance_median(period: Period, recorded: int) -> Decimal | None:
    """Return the median clearance of the `recorded` completed visits with one.

    Reads the period's histogram (a value and a count per day summary), in
    one query.
    """
    if not recorded:
        return None
    counts = histogram(VisitDayClearance, VisitMonthClearance, "clearance_pct", period)
    middle = [(recorded - 1) // 2, recorded // 2]
    values: list[int] = []
    seen = 0
    for value, count in counts:
        for index in middle:
            if seen <= index < seen + count:
                values.append(value)
        seen += count
    if len(values) != len(middle):  # the histogram and the sums disagree
        return None
    return _one_decimal(pystats.median(values))


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


def adverse_events(
    period: Period, visits: VisitSummary | None = None
) -> AdverseEventSummary:
    """Return how often each adverse event was recorded at a completed visit.

    One query (two without the period's `visits`): the codes' counts of the
    day summaries. A code listed twice on one visit counts once; a code no
    longer in the list is shown as it was stored.
    """
    if visits is None:
        visits = visit_summary(period)
    completed, with_any = visits.completed, visits.with_adverse_event
    counts: Counter[str] = Counter(
        dict(histogram(VisitDayAdverseEvent, VisitMonthAdverseEvent, "code", period))
    )
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
    """Return every figure of the statistics page. Five queries at most."""
    totals, months = session_totals_by_month(period)
    patients = patient_counts(period, totals)
    sessions = session_summary(period, patients=patients["treated"], totals=totals)
    visits = visit_summary(period)
    return ClinicStatistics(
        period=period,
        months=months,
        sessions=sessions,
        without_follow_up=Share(patients["without_follow_up"], sessions.patients),
        visits=visits,
        adverse=adverse_events(period, visits),
    )
