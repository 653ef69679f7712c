"""Month totals of the visits' day tables: a long statistics or trends
period reads its whole months from them and only the days of the months it
starts or ends inside from the day rows (reporting.selectors.period_totals).

Each month table adds up its day table per (month, clinician) and the day
table's values. The writers of the day rows add the month up again from
its days in the same transaction, holding the clinician's month lock
(visits.summary_locks.lock_days); the rebuilds add every month up.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import timedelta

from django.apps import apps as global_apps
from django.db.models import Sum
from django.db.models.functions import TruncMonth

from visits.models import VISIT_DAY_COUNTS
from visits.summary_locks import VisitKey, month_of

# day table: (month table, the values it is counted by, the counts added up)
TOTALS: dict[str, tuple[str, tuple[str, ...], tuple[str, ...]]] = {
    "VisitDayClearance": ("VisitMonthClearance", ("clearance_pct",), ("visits",)),
    "VisitDayAdverseEvent": ("VisitMonthAdverseEvent", ("code",), ("visits",)),
    "VisitDayClearanceBy": (
        "VisitMonthClearanceBy",
        ("dimension", "value"),
        ("visits", "clearance_sum"),
    ),
    # A month's one row per clinician: no values it is counted by.
    "VisitDaySummary": ("VisitMonthSummary", (), VISIT_DAY_COUNTS),
}


def months_refresh(keys: Iterable[VisitKey], day_tables: Iterable[str]) -> None:
    """Add up again the months of these (day, clinician) pairs in the month
    tables of `day_tables`. The caller holds the months' locks."""
    months = sorted({(month_of(day), clinician) for day, clinician in keys})
    for name in day_tables:
        month_name, values, counts = TOTALS[name]
        day_model = global_apps.get_model("visits", name)
        month_model = global_apps.get_model("visits", month_name)
        for month, clinician_id in months:
            month_model.objects.filter(month=month, clinician_id=clinician_id).delete()
            next_month = (month + timedelta(days=32)).replace(day=1)
            rows = day_model.objects.filter(
                clinician_id=clinician_id, day__gte=month, day__lt=next_month
            )
            month_model.objects.bulk_create(
                month_model(month=month, clinician_id=clinician_id, **found)
                for found in _added_up(rows, values, counts)
            )


def rebuild_months(day_tables: Iterable[str], apps=global_apps) -> int:
    """Add up every month of the month tables of `day_tables`. Return how
    many rows were written (0 in an earlier migration's state, where the
    month tables do not exist yet: their own migration adds them up)."""
    written = 0
    for name in day_tables:
        month_name, values, counts = TOTALS[name]
        day_model = apps.get_model("visits", name)
        try:
            month_model = apps.get_model("visits", month_name)
        except LookupError:
            continue
        month_model.objects.all().delete()
        rows = day_model.objects.annotate(month=TruncMonth("day"))
        found = [
            month_model(**row)
            for row in _added_up(rows, ("month", "clinician_id", *values), counts)
        ]
        month_model.objects.bulk_create(found, batch_size=5000)
        written += len(found)
    return written


def _added_up(rows, values: tuple[str, ...], counts: tuple[str, ...]):
    """`rows` added up by `values` (without any: all of them, one group): a
    dict per group, without empty groups (all counts 0)."""
    sums = {f"total_{c}": Sum(c) for c in counts}
    if values:
        grouped = rows.order_by().values(*values).annotate(**sums)
    else:
        grouped = [rows.order_by().aggregate(**sums)]
    for row in grouped:
        totals = {c: row.pop(f"total_{c}") or 0 for c in counts}
        if any(totals.values()):
            yield {**row, **totals}
