"""The period a statistics page covers, and the small value types it shows."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import TYPE_CHECKING

from django.utils import timezone
from django.utils.translation import gettext as _

from core.clock import local_day_bounds

if TYPE_CHECKING:
    from django.contrib.auth.models import User

# The default period: the current month and the eleven before it.
DEFAULT_MONTHS = 12
# The longest period one page may show (about 120 monthly rows).
MAX_PERIOD_DAYS = 3660
# Dates outside these years are typing errors.
MIN_YEAR = 1990
MAX_YEAR = 2100

# --- the period ----------------------------------------------------------------


def add_months(day: date, months: int) -> date:
    """Return the first day of the month `months` after (or before) `day`'s month."""
    index = day.year * 12 + day.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


@dataclass(frozen=True)
class Period:
    """Local days `first` to `last`, both included; `clinician` None means all."""

    first: date
    last: date
    clinician: User | None = None

    def bounds(self) -> tuple[datetime, datetime]:
        """Return the aware [start, end) of the period in the clinic's time zone."""
        return local_day_bounds(self.first)[0], local_day_bounds(self.last)[1]

    def months(self) -> list[date]:
        """Return the first day of every month the period touches."""
        months = []
        month = self.first.replace(day=1)
        while month <= self.last:
            months.append(month)
            month = add_months(month, 1)
        return months


def default_period(today: date | None = None, clinician=None) -> Period:
    """Return the current month and the eleven before it, up to today."""
    today = today or timezone.localdate()
    return Period(add_months(today, 1 - DEFAULT_MONTHS), today, clinician)


# --- small value types ---------------------------------------------------------


@dataclass(frozen=True)
class Share:
    """A count out of a total, shown as "12 % (3 of 25)"."""

    count: int
    total: int

    @property
    def pct(self) -> int | None:
        """Return the whole percentage, rounded half up; None when the total is 0."""
        if not self.total:
            return None
        value = Decimal(self.count) * 100 / Decimal(self.total)
        return int(value.quantize(Decimal("1"), rounding=ROUND_HALF_UP))

    @property
    def bar_pct(self) -> int:
        """Return the width of a bar for this share (0 when there is no total)."""
        return self.pct or 0

    def __str__(self) -> str:
        if not self.total:
            return _("– (0 of 0)")
        return _("%(pct)s %% (%(count)s of %(total)s)") % {
            "pct": self.pct,
            "count": self.count,
            "total": self.total,
        }


def bar_width(value: int, largest: int) -> int:
    """Return a bar width in percent of the largest value (at least 1 if not 0)."""
    if not value or not largest:
        return 0
    return max(1, round(value * 100 / largest))


@dataclass
class Bar:
    """One labelled bar of a small chart."""

    label: str
    share: Share
