"""Visit services and selectors: booking, transitions, suggestions, worklist."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from core import roles as clinic_roles
from patients.services import patient_archive
from tests.conftest import (
    make_injection,
    make_patient,
    make_session,
    make_user,
    make_visit,
)
from tests.helpers import at, rome, tomorrow_at
from treatments.choices import Form, Gas
from visits import models as visit_models
from visits import selectors as visit_selectors
from visits import services as visit_services
from visits.models import (
    AdverseEvent,
    StatusReason,
    VisitPlan,
    VisitPurpose,
    VisitStatus,
)

# Booking refuses the past; arrival, no-show and the worklist compare with now.
pytestmark = [pytest.mark.django_db, pytest.mark.date_dependent]


def book(patient, clinician, starts_at, duration_min=20, **extra):
    return visit_services.visit_book(
        patient=patient,
        clinician=clinician,
        starts_at=starts_at,
        duration_min=duration_min,
        purpose=extra.pop("purpose", VisitPurpose.CHECK),
        **extra,
    )


@pytest.fixture
def other_patient(db):
    return make_patient(first_name="Laura", last_name="Romano")


@pytest.fixture
def booked(patient, clinician):
    """Clinician's visit tomorrow 09:00-09:20."""
    return book(patient, clinician, tomorrow_at(9, 0))


def _message(excinfo) -> str:
    return " ".join(excinfo.value.messages)


# --- booking and double-booking ------------------------------------------------


def test_it_books_a_visit(patient, clinician, frontdesk):
    visit = book(patient, clinician, tomorrow_at(10, 0), user=frontdesk)
    visit.refresh_from_db()
    assert visit.status == VisitStatus.SCHEDULED
    assert visit.created_by == frontdesk
    assert visit.ends_at == tomorrow_at(10, 20)
    assert visit.history.count() == 1


@pytest.mark.parametrize(
    ("start", "duration"),
    [
        ((9, 10), 20),  # starts inside, ends after
        ((8, 50), 20),  # starts before, ends inside
        ((8, 50), 60),  # contains the booked visit
        ((9, 5), 5),  # contained in the booked visit
        ((9, 0), 20),  # the very same slot
    ],
)
def test_it_refuses_an_overlapping_visit(
    booked, other_patient, clinician, start, duration
):
    with pytest.raises(ValidationError) as excinfo:
        book(other_patient, clinician, tomorrow_at(*start), duration)
    assert "starts_at" in excinfo.value.error_dict
    assert "Dr Clinician already has a visit 09:00–09:20" in _message(excinfo)


def test_the_refusal_does_not_name_the_other_patient(booked, other_patient, clinician):
    with pytest.raises(ValidationError) as excinfo:
        book(other_patient, clinician, tomorrow_at(9, 10))
    assert "Esposito" not in _message(excinfo)


def test_it_allows_back_to_back_visits(booked, other_patient, clinician):
    after = book(other_patient, clinician, tomorrow_at(9, 20))
    before = book(make_patient(last_name="Greco"), clinician, tomorrow_at(8, 40), 20)
    assert after.starts_at == booked.ends_at
    assert before.ends_at == booked.starts_at


def test_another_clinician_may_see_a_patient_at_the_same_time(
    booked, other_patient, colleague
):
    assert book(other_patient, colleague, tomorrow_at(9, 0)).pk


@pytest.mark.parametrize("status", [VisitStatus.CANCELLED, VisitStatus.NO_SHOW])
def test_cancelled_and_no_show_visits_do_not_block(
    patient, other_patient, clinician, status
):
    make_visit(
        patient,
        clinician,
        starts_at=tomorrow_at(9, 0),
        status=status,
        status_reason="other",
    )
    assert book(other_patient, clinician, tomorrow_at(9, 0)).pk


def test_an_arrived_visit_still_blocks(patient, other_patient, clinician):
    make_visit(
        patient, clinician, starts_at=tomorrow_at(9, 0), status=VisitStatus.ARRIVED
    )
    with pytest.raises(ValidationError):
        book(other_patient, clinician, tomorrow_at(9, 10))


def test_a_long_visit_from_the_previous_hours_is_found(
    patient, other_patient, clinician
):
    make_visit(patient, clinician, starts_at=tomorrow_at(8, 0), duration_min=240)
    with pytest.raises(ValidationError) as excinfo:
        book(other_patient, clinician, tomorrow_at(11, 50))
    assert "08:00–12:00" in _message(excinfo)


def test_it_refuses_a_time_in_the_past(patient, clinician):
    with pytest.raises(ValidationError) as excinfo:
        book(patient, clinician, timezone.now() - timedelta(minutes=1))
    assert "starts_at" in excinfo.value.error_dict


@pytest.mark.parametrize(
    ("duration", "ok"), [(4, False), (5, True), (240, True), (241, False)]
)
def test_duration_must_be_5_to_240_minutes(patient, clinician, duration, ok):
    if ok:
        assert (
            book(patient, clinician, tomorrow_at(9, 0), duration).duration_min
            == duration
        )
    else:
        with pytest.raises(ValidationError) as excinfo:
            book(patient, clinician, tomorrow_at(9, 0), duration)
        assert "duration_min" in excinfo.value.error_dict


def test_only_a_clinician_can_be_booked(patient, frontdesk):
    with pytest.raises(ValidationError) as excinfo:
        book(patient, frontdesk, tomorrow_at(9, 0))
    assert "clinician" in excinfo.value.error_dict


def test_the_session_must_belong_to_the_patient(patient, other_patient, clinician):
    session = make_session(other_patient, clinician)
    with pytest.raises(ValidationError) as excinfo:
        book(patient, clinician, tomorrow_at(9, 0), session=session)
    assert "session" in excinfo.value.error_dict


def test_an_archived_patient_cannot_be_booked(patient, clinician):
    patient_archive(patient=patient, reason="moved away")
    with pytest.raises(ValidationError):
        book(patient, clinician, tomorrow_at(9, 0))


# --- rescheduling ----------------------------------------------------------------


def test_rescheduling_onto_its_own_slot_is_not_a_conflict(booked, clinician):
    visit = visit_services.visit_reschedule(
        visit=booked,
        starts_at=tomorrow_at(9, 10),
        duration_min=20,
        clinician=clinician,
        expected_version=booked.version,
        reason="The patient asked",
    )
    assert visit.starts_at == tomorrow_at(9, 10)
    assert visit.version == 2


def test_rescheduling_into_another_visit_is_refused(booked, other_patient, clinician):
    other = book(other_patient, clinician, tomorrow_at(10, 0))
    with pytest.raises(ValidationError) as excinfo:
        visit_services.visit_reschedule(
            visit=other,
            starts_at=tomorrow_at(9, 10),
            duration_min=20,
            clinician=clinician,
            expected_version=other.version,
            reason="The patient asked",
        )
    assert "already has a visit 09:00–09:20" in _message(excinfo)
    other.refresh_from_db()
    assert other.starts_at == tomorrow_at(10, 0)


def test_rescheduling_to_another_clinician(booked, colleague):
    visit = visit_services.visit_reschedule(
        visit=booked,
        starts_at=tomorrow_at(9, 0),
        duration_min=30,
        clinician=colleague,
        expected_version=1,
        reason="The patient asked",
    )
    assert visit.clinician == colleague
    assert visit.duration_min == 30


def test_a_stale_reschedule_is_refused(booked, clinician):
    visit_services.visit_reschedule(
        visit=booked,
        starts_at=tomorrow_at(11, 0),
        duration_min=20,
        clinician=clinician,
        expected_version=1,
        reason="The patient asked",
    )
    with pytest.raises(ValidationError) as excinfo:
        visit_services.visit_reschedule(
            visit=booked,
            starts_at=tomorrow_at(12, 0),
            duration_min=20,
            clinician=clinician,
            expected_version=1,
            reason="The patient asked",
        )
    assert "This follow-up visit was changed by" in _message(excinfo)
    booked.refresh_from_db()
    assert booked.starts_at == tomorrow_at(11, 0)


def test_a_cancelled_visit_cannot_be_moved(booked, clinician):
    visit_services.visit_cancel(visit=booked, reason=StatusReason.PATIENT_REQUEST)
    with pytest.raises(ValidationError) as excinfo:
        visit_services.visit_reschedule(
            visit=booked,
            starts_at=tomorrow_at(11, 0),
            duration_min=20,
            clinician=clinician,
            expected_version=None,
            reason="The patient asked",
        )
    assert "Only a scheduled visit can be moved" in _message(excinfo)


# --- status transitions ----------------------------------------------------------


def _past_visit(patient, clinician, **extra):
    return make_visit(
        patient, clinician, starts_at=timezone.now() - timedelta(minutes=5), **extra
    )


def test_the_happy_path_scheduled_arrived_completed(patient, clinician):
    visit = _past_visit(patient, clinician)
    visit = visit_services.visit_mark_arrived(visit=visit)
    assert visit.status == VisitStatus.ARRIVED and visit.arrived_at is not None
    visit = visit_services.visit_complete(
        visit=visit,
        plan=VisitPlan.ANOTHER_SESSION,
        clearance_pct=60,
        adverse_events=[AdverseEvent.HYPERPIGMENTATION, AdverseEvent.HYPERPIGMENTATION],
        satisfaction=4,
        expected_version=visit.version,
    )
    visit.refresh_from_db()
    assert visit.status == VisitStatus.COMPLETED
    assert visit.completed_at is not None
    assert visit.adverse_events == ["pigmentation"]
    assert (visit.clearance_pct, visit.satisfaction, visit.plan) == (60, 4, "another")
    assert visit.version == 3


def test_it_cancels_with_a_coded_reason(booked):
    visit = visit_services.visit_cancel(
        visit=booked, reason=StatusReason.ILLNESS, note=" flu "
    )
    visit.refresh_from_db()
    assert (visit.status, visit.status_reason, visit.status_note) == (
        VisitStatus.CANCELLED,
        "illness",
        "flu",
    )


def test_an_arrived_visit_can_still_be_cancelled(patient, clinician):
    visit = _past_visit(patient, clinician, status=VisitStatus.ARRIVED)
    assert (
        visit_services.visit_cancel(visit=visit, reason=StatusReason.CLINIC).status
        == "cancelled"
    )


def test_a_cancellation_needs_a_known_reason(booked):
    with pytest.raises(ValidationError) as excinfo:
        visit_services.visit_cancel(visit=booked, reason="")
    assert "status_reason" in excinfo.value.error_dict
    with pytest.raises(ValidationError):
        visit_services.visit_cancel(
            visit=booked, reason=StatusReason.FORGOT
        )  # a no-show reason


def test_other_reason_needs_a_note(booked):
    with pytest.raises(ValidationError) as excinfo:
        visit_services.visit_cancel(visit=booked, reason=StatusReason.OTHER, note="  ")
    assert "status_note" in excinfo.value.error_dict
    booked.refresh_from_db()
    assert booked.status == VisitStatus.SCHEDULED


def test_no_show_after_the_start_time(patient, clinician):
    visit = _past_visit(patient, clinician)
    visit = visit_services.visit_mark_no_show(visit=visit, reason=StatusReason.FORGOT)
    assert visit.status == VisitStatus.NO_SHOW and visit.status_reason == "forgot"


def test_no_show_is_refused_before_the_visit_starts(booked):
    with pytest.raises(ValidationError) as excinfo:
        visit_services.visit_mark_no_show(visit=booked, reason=StatusReason.FORGOT)
    assert "only after its start time" in _message(excinfo)


def test_arrival_is_refused_before_the_visit_day(booked):
    with pytest.raises(ValidationError):
        visit_services.visit_mark_arrived(visit=booked)


@pytest.mark.parametrize(
    ("status", "action"),
    [
        (VisitStatus.SCHEDULED, "complete"),
        (VisitStatus.ARRIVED, "no_show"),
        (VisitStatus.ARRIVED, "arrive"),
        (VisitStatus.COMPLETED, "cancel"),
        (VisitStatus.COMPLETED, "arrive"),
        (VisitStatus.CANCELLED, "arrive"),
        (VisitStatus.CANCELLED, "cancel"),
        (VisitStatus.NO_SHOW, "arrive"),
        (VisitStatus.NO_SHOW, "complete"),
    ],
)
def test_invalid_transitions_are_refused(patient, clinician, status, action):
    visit = _past_visit(patient, clinician, status=status)
    calls = {
        "complete": lambda: visit_services.visit_complete(
            visit=visit, plan=VisitPlan.COMPLETE
        ),
        "no_show": lambda: visit_services.visit_mark_no_show(
            visit=visit, reason=StatusReason.FORGOT
        ),
        "arrive": lambda: visit_services.visit_mark_arrived(visit=visit),
        "cancel": lambda: visit_services.visit_cancel(
            visit=visit, reason=StatusReason.CLINIC
        ),
    }
    with pytest.raises(ValidationError) as excinfo:
        calls[action]()
    assert "status" in excinfo.value.error_dict
    assert "cannot be" in _message(excinfo)
    visit.refresh_from_db()
    assert visit.status == status


def test_a_completed_outcome_can_be_amended(patient, clinician):
    visit = _past_visit(patient, clinician, status=VisitStatus.ARRIVED)
    visit = visit_services.visit_complete(
        visit=visit, plan=VisitPlan.ANOTHER_SESSION, clearance_pct=50
    )
    first_completed = visit.completed_at
    visit = visit_services.visit_complete(
        visit=visit, plan=VisitPlan.COMPLETE, clearance_pct=90
    )
    assert (visit.clearance_pct, visit.plan) == (90, "complete")
    assert visit.completed_at == first_completed


def test_outcome_rules(patient, clinician):
    visit = _past_visit(patient, clinician, status=VisitStatus.ARRIVED)
    with pytest.raises(ValidationError) as excinfo:
        visit_services.visit_complete(
            visit=visit, plan="", adverse_events=["other", "bogus"]
        )
    assert set(excinfo.value.error_dict) == {
        "plan",
        "adverse_events",
        "adverse_event_notes",
    }
    with pytest.raises(ValidationError) as excinfo:
        visit_services.visit_complete(
            visit=visit, plan=VisitPlan.COMPLETE, clearance_pct=150
        )
    assert "clearance_pct" in excinfo.value.error_dict
    visit.refresh_from_db()
    assert visit.status == VisitStatus.ARRIVED


def test_allowed_actions_follow_status_and_time(patient, clinician):
    future = make_visit(patient, clinician, starts_at=at(2, 9))
    assert future.allowed_actions() == {"cancel", "reschedule"}
    started = _past_visit(patient, clinician)
    assert started.allowed_actions() == {"arrive", "no_show", "cancel", "reschedule"}
    arrived = _past_visit(patient, clinician, status=VisitStatus.ARRIVED)
    assert arrived.allowed_actions() == {"cancel", "outcome"}
    done = _past_visit(patient, clinician, status=VisitStatus.COMPLETED)
    assert done.allowed_actions() == {"outcome"}
    gone = _past_visit(patient, clinician, status=VisitStatus.NO_SHOW)
    assert gone.allowed_actions() == frozenset()


# --- suggested follow-up (DOMAIN.md §7.2) -------------------------------------------


def _session_on(patient, clinician, day: date, **extra):
    return make_session(
        patient,
        clinician,
        performed_at=rome(day, 10),
        **extra,
    )


def test_liquid_session_suggests_a_check_two_weeks_later(patient, clinician):
    session = _session_on(patient, clinician, date(2026, 11, 10))  # a Tuesday
    make_injection(session)
    suggestion = visit_selectors.suggested_follow_up_date(session)
    assert suggestion == visit_selectors.Suggestion(
        date(2026, 11, 24), VisitPurpose.CHECK
    )


def test_ultrasound_guided_foam_suggests_a_duplex_check(patient, clinician):
    session = _session_on(patient, clinician, date(2026, 11, 10))
    make_injection(session)
    make_injection(
        session,
        form=Form.FOAM,
        gas=Gas.AIR,
        gas_parts=Decimal("4"),
        volume_ml=Decimal("4"),
        ultrasound_guided=True,
    )
    suggestion = visit_selectors.suggested_follow_up_date(session)
    assert suggestion.purpose == VisitPurpose.DOPPLER
    assert suggestion.day == date(2026, 11, 10) + timedelta(
        days=visit_selectors.DUPLEX_AFTER_UGFS_DAYS
    )


def test_foam_without_ultrasound_or_voided_ugfs_suggests_a_check(patient, clinician):
    session = _session_on(patient, clinician, date(2026, 11, 10))
    make_injection(session, form=Form.FOAM, gas=Gas.AIR, gas_parts=Decimal("4"))
    make_injection(
        session,
        form=Form.FOAM,
        gas=Gas.AIR,
        gas_parts=Decimal("4"),
        ultrasound_guided=True,
        voided_at=timezone.now(),
    )
    assert (
        visit_selectors.suggested_follow_up_date(session).purpose == VisitPurpose.CHECK
    )


def test_a_suggestion_on_sunday_moves_to_monday(patient, clinician):
    session = _session_on(patient, clinician, date(2026, 11, 8))  # a Sunday
    assert visit_selectors.suggested_follow_up_date(session).day == date(2026, 11, 23)


def test_next_treatment_is_four_to_six_weeks_later(patient, clinician):
    session = _session_on(patient, clinician, date(2026, 11, 10))
    suggestion = visit_selectors.suggested_next_treatment(session)
    assert suggestion.purpose == VisitPurpose.TREATMENT
    assert 28 <= (suggestion.day - date(2026, 11, 10)).days <= 42


def test_a_past_suggestion_is_bookable_from_today():
    suggestion = visit_selectors.Suggestion(date(2026, 1, 5), VisitPurpose.CHECK)
    assert suggestion.bookable_day(date(2026, 2, 1)) == date(2026, 2, 1)
    assert suggestion.is_overdue(date(2026, 2, 1))
    assert not suggestion.is_overdue(date(2026, 1, 5))


# --- worklist ------------------------------------------------------------------------


def _worklist_patients() -> list[str]:
    return [s.patient.last_name for s in visit_selectors.worklist_sessions()]


def test_worklist_lists_treated_patients_without_follow_up(clinician):
    treated = make_patient(last_name="Treated")
    make_session(treated, clinician)
    booked = make_patient(last_name="Booked")
    make_visit(booked, clinician, session=make_session(booked, clinician))
    done = make_patient(last_name="Done")
    make_session(done, clinician)
    make_visit(
        done,
        clinician,
        starts_at=timezone.now() - timedelta(hours=1),
        status=VisitStatus.COMPLETED,
    )
    cancelled = make_patient(last_name="Cancelled")
    make_session(cancelled, clinician)
    make_visit(
        cancelled, clinician, status=VisitStatus.CANCELLED, status_reason="clinic"
    )
    before = make_patient(last_name="Before")
    make_visit(
        before,
        clinician,
        starts_at=timezone.now() - timedelta(days=20),
        status=VisitStatus.COMPLETED,
    )
    make_session(before, clinician)
    old = make_patient(last_name="Old")
    make_session(old, clinician, performed_at=timezone.now() - timedelta(days=91))
    voided = make_patient(last_name="Voided")
    make_session(
        voided, clinician, voided_at=timezone.now(), void_reason="wrong patient"
    )
    archived = make_patient(last_name="Archived")
    make_session(archived, clinician)
    patient_archive(patient=archived, reason="moved")
    untreated = make_patient(last_name="Untreated")
    make_visit(untreated, clinician)

    assert sorted(_worklist_patients()) == ["Before", "Cancelled", "Treated"]


def test_worklist_shows_a_patient_once_with_the_latest_session(clinician):
    patient = make_patient(last_name="Twice")
    make_session(patient, clinician, performed_at=timezone.now() - timedelta(days=30))
    latest = make_session(
        patient, clinician, performed_at=timezone.now() - timedelta(days=2)
    )
    sessions = list(visit_selectors.worklist_sessions())
    assert [s.pk for s in sessions] == [latest.pk]


def test_worklist_annotation_matches_the_session_rule(clinician, patient):
    session = make_session(patient, clinician)
    make_injection(
        session,
        form=Form.FOAM,
        gas=Gas.AIR,
        gas_parts=Decimal("4"),
        ultrasound_guided=True,
    )
    (listed,) = visit_selectors.worklist_sessions()
    assert listed.has_ugfs is True
    assert (
        visit_selectors.suggested_follow_up_date(listed).purpose == VisitPurpose.DOPPLER
    )


def test_clinician_label_and_clinician_list(roles):
    rossi = make_user("rossi", "clinician", last_name="Rossi")
    make_user("desk", "front desk")
    make_user("gone", "clinician", is_active=False)
    assert clinic_roles.clinician_label(rossi) == "Dr Rossi"
    assert list(clinic_roles.clinicians()) == [rossi]


# --- concurrency (PostgreSQL only: SQLite serialises writers itself) ------------------


@pytest.mark.django_db(transaction=True)
def test_a_concurrent_booking_waits_for_the_first_and_is_refused(roles):
    import threading

    from django.contrib.auth import get_user_model
    from django.db import connection, connections, transaction

    if connection.vendor != "postgresql":
        pytest.skip("row locks need PostgreSQL")
    rossi = make_user("rossi", "clinician", last_name="Rossi")
    first, second = make_patient(last_name="First"), make_patient(last_name="Second")
    slot = tomorrow_at(9, 0)
    locked, results = threading.Event(), {}

    def desk_one():
        # A booking in progress: it holds the clinician's lock and has
        # inserted its visit, but has not committed yet.
        try:
            with transaction.atomic():
                get_user_model().objects.select_for_update().get(pk=rossi.pk)
                make_visit(first, rossi, starts_at=slot)
                locked.set()
                threading.Event().wait(0.5)
        finally:
            connections.close_all()

    def desk_two():
        locked.wait(5)
        try:
            book(second, rossi, slot)
            results["two"] = "booked"
        except ValidationError as error:
            results["two"] = " ".join(error.messages)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=desk_one), threading.Thread(target=desk_two)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    assert "Dr Rossi already has a visit 09:00–09:20" in results["two"]
    assert list(
        visit_models.FollowUpVisit.objects.values_list("patient__last_name", flat=True)
    ) == ["First"]
