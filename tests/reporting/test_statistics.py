"""Outcome statistics: the figures on a hand-made data set, roles, bad input, cost."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from reporting import selectors as statistics
from reporting.period import Period, Share, default_period
from tests.conftest import make_injection, make_patient, make_session, make_visit
from tests.helpers import rome
from treatments.choices import Form, Gas
from visits.models import VisitPlan, VisitStatus

pytestmark = pytest.mark.django_db

UTC = UTC
URL = reverse("reporting:statistics")
FIRST, LAST = date(2026, 1, 1), date(2026, 3, 31)
RANGE = {"from": FIRST.isoformat(), "to": LAST.isoformat()}


def foam(session, **overrides):
    return make_injection(
        session, form=Form.FOAM, gas=Gas.AIR, gas_parts=Decimal("4"), **overrides
    )


@pytest.fixture
def sessions(clinician, colleague):
    """Sessions around the first quarter of 2026, in clinic time (Europe/Rome)."""
    anna, bruno, carla = (make_patient(last_name=n) for n in ("Anna", "Bruno", "Carla"))
    # January: 3 active injections (1 foam, 2 liquid) and one voided.
    a = make_session(anna, clinician, performed_at=rome(date(2026, 1, 10), 10))
    make_injection(a)
    make_injection(a)
    foam(a)
    make_injection(a, voided_at=timezone.now())
    # 00:30 on 1 January in Rome is still 31 December in UTC: inside, January.
    e = make_session(bruno, clinician, performed_at=rome(date(2026, 1, 1), 0, 30))
    # 23:30 on 31 December in Rome: outside.
    make_injection(
        make_session(bruno, clinician, performed_at=rome(date(2025, 12, 31), 23, 30))
    )
    # February: the colleague's session, over a limit with a reason.
    b = make_session(
        carla,
        colleague,
        performed_at=rome(date(2026, 2, 5), 9),
        limit_override_reason="Large trunk, discussed with the patient.",
        limit_override_by=colleague,
    )
    foam(b)
    # A voided session, over a limit too, with injections: counts nowhere.
    voided = make_session(
        carla,
        clinician,
        performed_at=rome(date(2026, 2, 6), 9),
        voided_at=timezone.now(),
        void_reason="Wrong patient",
        limit_override_reason="Voided override",
        limit_override_by=clinician,
    )
    make_injection(voided)
    foam(voided)
    # 00:30 on 1 April in Rome is still 31 March in UTC: outside.
    make_injection(
        make_session(anna, clinician, performed_at=rome(date(2026, 4, 1), 0, 30))
    )
    return {"a": a, "b": b, "e": e, "voided": voided, "patients": (anna, bruno, carla)}


def completed(patient, clinician, day, hh=11, mm=0, **outcome):
    return make_visit(
        patient,
        clinician,
        starts_at=rome(day, hh, mm),
        status=VisitStatus.COMPLETED,
        completed_at=rome(day, hh, mm),
        **outcome,
    )


@pytest.fixture
def visits(patient, clinician, colleague):
    day = date(2026, 2, 10)
    completed(
        patient,
        clinician,
        day,
        clearance_pct=40,
        satisfaction=5,
        plan=VisitPlan.ANOTHER_SESSION,
        adverse_events=["bruising", "pigmentation"],
    )
    completed(
        patient,
        clinician,
        day,
        clearance_pct=70,
        satisfaction=4,
        plan=VisitPlan.ANOTHER_SESSION,
        adverse_events=["bruising"],
    )
    completed(
        patient,
        clinician,
        day,
        clearance_pct=100,
        satisfaction=4,
        plan=VisitPlan.COMPLETE,
        adverse_events=["bruising", "bruising"],
    )
    completed(patient, colleague, day, clearance_pct=80, adverse_events=[])
    completed(patient, clinician, day)  # outcome not recorded
    for status in (
        VisitStatus.NO_SHOW,
        VisitStatus.NO_SHOW,
        VisitStatus.ARRIVED,
        VisitStatus.CANCELLED,
        VisitStatus.SCHEDULED,
    ):
        make_visit(patient, clinician, starts_at=rome(day, 15), status=status)
    # 23:30 on 31 March in Rome is inside; 00:10 on 1 April in Rome is outside,
    # although it is still 31 March in UTC (22:10).
    completed(
        patient,
        clinician,
        date(2026, 3, 31),
        23,
        30,
        clearance_pct=0,
        adverse_events=["necrosis"],
    )
    make_visit(
        patient,
        clinician,
        starts_at=rome(date(2026, 4, 1), 0, 10),
        status=VisitStatus.COMPLETED,
        clearance_pct=0,
        adverse_events=["dvt"],
    )
    make_visit(
        patient,
        clinician,
        starts_at=rome(date(2025, 12, 31), 23, 50),
        status=VisitStatus.NO_SHOW,
    )


# --- the period ---------------------------------------------------------------


def test_default_period_is_this_month_and_the_eleven_before():
    period = default_period(date(2026, 11, 25))
    assert (period.first, period.last) == (date(2025, 12, 1), date(2026, 11, 25))
    assert len(period.months()) == 12
    assert period.months()[0] == date(2025, 12, 1)
    assert period.months()[-1] == date(2026, 11, 1)


def test_period_bounds_are_local_midnights():
    start, end = Period(date(2026, 1, 1), date(2026, 3, 31)).bounds()
    assert start == rome(date(2026, 1, 1), 0)
    assert end == rome(date(2026, 4, 1), 0)
    # CET in January, CEST by April: UTC 23:00 and 22:00 the day before.
    assert (start.astimezone(UTC).hour, end.astimezone(UTC).hour) == (23, 22)


@pytest.mark.parametrize(
    ("count", "total", "text"),
    [
        (3, 25, "12 % (3 of 25)"),
        (2, 7, "29 % (2 of 7)"),
        (1, 8, "13 % (1 of 8)"),
        (0, 4, "0 % (0 of 4)"),
        (0, 0, "– (0 of 0)"),
    ],
)
def test_share_shows_the_counts_it_comes_from(count, total, text):
    assert str(Share(count, total)) == text


# --- sessions -----------------------------------------------------------------


def test_sessions_per_month_skip_voided_and_respect_clinic_time(sessions):
    rows = statistics.sessions_by_month(Period(FIRST, LAST))
    assert [r.month for r in rows] == [date(2026, m, 1) for m in (1, 2, 3)]
    january, february, march = rows
    assert (january.sessions, january.injections) == (2, 3)
    assert (january.foam, january.liquid) == (1, 2)
    assert january.overrides == 0
    assert (february.sessions, february.injections) == (1, 1)
    assert (february.foam, february.liquid) == (1, 0)
    assert february.overrides == 1
    assert (march.sessions, march.injections) == (0, 0)
    assert [r.bar_pct for r in rows] == [100, 50, 0]
    assert str(february.foam_share) == "100 % (1 of 1)"


def test_session_summary(sessions):
    summary = statistics.session_summary(Period(FIRST, LAST))
    assert summary.sessions == 3
    assert summary.patients == 3
    assert (summary.injections, summary.foam, summary.liquid) == (4, 2, 2)
    assert str(summary.foam_share) == "50 % (2 of 4)"
    assert str(summary.override_share) == "33 % (1 of 3)"


def test_clinician_filter(sessions, colleague, clinician):
    mine = statistics.session_summary(Period(FIRST, LAST, colleague))
    assert (mine.sessions, mine.injections, mine.overrides) == (1, 1, 1)
    theirs = statistics.session_summary(Period(FIRST, LAST, clinician))
    assert (theirs.sessions, theirs.injections, theirs.overrides) == (2, 3, 0)


def test_override_sessions_list_only_active_ones_in_the_period(sessions):
    assert list(statistics.override_sessions(Period(FIRST, LAST))) == [sessions["b"]]


def test_patients_without_follow_up(clinician, colleague):
    period = Period(FIRST, LAST)
    followed, cancelled, never, before = (
        make_patient(last_name=n) for n in ("Followed", "Cancelled", "Never", "Before")
    )
    for p in (followed, cancelled, never, before):
        make_session(p, clinician, performed_at=rome(date(2026, 2, 1), 10))
    # A visit after the range still counts as follow-up.
    make_visit(followed, colleague, starts_at=rome(date(2026, 5, 1), 9))
    make_visit(
        cancelled,
        clinician,
        starts_at=rome(date(2026, 2, 15), 9),
        status=VisitStatus.CANCELLED,
    )
    make_visit(
        before,
        clinician,
        starts_at=rome(date(2026, 1, 15), 9),
        status=VisitStatus.COMPLETED,
    )
    assert statistics.patients_without_follow_up(period) == 3
    stats = statistics.clinic_statistics(period)
    assert str(stats.without_follow_up) == "75 % (3 of 4)"
    # A later session with nothing booked after it: no longer followed up.
    make_session(followed, clinician, performed_at=rome(date(2026, 5, 2), 10))
    assert statistics.patients_without_follow_up(Period(FIRST, date(2026, 5, 31))) == 4


# --- visits -------------------------------------------------------------------


def test_visits_by_status_and_no_show_rate(visits):
    summary = statistics.visit_summary(Period(FIRST, LAST))
    assert summary.by_status == {
        "scheduled": 1,
        "arrived": 1,
        "completed": 6,
        "cancelled": 1,
        "no_show": 2,
    }
    assert summary.total == 11
    # no-show / (completed + no-show + arrived) = 2 / (6 + 2 + 1)
    assert str(summary.no_show_rate) == "22 % (2 of 9)"
    assert str(summary.cancellation_rate) == "9 % (1 of 11)"


def test_clearance_mean_and_median(visits):
    summary = statistics.visit_summary(Period(FIRST, LAST))
    # 0 (31 March, 23:30), 40, 70, 80, 100; one completed visit has none.
    assert summary.clearance_recorded == 5
    assert summary.clearance_mean == Decimal("58.0")
    assert summary.clearance_median == Decimal("70.0")


def test_clearance_median_of_an_even_count(visits):
    summary = statistics.visit_summary(Period(FIRST, date(2026, 3, 30)))
    assert summary.clearance_recorded == 4  # 40, 70, 80, 100
    assert summary.clearance_mean == Decimal("72.5")
    assert summary.clearance_median == Decimal("75.0")


def test_satisfaction_and_plans(visits):
    summary = statistics.visit_summary(Period(FIRST, LAST))
    assert summary.satisfaction == {1: 0, 2: 0, 3: 0, 4: 2, 5: 1}
    assert summary.satisfaction_mean == Decimal("4.3")
    assert [str(b.share) for b in summary.satisfaction_bars()][3:] == [
        "67 % (2 of 3)",
        "33 % (1 of 3)",
    ]
    plans = {b.label: str(b.share) for b in summary.plan_bars()}
    assert plans["Another session"] == "33 % (2 of 6)"
    assert plans["Course complete"] == "17 % (1 of 6)"
    assert plans["Not recorded"] == "50 % (3 of 6)"


def test_adverse_events_per_code(visits):
    result = statistics.adverse_events(Period(FIRST, LAST))
    counts = {row.code: row.share.count for row in result.rows}
    assert result.completed == 6
    assert counts["bruising"] == 3  # listed twice on one visit: counted once
    assert counts["pigmentation"] == 1
    assert counts["necrosis"] == 1  # 23:30 on 31 March in clinic time: inside
    assert counts["dvt"] == 0  # 00:10 on 1 April in clinic time: outside
    assert counts["matting"] == 0
    assert str(result.any_share) == "67 % (4 of 6)"
    assert {row.code for row in result.rows if row.serious} >= {"dvt", "necrosis"}


def test_adverse_events_keep_unknown_codes(patient, clinician):
    completed(patient, clinician, date(2026, 2, 1), adverse_events=["retired_code", 7])
    result = statistics.adverse_events(Period(FIRST, LAST))
    assert [(r.code, r.share.count) for r in result.rows if r.share.count] == [
        ("retired_code", 1)
    ]


# --- the pages ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "status"),
    [("manager", 200), ("clinician", 200), ("frontdesk", 403), ("outsider", 403)],
)
@pytest.mark.parametrize(
    "name", ["reporting:statistics", "reporting:overrides", "reporting:export"]
)
def test_role_matrix(request, role, status, name):
    client = request.getfixturevalue(f"{role}_client")
    assert client.get(reverse(name)).status_code == status


def test_anonymous_goes_to_login(client):
    response = client.get(URL)
    assert response.status_code == 302
    assert "/login/" in response["Location"]


def test_page_shows_the_figures(manager_client, sessions, visits):
    response = manager_client.get(URL, RANGE)
    assert response.status_code == 200
    stats = response.context["stats"]
    assert stats.sessions.sessions == 3
    body = response.content.decode()
    assert "22 %" in body and "2 of 9 visits completed, arrived or missed" in body
    assert "50 % (2 of 4)" in body  # foam share
    assert "33 % (1 of 3)" in body  # sessions over a limit
    assert reverse("reporting:overrides") in body
    assert f'href="{URL}"' in body  # the nav link
    assert "Nothing to count" not in body


def test_clinician_filter_on_the_page(manager_client, sessions, colleague):
    response = manager_client.get(URL, {**RANGE, "clinician": colleague.pk})
    assert response.context["period"].clinician == colleague
    assert response.context["stats"].sessions.sessions == 1
    assert "Dr Colleague" in response.content.decode()


@pytest.mark.date_dependent  # the default period ends today
def test_empty_state(clinician_client):
    response = clinician_client.get(URL)
    assert response.status_code == 200
    assert response.context["stats"].is_empty
    assert "Nothing to count in this period" in response.content.decode()


def test_frontdesk_sees_no_nav_link(frontdesk_client):
    body = frontdesk_client.get(reverse("visits:agenda-day")).content.decode()
    assert URL not in body


@pytest.mark.date_dependent  # the default period ends today
@pytest.mark.parametrize(
    "params",
    [
        {"from": "2026-02-30"},
        {"from": "yesterday", "to": "2026-01-01"},
        {"from": "2026-03-01", "to": "2026-01-01"},
        {"from": "1900-01-01", "to": "2026-01-01"},
        {"from": "9999-12-31", "to": "9999-12-31"},
        {"to": "0001-01-01"},
        {"from": "2000-01-01"},  # more than ten years up to today
        {"from": "<script>", "to": "x" * 300},
    ],
)
def test_bad_dates_give_a_message_and_the_default_period(manager_client, params):
    response = manager_client.get(URL, params)
    assert response.status_code == 200
    form = response.context["form"]
    assert form.errors
    default = default_period()
    period = response.context["period"]
    assert (period.first, period.last) == (default.first, default.last)
    body = response.content.decode()
    assert "invalid-feedback" in body
    assert "The dates could not be used" in body


@pytest.mark.parametrize("value", ["abc", "-1", "99999", "1e999", "NaN", "１２", "0"])
def test_bad_clinician_falls_back_to_all(manager_client, value):
    response = manager_client.get(URL, {**RANGE, "clinician": value})
    assert response.status_code == 200
    assert "clinician" in response.context["form"].errors
    period = response.context["period"]
    assert period.clinician is None
    assert (period.first, period.last) == (FIRST, LAST)  # the good dates are kept
    assert "The clinician could not be used" in response.content.decode()


def test_former_clinician_can_still_be_chosen(manager_client, sessions, colleague):
    colleague.groups.clear()
    response = manager_client.get(URL, {**RANGE, "clinician": colleague.pk})
    assert not response.context["form"].errors
    assert response.context["stats"].sessions.sessions == 1


@pytest.mark.date_dependent
def test_only_a_start_date(manager_client):
    response = manager_client.get(URL, {"from": "2026-01-01"})
    period = response.context["period"]
    assert not response.context["form"].errors
    assert period.first == date(2026, 1, 1)
    assert period.last == max(timezone.localdate(), period.first)


def test_overrides_page_lists_active_sessions_over_a_limit(clinician_client, sessions):
    response = clinician_client.get(reverse("reporting:overrides"), RANGE)
    assert response.status_code == 200
    assert list(response.context["page_obj"]) == [sessions["b"]]
    body = response.content.decode()
    assert "Large trunk, discussed with the patient." in body
    assert "Voided override" not in body
    assert sessions["b"].get_absolute_url() in body


def test_csv_export_of_the_months(manager_client, sessions):
    response = manager_client.get(reverse("reporting:export"), RANGE)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert "statistics-2026-01-01-2026-03-31.csv" in response["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0][0] == "Month"
    assert rows[1:] == [
        ["2026-01", "2", "3", "1", "2", "33", "0"],
        ["2026-02", "1", "1", "1", "0", "100", "1"],
        ["2026-03", "0", "0", "0", "0", "", "0"],
    ]


@pytest.mark.date_dependent  # the default period ends today
def test_csv_export_with_bad_params_uses_defaults(manager_client):
    response = manager_client.get(
        reverse("reporting:export"), {"from": "nonsense", "clinician": "x"}
    )
    assert response.status_code == 200
    assert len(response.content.decode().strip().splitlines()) == 1 + 12


# --- cost ---------------------------------------------------------------------


def _history(patients, clinician, n: int) -> None:
    """Give n sessions (two injections each) and n completed visits in February."""
    for i in range(n):
        patient = patients[i % len(patients)]
        session = make_session(
            patient,
            clinician,
            performed_at=rome(date(2026, 2, 1 + i % 27), 9),
            limit_override_reason="reason" if i % 3 == 0 else "",
            limit_override_by=clinician if i % 3 == 0 else None,
        )
        make_injection(session)
        foam(session)
        completed(
            patient,
            clinician,
            date(2026, 2, 1 + i % 27),
            clearance_pct=i % 101,
            satisfaction=1 + i % 5,
            adverse_events=["bruising"],
        )


@pytest.mark.parametrize("name", ["reporting:statistics", "reporting:overrides"])
def test_fixed_number_of_queries(
    manager_client, clinician, django_assert_num_queries, name
):
    patients = [make_patient(last_name=f"P{i}") for i in range(5)]
    url = reverse(name)
    params = {**RANGE, "clinician": clinician.pk}
    _history(patients, clinician, 2)
    manager_client.get(url, params)  # warm up the session and caches
    with CaptureQueriesContext(connection) as small:
        assert manager_client.get(url, params).status_code == 200
    assert len(small.captured_queries) <= 16
    _history(patients, clinician, 38)
    with django_assert_num_queries(len(small.captured_queries)):
        response = manager_client.get(url, params)
    assert response.status_code == 200
    if name == "reporting:statistics":
        assert response.context["stats"].sessions.sessions == 40


def test_statistics_functions_cost_a_fixed_number_of_queries(
    clinician, django_assert_num_queries
):
    patients = [make_patient(last_name=f"P{i}") for i in range(3)]
    _history(patients, clinician, 2)
    with django_assert_num_queries(5):
        statistics.clinic_statistics(Period(FIRST, LAST))
    _history(patients, clinician, 38)
    with django_assert_num_queries(5):
        stats = statistics.clinic_statistics(Period(FIRST, LAST))
    assert stats.visits.completed == 40
