"""Find clinical dates no one can have meant, for correction by hand.

Each checked column (birth dates, Doppler dates, session and visit times, in
the tables and in their history) is searched in SQL for values before the
earliest plausible date or after the latest one, and the offending rows are
listed: table, row id, column, value. The values are read as text, so a
PostgreSQL date before Christ (which Python's datetime cannot hold) prints
as "0001-01-01 00:00:00+00 BC" instead of breaking the command.

Exit code 0 however many are found; with --fail, 1 when any is found (for a
monitoring job).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from django.apps import apps
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection, models
from django.utils import timezone

from core.clock import local_day_bounds
from core.validators import EARLIEST_CLINICAL_DATE, latest_booking_date

# The oldest birth date the patient form takes (patients.models.OLDEST_BIRTH_YEAR).
EARLIEST_BIRTH_DATE = date(1900, 1, 1)

BIRTH = "birth"  # from EARLIEST_BIRTH_DATE to today
DONE = "done"  # care already given: EARLIEST_CLINICAL_DATE to today
PLANNED = "planned"  # care that may be booked: up to the booking horizon

# (model, column, kind); each model's history table is checked too.
CHECKED: list[tuple[str, str, str]] = [
    ("patients.Patient", "date_of_birth", BIRTH),
    ("doppler.DopplerAssessment", "assessed_on", DONE),
    ("treatments.TreatmentSession", "performed_at", PLANNED),
    ("visits.FollowUpVisit", "starts_at", PLANNED),
]


@dataclass(frozen=True)
class Finding:
    table: str
    row_id: Any
    column: str
    value: str
    problem: str


def _bounds(kind: str) -> tuple[date, date]:
    """Return the first and last plausible day (both included)."""
    today = timezone.localdate()
    if kind == BIRTH:
        return EARLIEST_BIRTH_DATE, today
    if kind == DONE:
        return EARLIEST_CLINICAL_DATE, today
    return EARLIEST_CLINICAL_DATE, latest_booking_date()


def _checked_columns() -> list[tuple[type[models.Model], models.Field, str]]:
    columns = []
    for label, name, kind in CHECKED:
        model = apps.get_model(label)
        history = getattr(model, "history", None)
        for each in (model, history.model if history is not None else None):
            if each is not None:
                columns.append((each, each._meta.get_field(name), kind))
    return columns


def _literal(day: date, field: models.Field, *, end: bool) -> str:
    """Return `day` as a date column stores it, or for a time column the
    clinic-time midnight starting it (ending it, with end) in UTC."""
    if not isinstance(field, models.DateTimeField):
        return day.isoformat()
    start, after = local_day_bounds(day)
    moment: datetime = (after if end else start).astimezone(UTC)
    if connection.vendor == "postgresql":
        return moment.isoformat()
    return moment.strftime("%Y-%m-%d %H:%M:%S")  # SQLite: UTC text


def _query(model: type[models.Model], field: models.Field) -> str:
    quote = connection.ops.quote_name
    table, column, pk = (
        quote(model._meta.db_table),
        quote(field.column),
        quote(model._meta.pk.column),
    )
    if connection.vendor == "postgresql":
        bound = (
            "CAST(%s AS timestamptz)"
            if isinstance(field, models.DateTimeField)
            else "CAST(%s AS date)"
        )
    else:
        bound = "%s"  # SQLite keeps dates and times as ISO text
    # Dates: before the first day or after the last; times: before the first
    # day's midnight or from the midnight after the last day.
    after = ">=" if isinstance(field, models.DateTimeField) else ">"
    return (
        f"SELECT {pk}, CAST({column} AS TEXT), {column} < {bound} "
        f"FROM {table} "
        f"WHERE {column} < {bound} OR {column} {after} {bound} "
        f"ORDER BY {pk}"
    )


def find_implausible_dates() -> list[Finding]:
    """Return every row of a checked column outside its plausible range."""
    found: list[Finding] = []
    for model, field, kind in _checked_columns():
        first, last = _bounds(kind)
        low = _literal(first, field, end=False)
        high = _literal(last, field, end=True)
        with connection.cursor() as cursor:
            cursor.execute(_query(model, field), [low, low, high])
            rows = cursor.fetchall()
        for row_id, value, too_early in rows:
            problem = (
                f"before {first.isoformat()}"
                if too_early
                else f"after {last.isoformat()}"
            )
            found.append(
                Finding(model._meta.db_table, row_id, field.column, value, problem)
            )
    return found


class Command(BaseCommand):
    help = (
        "List rows whose birth, Doppler, session or visit date is implausible "
        "(too early or too far ahead), in the tables and their history."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--fail",
            action="store_true",
            help="Exit with status 1 when any implausible date is found.",
        )

    def handle(self, *args: object, **options: Any) -> None:
        found = find_implausible_dates()
        for item in found:
            self.stdout.write(
                f"{item.table}\tid={item.row_id}\t{item.column}\t{item.value}"
                f"\t{item.problem}"
            )
        if not found:
            self.stdout.write("No implausible dates found.")
            return
        self.stdout.write(f"{len(found)} implausible date(s) found.")
        if options["fail"]:
            raise CommandError(f"{len(found)} implausible date(s) found.", returncode=1)
