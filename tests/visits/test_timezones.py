"""Clinic time (Europe/Rome) on the agenda, in booking forms and in ICS files."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import NamedTuple

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from core import clock
from tests.conftest import make_patient, make_visit
from tests.helpers import rome
from visits import services as visit_services
from visits.models import FollowUpVisit

pytestmark = pytest.mark.django_db

UTC = UTC


def last_sunday(year: int, month: int) -> date:
    """Return the last Sunday of a month: the EU changes the clocks on it."""
    last = (date(year, month, 28) + timedelta(days=4)).replace(day=1) - timedelta(
        days=1
    )
    return last - timedelta(days=(last.weekday() + 1) % 7)


class Changes(NamedTuple):
    spring: date  # 02:00 CET becomes 03:00 CEST (01:00 UTC)
    autumn: date  # 03:00 CEST becomes 02:00 CET (01:00 UTC)


@pytest.fixture
def next_year() -> Changes:
    """The DST changes of the year after today: ahead of any clock, so bookable."""
    year = timezone.localdate().year + 1
    changes = Changes(last_sunday(year, 3), last_sunday(year, 10))
    for day, hours in ((changes.spring, 23), (changes.autumn, 25)):
        start, end = clock.local_day_bounds(day)
        assert end - start == timedelta(hours=hours), day
    return changes


def utc(day: date, hh: int, mm: int = 0) -> datetime:
    return datetime.combine(day, time(hh, mm), tzinfo=UTC)


def test_settings_are_in_clinic_time():
    assert str(timezone.get_default_timezone()) == "Europe/Rome"


@pytest.mark.parametrize(
    ("day", "utc_hour"),
    [
        (date(2026, 3, 28), 8),  # CET, the day before the spring change
        (date(2026, 3, 29), 7),  # CEST from 02:00 that night
        (date(2026, 10, 24), 7),  # CEST, the day before the autumn change
        (date(2026, 10, 25), 8),  # CET from 03:00 that night
    ],
)
def test_a_nine_oclock_visit_stays_at_nine_across_dst(
    frontdesk_client, patient, clinician, day, utc_hour
):
    visit = make_visit(patient, clinician, starts_at=rome(day, 9))
    assert visit.starts_at.astimezone(UTC).hour == utc_hour

    response = frontdesk_client.get(
        reverse("visits:agenda-day"), {"date": day.isoformat()}
    )
    (column,) = [c for c in response.context["grid"].columns if c.blocks]
    assert [block.visit.pk for block in column.blocks] == [visit.pk]
    assert (
        column.blocks[0].row
        == 2 + (9 * 60 - response.context["grid"].first_minute) // 15
    )
    assert "09:00–09:20" in response.content.decode()

    ics = frontdesk_client.get(reverse("visits:ics", args=[visit.code]))
    body = ics.content.decode()
    assert f"DTSTART:{day:%Y%m%d}T{utc_hour:02d}0000Z\r\n" in body
    assert f"DTEND:{day:%Y%m%d}T{utc_hour:02d}2000Z\r\n" in body


def test_day_boundaries_are_local_midnight(frontdesk_client, patient, clinician):
    # 00:30 in Rome on 10 June is 22:30 UTC on 9 June.
    early = make_visit(patient, clinician, starts_at=rome(date(2026, 6, 10), 0, 30))
    late = make_visit(
        make_patient(last_name="Late"),
        clinician,
        starts_at=rome(date(2026, 6, 10), 23, 30),
    )
    assert early.starts_at.astimezone(UTC).date() == date(2026, 6, 9)
    assert late.starts_at.astimezone(UTC).date() == date(2026, 6, 10)

    def shown(day: str) -> list:
        response = frontdesk_client.get(reverse("visits:agenda-day"), {"date": day})
        return [b.visit.pk for c in response.context["grid"].columns for b in c.blocks]

    assert shown("2026-06-10") == [early.pk, late.pk]
    assert shown("2026-06-09") == []
    assert shown("2026-06-11") == []


def test_week_columns_use_local_days(frontdesk_client, patient, clinician):
    # Monday 8 June 00:30 in Rome is still Sunday in UTC.
    monday = make_visit(patient, clinician, starts_at=rome(date(2026, 6, 8), 0, 30))
    response = frontdesk_client.get(
        reverse("visits:agenda-week"), {"date": "2026-06-10"}
    )
    first_column = response.context["grid"].columns[0]
    assert first_column.day == date(2026, 6, 8)
    assert [block.visit.pk for block in first_column.blocks] == [monday.pk]
    previous = frontdesk_client.get(
        reverse("visits:agenda-week"), {"date": "2026-06-06"}
    )
    assert previous.context["grid"].blocks == []


def test_local_days_are_23_and_25_hours_long_at_the_changes():
    start, end = clock.local_day_bounds(date(2026, 3, 29))
    assert (start, end - start) == (
        datetime(2026, 3, 28, 23, tzinfo=UTC),
        timedelta(hours=23),
    )
    start, end = clock.local_day_bounds(date(2026, 10, 25))
    assert (start, end - start) == (
        datetime(2026, 10, 24, 22, tzinfo=UTC),
        timedelta(hours=25),
    )


# The services refuse a time in the past: the tests that book through them take
# the DST changes of the year after today, whatever the clock says.


def test_the_changes_of_a_known_year_are_found():
    assert last_sunday(2026, 3) == date(2026, 3, 29)
    assert last_sunday(2027, 10) == date(2027, 10, 31)
    assert last_sunday(2028, 10) == date(2028, 10, 29)


@pytest.mark.date_dependent
def test_a_visit_across_the_autumn_change_counts_real_minutes(
    patient, clinician, next_year
):
    day = next_year.autumn
    # 02:30 happens twice that night; the first one is CEST (00:30 UTC).
    make_visit(patient, clinician, starts_at=utc(day, 0, 30), duration_min=60)
    # 01:15 UTC (02:15 CET, after the clocks went back) is inside that hour.
    with pytest.raises(ValidationError):
        visit_services.visit_book(
            patient=make_patient(last_name="Other"),
            clinician=clinician,
            starts_at=utc(day, 1, 15).astimezone(timezone.get_default_timezone()),
            duration_min=20,
            purpose="check",
        )
    # Back-to-back in real time (01:30 UTC) is fine.
    visit = visit_services.visit_book(
        patient=make_patient(last_name="Third"),
        clinician=clinician,
        starts_at=utc(day, 1, 30),
        duration_min=20,
        purpose="check",
    )
    assert visit.pk


@pytest.mark.date_dependent
def test_booking_form_reads_clinic_time(
    frontdesk_client, patient, clinician, next_year
):
    # The day of the spring change: 09:00 CEST is 07:00 UTC.
    url = reverse("visits:create", args=[patient.code])
    data = {
        "purpose": "check",
        "date": next_year.spring.isoformat(),
        "time": "09:00",
        "duration_min": "20",
        "clinician": str(clinician.pk),
        "session": "",
    }
    assert frontdesk_client.post(url, data).status_code == 302
    visit = FollowUpVisit.objects.get()
    assert visit.starts_at == utc(next_year.spring, 7)


@pytest.mark.date_dependent
def test_a_time_skipped_by_the_spring_change_is_refused(
    frontdesk_client, patient, clinician, next_year
):
    url = reverse("visits:create", args=[patient.code])
    data = {
        "purpose": "check",
        "date": next_year.spring.isoformat(),
        "time": "02:30",
        "duration_min": "20",
        "clinician": str(clinician.pk),
        "session": "",
    }
    response = frontdesk_client.post(url, data)
    assert response.status_code == 200
    assert "clocks go forward" in response.context["form"].errors["time"][0]
    assert not FollowUpVisit.objects.exists()


@pytest.mark.date_dependent
def test_conflict_message_shows_clinic_time(patient, clinician, next_year):
    day = next_year.spring + timedelta(days=1)  # the first Monday in summer time
    make_visit(patient, clinician, starts_at=rome(day, 9))
    with pytest.raises(ValidationError) as excinfo:
        visit_services.visit_book(
            patient=make_patient(last_name="Other"),
            clinician=clinician,
            starts_at=rome(day, 9, 10),
            duration_min=20,
            purpose="check",
        )
    assert "09:00–09:20" in " ".join(excinfo.value.messages)


# The ICS file's format (UTC, CRLF, folding, escaping, status) is tested in
# tests/visits/test_ics.py.
