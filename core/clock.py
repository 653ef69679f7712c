"""Clinic time: days and weeks in the clinic's time zone (settings.TIME_ZONE).

Every "which day is this?" question goes through here, so that a 00:30 visit
in Rome belongs to its local day although it is still the day before in UTC,
and a day across a DST change is 23 or 25 hours long.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import overload

from django.utils import timezone

# Dates typed by hand: ISO, then the Italian and European ways.
DATE_INPUT_FORMATS = ["%Y-%m-%d", "%d/%m/%Y", "%d.%m.%Y", "%d-%m-%Y"]


def local_day_bounds(day: date) -> tuple[datetime, datetime]:
    """Return the aware start and end of a day in the clinic's time zone.

    Both ends are built from local wall-clock midnight and returned in UTC,
    so that subtracting or adding to them counts real hours.
    """
    start = timezone.make_aware(datetime.combine(day, time.min))
    end = timezone.make_aware(datetime.combine(day + timedelta(days=1), time.min))
    return start.astimezone(UTC), end.astimezone(UTC)


def local_day(moment: datetime) -> date:
    """Return the clinic's calendar day of an aware moment."""
    return timezone.localtime(moment).date()


def week_start(day: date) -> date:
    """Return the Monday of the week holding `day`."""
    return day - timedelta(days=day.weekday())


def local_datetime(day: date, at: time) -> datetime:
    """Return the aware datetime for a wall-clock date and time in the clinic."""
    return timezone.make_aware(datetime.combine(day, at))


def exists_locally(value: datetime) -> bool:
    """Return False for a wall-clock time skipped by the spring DST change."""
    round_trip = timezone.localtime(value.astimezone(UTC))
    return round_trip.replace(tzinfo=None) == value.replace(tzinfo=None)


@overload
def parse_day(text: str | None, default: date) -> date: ...
@overload
def parse_day(text: str | None, default: None = None) -> date | None: ...
def parse_day(text: str | None, default: date | None = None) -> date | None:
    """Return the date written in `text` (see DATE_INPUT_FORMATS), else `default`."""
    for fmt in DATE_INPUT_FORMATS:
        try:
            return datetime.strptime((text or "").strip(), fmt).date()
        except ValueError:
            continue
    return default


def months_between(earlier: date, later: date) -> int:
    """Return the whole months from `earlier` to `later` (never negative)."""
    months = (later.year - earlier.year) * 12 + later.month - earlier.month
    if later.day < earlier.day:
        months -= 1
    return max(months, 0)
