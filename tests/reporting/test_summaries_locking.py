"""Two writers of one clinician's day on PostgreSQL: the second waits for the
first and counts its committed session (the summary row is locked first)."""

from __future__ import annotations

import threading
from datetime import date

import pytest
from django.db import connection, connections, transaction

from clinics.models import default_site_pk
from tests.conftest import make_patient, make_session, make_visit
from tests.helpers import rome
from treatments.models import SessionDaySummary
from visits.models import VisitDaySummary, VisitMonthClearance, VisitStatus

DAY = date(2026, 2, 5)


def _race(first_write, second_write) -> None:
    default_site_pk()  # made once, before the writers race
    started = threading.Event()

    def one():
        # A write in progress: it has counted its day but not committed.
        try:
            with transaction.atomic():
                first_write()
                started.set()
                threading.Event().wait(0.5)
        finally:
            connections.close_all()

    def two():
        started.wait(5)
        try:
            with transaction.atomic():
                second_write()
        finally:
            connections.close_all()

    threads = [threading.Thread(target=one), threading.Thread(target=two)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)


def _caught(errors: list[BaseException], write):
    """`write`, with any error it raises kept in `errors` (a thread's
    exception is otherwise only printed)."""

    def run():
        try:
            write()
        except BaseException as error:  # shown by the caller's assertion
            errors.append(error)
            raise

    return run


@pytest.mark.django_db(transaction=True)
def test_concurrent_sessions_of_one_day_are_both_counted(clinician):
    if connection.vendor != "postgresql":
        pytest.skip("row locks need PostgreSQL")
    anna, bruno = make_patient(last_name="Anna"), make_patient(last_name="Bruno")
    # The day's summary row exists already: only its lock orders the writers.
    carla = make_patient(last_name="Carla")
    with transaction.atomic():
        make_session(carla, clinician, performed_at=rome(DAY, 8))
    _race(
        lambda: make_session(anna, clinician, performed_at=rome(DAY, 9)),
        lambda: make_session(bruno, clinician, performed_at=rome(DAY, 10)),
    )
    summary = SessionDaySummary.objects.get(day=DAY, clinician=clinician)
    assert summary.sessions == 3


@pytest.mark.django_db(transaction=True)
def test_concurrent_visits_of_one_day_are_both_counted(clinician):
    if connection.vendor != "postgresql":
        pytest.skip("row locks need PostgreSQL")
    anna, bruno = make_patient(last_name="Anna"), make_patient(last_name="Bruno")
    done = {"status": VisitStatus.COMPLETED, "clearance_pct": 50}
    carla = make_patient(last_name="Carla")
    with transaction.atomic():
        make_visit(carla, clinician, starts_at=rome(DAY, 8))
    _race(
        lambda: make_visit(anna, clinician, starts_at=rome(DAY, 9), **done),
        lambda: make_visit(bruno, clinician, starts_at=rome(DAY, 10), **done),
    )
    summary = VisitDaySummary.objects.get(day=DAY, clinician=clinician)
    assert (summary.scheduled, summary.completed, summary.clearance_sum) == (1, 2, 100)


@pytest.mark.django_db(transaction=True)
def test_concurrent_visits_of_one_month_are_both_in_its_totals(clinician):
    """Two writers of different days of one clinician's month: the month's
    totals (added up from its days) count both, as a rebuild does."""
    if connection.vendor != "postgresql":
        pytest.skip("row locks need PostgreSQL")
    anna, bruno = make_patient(last_name="Anna"), make_patient(last_name="Bruno")
    carla = make_patient(last_name="Carla")
    done = {"status": VisitStatus.COMPLETED, "clearance_pct": 50}
    with transaction.atomic():
        make_visit(carla, clinician, starts_at=rome(DAY, 8), **done)
    _race(
        lambda: make_visit(
            anna, clinician, starts_at=rome(date(2026, 2, 12), 9), **done
        ),
        lambda: make_visit(
            bruno, clinician, starts_at=rome(date(2026, 2, 19), 10), **done
        ),
    )
    month = VisitMonthClearance.objects.get(
        month=date(2026, 2, 1), clinician=clinician, clearance_pct=50
    )
    assert month.visits == 3
    from visits.models import VisitMonthSummary

    summary = VisitMonthSummary.objects.get(month=date(2026, 2, 1), clinician=clinician)
    assert (summary.completed, summary.clearance_sum) == (3, 150)


@pytest.mark.django_db(transaction=True)
def test_the_daily_trend_refresh_and_a_booking_of_the_same_day_take_turns(
    clinician,
):
    """The daily refresh of one patient's trend rows, still open, and a
    visit of another patient completed on the same day by the same
    clinician: the visit's writer waits for the day's lock instead of
    failing on the rows the refresh wrote, and the rows equal a rebuild."""
    if connection.vendor != "postgresql":
        pytest.skip("row locks need PostgreSQL")
    from outcomes.course_summaries import refresh_patients
    from tests.conftest import make_injection
    from visits.models import VisitDayClearanceBy
    from visits.trend_summaries import rebuild_clearance_by

    anna, bruno = make_patient(last_name="Anna"), make_patient(last_name="Bruno")
    for patient in (anna, bruno):
        make_injection(make_session(patient, clinician, performed_at=rome(DAY, 7)))
    done = {"status": VisitStatus.COMPLETED, "clearance_pct": 60}
    with transaction.atomic():
        make_visit(anna, clinician, starts_at=rome(date(2026, 2, 19), 9), **done)
    errors: list[BaseException] = []

    later = rome(date(2026, 2, 19), 10)
    _race(
        _caught(errors, lambda: refresh_patients([anna.pk])),
        _caught(errors, lambda: make_visit(bruno, clinician, starts_at=later, **done)),
    )
    assert not errors, errors

    def rows():
        return sorted(
            VisitDayClearanceBy.objects.values_list(
                "day", "dimension", "value", "visits", "clearance_sum"
            )
        )

    kept = rows()
    assert ("vessel_type" in {row[1] for row in kept}) and kept[0][3] == 2
    rebuild_clearance_by()
    assert rows() == kept


@pytest.mark.django_db(transaction=True)
def test_concurrent_courses_of_one_month_are_both_in_its_totals(clinician):
    """Two patients' courses completed at once in one clinician's month,
    with the same number of sessions: both are added to the one month row
    (made by the first), and the totals equal a rebuild's."""
    if connection.vendor != "postgresql":
        pytest.skip("row locks need PostgreSQL")
    from visits.models import CourseMonthSummary, VisitPlan
    from visits.trend_summaries import rebuild_course_months

    anna, bruno = make_patient(last_name="Anna"), make_patient(last_name="Bruno")
    for patient in (anna, bruno):
        make_session(patient, clinician, performed_at=rome(DAY, 7))
    done = {"status": VisitStatus.COMPLETED, "plan": VisitPlan.COMPLETE}
    errors: list[BaseException] = []

    _race(
        _caught(
            errors,
            lambda: make_visit(
                anna, clinician, starts_at=rome(date(2026, 2, 12), 9), **done
            ),
        ),
        _caught(
            errors,
            lambda: make_visit(
                bruno, clinician, starts_at=rome(date(2026, 2, 19), 10), **done
            ),
        ),
    )
    assert not errors, errors

    def rows():
        return sorted(
            CourseMonthSummary.objects.values_list(
                "month", "clinician_id", "sessions", "courses", "vcss_pairs"
            )
        )

    kept = rows()
    assert kept == [(date(2026, 2, 1), clinician.pk, 1, 2, 0)]
    rebuild_course_months()
    assert rows() == kept
