"""The clinic's outcome trends, for managers and clinicians.

Read from summaries, never from every row, so that a page costs the same
few queries whatever the length of the history (see `clinic_trends`):

- clearance by vessel type, agent, concentration and form: the day rows of
  visits.VisitDayClearanceBy (a completed visit's clearance, attributed to
  each distinct value of the session it follows: visits.trend_summaries);
- complications per 100 sessions, by kind: the statistics' day summaries
  (sessions by the day performed, adverse events at completed visits by the
  day of the visit, as the statistics page counts them);
- sessions per course and the VCSS before and after a course: the course
  summaries (visits.CourseSummary), by the day of the course-complete visit,
  and their month totals (visits.CourseMonthSummary) for whole months;
- the symptom score before and after a course: outcomes.CourseSymptomChange.

The clinician filter is the visit's clinician for clearance, courses and
complications, and the session's for the sessions counted.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Count, F, QuerySet, Sum
from django.utils.formats import number_format
from django.utils.translation import get_language, gettext_lazy

from outcomes.models import CourseSymptomChange
from reporting.period import Period
from reporting.selectors import histogram, period_totals
from treatments.choices import Agent, Form, VesselType
from treatments.models import SessionDaySummary
from visits.models import (
    AdverseEvent,
    CourseMonthSummary,
    CourseSummary,
    VisitDayAdverseEvent,
    VisitDayClearanceBy,
    VisitDaySummary,
    VisitMonthAdverseEvent,
    VisitMonthClearanceBy,
    VisitMonthSummary,
)
from visits.trend_summaries import COURSE_COUNTS, COURSE_SUMS

DIMENSIONS = {
    "vessel_type": (gettext_lazy("Vessel type"), VesselType),
    "agent": (gettext_lazy("Agent"), Agent),
    "concentration": (gettext_lazy("Concentration (%)"), None),
    "form": (gettext_lazy("Form"), Form),
}


def _days(model, period: Period) -> QuerySet:
    rows = model.objects.filter(day__gte=period.first, day__lte=period.last)
    if period.clinician is not None:
        rows = rows.filter(clinician=period.clinician)
    return rows


def _ratio(total, n, places: str = "0.1") -> Decimal | None:
    """Return total / n rounded half up (None when n is 0)."""
    if not n:
        return None
    value = Decimal(total) / Decimal(n)
    return value.quantize(Decimal(places), rounding=ROUND_HALF_UP)


# --- clearance ------------------------------------------------------------------


@dataclass
class ClearanceRow:
    value: str
    label: str
    visits: int
    clearance_sum: int

    @property
    def mean(self) -> Decimal | None:
        return _ratio(self.clearance_sum, self.visits)


@dataclass
class ClearanceDimension:
    key: str
    label: str
    rows: list[ClearanceRow]


def _concentration_key(value: str) -> tuple:
    try:
        return (0, Decimal(value))
    except ArithmeticError:
        return (1, Decimal(0))


def _concentration_label(value: str) -> str:
    try:
        return number_format(Decimal(value))
    except ArithmeticError:
        return value


def clearance_by(period: Period) -> list[ClearanceDimension]:
    """Return the mean clearance of completed visits per value of each
    dimension. One query."""
    totals = period_totals(
        VisitDayClearanceBy,
        VisitMonthClearanceBy,
        period,
        ("dimension", "value"),
        ("visits", "clearance_sum"),
    )
    found: dict[str, dict[str, tuple[int, int]]] = {}
    for (dimension, value), (n, total) in totals.items():
        found.setdefault(dimension, {})[value] = (n, total)
    result = []
    for key, (label, choices) in DIMENSIONS.items():
        values = found.get(key, {})
        if choices is not None:
            order = [v for v in choices.values if v in values]
            order += sorted(v for v in values if v not in choices.values)
            labels = dict(choices.choices)
        else:
            # Concentrations in the page's language: "0,25" in Italian.
            order = sorted(values, key=_concentration_key)
            labels = {v: _concentration_label(v) for v in order}
        result.append(
            ClearanceDimension(
                key=key,
                label=str(label),
                rows=[
                    ClearanceRow(
                        value=value,
                        label=str(labels.get(value, value)),
                        visits=values[value][0],
                        clearance_sum=values[value][1],
                    )
                    for value in order
                ],
            )
        )
    return result


# --- complications --------------------------------------------------------------


@dataclass
class ComplicationRow:
    code: str
    label: str
    visits: int
    sessions: int

    @property
    def per_100(self) -> Decimal | None:
        return _ratio(self.visits * 100, self.sessions)


@dataclass
class Complications:
    sessions: int
    with_any: int
    rows: list[ComplicationRow]

    @property
    def any_per_100(self) -> Decimal | None:
        return _ratio(self.with_any * 100, self.sessions)


def complications(period: Period) -> Complications:
    """Return the completed visits with each adverse event per 100 sessions
    of the period. Three queries (the day summaries of sessions, of visits,
    and of the events' codes)."""
    sessions = _days(SessionDaySummary, period).aggregate(n=Sum("sessions"))["n"] or 0
    with_any = sum(
        counts[0]
        for counts in period_totals(
            VisitDaySummary,
            VisitMonthSummary,
            period,
            ("clinician",),
            ("with_adverse_event",),
        ).values()
    )
    counts: Counter[str] = Counter(
        dict(histogram(VisitDayAdverseEvent, VisitMonthAdverseEvent, "code", period))
    )
    rows = [
        ComplicationRow(value, str(label), counts.pop(value, 0), sessions)
        for value, label in AdverseEvent.choices
    ]
    rows += [
        ComplicationRow(code, code, count, sessions)
        for code, count in sorted(counts.items())
    ]
    return Complications(sessions=sessions, with_any=with_any, rows=rows)


# --- courses -----------------------------------------------------------------------


@dataclass
class Courses:
    by_sessions: dict[int, int] = field(default_factory=dict)
    vcss_pairs: int = 0
    vcss_before_sum: int = 0
    vcss_after_sum: int = 0

    @property
    def total(self) -> int:
        return sum(self.by_sessions.values())

    @property
    def sessions_mean(self) -> Decimal | None:
        sessions = sum(n * count for n, count in self.by_sessions.items())
        return _ratio(sessions, self.total)

    @property
    def vcss_before(self) -> Decimal | None:
        return _ratio(self.vcss_before_sum, self.vcss_pairs)

    @property
    def vcss_after(self) -> Decimal | None:
        return _ratio(self.vcss_after_sum, self.vcss_pairs)

    @property
    def vcss_change(self) -> Decimal | None:
        return _ratio(self.vcss_after_sum - self.vcss_before_sum, self.vcss_pairs)


def courses(period: Period) -> Courses:
    """Return the courses completed in the period by their number of
    sessions, and the VCSS of those assessed before and after: the whole
    months from their totals, the rest from the course summaries. One
    query."""
    totals = period_totals(
        CourseSummary,
        CourseMonthSummary,
        period,
        ("sessions",),
        COURSE_COUNTS,
        day_sums=COURSE_SUMS,
    )
    result = Courses()
    for (sessions,), (n, pairs, before, after) in sorted(totals.items()):
        if n:
            result.by_sessions[sessions] = n
        result.vcss_pairs += pairs
        result.vcss_before_sum += before
        result.vcss_after_sum += after
    return result


@dataclass
class SymptomChange:
    instrument: str
    courses: int
    before_sum: Decimal
    after_sum: Decimal
    lower_is_better: bool = True

    @property
    def before(self) -> Decimal | None:
        return _ratio(self.before_sum, self.courses)

    @property
    def after(self) -> Decimal | None:
        return _ratio(self.after_sum, self.courses)

    @property
    def change(self) -> Decimal | None:
        return _ratio(self.after_sum - self.before_sum, self.courses)


def symptom_changes(period: Period) -> list[SymptomChange]:
    """Return, per instrument, the mean score before and after the courses
    completed in the period that have both. One query."""
    name = "instrument__name_it" if get_language() == "it" else "instrument__name_en"
    rows = (
        _days(CourseSymptomChange, period)
        .order_by()
        .values("instrument_id")
        .annotate(
            name=F(name),
            lower=F("instrument__lower_is_better"),
            n=Count("pk"),
            before=Sum("score_before"),
            after=Sum("score_after"),
        )
        .order_by("name")
        .values_list("name", "lower", "n", "before", "after")
    )
    return [
        SymptomChange(
            instrument=name_value,
            courses=n,
            before_sum=before or Decimal(0),
            after_sum=after or Decimal(0),
            lower_is_better=lower,
        )
        for name_value, lower, n, before, after in rows
    ]


# --- everything at once ------------------------------------------------------------


@dataclass
class ClinicTrends:
    period: Period
    clearance: list[ClearanceDimension]
    complications: Complications
    courses: Courses
    symptoms: list[SymptomChange]

    @property
    def is_empty(self) -> bool:
        return (
            not self.complications.sessions
            and not self.courses.total
            and not any(d.rows for d in self.clearance)
        )


def clinic_trends(period: Period) -> ClinicTrends:
    """Return every figure of the trends page. Six queries."""
    return ClinicTrends(
        period=period,
        clearance=clearance_by(period),
        complications=complications(period),
        courses=courses(period),
        symptoms=symptom_changes(period),
    )
