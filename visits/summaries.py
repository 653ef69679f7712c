"""The visit figures the statistics and the worklist read instead of rows.

Every service that books or moves a visit, or changes its status or its
outcome, calls `visits_changed()` inside its own transaction (no signals):
it recomputes the day summaries of the (day, clinician) pairs touched,
before and after, from that day's visits, and tells the session summaries
when the patient's latest booked visit now starts (the sessions after it
await a follow-up). `rebuild_visit_summaries()` recomputes everything.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from datetime import datetime

from django.apps import apps as global_apps
from django.db.models import Max
from django.db.models.functions import TruncDate
from django.utils import timezone

from core.clock import local_day, local_day_bounds
from treatments.summaries import (
    follow_up_booked_until_set,
    lock_patient,
    rebuild_session_summaries,
)
from visits import trend_summaries
from visits.models import (
    BOOKED_STATUSES,
    FollowUpVisit,
    VisitDayAdverseEvent,
    VisitDayClearance,
    VisitDaySummary,
    VisitPlan,
    VisitStatus,
)
from visits.month_totals import months_refresh, rebuild_months
from visits.summary_locks import VisitKey, lock_days

SATISFACTION_SCORES = (1, 2, 3, 4, 5)
_FIELDS = ("status", "clearance_pct", "satisfaction", "plan", "adverse_events")


def visit_key(starts_at: datetime, clinician_id: int) -> VisitKey:
    """Return the (clinic-local day, clinician id) a visit is counted under."""
    return local_day(starts_at), clinician_id


def adverse_codes(codes) -> set[str]:
    """Return the distinct codes of a visit's stored list (as statistics count)."""
    if not isinstance(codes, list):
        return set()
    return {code for code in codes if isinstance(code, str) and code}


class DayFigures:
    """The figures of some visits, added up one visit at a time."""

    def __init__(self) -> None:
        self.counts: Counter[str] = Counter()
        self.clearance: Counter[int] = Counter()
        self.adverse: Counter[str] = Counter()

    def add(self, status, clearance_pct, satisfaction, plan, adverse_events) -> None:
        if status in VisitStatus.values:
            self.counts[status] += 1
        if status != VisitStatus.COMPLETED:
            return
        if satisfaction in SATISFACTION_SCORES:
            self.counts[f"satisfaction_{satisfaction}"] += 1
        if plan in VisitPlan.values or plan == "":
            self.counts[f"plan_{plan or 'none'}"] += 1
        if clearance_pct is not None:
            self.counts["clearance_recorded"] += 1
            self.counts["clearance_sum"] += clearance_pct
            self.clearance[clearance_pct] += 1
        codes = adverse_codes(adverse_events)
        if codes:
            self.counts["with_adverse_event"] += 1
        self.adverse.update(codes)

    def summary_values(self, model=VisitDaySummary) -> dict[str, int]:
        names = [
            field.name
            for field in model._meta.concrete_fields
            if field.name not in ("id", "day", "clinician")
        ]
        return {name: self.counts[name] for name in names}


def day_summaries_refresh(keys: Iterable[VisitKey]) -> None:
    """Recompute the day summaries (and their clearance and adverse event
    rows, and these rows' month totals) of these (day, clinician id) pairs
    from the day's visits.

    Each summary row is locked before its day is read again, in a fixed
    order, so that concurrent writers of one day take turns.
    """
    # The months' and days' locks (visits.summary_locks): the month totals
    # are added up from the days, so a clinician's month has one writer at a
    # time.
    keys = lock_days(keys)
    for day, clinician_id in keys:
        locked = VisitDaySummary.objects.filter(day=day, clinician_id=clinician_id)
        start, end = local_day_bounds(day)
        figures = DayFigures()
        visits = FollowUpVisit.objects.filter(
            clinician_id=clinician_id, starts_at__gte=start, starts_at__lt=end
        )
        for row in visits.order_by().values_list(*_FIELDS):
            figures.add(*row)
        locked.update(**figures.summary_values())
        same_day = {"day": day, "clinician_id": clinician_id}
        VisitDayClearance.objects.filter(**same_day).delete()
        VisitDayClearance.objects.bulk_create(
            VisitDayClearance(clearance_pct=pct, visits=n, **same_day)
            for pct, n in figures.clearance.items()
        )
        VisitDayAdverseEvent.objects.filter(**same_day).delete()
        VisitDayAdverseEvent.objects.bulk_create(
            VisitDayAdverseEvent(code=code, visits=n, **same_day)
            for code, n in figures.adverse.items()
        )
    months_refresh(
        keys, ("VisitDaySummary", "VisitDayClearance", "VisitDayAdverseEvent")
    )


def patient_follow_up_refresh(patient_id: int) -> None:
    """Record when the patient's latest booked visit starts, for the session
    flags (worklist, patients without a follow-up). Patient locked."""
    booked_until = FollowUpVisit.objects.filter(
        patient_id=patient_id, status__in=BOOKED_STATUSES
    ).aggregate(latest=Max("starts_at"))["latest"]
    follow_up_booked_until_set(patient_id=patient_id, booked_until=booked_until)


def visits_changed(
    *, patient_id: int, keys: Iterable[VisitKey], lock: bool = True
) -> None:
    """Bring the summaries up to date after visits of one patient changed.

    `keys` are the (day, clinician) pairs of the visits before and after the
    change. Call inside the writer's transaction.
    """
    if lock:
        lock_patient(patient_id)
    patient_follow_up_refresh(patient_id)
    day_summaries_refresh(keys)
    trend_summaries.trends_changed(patient_id=patient_id, keys=keys)


# --- rebuilding everything ----------------------------------------------------


def rebuild_follow_ups(apps=global_apps) -> int:
    """Recompute every patient's latest booked visit (before the sessions'
    flags: treatments.summaries.rebuild_session_summaries). Return the
    number of patients with one."""
    visit_model = apps.get_model("visits", "FollowUpVisit")
    follow_up_model = apps.get_model("treatments", "PatientFollowUp")
    rows = (
        visit_model.objects.filter(status__in=BOOKED_STATUSES)
        .order_by()
        .values("patient_id")
        .annotate(booked_until=Max("starts_at"))
    )
    follow_up_model.objects.all().delete()
    follow_ups = [follow_up_model(**row) for row in rows]
    follow_up_model.objects.bulk_create(follow_ups, batch_size=5000)
    return len(follow_ups)


def rebuild_visit_summaries(apps=global_apps) -> int:
    """Recompute every visit day summary from the visits, in one pass over
    them. Return the number of day summaries."""
    visit_model = apps.get_model("visits", "FollowUpVisit")
    summary_model = apps.get_model("visits", "VisitDaySummary")
    clearance_model = apps.get_model("visits", "VisitDayClearance")
    adverse_model = apps.get_model("visits", "VisitDayAdverseEvent")
    day = TruncDate("starts_at", tzinfo=timezone.get_default_timezone())
    rows = (
        visit_model.objects.annotate(day=day)
        .order_by()
        .values_list("day", "clinician_id", *_FIELDS)
        .iterator(chunk_size=5000)
    )
    days: dict[VisitKey, DayFigures] = {}
    for day_value, clinician_id, *fields in rows:
        key = (day_value, clinician_id)
        if key not in days:
            days[key] = DayFigures()
        days[key].add(*fields)
    for model in (summary_model, clearance_model, adverse_model):
        model.objects.all().delete()
    summaries, clearances, adverse = [], [], []
    for (day_value, clinician_id), figures in days.items():
        same_day = {"day": day_value, "clinician_id": clinician_id}
        values = figures.summary_values(summary_model)
        summaries.append(summary_model(**same_day, **values))
        clearances += [
            clearance_model(clearance_pct=pct, visits=n, **same_day)
            for pct, n in figures.clearance.items()
        ]
        adverse += [
            adverse_model(code=code, visits=n, **same_day)
            for code, n in figures.adverse.items()
        ]
    summary_model.objects.bulk_create(summaries, batch_size=2000)
    clearance_model.objects.bulk_create(clearances, batch_size=5000)
    adverse_model.objects.bulk_create(adverse, batch_size=5000)
    rebuild_month_histograms(apps)
    return len(summaries)


def rebuild_month_histograms(apps=global_apps) -> int:
    """Add up every month of the day summaries and of the clearance and
    adverse event histograms."""
    return rebuild_months(
        ("VisitDaySummary", "VisitDayClearance", "VisitDayAdverseEvent"), apps
    )


def rebuild_statistics(apps=global_apps) -> dict[str, int]:
    """Recompute every statistics summary and session flag from the rows."""
    follow_ups = rebuild_follow_ups(apps)
    return {
        "patients with a booked visit": follow_ups,
        "session day summaries": rebuild_session_summaries(apps),
        "visit day summaries": rebuild_visit_summaries(apps),
    }
