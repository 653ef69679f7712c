"""Availability rules (opening hours, closures, working hours, absences),
free slots and the next free slot."""

from __future__ import annotations

from datetime import date, time, timedelta

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from clinics import availability
from clinics.models import (
    Absence,
    AbsenceKind,
    Closure,
    OpeningHours,
    Site,
    SiteMembership,
    WorkingHours,
)
from core.roles import CLINICIAN
from tests.conftest import make_patient, make_user, make_visit
from tests.helpers import in_days, next_weekday, rome
from visits import availability as visit_availability
from visits.models import VisitStatus

pytestmark = [pytest.mark.django_db, pytest.mark.date_dependent]


@pytest.fixture
def site(db):
    return Site.objects.create(name="Milano", slot_minutes=15)


def open_site(site, weekdays=range(7), spans=((8, 13), (14, 19))):
    for weekday in weekdays:
        for opens, closes in spans:
            OpeningHours.objects.create(
                site=site, weekday=weekday, opens=time(opens), closes=time(closes)
            )


def codes(site, clinician, starts_at, minutes=30):
    problems = availability.booking_problems(
        site=site,
        clinician=clinician,
        starts_at=starts_at,
        ends_at=starts_at + timedelta(minutes=minutes),
    )
    return [p.code for p in problems], " ".join(p.message for p in problems)


def test_no_hours_anywhere_means_any_time(site, clinician):
    day = next_weekday(6)
    assert codes(site, clinician, rome(day, 3))[0] == []
    assert not availability.hours_set(clinician)


def test_sunday_at_a_site_open_on_sundays(site, clinician):
    open_site(site, weekdays=[6])
    assert codes(site, clinician, rome(next_weekday(6), 10))[0] == []


def test_closed_weekday_named(site, clinician):
    open_site(site, weekdays=range(6))
    found, text = codes(site, clinician, rome(next_weekday(6), 10))
    assert found == [availability.SITE_CLOSED_DAY]
    assert "Milano" in text and "closed on Sundays" in text


def test_outside_opening_hours_names_the_hours(site, clinician):
    open_site(site, weekdays=[0])
    monday = next_weekday(0)
    for hh, mm in [(7, 45), (12, 45), (13, 0), (18, 45), (3, 0)]:
        found, text = codes(site, clinician, rome(monday, hh, mm))
        assert found == [availability.OUTSIDE_OPENING_HOURS], (hh, mm)
        assert "08:00–13:00, 14:00–19:00 on Mondays" in text
    # Wholly inside one interval, touching its ends.
    assert codes(site, clinician, rome(monday, 8))[0] == []
    assert codes(site, clinician, rome(monday, 12, 30))[0] == []
    assert codes(site, clinician, rome(monday, 18, 30))[0] == []


def test_crossing_midnight_is_outside_hours(site, clinician):
    OpeningHours.objects.create(
        site=site, weekday=0, opens=time(20), closes=time(23, 59)
    )
    OpeningHours.objects.create(site=site, weekday=1, opens=time(0), closes=time(8))
    found, _text = codes(site, clinician, rome(next_weekday(0), 23, 45))
    assert found == [availability.OUTSIDE_OPENING_HOURS]


def test_closure(site, clinician):
    open_site(site)
    day = in_days(10)
    Closure.objects.create(
        site=site, first_day=day - timedelta(1), last_day=day, reason="Ferragosto"
    )
    found, text = codes(site, clinician, rome(day, 10))
    assert found == [availability.CLOSURE]
    assert "Ferragosto" in text
    assert codes(site, clinician, rome(day + timedelta(1), 10))[0] == []
    # Another site's closure does not count.
    assert codes(Site.objects.create(name="Como"), clinician, rome(day, 10))[0] == []


def test_working_hours_and_not_at_site(site, clinician):
    other = Site.objects.create(name="Como")
    monday, tuesday = next_weekday(0), next_weekday(1)
    WorkingHours.objects.create(
        clinician=clinician, site=site, weekday=0, starts=time(9), ends=time(13)
    )
    WorkingHours.objects.create(
        clinician=clinician, site=other, weekday=1, starts=time(9), ends=time(13)
    )
    assert availability.hours_set(clinician)
    assert codes(site, clinician, rome(monday, 9))[0] == []
    found, text = codes(site, clinician, rome(monday, 12, 45))
    assert found == [availability.OUTSIDE_WORKING_HOURS]
    assert "works at Milano 09:00–13:00 on Mondays" in text
    found, text = codes(site, clinician, rome(tuesday, 10))
    assert found == [availability.NOT_AT_SITE]
    assert "does not work at Milano on Tuesdays" in text
    assert codes(other, clinician, rome(tuesday, 10))[0] == []


def test_absence_names_kind(site, clinician):
    day = in_days(5)
    Absence.objects.create(
        clinician=clinician,
        starts_at=rome(day, 0),
        ends_at=rome(day + timedelta(2), 0),
        kind=AbsenceKind.CONGRESS,
    )
    found, text = codes(site, clinician, rome(day, 10))
    assert found == [availability.ABSENCE]
    assert "is away (congress)" in text
    assert "Dr " in text
    # Ending exactly when the absence starts is fine.
    assert codes(site, clinician, rome(day, 0) - timedelta(minutes=30))[0] == []


def test_several_problems_together(site, clinician):
    open_site(site, weekdays=range(6))
    sunday = next_weekday(6)
    WorkingHours.objects.create(
        clinician=clinician, site=site, weekday=0, starts=time(9), ends=time(13)
    )
    Absence.objects.create(
        clinician=clinician,
        starts_at=rome(sunday, 0),
        ends_at=rome(sunday, 23),
        kind=AbsenceKind.LEAVE,
    )
    found, _text = codes(site, clinician, rome(sunday, 10))
    assert found == [
        availability.SITE_CLOSED_DAY,
        availability.NOT_AT_SITE,
        availability.ABSENCE,
    ]


@pytest.mark.parametrize("day_text", ["2027-03-28", "2027-10-31"])
def test_dst_days_real_minutes(site, clinician, day_text):
    day = date.fromisoformat(day_text)
    open_site(site, weekdays=[6], spans=((8, 13),))
    with time_machine.travel(rome(day - timedelta(days=20), 9), tick=False):
        # 12:30 + 30 real minutes ends at 13:00 local: inside.
        assert codes(site, clinician, rome(day, 12, 30))[0] == []
        assert codes(site, clinician, rome(day, 12, 45))[0] == [
            availability.OUTSIDE_OPENING_HOURS
        ]
        # Early morning across the clock change: 01:30 + 90 real minutes.
        found, _text = codes(site, clinician, rome(day, 1, 30), minutes=90)
        assert found == [availability.OUTSIDE_OPENING_HOURS]
        slots = visit_availability.free_slots(
            site=site, day=day, clinicians=[clinician], duration_min=30
        )[clinician.pk]
        assert len(slots) == 19  # 08:00 .. 12:30 every 15 minutes
        assert all(s.ends_at - s.starts_at == timedelta(minutes=30) for s in slots)
        assert timezone.localtime(slots[-1].ends_at).time() == time(13)


# --- free slots ------------------------------------------------------------------


def local_times(slots):
    return [f"{timezone.localtime(s.starts_at):%H:%M}" for s in slots]


def test_free_slots_exclude_visits_and_absences(site, clinician, colleague):
    day = next_weekday(2, after=3)
    open_site(site, weekdays=[day.weekday()], spans=((9, 11),))
    patient = make_patient()
    make_visit(patient, clinician, starts_at=rome(day, 9, 15), duration_min=20)
    make_visit(
        make_patient(last_name="Other"),
        clinician,
        starts_at=rome(day, 10, 30),
        duration_min=15,
        status=VisitStatus.CANCELLED,
        status_reason="patient",
    )
    Absence.objects.create(
        clinician=colleague, starts_at=rome(day, 10), ends_at=rome(day, 12)
    )
    result = visit_availability.free_slots(
        site=site, day=day, clinicians=[clinician, colleague]
    )
    # 09:15–09:35 busy: 09:15 and 09:30 taken; a cancelled visit frees its slot.
    assert local_times(result[clinician.pk]) == [
        "09:00",
        "09:45",
        "10:00",
        "10:15",
        "10:30",
        "10:45",
    ]
    assert local_times(result[colleague.pk]) == ["09:00", "09:15", "09:30", "09:45"]
    longer = visit_availability.free_slots(
        site=site, day=day, clinicians=[clinician], duration_min=45
    )[clinician.pk]
    assert local_times(longer) == ["09:45", "10:00", "10:15"]


def test_free_slots_follow_working_hours_and_closures(site, clinician):
    day = next_weekday(3, after=3)
    open_site(site, weekdays=[day.weekday()], spans=((8, 19),))
    WorkingHours.objects.create(
        clinician=clinician,
        site=site,
        weekday=day.weekday(),
        starts=time(15),
        ends=time(16),
    )
    slots = visit_availability.free_slots(site=site, day=day, clinicians=[clinician])
    assert local_times(slots[clinician.pk]) == ["15:00", "15:15", "15:30", "15:45"]
    Closure.objects.create(site=site, first_day=day, last_day=day, reason="Works")
    slots = visit_availability.free_slots(site=site, day=day, clinicians=[clinician])
    assert slots[clinician.pk] == []


def test_free_slots_never_in_the_past(site, clinician):
    today = timezone.localdate()
    slots = visit_availability.free_slots(site=site, day=today, clinicians=[clinician])
    now = timezone.now()
    assert all(s.starts_at >= now for s in slots[clinician.pk])
    past = visit_availability.free_slots(
        site=site, day=today - timedelta(1), clinicians=[clinician]
    )
    assert past[clinician.pk] == []


def test_free_slots_fixed_queries(site, clinician):
    day = next_weekday(1, after=3)
    open_site(site, weekdays=[day.weekday()])

    def count(clinicians):
        for user in clinicians:
            WorkingHours.objects.create(
                clinician=user,
                site=site,
                weekday=day.weekday(),
                starts=time(9),
                ends=time(17),
            )
            Absence.objects.create(
                clinician=user, starts_at=rome(day, 12), ends_at=rome(day, 13)
            )
            make_visit(make_patient(), user, starts_at=rome(day, 10))
        with CaptureQueriesContext(connection) as queries:
            result = visit_availability.free_slots(
                site=site, day=day, clinicians=clinicians
            )
        assert all(result[u.pk] for u in clinicians)
        return len(queries)

    one = count([clinician])
    more = [make_user(f"doc{n}", CLINICIAN) for n in range(5)]
    assert count(more) == one


# --- next free slot --------------------------------------------------------------


def test_next_free_slot_skips_closures_and_full_days(site, clinician):
    first = in_days(3)
    open_site(site, spans=((9, 10),))
    Closure.objects.create(site=site, first_day=first, last_day=first, reason="X")
    second = first + timedelta(1)
    # The next day is full: four 15-minute visits from 09:00.
    for n in range(4):
        make_visit(
            make_patient(last_name=f"P{n}"),
            clinician,
            starts_at=rome(second, 9, 15 * n),
            duration_min=15,
        )
    slot = visit_availability.next_free_slot(
        clinician=clinician,
        duration_min=15,
        earliest=rome(first, 0),
        site=site,
    )
    assert slot is not None
    assert timezone.localtime(slot.starts_at) == rome(second + timedelta(1), 9)
    assert slot.site_id == site.pk and slot.clinician_id == clinician.pk


def test_next_free_slot_not_in_the_past_and_fits(site, clinician):
    open_site(site, spans=((9, 10),))
    slot = visit_availability.next_free_slot(
        clinician=clinician,
        duration_min=60,
        earliest=timezone.now() - timedelta(days=30),
        site=site,
    )
    assert slot is not None and slot.starts_at >= timezone.now()
    assert timezone.localtime(slot.starts_at).time() == time(9)
    assert slot.ends_at - slot.starts_at == timedelta(hours=1)
    # Longer than any opening: none within the window.
    assert (
        visit_availability.next_free_slot(
            clinician=clinician,
            duration_min=90,
            earliest=timezone.now(),
            site=site,
            days=20,
        )
        is None
    )


def test_next_free_slot_any_of_the_clinicians_sites(site, clinician):
    other = Site.objects.create(name="Como")
    thursday = next_weekday(3, after=2)
    WorkingHours.objects.create(
        clinician=clinician, site=other, weekday=3, starts=time(14), ends=time(15)
    )
    slot = visit_availability.next_free_slot(
        clinician=clinician, duration_min=30, earliest=rome(thursday, 0)
    )
    assert slot is not None
    assert slot.site_id == other.pk
    assert timezone.localtime(slot.starts_at) == rome(thursday, 14)


def test_next_free_slot_membership_site_without_hours(site, clinician):
    other = Site.objects.create(name="Como")
    SiteMembership.objects.create(user=clinician, site=other)
    start = rome(in_days(2), 0)
    slot = visit_availability.next_free_slot(
        clinician=clinician, duration_min=30, earliest=start
    )
    assert slot is not None and slot.site_id == other.pk
    # Neither site nor clinician has hours: the default day.
    assert timezone.localtime(slot.starts_at) == rome(in_days(2), 8)


def test_next_free_slot_reads_windows_not_slots(site, clinician):
    open_site(site, spans=((9, 10),))
    with CaptureQueriesContext(connection) as queries:
        slot = visit_availability.next_free_slot(
            clinician=clinician,
            duration_min=90,
            earliest=timezone.now(),
            site=site,
            days=90,
        )
    assert slot is None
    # Five queries per fortnight read, seven fortnights.
    assert len(queries) <= 5 * 7


def test_allows_agrees_with_problems_at_every_step(site, clinician, colleague):
    """Rules.allows (the free slots' quick answer) says yes exactly where
    problems() finds none: over two days of steps, several durations, with
    opening hours, working hours, a closure and an absence."""
    open_site(site, weekdays=range(6))
    monday = next_weekday(0, after=3)
    WorkingHours.objects.create(
        clinician=clinician, site=site, weekday=0, starts=time(9), ends=time(12)
    )
    Closure.objects.create(
        site=site,
        first_day=monday + timedelta(days=1),
        last_day=monday + timedelta(days=1),
        reason="Inventory",
    )
    Absence.objects.create(
        clinician=colleague, starts_at=rome(monday, 10), ends_at=rome(monday, 11)
    )
    rules = availability.load_rules(
        sites=[site],
        clinicians=[clinician, colleague],
        first_day=monday,
        last_day=monday + timedelta(days=1),
    )
    seen = set()
    for day in (monday, monday + timedelta(days=1)):
        for minute in range(0, 24 * 60, 15):
            start = rome(day, minute // 60, minute % 60)
            for length in (15, 45, 120):
                end = start + timedelta(minutes=length)
                for who in (clinician, colleague):
                    found = rules.problems(site, who, start, end)
                    assert rules.allows(site, who, start, end) == (not found)
                    seen.update(p.code for p in found)
                    assert all(p.message for p in found)
                    # The day's test (slots ending the same day) agrees too.
                    if minute + length < 24 * 60:
                        test = rules.day_test(site, who, day)
                        local_end = timezone.localtime(end).time()
                        local_start = timezone.localtime(start).time()
                        assert test(local_start, local_end, start, end) == (
                            not found
                        ), (day, minute, length, who)
    assert seen >= {
        availability.OUTSIDE_OPENING_HOURS,
        availability.CLOSURE,
        availability.OUTSIDE_WORKING_HOURS,
        availability.NOT_AT_SITE,
        availability.ABSENCE,
    }


def test_free_slots_step_around_nested_visits(site, clinician):
    """A long visit holding a short one inside it keeps every step it covers
    busy, after the short one ends too."""
    day = next_weekday(2, after=3)
    open_site(site, weekdays=[day.weekday()], spans=((9, 12),))
    make_visit(make_patient(), clinician, starts_at=rome(day, 9), duration_min=120)
    make_visit(
        make_patient(last_name="Inside"),
        clinician,
        starts_at=rome(day, 9, 15),
        duration_min=15,
    )
    slots = visit_availability.free_slots(site=site, day=day, clinicians=[clinician])
    assert local_times(slots[clinician.pk]) == ["11:00", "11:15", "11:30", "11:45"]
