"""retention_report: charts whose last clinical contact is older than the
retention period (SCLERO_RETENTION_YEARS), in a fixed number of queries;
nothing is deleted."""

from __future__ import annotations

import csv
import io
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.management import call_command
from django.utils import timezone

from patients.models import Patient
from records.retention import (
    patients_past_retention,
    retention_cutoff,
    retention_years,
)
from tests.conftest import make_doppler, make_patient, make_session, make_visit
from tests.helpers import rome
from treatments.models import TreatmentSession
from visits.models import VisitStatus

ROME = ZoneInfo("Europe/Rome")

pytestmark = [pytest.mark.django_db]


@pytest.fixture(autouse=True)
def _on_a_fixed_day():
    """The cut-off dates below are written out: the report runs on 2026-11-18
    whatever day the suite's clock starts on (make test-dates)."""
    with time_machine.travel(datetime(2026, 11, 18, 10, tzinfo=ROME), tick=True):
        yield


def _old_patient(day: date, **fields) -> Patient:
    """A patient created (and last changed) on `day`."""
    with time_machine.travel(rome(day, 10), tick=False):
        return make_patient(**fields)


@pytest.fixture
def charts(clinician):
    """Today is 2026-11-18: the period's first day is 2016-11-18."""
    quiet = _old_patient(date(2014, 3, 1), last_name="Quiet")
    session_old = _old_patient(date(2012, 1, 10), last_name="Sessionold")
    make_session(session_old, clinician, performed_at=rome(date(2015, 6, 2), 9))
    doppler_old = _old_patient(date(2012, 1, 10), last_name="Doppold")
    make_doppler(doppler_old, clinician, assessed_on=date(2016, 11, 17))
    # Within the period: by a session, a Doppler on the first day, a visit.
    recent = _old_patient(date(2012, 1, 10), last_name="Recent")
    make_session(recent, clinician, performed_at=rome(date(2020, 5, 5), 9))
    first_day = _old_patient(date(2012, 1, 10), last_name="Firstday")
    make_doppler(first_day, clinician, assessed_on=date(2016, 11, 18))
    booked = _old_patient(date(2012, 1, 10), last_name="Booked")
    make_visit(booked, clinician, starts_at=rome(date(2026, 12, 1), 9))
    # Not contacts: a voided session, a cancelled visit.
    voided = _old_patient(date(2013, 4, 4), last_name="Voided")
    session = make_session(voided, clinician, performed_at=rome(date(2024, 1, 9), 9))
    TreatmentSession.objects.filter(pk=session.pk).update(voided_at=timezone.now())
    cancelled = _old_patient(date(2013, 4, 4), last_name="Cancelled")
    make_visit(
        cancelled,
        clinician,
        starts_at=rome(date(2025, 2, 3), 9),
        status=VisitStatus.CANCELLED,
    )
    new = make_patient(last_name="New")
    return {
        "quiet": quiet,
        "session_old": session_old,
        "doppler_old": doppler_old,
        "recent": recent,
        "first_day": first_day,
        "booked": booked,
        "voided": voided,
        "cancelled": cancelled,
        "new": new,
    }


def test_the_default_period_is_ten_years(settings):
    del settings.SCLERO_RETENTION_YEARS
    assert retention_years() == 10
    assert retention_cutoff(10) == date(2016, 11, 18)


def test_a_29_february_cutoff_falls_back_to_the_28th():
    assert retention_cutoff(1, today=date(2028, 2, 29)) == date(2027, 2, 28)


def test_the_charts_past_the_period_with_their_last_contact(charts):
    found = {
        item.chart_number: item for item in patients_past_retention(date(2016, 11, 18))
    }
    expected = {
        charts["quiet"].chart_number: (date(2014, 3, 1), "record"),
        charts["session_old"].chart_number: (date(2015, 6, 2), "session"),
        charts["doppler_old"].chart_number: (date(2016, 11, 17), "doppler"),
        charts["voided"].chart_number: (date(2013, 4, 4), "record"),
        charts["cancelled"].chart_number: (date(2013, 4, 4), "record"),
    }
    assert {k: (v.last_contact, v.kind) for k, v in found.items()} == expected


def test_the_report_lists_counts_and_deletes_nothing(charts, django_assert_num_queries):
    before = Patient.objects.count()
    out = io.StringIO()
    with django_assert_num_queries(2):
        call_command("retention_report", stdout=out)
    text = out.getvalue()
    assert "Retention period: 10 years; last contact before 2016-11-18" in text
    assert f"{charts['session_old'].chart_number}" in text
    line = next(
        row for row in text.splitlines() if charts["session_old"].chart_number in row
    )
    assert "2015-06-02" in line
    assert "treatment session" in line
    assert charts["recent"].chart_number not in text
    assert charts["booked"].chart_number not in text
    assert charts["first_day"].chart_number not in text
    assert charts["new"].chart_number not in text
    assert "5 of 9 patients past the retention period" in text
    assert "Nothing was deleted." in text
    assert Patient.objects.count() == before


def test_the_query_count_does_not_grow_with_the_charts(
    charts, clinician, django_assert_num_queries
):
    for index in range(5):
        patient = _old_patient(date(2010, 1, 1 + index))
        make_session(patient, clinician, performed_at=rome(date(2011, 1, 1), 9))
        make_visit(patient, clinician, starts_at=rome(date(2011, 2, 1), 9))
    with django_assert_num_queries(2):
        call_command("retention_report", stdout=io.StringIO())


def test_csv_output(charts):
    out = io.StringIO()
    call_command("retention_report", "--csv", stdout=out)
    rows = list(csv.reader(io.StringIO(out.getvalue())))
    assert rows[0] == ["chart_number", "last_contact", "kind", "archived"]
    assert [charts["doppler_old"].chart_number, "2016-11-17", "doppler", "no"] in rows
    assert len(rows) == 6


def test_a_shorter_period_from_the_setting(charts, settings):
    settings.SCLERO_RETENTION_YEARS = 5
    out = io.StringIO()
    call_command("retention_report", stdout=out)
    text = out.getvalue()
    assert "Retention period: 5 years; last contact before 2021-11-18" in text
    assert charts["recent"].chart_number in text  # 2020 session
    assert charts["booked"].chart_number not in text
