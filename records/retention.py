"""Which charts have had no clinical contact for longer than the retention period.

SCLERO_RETENTION_YEARS (default 10): Italian practice keeps outpatient
clinical records for at least ten years, so a chart becomes a question for
the clinic only after that. This module only reads: nothing is deleted or
archived here; the report is for the clinic's decision.

A chart's last contact is the latest of: a session performed, a Doppler
assessment, a follow-up visit that took place or is still booked (cancelled
visits and no-shows are not contacts), a change to the patient's record.
Voided sessions and Dopplers (entered in error) do not count.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from django.conf import settings
from django.db.models import DateField, DateTimeField, Max, OuterRef, Q, Subquery
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.clock import local_day, local_day_bounds
from doppler.models import DopplerAssessment
from patients.models import Patient
from treatments.models import TreatmentSession
from visits.models import FollowUpVisit, VisitStatus

DEFAULT_RETENTION_YEARS = 10

# Visits that are a contact: held, or booked (the patient is still in care).
CONTACT_VISIT_STATUSES = (
    VisitStatus.SCHEDULED,
    VisitStatus.ARRIVED,
    VisitStatus.COMPLETED,
)

SESSION = "session"
DOPPLER = "doppler"
VISIT = "visit"
RECORD = "record"
KIND_LABELS = {
    SESSION: _("treatment session"),
    DOPPLER: _("Doppler assessment"),
    VISIT: _("follow-up visit"),
    RECORD: _("change to the patient's record"),
}


@dataclass(frozen=True)
class PastRetention:
    chart_number: str
    last_contact: date
    kind: str
    archived: bool

    @property
    def kind_label(self) -> str:
        return str(KIND_LABELS[self.kind])


def retention_years() -> int:
    return int(getattr(settings, "SCLERO_RETENTION_YEARS", DEFAULT_RETENTION_YEARS))


def retention_cutoff(years: int, today: date | None = None) -> date:
    """Return the first day still within the period: `years` before today
    (29 February falls back to the 28th)."""
    today = today or timezone.localdate()
    try:
        return today.replace(year=today.year - years)
    except ValueError:
        return today.replace(year=today.year - years, day=28)


def _latest(queryset, column: str, output_field) -> Subquery:
    return Subquery(
        queryset.filter(patient=OuterRef("pk"))
        .order_by()
        .values("patient")
        .annotate(latest=Max(column))
        .values("latest"),
        output_field=output_field,
    )


def patients_past_retention(cutoff: date) -> list[PastRetention]:
    """Return the charts whose last contact is before `cutoff`, oldest first,
    in one query (each latest contact is a subquery, compared in SQL)."""
    start, _end = local_day_bounds(cutoff)
    rows = (
        Patient.objects.annotate(
            last_session=_latest(
                TreatmentSession.objects.filter(voided_at__isnull=True),
                "performed_at",
                DateTimeField(),
            ),
            last_doppler=_latest(
                DopplerAssessment.objects.filter(voided_at__isnull=True),
                "assessed_on",
                DateField(),
            ),
            last_visit=_latest(
                FollowUpVisit.objects.filter(status__in=CONTACT_VISIT_STATUSES),
                "starts_at",
                DateTimeField(),
            ),
        )
        .filter(
            Q(updated_at__lt=start),
            Q(last_session__isnull=True) | Q(last_session__lt=start),
            Q(last_doppler__isnull=True) | Q(last_doppler__lt=cutoff),
            Q(last_visit__isnull=True) | Q(last_visit__lt=start),
        )
        .order_by("updated_at", "chart_number")
        .values(
            "chart_number",
            "archived_at",
            "updated_at",
            "last_session",
            "last_doppler",
            "last_visit",
        )
    )
    found = [_row(row) for row in rows]
    found.sort(key=lambda item: (item.last_contact, item.chart_number))
    return found


def _row(row: dict) -> PastRetention:
    contacts: list[tuple[date, str]] = [(_day(row["updated_at"]), RECORD)]
    if row["last_session"] is not None:
        contacts.append((_day(row["last_session"]), SESSION))
    if row["last_doppler"] is not None:
        contacts.append((row["last_doppler"], DOPPLER))
    if row["last_visit"] is not None:
        contacts.append((_day(row["last_visit"]), VISIT))
    # The latest; on the same day a clinical contact names it before a record change.
    order = [RECORD, VISIT, DOPPLER, SESSION]
    last, kind = max(contacts, key=lambda c: (c[0], order.index(c[1])))
    return PastRetention(
        chart_number=row["chart_number"],
        last_contact=last,
        kind=kind,
        archived=row["archived_at"] is not None,
    )


def _day(moment: datetime | date) -> date:
    if isinstance(moment, datetime):
        return local_day(moment)
    return moment
