"""The questionnaire schedule: before the first session, and 1, 3, 6 and 12
calendar months after the last session of a course closed by a visit
recording "course complete"."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from outcomes import schedule
from outcomes.models import (
    InvitationStatus,
    QuestionnaireInvitation,
    QuestionnaireResponse,
    ResponseSource,
    Timepoint,
)
from outcomes.schedule import add_months, plan_for_patient
from patients.services import patient_archive
from tests.conftest import make_doppler, make_patient, make_session, make_visit
from tests.helpers import rome
from treatments.services import session_void
from visits import services as visit_services
from visits.models import StatusReason, VisitPlan, VisitPurpose, VisitStatus

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("on_the_suites_day")]


TODAY = date(2026, 11, 18)  # the suite's frozen day


def complete_course(patient, clinician, visit_day: date, plan=VisitPlan.COMPLETE):
    return make_visit(
        patient,
        clinician,
        starts_at=rome(visit_day, 9),
        status=VisitStatus.COMPLETED,
        plan=plan,
        purpose=VisitPurpose.CHECK,
    )


def invitations(patient, **filters) -> dict[str, QuestionnaireInvitation]:
    return {
        inv.timepoint: inv
        for inv in QuestionnaireInvitation.objects.filter(patient=patient, **filters)
    }


@pytest.mark.parametrize(
    ("day", "months", "expected"),
    [
        (date(2027, 1, 31), 1, date(2027, 2, 28)),
        (date(2028, 1, 31), 1, date(2028, 2, 29)),
        (date(2026, 8, 31), 6, date(2027, 2, 28)),
        (date(2027, 3, 31), 3, date(2027, 6, 30)),
        (date(2026, 12, 31), 12, date(2027, 12, 31)),
        (date(2026, 11, 15), 1, date(2026, 12, 15)),
    ],
)
def test_months_are_calendar_months_with_the_day_clamped(day, months, expected):
    assert add_months(day, months) == expected


def test_a_completed_course_plans_1_3_6_and_12_months_after_its_last_session(
    patient, clinician, instrument
):
    make_session(patient, clinician, performed_at=rome(date(2026, 9, 15), 10))
    make_session(patient, clinician, performed_at=rome(date(2026, 10, 31), 10))
    visit = complete_course(patient, clinician, date(2026, 11, 16))

    plan = plan_for_patient(patient, TODAY)

    planned = invitations(patient)
    assert plan.created == 4
    assert {tp: inv.due_on for tp, inv in planned.items()} == {
        "m1": date(2026, 11, 30),
        "m3": date(2027, 1, 31),
        "m6": date(2027, 4, 30),
        "m12": date(2027, 10, 31),
    }
    for inv in planned.values():
        assert inv.course_key == str(visit.code)
        assert inv.course_last_session_on == date(2026, 10, 31)
        assert inv.status == InvitationStatus.PLANNED
        assert inv.instrument == instrument
        assert inv.history.count() == 1


def test_month_end_is_clamped_for_every_timepoint(patient, clinician, instrument):
    make_session(patient, clinician, performed_at=rome(date(2026, 8, 31), 10))
    complete_course(patient, clinician, date(2026, 9, 28))
    with time_machine.travel(rome(date(2026, 9, 29), 8), tick=False):
        plan_for_patient(patient, date(2026, 9, 29))
    assert {tp: inv.due_on for tp, inv in invitations(patient).items()} == {
        "m1": date(2026, 9, 30),
        "m3": date(2026, 11, 30),
        "m6": date(2027, 2, 28),
        "m12": date(2027, 8, 31),
    }


def test_planning_twice_plans_nothing_more(patient, clinician, instrument):
    make_session(patient, clinician, performed_at=rome(date(2026, 10, 31), 10))
    complete_course(patient, clinician, date(2026, 11, 16))
    first = plan_for_patient(patient, TODAY)
    again = plan_for_patient(patient, TODAY)
    periodic = schedule.plan_invitations(TODAY)
    assert (first.created, again.created, periodic.created) == (4, 0, 0)
    assert (again.cancelled, again.moved) == (0, 0)
    assert QuestionnaireInvitation.objects.count() == 4


def test_the_last_session_is_the_latest_on_or_before_the_visit_not_voided(
    patient, clinician, instrument
):
    make_session(patient, clinician, performed_at=rome(date(2026, 10, 2), 10))
    voided = make_session(patient, clinician, performed_at=rome(date(2026, 10, 30), 10))
    session_void(session=voided, user=clinician, reason="Entered on the wrong chart")
    complete_course(patient, clinician, date(2026, 11, 16))
    plan_for_patient(patient, TODAY)
    assert invitations(patient)["m1"].course_last_session_on == date(2026, 10, 2)
    assert invitations(patient)["m1"].due_on == date(2026, 11, 2)


def test_a_voided_last_session_moves_the_planned_timepoints(
    patient, clinician, instrument
):
    make_session(patient, clinician, performed_at=rome(date(2026, 10, 2), 10))
    last = make_session(patient, clinician, performed_at=rome(date(2026, 10, 30), 10))
    complete_course(patient, clinician, date(2026, 11, 16))
    plan_for_patient(patient, TODAY)
    assert invitations(patient)["m3"].due_on == date(2027, 1, 30)

    session_void(session=last, user=clinician, reason="Wrong patient")
    plan = plan_for_patient(patient, TODAY)

    assert plan.moved == 4
    assert invitations(patient)["m3"].due_on == date(2027, 1, 2)
    assert invitations(patient)["m3"].course_last_session_on == date(2026, 10, 2)


def test_a_course_no_longer_complete_cancels_the_planned_invitations_only(
    patient, clinician, instrument
):
    make_session(patient, clinician, performed_at=rome(date(2026, 10, 15), 10))
    visit = complete_course(patient, clinician, date(2026, 11, 16))
    plan_for_patient(patient, TODAY)
    m1 = invitations(patient)["m1"]
    QuestionnaireInvitation.objects.filter(pk=m1.pk).update(
        status=InvitationStatus.SENT
    )

    visit_services.visit_complete(visit=visit, plan=VisitPlan.ANOTHER_SESSION)
    plan = schedule.plan_invitations(TODAY)

    after = invitations(patient)
    assert plan.cancelled == 3
    assert after["m1"].status == InvitationStatus.SENT
    for tp in ("m3", "m6", "m12"):
        assert after[tp].status == InvitationStatus.CANCELLED
        assert after[tp].status_note == schedule.NOT_COMPLETE
    # Complete again: the cancelled timepoints are not planned a second time.
    visit_services.visit_complete(visit=visit, plan=VisitPlan.COMPLETE)
    assert plan_for_patient(patient, TODAY).created == 0


def test_missed_timepoints_are_not_planned(patient, clinician, instrument):
    # Recorded complete four months after the last session: one month is
    # past (three months is due already), three months is 29 days late.
    make_session(patient, clinician, performed_at=rome(date(2026, 7, 20), 10))
    complete_course(patient, clinician, date(2026, 11, 16))
    plan_for_patient(patient, TODAY)
    planned = invitations(patient)
    assert set(planned) == {"m3", "m6", "m12"}
    assert planned["m3"].due_on == date(2026, 10, 20)


def test_a_course_complete_long_ago_plans_nothing(patient, clinician, instrument):
    make_session(patient, clinician, performed_at=rome(date(2024, 5, 2), 10))
    complete_course(patient, clinician, date(2024, 6, 1))
    assert plan_for_patient(patient, TODAY).created == 0
    assert schedule.plan_all(TODAY).created == 0


def test_a_complete_visit_without_any_session_plans_nothing(
    patient, clinician, instrument
):
    complete_course(patient, clinician, date(2026, 11, 16))
    plan_for_patient(patient, TODAY)
    assert not invitations(patient)


def test_two_courses_each_get_their_follow_ups_and_the_first_stops_at_the_second(
    patient, clinician, instrument
):
    make_session(patient, clinician, performed_at=rome(date(2026, 3, 2), 10))
    first = complete_course(patient, clinician, date(2026, 3, 30))
    with time_machine.travel(rome(date(2026, 4, 1), 8), tick=False):
        plan_for_patient(patient, date(2026, 4, 1))
    # The one-month questionnaire went out; then a second course.
    QuestionnaireInvitation.objects.filter(timepoint="m1").update(
        status=InvitationStatus.ANSWERED
    )
    make_session(patient, clinician, performed_at=rome(date(2026, 10, 12), 10))
    second = complete_course(patient, clinician, date(2026, 11, 16))

    plan = plan_for_patient(patient, TODAY)

    course_1 = invitations(patient, course_key=str(first.code))
    course_2 = invitations(patient, course_key=str(second.code))
    assert course_1["m1"].status == InvitationStatus.ANSWERED
    # The three-month one was due on 2 June: it went out meanwhile in life;
    # here nobody sent it, and it is long missed. The others stop.
    for tp in ("m3", "m6", "m12"):
        assert course_1[tp].status == InvitationStatus.CANCELLED
    assert course_1["m6"].status_note == schedule.NEW_COURSE
    assert {tp: inv.due_on for tp, inv in course_2.items()} == {
        "m1": date(2026, 11, 12),
        "m3": date(2027, 1, 12),
        "m6": date(2027, 4, 12),
        "m12": date(2027, 10, 12),
    }
    assert plan.created == 4


# --- before the first session ----------------------------------------------------


def book_treatment(patient, clinician, day: date, **extra):
    return make_visit(
        patient,
        clinician,
        starts_at=rome(day, 9),
        purpose=VisitPurpose.TREATMENT,
        **extra,
    )


def test_a_booked_first_treatment_plans_a_baseline_due_now(
    patient, clinician, instrument
):
    book_treatment(patient, clinician, date(2026, 12, 2))
    plan = schedule.plan_invitations(TODAY)
    baseline = invitations(patient)["baseline"]
    assert plan.created == 1
    assert baseline.due_on == TODAY
    assert baseline.course_key == f"b:{patient.code}:1"
    assert baseline.course_last_session_on is None
    assert plan_for_patient(patient, TODAY).created == 0


def test_a_doppler_recommending_sclerotherapy_plans_a_baseline(
    patient, clinician, instrument
):
    make_doppler(patient, clinician, recommended_plan="foam")
    plan_for_patient(patient, TODAY)
    assert set(invitations(patient)) == {"baseline"}


@pytest.mark.parametrize("recommended", ["none", "laser", "compression", ""])
def test_a_doppler_recommending_something_else_plans_nothing(
    patient, clinician, instrument, recommended
):
    make_doppler(patient, clinician, recommended_plan=recommended)
    plan_for_patient(patient, TODAY)
    assert not invitations(patient)


def test_an_old_doppler_plans_no_baseline(patient, clinician, instrument):
    make_doppler(
        patient, clinician, recommended_plan="liquid", assessed_on=date(2025, 6, 1)
    )
    plan_for_patient(patient, TODAY)
    assert not invitations(patient)


def test_no_baseline_once_the_course_has_started(patient, clinician, instrument):
    make_session(patient, clinician, performed_at=rome(date(2026, 11, 10), 10))
    book_treatment(patient, clinician, date(2026, 12, 2))
    plan_for_patient(patient, TODAY)
    assert not invitations(patient)


def test_a_baseline_answered_on_the_tablet_is_not_asked_again(
    patient, clinician, instrument
):
    QuestionnaireResponse.objects.create(
        patient=patient,
        instrument=instrument,
        timepoint=Timepoint.BASELINE,
        answered_at=rome(date(2026, 11, 17), 10),
        source=ResponseSource.TABLET,
    )
    book_treatment(patient, clinician, date(2026, 12, 2))
    plan_for_patient(patient, TODAY)
    assert not invitations(patient)


def test_a_cancelled_booking_cancels_the_planned_baseline(
    patient, clinician, instrument
):
    visit = book_treatment(patient, clinician, date(2026, 12, 2))
    plan_for_patient(patient, TODAY)
    visit_services.visit_cancel(visit=visit, reason=StatusReason.PATIENT_REQUEST)
    plan = schedule.plan_invitations(TODAY)
    baseline = invitations(patient)["baseline"]
    assert plan.cancelled == 1
    assert baseline.status == InvitationStatus.CANCELLED
    assert baseline.status_note == schedule.NO_TREATMENT


def test_a_first_session_before_sending_cancels_the_planned_baseline(
    patient, clinician, instrument
):
    book_treatment(patient, clinician, date(2026, 12, 2))
    plan_for_patient(patient, TODAY)
    make_session(patient, clinician, performed_at=rome(TODAY, 9))
    schedule.plan_invitations(TODAY)
    baseline = invitations(patient)["baseline"]
    assert baseline.status == InvitationStatus.CANCELLED
    assert baseline.status_note == schedule.COURSE_STARTED


def test_the_second_course_gets_its_own_baseline(patient, clinician, instrument):
    make_session(patient, clinician, performed_at=rome(date(2026, 3, 2), 10))
    complete_course(patient, clinician, date(2026, 3, 30))
    book_treatment(patient, clinician, date(2026, 12, 2))
    plan_for_patient(patient, TODAY)
    baselines = invitations(patient, timepoint="baseline")
    assert baselines["baseline"].course_key == f"b:{patient.code}:2"


def test_an_archived_patient_is_not_asked(patient, clinician, instrument):
    make_session(patient, clinician, performed_at=rome(date(2026, 10, 31), 10))
    complete_course(patient, clinician, date(2026, 11, 16))
    plan_for_patient(patient, TODAY)
    patient_archive(patient=patient, reason="Moved abroad")
    plan = plan_for_patient(patient, TODAY)
    assert plan.cancelled == 4
    assert {inv.status_note for inv in invitations(patient).values()} == {
        schedule.ARCHIVED
    }


def test_no_scheduled_instrument_plans_nothing(patient, clinician, instrument):
    instrument.active = False
    instrument.save()
    book_treatment(patient, clinician, date(2026, 12, 2))
    plan = schedule.plan_invitations(TODAY)
    assert plan.created == 0
    assert plan.notes == ["no active scheduled questionnaire"]


# --- cost ------------------------------------------------------------------------


def test_the_periodic_run_reads_only_the_patients_changed_lately(clinician, instrument):
    quiet = make_patient(first_name="Quiet")
    with time_machine.travel(rome(date(2026, 10, 1), 9), tick=False):
        make_session(quiet, clinician, performed_at=rome(date(2026, 9, 20), 10))
        complete_course(quiet, clinician, date(2026, 9, 30))
    busy = make_patient(first_name="Busy")
    make_session(busy, clinician, performed_at=rome(date(2026, 10, 31), 10))
    complete_course(busy, clinician, date(2026, 11, 16))

    plan = schedule.plan_invitations(TODAY)

    assert plan.patients == 1
    assert set(
        QuestionnaireInvitation.objects.values_list("patient_id", flat=True)
    ) == {busy.pk}
    # The catch-up run reaches the quiet patient's course too.
    assert schedule.plan_all(TODAY).created == 4
    assert QuestionnaireInvitation.objects.filter(patient=quiet).count() == 4


def _planning_queries(patient) -> int:
    with CaptureQueriesContext(connection) as queries:
        plan_for_patient(patient, TODAY)
    return len(queries)


def test_planning_a_patient_costs_the_same_queries_however_long_the_history(
    clinician, instrument
):
    short = make_patient(first_name="Short")
    make_session(short, clinician, performed_at=rome(date(2026, 10, 31), 10))
    complete_course(short, clinician, date(2026, 11, 16))
    plan_for_patient(short, TODAY)

    long = make_patient(first_name="Long")
    day = date(2024, 1, 8)
    for _ in range(12):
        make_session(long, clinician, performed_at=rome(day, 10))
        complete_course(long, clinician, day + timedelta(days=14))
        day += timedelta(days=60)
    make_session(long, clinician, performed_at=rome(date(2026, 10, 31), 10))
    complete_course(long, clinician, date(2026, 11, 16))
    plan_for_patient(long, TODAY)

    assert _planning_queries(short) == _planning_queries(long)
