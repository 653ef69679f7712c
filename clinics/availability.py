"""When a clinician can be booked at a site: the rules.

A site with no opening hours is open at any time; a clinician with no
working hours is bookable at any time (the booking form and the agenda say
the hours are not set). Times are aware datetimes; days are the clinic's
local dates (settings.TIME_ZONE). A slot's start and end are read on the
local wall clock, and its length is counted in real minutes (in UTC), so a
slot on a DST-change day lasts what it says. A slot crossing midnight is
outside any opening or working hours.

This module only knows the clinic's tables (clinics is below visits in the
layers); free slots and the next free slot, which must also know the visits
already booked, are in visits.availability.

    booking_problems(*, site, clinician, starts_at, ends_at) -> list[Problem]
    hours_set(clinician) -> bool
    load_rules(*, sites, clinicians, first_day, last_day) -> Rules  (4 queries)
    Rules.problems(site, clinician, starts_at, ends_at) -> list[Problem]
    Rules.open_intervals(site, day) -> list[(time, time)] | None  (None: any time)
    Rules.working_intervals(clinician_id, site_id, day) -> list[(time, time)] | None
    Rules.closure_on(site_id, day) -> Closure | None
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from functools import partial
from typing import Any

from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from clinics.models import (
    Absence,
    Closure,
    OpeningHours,
    Site,
    SiteMembership,
    WorkingHours,
)
from core.clock import local_day_bounds
from core.prepared import PreparedQuery
from core.roles import clinician_label

# Problem codes.
SITE_CLOSED_DAY = "site_closed_day"
OUTSIDE_OPENING_HOURS = "outside_opening_hours"
CLOSURE = "closure"
NOT_AT_SITE = "not_at_site"
OUTSIDE_WORKING_HOURS = "outside_working_hours"
ABSENCE = "absence"

# "on Sundays": a weekday as a repeated day (date.weekday() numbering).
ON_WEEKDAYS = (
    gettext_lazy("on Mondays"),
    gettext_lazy("on Tuesdays"),
    gettext_lazy("on Wednesdays"),
    gettext_lazy("on Thursdays"),
    gettext_lazy("on Fridays"),
    gettext_lazy("on Saturdays"),
    gettext_lazy("on Sundays"),
)

Interval = tuple[time, time]


@dataclass(frozen=True)
class Problem:
    """Why a slot cannot be booked. code is one of: "site_closed_day",
    "outside_opening_hours", "closure", "not_at_site", "outside_working_hours",
    "absence"; message names the reason in the active language."""

    code: str
    message: str


@dataclass(frozen=True)
class Slot:
    clinician_id: int
    site_id: int
    starts_at: datetime
    ends_at: datetime
    # The site itself, where the finder had it (not part of the slot's value).
    site: Site | None = field(default=None, compare=False, repr=False)


def _hhmm(value: time | datetime) -> str:
    return f"{value:%H:%M}"


def _intervals_text(intervals: Iterable[Interval]) -> str:
    return ", ".join(f"{_hhmm(a)}–{_hhmm(b)}" for a, b in intervals)


def _moment_text(moment: datetime) -> str:
    local = timezone.localtime(moment)
    return f"{date_format(local.date(), 'DATE_FORMAT')} {_hhmm(local)}"


def _inside(intervals: Iterable[Interval], start: time, end: time) -> bool:
    return any(a <= start and end <= b for a, b in intervals)


@dataclass
class Rules:
    """The clinic's tables for some sites, clinicians and days, read once;
    every question is then answered without a query."""

    # Opening hours of each site, all weekdays (an empty list: open any time).
    opening: dict[int, list[OpeningHours]] = field(default_factory=dict)
    closures: dict[int, list[Closure]] = field(default_factory=dict)
    # Working hours of each clinician, all sites and weekdays.
    working: dict[int, list[WorkingHours]] = field(default_factory=dict)
    absences: dict[int, list[Absence]] = field(default_factory=dict)
    # The answers per day given so far: the free slots ask the same of every
    # step of a day (the tables above are not changed once read).
    _answers: dict[tuple, Any] = field(default_factory=dict, repr=False, compare=False)

    def open_intervals(self, site_id: int, day: date) -> list[Interval] | None:
        """The site's opening intervals on `day` ([] closed that weekday),
        or None if the site has no opening hours at all (open any time).
        Closures are not looked at (see closure_on)."""
        key = ("open", site_id, day)
        if key not in self._answers:
            rows = self.opening.get(site_id, [])
            self._answers[key] = (
                [(r.opens, r.closes) for r in rows if r.weekday == day.weekday()]
                if rows
                else None
            )
        found: list[Interval] | None = self._answers[key]
        return found

    def closure_on(self, site_id: int, day: date) -> Closure | None:
        key = ("closure", site_id, day)
        if key not in self._answers:
            self._answers[key] = next(
                (c for c in self.closures.get(site_id, []) if c.covers(day)), None
            )
        found: Closure | None = self._answers[key]
        return found

    def has_hours(self, clinician_id: int) -> bool:
        return bool(self.working.get(clinician_id))

    def working_intervals(
        self, clinician_id: int, site_id: int, day: date
    ) -> list[Interval] | None:
        """The clinician's hours at the site on `day` ([] none there that
        day), or None if the clinician has no working hours at all."""
        key = ("working", clinician_id, site_id, day)
        if key not in self._answers:
            rows = self.working.get(clinician_id, [])
            self._answers[key] = (
                [
                    (r.starts, r.ends)
                    for r in rows
                    if r.weekday == day.weekday() and r.site_id == site_id
                ]
                if rows
                else None
            )
        found: list[Interval] | None = self._answers[key]
        return found

    def absence_during(
        self, clinician_id: int, starts_at: datetime, ends_at: datetime
    ) -> Absence | None:
        return next(
            (
                a
                for a in self.absences.get(clinician_id, [])
                if a.starts_at < ends_at and starts_at < a.ends_at
            ),
            None,
        )

    def problems(
        self, site: Site, clinician, starts_at: datetime, ends_at: datetime
    ) -> list[Problem]:
        """Every rule the slot breaks (see booking_problems)."""
        return [
            Problem(code, message())
            for code, message in self._broken(site, clinician, starts_at, ends_at)
        ]

    def allows(
        self, site: Site, clinician, starts_at: datetime, ends_at: datetime
    ) -> bool:
        """Whether the slot breaks no rule: problems() is empty, without
        writing out why (the free slots ask this of every step of a week)."""
        return next(self._broken(site, clinician, starts_at, ends_at), None) is None

    def day_test(
        self, site: Site, clinician, day: date
    ) -> Callable[[time, time, datetime, datetime], bool]:
        """allows() for the slots of `day` that start and end on it (local
        wall clock, end after start): test(start_t, end_t, starts_at,
        ends_at) with the local times and the instants. What depends only on
        the day (opening and working hours, a closure) is looked up once
        here; the free slots ask it of every step of a day."""
        opening = self.open_intervals(site.pk, day)
        working = self.working_intervals(clinician.pk, site.pk, day)
        if opening == [] or working == [] or self.closure_on(site.pk, day):
            return _never
        absences = self.absences.get(clinician.pk, [])

        def test(start_t: time, end_t: time, starts_at: datetime, ends_at: datetime):
            if opening is not None and not _inside(opening, start_t, end_t):
                return False
            if working is not None and not _inside(working, start_t, end_t):
                return False
            return not any(
                a.starts_at < ends_at and starts_at < a.ends_at for a in absences
            )

        return test

    def _broken(
        self, site: Site, clinician, starts_at: datetime, ends_at: datetime
    ) -> Iterator[tuple[str, Callable[[], str]]]:
        """The rules the slot breaks, in order: each rule's code, and how to
        say it in the active language."""
        start = timezone.localtime(starts_at)
        end = timezone.localtime(ends_at)
        day = start.date()
        # A slot crossing midnight fits no interval of one day.
        same_day = end.date() == day
        start_t, end_t = start.time(), end.time()
        on_day = ON_WEEKDAYS[day.weekday()]

        opening = self.open_intervals(site.pk, day)
        if opening is not None:
            if not opening:
                yield (
                    SITE_CLOSED_DAY,
                    lambda: (
                        _("The clinic at %(site)s is closed %(on_day)s.")
                        % {"site": site.name, "on_day": on_day}
                    ),
                )
            elif not (same_day and _inside(opening, start_t, end_t)):
                yield (
                    OUTSIDE_OPENING_HOURS,
                    lambda: (
                        _("The clinic at %(site)s is open %(hours)s %(on_day)s.")
                        % {
                            "site": site.name,
                            "hours": _intervals_text(opening),
                            "on_day": on_day,
                        }
                    ),
                )
        last_day = end.date() if end_t != time.min else end.date() - timedelta(1)
        for closed_day in _days(day, max(day, last_day)):
            closure = self.closure_on(site.pk, closed_day)
            if closure is not None:
                yield CLOSURE, partial(_closure_text, site, closure)
                break

        working = self.working_intervals(clinician.pk, site.pk, day)
        if working is not None:
            if not working:
                yield (
                    NOT_AT_SITE,
                    lambda: (
                        _("%(clinician)s does not work at %(site)s %(on_day)s.")
                        % {
                            "clinician": clinician_label(clinician),
                            "site": site.name,
                            "on_day": on_day,
                        }
                    ),
                )
            elif not (same_day and _inside(working, start_t, end_t)):
                yield (
                    OUTSIDE_WORKING_HOURS,
                    lambda: (
                        _("%(clinician)s works at %(site)s %(hours)s %(on_day)s.")
                        % {
                            "clinician": clinician_label(clinician),
                            "site": site.name,
                            "hours": _intervals_text(working),
                            "on_day": on_day,
                        }
                    ),
                )
        absence = self.absence_during(clinician.pk, starts_at, ends_at)
        if absence is not None:
            yield (
                ABSENCE,
                lambda: (
                    _("%(clinician)s is away (%(kind)s) from %(start)s to %(end)s.")
                    % {
                        "clinician": clinician_label(clinician),
                        "kind": absence.get_kind_display().lower(),
                        "start": _moment_text(absence.starts_at),
                        "end": _moment_text(absence.ends_at),
                    }
                ),
            )


def _never(start_t: time, end_t: time, starts_at: datetime, ends_at: datetime) -> bool:
    return False


def _closure_text(site: Site, closure: Closure) -> str:
    return _(
        "The clinic at %(site)s is closed from %(first)s to %(last)s (%(reason)s)."
    ) % {
        "site": site.name,
        "first": date_format(closure.first_day, "DATE_FORMAT"),
        "last": date_format(closure.last_day, "DATE_FORMAT"),
        "reason": closure.reason,
    }


def _days(first: date, last: date) -> list[date]:
    return [first + timedelta(days=n) for n in range((last - first).days + 1)]


def _ids(objects: Iterable) -> list[int]:
    return [o if isinstance(o, int) else o.pk for o in objects]


# The rules' queries, built and compiled once (core.prepared): the booking
# form and the agendas read them at each request.
_OPENING = PreparedQuery(
    lambda site_ids: OpeningHours.objects.filter(site_id__in=site_ids).order_by(
        "weekday", "opens"
    )
)
_CLOSURES = PreparedQuery(
    lambda site_ids, first_day, last_day: Closure.objects.filter(
        site_id__in=site_ids, first_day__lte=last_day, last_day__gte=first_day
    )
)
_WORKING = PreparedQuery(
    lambda clinician_ids: WorkingHours.objects.filter(
        clinician_id__in=clinician_ids
    ).order_by("weekday", "starts")
)
_ABSENCES = PreparedQuery(
    lambda clinician_ids, window_start, window_end: Absence.objects.filter(
        clinician_id__in=clinician_ids,
        starts_at__lt=window_end,
        ends_at__gt=window_start,
    ).order_by("starts_at")
)


def load_rules(
    *,
    sites: Iterable,
    clinicians: Iterable,
    first_day: date,
    last_day: date,
    working_hours: Iterable[WorkingHours] | None = None,
) -> Rules:
    """Read the opening hours and closures of `sites` and the working hours
    and absences of `clinicians` that matter from `first_day` to `last_day`
    (local days, both included): four queries, whatever the numbers; three
    when given `working_hours`, every row of the clinicians' working hours
    already read (clinician_working_hours)."""
    site_ids = _ids(sites)
    clinician_ids = _ids(clinicians)
    rules = Rules()
    opening: defaultdict[int, list[OpeningHours]] = defaultdict(list)
    closures: defaultdict[int, list[Closure]] = defaultdict(list)
    if site_ids:
        for row in _OPENING(site_ids):
            opening[row.site_id].append(row)
        for closure in _CLOSURES(site_ids, first_day, last_day):
            closures[closure.site_id].append(closure)
    working: defaultdict[int, list[WorkingHours]] = defaultdict(list)
    if working_hours is None:
        working_hours = _WORKING(clinician_ids) if clinician_ids else []
    for hours in working_hours:
        working[hours.clinician_id].append(hours)
    window_start, _end = local_day_bounds(first_day)
    _start, window_end = local_day_bounds(last_day)
    absences: defaultdict[int, list[Absence]] = defaultdict(list)
    if clinician_ids:
        for absence in _ABSENCES(clinician_ids, window_start, window_end):
            absences[absence.clinician_id].append(absence)
    rules.opening, rules.closures = dict(opening), dict(closures)
    rules.working, rules.absences = dict(working), dict(absences)
    return rules


def booking_problems(
    *, site, clinician, starts_at: datetime, ends_at: datetime
) -> list[Problem]:
    """Every availability rule the slot breaks (empty list: bookable):
    the site closed that weekday, outside its opening hours, a closure, the
    clinician not at this site that day or outside their working hours, an
    absence. Does not look at other visits (double booking is
    visits.services')."""
    first = timezone.localdate(starts_at)
    last = max(first, timezone.localdate(ends_at))
    rules = load_rules(
        sites=[site], clinicians=[clinician], first_day=first, last_day=last
    )
    return rules.problems(site, clinician, starts_at, ends_at)


def hours_set(clinician) -> bool:
    """Whether the clinician has any working hours configured."""
    return WorkingHours.objects.filter(clinician=clinician).exists()


def clinician_working_hours(clinician) -> list[WorkingHours]:
    """Every row of the clinician's working hours, in the rules' order."""
    return list(
        WorkingHours.objects.filter(clinician=clinician).order_by("weekday", "starts")
    )


def clinician_site_ids(
    clinician, working_hours: Iterable[WorkingHours] | None = None
) -> list[int]:
    """The sites a clinician works at: those of their working hours (read
    here, or given: clinician_working_hours), else of their site
    memberships; [] if neither is set."""
    if working_hours is not None:
        ids = sorted({hours.site_id for hours in working_hours})
    else:
        ids = sorted(
            set(
                WorkingHours.objects.filter(clinician=clinician).values_list(
                    "site_id", flat=True
                )
            )
        )
    if ids:
        return ids
    return sorted(
        set(
            SiteMembership.objects.filter(
                user=clinician, site__is_active=True
            ).values_list("site_id", flat=True)
        )
    )
