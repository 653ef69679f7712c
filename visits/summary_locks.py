"""The locks of the visits' day summaries, shared by every writer of a
(day, clinician)'s summary rows: the day figures and histograms
(visits.summaries) and the clearance-by rows (visits.trend_summaries).

Each (day, clinician) has a VisitDaySummary row, and it is the day's lock.
The row of a month's first day is also the lock of that clinician's month
(the month totals are added up from its days). `lock_days` takes the months'
locks first, then the days', each set in a fixed order, inside the caller's
transaction (after the patient's lock, as the services take it). Two writers
of one clinician's day or month therefore take turns and never deadlock,
and a lock already held by the transaction is taken again at no cost.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from django.db.models import QuerySet

from visits.models import VisitDaySummary

VisitKey = tuple[date, int]


def month_of(day: date) -> date:
    return day.replace(day=1)


def locked_summary(day: date, clinician_id: int) -> QuerySet[VisitDaySummary]:
    """The (day, clinician) summary row, made if missing, locked."""
    summary, _created = VisitDaySummary.objects.get_or_create(
        day=day, clinician_id=clinician_id
    )
    locked = VisitDaySummary.objects.select_for_update().filter(pk=summary.pk)
    locked.values_list("pk").get()
    return locked


def lock_days(keys: Iterable[VisitKey]) -> list[VisitKey]:
    """Lock the months and then the days of these (day, clinician id) pairs;
    return the pairs, sorted, once each."""
    days = sorted(set(keys))
    for month, clinician_id in sorted({(month_of(d), c) for d, c in days}):
        locked_summary(month, clinician_id)
    for day, clinician_id in days:
        locked_summary(day, clinician_id)
    return days
