"""The figures the clinic trends read instead of rows: clearance by what was
injected, and one summary row per course of treatment.

Clearance: a completed visit that records a clearance is attributed to the
session it follows (`FollowUpVisit.session`, when set and active; otherwise
the patient's last active session before the visit) and counts once under
each distinct vessel type, agent, concentration and form of that session's
active injections (so a session that treated telangiectasias and reticular
veins counts its visit's clearance under both vessel types). A visit whose
session has no active injection is not attributed.

Courses: a course ends at a completed visit whose plan is "course complete";
it holds the patient's active sessions performed before that visit and after
the patient's previous course-complete visit. A course without a session has
no summary.
The course summaries are added up per month, clinician and number of
sessions (visits.CourseMonthSummary): each patient's refresh adds the
difference its rows made, so a long trends period reads months.

`visits_changed()` (visits.summaries) calls `trends_changed()` in the
writer's transaction, with the patient locked. A change to a session's
injections after its follow-up recorded a clearance, or a Doppler assessment
recorded after the course-complete visit was saved, is picked up by the next
`rebuild_statistics` (treatments and doppler are lower layers and do not
call up here). `rebuild_trend_summaries()` recomputes everything.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable
from datetime import date, datetime
from decimal import Decimal

from django.apps import apps as global_apps
from django.db import connection
from django.db.models import Count, Exists, OuterRef, Q, Subquery, Sum
from django.db.models.functions import TruncDate, TruncMonth
from django.utils import timezone

from core.clock import local_day, local_day_bounds
from visits.models import FollowUpVisit, VisitDayClearanceBy
from visits.month_totals import months_refresh, rebuild_months
from visits.summary_locks import VisitKey, lock_days, month_of

# The dimensions of an injection the clearance is shown by, and their fields.
DIMENSIONS = {
    "vessel_type": "vessel_type",
    "agent": "agent",
    "concentration": "concentration_pct",
    "form": "form",
}


def concentration_value(value: Decimal) -> str:
    """Return a concentration as stored on a summary row: "0.5", "3"."""
    return format(Decimal(value).normalize(), "f")


def _session_values(
    session_ids: Iterable[int], apps=global_apps
) -> dict[int, dict[str, set[str]]]:
    """Return, per session, the distinct values of each dimension of its
    active injections (sessions without one are left out)."""
    injection_model = apps.get_model("treatments", "Injection")
    ids = list(set(session_ids))
    values: dict[int, dict[str, set[str]]] = {}
    for start in range(0, len(ids), 5000):
        rows = (
            injection_model.objects.filter(
                session_id__in=ids[start : start + 5000], voided_at__isnull=True
            )
            .order_by()
            .values_list("session_id", *DIMENSIONS.values())
            .distinct()
        )
        for session_id, *fields in rows:
            add_values(values.setdefault(session_id, {}), fields)
    return values


def add_values(by_dimension: dict[str, set[str]], fields) -> None:
    """Add one injection's (vessel type, agent, concentration, form)."""
    vessel_type, agent, concentration, form = fields
    by_dimension.setdefault("vessel_type", set()).add(vessel_type)
    by_dimension.setdefault("agent", set()).add(agent)
    by_dimension.setdefault("concentration", set()).add(
        concentration_value(concentration)
    )
    by_dimension.setdefault("form", set()).add(form)


class ClearanceFigures:
    """The clearance of some visits by dimension and value, added up."""

    def __init__(self) -> None:
        self.visits: Counter[tuple[str, str]] = Counter()
        self.sums: Counter[tuple[str, str]] = Counter()

    def add(self, clearance_pct: int, by_dimension: dict[str, set[str]]) -> None:
        for dimension, values in by_dimension.items():
            for value in values:
                self.visits[dimension, value] += 1
                self.sums[dimension, value] += clearance_pct

    def rows(self, model, **same_day) -> list:
        return [
            model(
                dimension=dimension,
                value=value,
                visits=n,
                clearance_sum=self.sums[dimension, value],
                **same_day,
            )
            for (dimension, value), n in self.visits.items()
        ]


def _attributed(visits, apps=global_apps):
    """Annotate completed visits with a clearance with the session their
    clearance is attributed to (`attributed`), and return (pk, attributed,
    clearance, day, clinician) rows."""
    session_model = apps.get_model("treatments", "TreatmentSession")
    last_before = (
        session_model.objects.filter(
            patient_id=OuterRef("patient_id"),
            voided_at__isnull=True,
            performed_at__lt=OuterRef("starts_at"),
        )
        .order_by("-performed_at", "-id")
        .values("id")[:1]
    )
    followed = Q(session__isnull=False, session__voided_at__isnull=True)
    day = TruncDate("starts_at", tzinfo=timezone.get_default_timezone())
    base = visits.filter(status="completed", clearance_pct__isnull=False).annotate(
        visit_day=day
    )
    fields = ("pk", "attributed", "clearance_pct", "visit_day", "clinician_id")
    rows = list(
        base.filter(followed)
        .order_by()
        .values_list("pk", "session_id", "clearance_pct", "visit_day", "clinician_id")
    )
    rows += list(
        base.exclude(followed)
        .annotate(attributed=Subquery(last_before))
        .filter(attributed__isnull=False)
        .order_by()
        .values_list(*fields)
    )
    return rows


def clearance_refresh(keys: Iterable[VisitKey]) -> None:
    """Recompute the clearance-by rows of these (day, clinician id) pairs,
    under their days' locks (visits.summary_locks): taken already when a
    visit's service calls, taken here when the daily refresh of a patient's
    trends does, so that it and a booking of that day take turns."""
    days = lock_days(keys)
    for day, clinician_id in days:
        start, end = local_day_bounds(day)
        visits = FollowUpVisit.objects.filter(
            clinician_id=clinician_id, starts_at__gte=start, starts_at__lt=end
        )
        rows = _attributed(visits)
        values = _session_values(row[1] for row in rows)
        figures = ClearanceFigures()
        for _pk, session_id, clearance_pct, _day, _clinician in rows:
            figures.add(clearance_pct, values.get(session_id, {}))
        same_day = {"day": day, "clinician_id": clinician_id}
        VisitDayClearanceBy.objects.filter(**same_day).delete()
        VisitDayClearanceBy.objects.bulk_create(
            figures.rows(VisitDayClearanceBy, **same_day)
        )
    months_refresh(days, ("VisitDayClearanceBy",))


# --- courses ----------------------------------------------------------------------


def assessment_vcss(right: int | None, left: int | None) -> int | None:
    """Return an assessment's VCSS as a course counts it: the higher leg's."""
    scored = [value for value in (right, left) if value is not None]
    return max(scored) if scored else None


def course_rows(
    visits: list[tuple[int, datetime, int]],
    sessions: list[datetime],
    assessments: list[tuple[date, int]],
) -> list[dict]:
    """Return one patient's course summaries' values.

    `visits`: the patient's completed course-complete visits (pk, starts_at,
    clinician id); `sessions`: the performed_at of their active sessions;
    `assessments`: (assessed_on, VCSS) of their active assessments with one.
    """
    sessions = sorted(sessions)
    assessments = sorted(assessments)
    result = []
    previous: datetime | None = None
    for pk, starts_at, clinician_id in sorted(visits, key=lambda v: (v[1], v[0])):
        course = [
            at
            for at in sessions
            if at < starts_at and (previous is None or at > previous)
        ]
        previous = starts_at
        if not course:
            continue
        first_day, last_day = local_day(course[0]), local_day(course[-1])
        visit_day = local_day(starts_at)
        before = [vcss for on, vcss in assessments if on <= first_day]
        after = [vcss for on, vcss in assessments if last_day < on <= visit_day]
        result.append(
            {
                "visit_id": pk,
                "day": visit_day,
                "clinician_id": clinician_id,
                "sessions": len(course),
                "first_session_at": course[0],
                "last_session_at": course[-1],
                "vcss_before": before[-1] if before else None,
                "vcss_after": after[-1] if after else None,
            }
        )
    return result


def _course_visits(apps=global_apps):
    visit_model = apps.get_model("visits", "FollowUpVisit")
    return visit_model.objects.filter(status="completed", plan="complete")


def _assessments(apps=global_apps):
    model = apps.get_model("doppler", "DopplerAssessment")
    return (
        model.objects.filter(voided_at__isnull=True)
        .filter(Q(vcss_right__isnull=False) | Q(vcss_left__isnull=False))
        .order_by()
    )


# What a course adds to its month (visits.CourseMonthSummary): the course,
# and, when it has a VCSS before and after, the pair and both values.
COURSE_COUNTS = ("courses", "vcss_pairs", "vcss_before_sum", "vcss_after_sum")
_PAIRED = Q(vcss_before__isnull=False, vcss_after__isnull=False)
# The same, added up from course summary rows.
COURSE_SUMS = {
    "courses": Count("pk"),
    "vcss_pairs": Count("pk", filter=_PAIRED),
    "vcss_before_sum": Sum("vcss_before", filter=_PAIRED),
    "vcss_after_sum": Sum("vcss_after", filter=_PAIRED),
}
MonthKey = tuple[date, int, int]  # (month, clinician id, sessions)


def _course_counts(before: int | None, after: int | None) -> tuple[int, ...]:
    if before is None or after is None:
        return (1, 0, 0, 0)
    return (1, 1, before, after)


def patient_courses_refresh(patient_id: int, apps=global_apps) -> None:
    """Recompute the patient's course summaries and add the difference to
    their months. Call with the patient locked."""
    course_model = apps.get_model("visits", "CourseSummary")
    session_model = apps.get_model("treatments", "TreatmentSession")
    visits = list(
        _course_visits(apps)
        .filter(patient_id=patient_id)
        .values_list("pk", "starts_at", "clinician_id")
    )
    wanted: list[dict] = []
    if visits:
        sessions = list(
            session_model.objects.filter(
                patient_id=patient_id, voided_at__isnull=True
            ).values_list("performed_at", flat=True)
        )
        assessments = [
            (on, assessment_vcss(right, left))
            for on, right, left in _assessments(apps)
            .filter(patient_id=patient_id)
            .values_list("assessed_on", "vcss_right", "vcss_left")
        ]
        wanted = course_rows(visits, sessions, assessments)  # type: ignore[arg-type]
    fields = ("day", "clinician_id", "sessions", "vcss_before", "vcss_after")
    kept = course_model.objects.filter(patient_id=patient_id)
    old = list(kept.values_list(*fields))
    new = [tuple(row[f] for f in fields) for row in wanted]
    kept.delete()
    course_model.objects.bulk_create(
        course_model(patient_id=patient_id, **row) for row in wanted
    )
    changes: dict[MonthKey, list[int]] = {}
    for sign, rows in ((-1, old), (1, new)):
        for day, clinician_id, count, before, after in rows:
            totals = changes.setdefault(
                (month_of(day), clinician_id, count), [0] * len(COURSE_COUNTS)
            )
            for n, value in enumerate(_course_counts(before, after)):
                totals[n] += sign * value
    _add_to_months(changes, apps)


def _add_to_months(changes: dict[MonthKey, list[int]], apps=global_apps) -> None:
    """Add these differences to the month rows, making the missing ones, in
    a fixed order (the rows' locks are the last a writer takes: two writers
    never wait for each other in a circle). Rows left with no course go."""
    model = apps.get_model("visits", "CourseMonthSummary")
    table = connection.ops.quote_name(model._meta.db_table)
    columns = ("month", "clinician_id", "sessions", *COURSE_COUNTS)
    added = ", ".join(f"{c} = {table}.{c} + excluded.{c}" for c in COURSE_COUNTS)
    sql = (
        f"INSERT INTO {table} ({', '.join(columns)}) "
        f"VALUES ({', '.join(['%s'] * len(columns))}) "
        f"ON CONFLICT (month, clinician_id, sessions) DO UPDATE SET {added}"
    )
    touched = [key for key in sorted(changes) if any(changes[key])]
    if not touched:
        return
    with connection.cursor() as cursor:
        for key in touched:
            cursor.execute(sql, [*key, *changes[key]])
    emptied = Q()
    for month, clinician_id, count in touched:
        emptied |= Q(month=month, clinician_id=clinician_id, sessions=count)
    model.objects.filter(emptied, courses=0).delete()


def trends_changed(*, patient_id: int, keys: Iterable[VisitKey]) -> None:
    """Bring the trend summaries up to date after visits of one patient
    changed (called by visits.summaries.visits_changed). The days' locks
    first (clearance_refresh), the course months' rows last."""
    clearance_refresh(keys)
    patient_courses_refresh(patient_id)


# --- rebuilding everything ----------------------------------------------------


def rebuild_clearance_by(apps=global_apps) -> int:
    """Recompute every clearance-by row. Return how many there are."""
    visit_model = apps.get_model("visits", "FollowUpVisit")
    model = apps.get_model("visits", "VisitDayClearanceBy")
    rows = _attributed(visit_model.objects.all(), apps)
    values = _session_values((row[1] for row in rows), apps)
    days: dict[VisitKey, ClearanceFigures] = defaultdict(ClearanceFigures)
    for _pk, session_id, clearance_pct, day, clinician_id in rows:
        days[day, clinician_id].add(clearance_pct, values.get(session_id, {}))
    model.objects.all().delete()
    created = []
    for (day, clinician_id), figures in days.items():
        created += figures.rows(model, day=day, clinician_id=clinician_id)
    model.objects.bulk_create(created, batch_size=5000)
    rebuild_months(("VisitDayClearanceBy",), apps)
    return len(created)


def rebuild_courses(apps=global_apps) -> int:
    """Recompute every course summary. Return how many there are."""
    course_model = apps.get_model("visits", "CourseSummary")
    session_model = apps.get_model("treatments", "TreatmentSession")
    visits: dict[int, list] = defaultdict(list)
    for pk, patient_id, starts_at, clinician_id in (
        _course_visits(apps)
        .order_by()
        .values_list("pk", "patient_id", "starts_at", "clinician_id")
        .iterator(chunk_size=5000)
    ):
        visits[patient_id].append((pk, starts_at, clinician_id))
    with_course = _course_visits(apps).filter(patient_id=OuterRef("patient_id"))
    sessions: dict[int, list] = defaultdict(list)
    for patient_id, at in (
        session_model.objects.filter(voided_at__isnull=True)
        .filter(Exists(with_course))
        .order_by()
        .values_list("patient_id", "performed_at")
        .iterator(chunk_size=10000)
    ):
        sessions[patient_id].append(at)
    assessments: dict[int, list] = defaultdict(list)
    for patient_id, on, right, left in _assessments(apps).values_list(
        "patient_id", "assessed_on", "vcss_right", "vcss_left"
    ):
        assessments[patient_id].append((on, assessment_vcss(right, left)))
    course_model.objects.all().delete()
    created = [
        course_model(patient_id=patient_id, **row)
        for patient_id, patient_visits in visits.items()
        for row in course_rows(
            patient_visits, sessions[patient_id], assessments[patient_id]
        )
    ]
    course_model.objects.bulk_create(created, batch_size=5000)
    rebuild_course_months(apps)
    return len(created)


def rebuild_course_months(apps=global_apps) -> int:
    """Add up every month of the course summaries. Return how many month
    rows there are (0 in an earlier migration's state, without the table:
    its own migration adds the months up)."""
    course_model = apps.get_model("visits", "CourseSummary")
    try:
        model = apps.get_model("visits", "CourseMonthSummary")
    except LookupError:
        return 0
    model.objects.all().delete()
    rows = (
        course_model.objects.annotate(month=TruncMonth("day"))
        .order_by()
        .values("month", "clinician_id", "sessions")
        .annotate(**COURSE_SUMS)
    )
    created = [
        model(**{**row, **{c: row[c] or 0 for c in COURSE_COUNTS}}) for row in rows
    ]
    model.objects.bulk_create(created, batch_size=5000)
    return len(created)


def rebuild_trend_summaries(apps=global_apps) -> dict[str, int]:
    """Recompute every trend summary of the visits from the rows."""
    return {
        "clearance by injection day rows": rebuild_clearance_by(apps),
        "course summaries": rebuild_courses(apps),
    }
