"""Reads of the access log: newest first, filtered, one page at a time.

Pages are cut by a cursor (the last row's time and id) rather than by an
offset, so a page costs one indexed query of `size + 1` rows however long
the log, and no COUNT over the table.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from django.db.models import Q

from accesslog.models import AccessEvent
from core.clock import local_day_bounds

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class Cursor:
    """The last row of a page; the next page holds the rows older than it."""

    at: datetime
    id: int

    def __str__(self) -> str:
        return f"{(self.at - _EPOCH) // timedelta(microseconds=1)}-{self.id}"

    @classmethod
    def parse(cls, text: str | None) -> Cursor | None:
        """Return the cursor written by __str__, or None for anything else."""
        try:
            micros, pk = (int(part) for part in (text or "").split("-"))
            at = _EPOCH + timedelta(microseconds=micros)
        except (ValueError, OverflowError):
            return None
        return cls(at, pk) if pk > 0 else None

    def older(self) -> Q:
        return Q(at__lt=self.at) | Q(at=self.at, id__lt=self.id)


@dataclass
class AccessPage:
    events: list[AccessEvent]
    next_cursor: Cursor | None


def access_events(
    *,
    patient: Any = None,
    user: Any = None,
    first: date | None = None,
    last: date | None = None,
    before: Cursor | None = None,
    size: int = 50,
) -> AccessPage:
    """Return a page of access events, newest first: of one patient or the
    whole clinic, by one user, from `first` to `last` (clinic days, both
    included), older than the cursor."""
    events = AccessEvent.objects.select_related("user", "patient")
    if patient is not None:
        events = events.filter(patient=patient)
    if user is not None:
        events = events.filter(user=user)
    if first is not None:
        events = events.filter(at__gte=local_day_bounds(first)[0])
    if last is not None:
        events = events.filter(at__lt=local_day_bounds(last)[1])
    if before is not None:
        events = events.filter(before.older())
    rows = list(events.order_by("-at", "-id")[: size + 1])
    more = len(rows) > size
    rows = rows[:size]
    return AccessPage(rows, Cursor(rows[-1].at, rows[-1].pk) if more else None)
