"""Free slots and the next free slot: the clinic's rules
(clinics.availability) and the visits already booked.

    free_slots(*, site, day, clinicians, duration_min=None, days=1, rules=None)
            -> dict[int, list[Slot]]
        Free slots of `day` (or of `days` days from it) at `site`, per
        clinician id (every clinician given has a key), stepping by
        site.slot_minutes from the opening times; duration defaults to the
        step. Not in the past, within opening and working hours, not on a
        closure or an absence, not overlapping an active visit of the
        clinician (at any site). Five queries, whatever the number of
        clinicians and days; one when given the Rules already read.

    next_free_slot(*, clinician, duration_min, earliest, site=None, days=90,
                   exclude_visit=None) -> Slot | None
        The first free slot of `duration_min` starting at or after
        `earliest` (never in the past), at `site` or else at any of the
        clinician's sites (working hours, else memberships, else the default
        site), within `days` days. Reads the calendar a fortnight at a time.

    candidate_times(rules, site, clinician_id, day) -> list[time]
        The wall-clock starts offered on `day`: the site's opening intervals,
        else the clinician's working hours there, else DEFAULT_DAY.

Slot and Problem are clinics.availability's.
"""

from __future__ import annotations

from bisect import bisect_left
from collections import defaultdict
from collections.abc import Iterable
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from django.utils import timezone

from clinics.availability import (
    Interval,
    Rules,
    Slot,
    clinician_site_ids,
    clinician_working_hours,
    load_rules,
)
from clinics.models import Site, WorkingHours, default_site_pk
from core.clock import exists_locally, local_datetime, local_day_bounds
from core.prepared import PreparedQuery
from visits.models import ACTIVE_STATUSES, MAX_DURATION_MIN, FollowUpVisit

__all__ = ["Slot", "candidate_times", "free_slots", "next_free_slot"]

# Where slots are offered when neither the site nor the clinician has hours.
DEFAULT_DAY: list[Interval] = [(time(8, 0), time(20, 0))]
# How many days next_free_slot reads per query.
WINDOW_DAYS = 14

Busy = dict[int, list[tuple[datetime, datetime]]]


def candidate_times(rules: Rules, site: Site, clinician_id: int, day: date) -> list:
    """The wall-clock start times worth trying on `day` (see module doc)."""
    intervals = rules.open_intervals(site.pk, day)
    if intervals is None:
        intervals = rules.working_intervals(clinician_id, site.pk, day) or DEFAULT_DAY
    step = site.slot_minutes or 15
    starts: list[time] = []
    for opens, closes in intervals:
        # On the step's grid from midnight, so that slots line up with the agenda.
        minute = opens.hour * 60 + opens.minute
        minute += -minute % step
        end = closes.hour * 60 + closes.minute
        while minute < end:
            starts.append(time(minute // 60, minute % 60))
            minute += step
    return sorted(set(starts))


def _busy_visits(
    clinician_ids: list[int], after: datetime, end: datetime, exclude_pk: int | None
) -> Any:
    visits = FollowUpVisit.objects.filter(
        clinician_id__in=clinician_ids,
        status__in=ACTIVE_STATUSES,
        starts_at__lt=end,
        starts_at__gt=after,
    )
    if exclude_pk is not None:
        visits = visits.exclude(pk=exclude_pk)
    return visits.values_list("clinician_id", "starts_at", "duration_min")


# Built and compiled once (core.prepared): the booking form reads it.
_BUSY = PreparedQuery(_busy_visits)


def _busy(
    clinician_ids: list[int],
    start: datetime,
    end: datetime,
    exclude_pk: int | None = None,
) -> Busy:
    """Active visits of the clinicians overlapping [start, end), one query."""
    if not clinician_ids:
        return {}
    busy: defaultdict[int, list[tuple[datetime, datetime]]] = defaultdict(list)
    for clinician_id, starts_at, minutes in _BUSY(
        clinician_ids, start - timedelta(minutes=MAX_DURATION_MIN), end, exclude_pk
    ):
        busy[clinician_id].append((starts_at, starts_at + timedelta(minutes=minutes)))
    return dict(busy)


def busy_window(
    first: date, last: date, duration_min: int
) -> tuple[datetime, datetime]:
    """[from, until) of the starts of the visits free_slots reads for the
    days first..last: those that may overlap a slot of `duration_min`."""
    return (
        local_day_bounds(first)[0] - timedelta(minutes=MAX_DURATION_MIN),
        local_day_bounds(last)[1] + timedelta(minutes=duration_min),
    )


def busy_of(visits: Iterable) -> Busy:
    """The busy times of visits already read (with clinician_id, starts_at,
    duration_min and status), as _busy reads them: the active ones."""
    busy: defaultdict[int, list[tuple[datetime, datetime]]] = defaultdict(list)
    for visit in visits:
        if visit.status in ACTIVE_STATUSES:
            start = visit.starts_at
            busy[visit.clinician_id].append(
                (start, start + timedelta(minutes=visit.duration_min))
            )
    return dict(busy)


def _day_slots(
    rules: Rules,
    busy: Busy,
    site: Site,
    clinician,
    day: date,
    duration_min: int,
    not_before: datetime,
) -> list[Slot]:
    slots: list[Slot] = []
    taken = sorted(busy.get(clinician.pk, []))
    # Whether [s, e) overlaps a visit: the visits starting before e, and the
    # latest end among them (a week of a busy clinician is a hundred visits,
    # tried against every step of every day).
    starts = [s for s, _e in taken]
    latest_end: list[datetime] = []
    for _s, e in taken:
        latest_end.append(max(e, latest_end[-1]) if latest_end else e)
    midnight, next_midnight = local_day_bounds(day)
    # On a day without a clock change, a wall-clock time is that many real
    # minutes after local midnight; on the two days with one, it is worked
    # out, and a time the spring change skips is no slot.
    plain_day = next_midnight - midnight == timedelta(days=1)
    length = timedelta(minutes=duration_min)
    # On a plain day, the rules of the day are looked up once (day_test).
    test = rules.day_test(site, clinician, day) if plain_day else None
    for at in candidate_times(rules, site, clinician.pk, day):
        if plain_day:
            starts_at = midnight + timedelta(hours=at.hour, minutes=at.minute)
        else:
            local = local_datetime(day, at)
            if not exists_locally(local):
                continue
            starts_at = local.astimezone(UTC)
        if starts_at < not_before:
            continue
        # Real minutes (UTC), also on a DST-change day.
        ends_at = starts_at + length
        before = bisect_left(starts, ends_at)
        if before and latest_end[before - 1] > starts_at:
            continue
        minutes = at.hour * 60 + at.minute + duration_min
        if test is not None and minutes < 24 * 60:
            # Ends the same day: its wall-clock end is the start plus length.
            end_t = time(minutes // 60, minutes % 60)
            if not test(at, end_t, starts_at, ends_at):
                continue
        elif not rules.allows(site, clinician, starts_at, ends_at):
            continue
        slots.append(Slot(clinician.pk, site.pk, starts_at, ends_at, site))
    return slots


def free_slots(
    *,
    site,
    day: date,
    clinicians: list,
    duration_min: int | None = None,
    days: int = 1,
    rules: Rules | None = None,
    busy: Busy | None = None,
) -> dict[int, list[Slot]]:
    """Free slots of `day` at `site`, per clinician id (see module doc); with
    `days`, of that many days from `day` on, in the same five queries. With
    `rules` (clinics.availability.load_rules of the site, these clinicians
    and days, which the agenda grid reads anyway), one query; with `busy`
    too (busy_of the clinicians' visits starting within busy_window, at any
    site), none."""
    duration = duration_min or site.slot_minutes or 15
    clinicians = list(clinicians)
    last = day + timedelta(days=max(days, 1) - 1)
    if rules is None:
        rules = load_rules(
            sites=[site], clinicians=clinicians, first_day=day, last_day=last
        )
    if busy is None:
        # A slot may run past midnight only to be refused; read a little beyond.
        start = local_day_bounds(day)[0]
        end = local_day_bounds(last)[1] + timedelta(minutes=duration)
        busy = _busy([c.pk for c in clinicians], start, end)
    now = timezone.now()
    found: dict[int, list[Slot]] = {c.pk: [] for c in clinicians}
    for n in range(max(days, 1)):
        for c in clinicians:
            found[c.pk] += _day_slots(
                rules, busy, site, c, day + timedelta(days=n), duration, now
            )
    return found


_ACTIVE_SITES = PreparedQuery(lambda ids: Site.objects.active().filter(pk__in=ids))


def _sites_for(clinician, site, working_hours: list[WorkingHours]) -> list[Site]:
    if site is not None:
        return [site]
    ids = clinician_site_ids(clinician, working_hours)
    sites = _ACTIVE_SITES(ids) if ids else []
    return sites or [Site.objects.get(pk=default_site_pk())]


def next_free_slot(
    *,
    clinician,
    duration_min: int,
    earliest: datetime,
    site=None,
    days: int = 90,
    exclude_visit=None,
    working_hours: list[WorkingHours] | None = None,
) -> Slot | None:
    """The first free slot at or after `earliest` (see module doc);
    `working_hours` are the clinician's (clinician_working_hours), if the
    caller read them already."""
    now = timezone.now()
    not_before = max(earliest, now)
    # The clinician's working hours, read once: the sites, and every
    # fortnight's rules.
    hours = (
        clinician_working_hours(clinician) if working_hours is None else working_hours
    )
    sites = _sites_for(clinician, site, hours)
    first_day = timezone.localdate(not_before)
    last_day = first_day + timedelta(days=days - 1)
    exclude_pk = getattr(exclude_visit, "pk", None)
    chunk_first = first_day
    while chunk_first <= last_day:
        chunk_last = min(chunk_first + timedelta(days=WINDOW_DAYS - 1), last_day)
        rules = load_rules(
            sites=sites,
            clinicians=[clinician],
            first_day=chunk_first,
            last_day=chunk_last,
            working_hours=hours,
        )
        start, _end = local_day_bounds(chunk_first)
        _start, end = local_day_bounds(chunk_last)
        busy = _busy(
            [clinician.pk], start, end + timedelta(minutes=duration_min), exclude_pk
        )
        day = chunk_first
        while day <= chunk_last:
            found = [
                slot
                for s in sites
                for slot in _day_slots(
                    rules, busy, s, clinician, day, duration_min, not_before
                )[:1]
            ]
            if found:
                return min(found, key=lambda slot: slot.starts_at)
            day += timedelta(days=1)
        chunk_first = chunk_last + timedelta(days=1)
    return None
