"""When the course schedule asks a patient to fill the scheduled instrument.

A course is the run of sessions a follow-up visit closes by recording
"course complete" (a completed visit whose plan is VisitPlan.COMPLETE). The
sessions after such a visit belong to the next course.

Baseline ("before the first session"): a patient is asked once per course,
at once (due today), when a treatment is coming and the course has not
started, that is when there is no session after the last "course complete"
visit (or no session at all) and either

- a visit of purpose "next treatment session" is booked ahead (scheduled), or
- a Doppler assessment recommending sclerotherapy (liquid or foam), made on
  or after the last "course complete" visit's day and still recent enough to
  treat on (doppler.models.DOPPLER_VALID_DAYS), is on file.

Its course key is "b:<patient code>:<n>", n the course's number (one more
than the patient's "course complete" visits). A baseline already answered on
the clinic's tablet for this course (a response at the baseline timepoint
after the last "course complete" visit) is not asked again. A planned
baseline is cancelled when the first session has taken place before it went
out, or when no treatment is coming any more.

Follow-ups: for each "course complete" visit, the course's last session is
the patient's latest session (not voided) on or before the visit; the
patient is asked 1, 3, 6 and 12 calendar months after that session's day
(the day of the month clamped: 31 January + 1 month = 28 or 29 February).
The course key is the visit's code. A timepoint is not planned when it was
missed: a later timepoint is already due, or it is more than MAX_LATE_DAYS
overdue (a course recorded complete long after its last session, a worker
stopped for months); nor when a new course has started (a session after the
visit). Planned invitations are cancelled when the visit no longer records
"course complete", when a new course starts, or when the timepoint is
missed; their due day follows the course's last session when that changes
(a session voided). An invitation once sent, answered, failed or cancelled
is never planned again: the unique constraint
`outcomes_invitation_once_per_course` keeps one per course and timepoint.

The periodic run (`manage.py questionnaires`, `plan_invitations`) looks only
at the patients whose visits, sessions or Doppler assessments changed in the
last days, read from the audit trail's indexed dates: it never scans every
patient. `plan_for_patient` plans one patient; `plan_all` (the command's
`--all`) the patients with a course or a treatment in reach, once, after an
upgrade or a restore.
"""

from __future__ import annotations

import calendar
import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_noop

from doppler.models import DOPPLER_VALID_DAYS, DopplerAssessment, RecommendedPlan
from outcomes.models import (
    TIMEPOINT_MONTHS,
    Instrument,
    InvitationStatus,
    QuestionnaireInvitation,
    QuestionnaireResponse,
    Timepoint,
)
from patients.models import Patient
from treatments.models import TreatmentSession
from visits.models import FollowUpVisit, VisitPlan, VisitPurpose, VisitStatus

logger = logging.getLogger(__name__)

# A follow-up timepoint more overdue than this is not asked any more.
MAX_LATE_DAYS = 30
# The periodic run looks at the records changed in this many days (it runs
# at least daily; the overlap makes a missed run harmless).
CHANGED_DAYS = 7

SCLEROTHERAPY_PLANS = (
    RecommendedPlan.SCLEROTHERAPY_LIQUID,
    RecommendedPlan.SCLEROTHERAPY_FOAM,
)
FOLLOW_UPS = (
    Timepoint.MONTH_1,
    Timepoint.MONTH_3,
    Timepoint.MONTH_6,
    Timepoint.MONTH_12,
)

# Why a planned invitation was cancelled (status_note, English; translated
# where it is shown).
NOT_COMPLETE = gettext_noop("the course is no longer recorded as complete")
NEW_COURSE = gettext_noop("a new course has started")
MISSED = gettext_noop("missed: too late for this timepoint")
COURSE_STARTED = gettext_noop("the course's first session has taken place")
NO_TREATMENT = gettext_noop("no treatment is coming any more")
ARCHIVED = gettext_noop("the patient's chart is archived")
ANSWERED_AT_CLINIC = gettext_noop("already answered at the clinic")


def add_months(day: date, months: int) -> date:
    """Return the same day `months` calendar months later, clamped to the
    month's last day (31 January + 1 = 28 February, 29 in a leap year)."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def follow_up_due(last_session_on: date, timepoint: str) -> date:
    return add_months(last_session_on, TIMEPOINT_MONTHS[Timepoint(timepoint)])


def missed(last_session_on: date, timepoint: str, today: date) -> bool:
    """Whether a follow-up timepoint is past asking: a later one is already
    due, or it is more than MAX_LATE_DAYS overdue."""
    due = follow_up_due(last_session_on, timepoint)
    if today > due + timedelta(days=MAX_LATE_DAYS):
        return True
    position = FOLLOW_UPS.index(Timepoint(timepoint))
    if position + 1 < len(FOLLOW_UPS):
        return follow_up_due(last_session_on, FOLLOW_UPS[position + 1]) <= today
    return False


def baseline_key(patient: Patient, course_number: int) -> str:
    return f"b:{patient.code}:{course_number}"


def scheduled_instrument() -> Instrument | None:
    """The instrument sent on the course schedule, if one is active."""
    return Instrument.objects.filter(scheduled=True, active=True).first()


@dataclass
class Plan:
    """What a planning run did."""

    patients: int = 0
    created: int = 0
    cancelled: int = 0
    moved: int = 0
    notes: list[str] = field(default_factory=list)

    def add(self, other: Plan) -> None:
        self.patients += other.patients
        self.created += other.created
        self.cancelled += other.cancelled
        self.moved += other.moved


@dataclass
class _Course:
    """A course closed by a "course complete" visit."""

    visit: FollowUpVisit
    last_session_on: date | None
    new_course_started: bool


def _local_day(moment: datetime) -> date:
    return timezone.localdate(moment)


def save_invitation(invitation: QuestionnaireInvitation, reason: str) -> None:
    invitation._change_reason = reason  # type: ignore[attr-defined]
    invitation.save()


def cancel_invitation(invitation: QuestionnaireInvitation, note: str) -> None:
    invitation.status = InvitationStatus.CANCELLED
    invitation.status_note = note
    save_invitation(invitation, "Cancelled by the course schedule")


def last_complete_visit(patient: Patient) -> FollowUpVisit | None:
    """The patient's latest visit recording "course complete"."""
    return (
        FollowUpVisit.objects.filter(
            patient=patient, status=VisitStatus.COMPLETED, plan=VisitPlan.COMPLETE
        )
        .order_by("-starts_at", "-id")
        .first()
    )


def plan_for_patient(
    patient: Patient | int, today: date, instrument: Instrument | None = None
) -> Plan:
    """Plan (and cancel) the patient's invitations on the course schedule,
    as of `today`. Idempotent; a fixed number of queries and the writes."""
    instrument = instrument or scheduled_instrument()
    plan = Plan(patients=1)
    if instrument is None:
        return plan
    patient_pk = patient.pk if isinstance(patient, Patient) else patient
    with transaction.atomic():
        # One planner at a time per patient (the periodic run, a second
        # server's run): the unique constraint would refuse the second
        # insert; the lock makes it wait and see the first one's rows.
        locked = Patient.objects.select_for_update().filter(pk=patient_pk).first()
        if locked is None:
            return plan
        _plan_locked(locked, instrument, today, plan)
    return plan


def _plan_locked(
    patient: Patient, instrument: Instrument, today: date, plan: Plan
) -> None:
    now = timezone.now()
    completes = list(
        FollowUpVisit.objects.filter(
            patient=patient, status=VisitStatus.COMPLETED, plan=VisitPlan.COMPLETE
        ).order_by("starts_at", "id")
    )
    sessions = sorted(
        TreatmentSession.objects.active()
        .filter(patient=patient)
        .values_list("performed_at", flat=True)
    )
    invitations = {
        (inv.timepoint, inv.course_key): inv
        for inv in QuestionnaireInvitation.objects.filter(
            patient=patient, instrument=instrument
        )
    }
    courses = []
    for visit in completes:
        before = [s for s in sessions if s <= visit.starts_at]
        courses.append(
            _Course(
                visit=visit,
                last_session_on=_local_day(before[-1]) if before else None,
                new_course_started=any(s > visit.starts_at for s in sessions),
            )
        )
    archived = patient.archived_at is not None
    _plan_follow_ups(patient, instrument, courses, invitations, today, archived, plan)
    _plan_baseline(
        patient,
        instrument,
        completes,
        sessions,
        invitations,
        today,
        now,
        archived,
        plan,
    )


def _plan_follow_ups(
    patient: Patient,
    instrument: Instrument,
    courses: list[_Course],
    invitations: dict[tuple[str, str], QuestionnaireInvitation],
    today: date,
    archived: bool,
    plan: Plan,
) -> None:
    by_key = {str(course.visit.code): course for course in courses}
    # The planned ones first: cancelled, or moved with their course.
    for (timepoint, key), invitation in invitations.items():
        if timepoint not in FOLLOW_UPS or invitation.status != InvitationStatus.PLANNED:
            continue
        course = by_key.get(key)
        note = ""
        if archived:
            note = ARCHIVED
        elif course is None or course.last_session_on is None:
            note = NOT_COMPLETE
        elif course.new_course_started:
            note = NEW_COURSE
        elif missed(course.last_session_on, timepoint, today):
            note = MISSED
        if note:
            cancel_invitation(invitation, note)
            plan.cancelled += 1
            continue
        assert course is not None and course.last_session_on is not None
        if invitation.course_last_session_on != course.last_session_on:
            invitation.course_last_session_on = course.last_session_on
            invitation.due_on = follow_up_due(course.last_session_on, timepoint)
            save_invitation(invitation, "The course's last session changed")
            plan.moved += 1
    if archived:
        return
    for key, course in by_key.items():
        if course.last_session_on is None or course.new_course_started:
            continue
        for timepoint in FOLLOW_UPS:
            if (timepoint, key) in invitations:
                continue
            if missed(course.last_session_on, timepoint, today):
                continue
            invitation = QuestionnaireInvitation(
                patient=patient,
                instrument=instrument,
                timepoint=timepoint,
                course_key=key,
                course_last_session_on=course.last_session_on,
                due_on=follow_up_due(course.last_session_on, timepoint),
            )
            save_invitation(invitation, "Planned by the course schedule")
            invitations[(timepoint, key)] = invitation
            plan.created += 1


def _plan_baseline(
    patient: Patient,
    instrument: Instrument,
    completes: list[FollowUpVisit],
    sessions: list[datetime],
    invitations: dict[tuple[str, str], QuestionnaireInvitation],
    today: date,
    now: datetime,
    archived: bool,
    plan: Plan,
) -> None:
    last_complete = completes[-1] if completes else None
    key = baseline_key(patient, len(completes) + 1)
    started = any(
        last_complete is None or s > last_complete.starts_at for s in sessions
    )
    coming = not started and _treatment_coming(patient, last_complete, today, now)
    # Planned baselines: only the current course's, while its treatment is
    # still coming, may stay.
    for (timepoint, other_key), invitation in invitations.items():
        if (
            timepoint != Timepoint.BASELINE
            or invitation.status != InvitationStatus.PLANNED
        ):
            continue
        note = ""
        if archived:
            note = ARCHIVED
        elif other_key != key or started:
            note = COURSE_STARTED
        elif not coming:
            note = NO_TREATMENT
        if note:
            cancel_invitation(invitation, note)
            plan.cancelled += 1
    if archived or not coming or (Timepoint.BASELINE, key) in invitations:
        return
    answered = QuestionnaireResponse.objects.filter(
        patient=patient,
        instrument=instrument,
        timepoint=Timepoint.BASELINE,
        voided_at__isnull=True,
    )
    if last_complete is not None:
        answered = answered.filter(answered_at__gt=last_complete.starts_at)
    if answered.exists():
        return
    invitation = QuestionnaireInvitation(
        patient=patient,
        instrument=instrument,
        timepoint=Timepoint.BASELINE,
        course_key=key,
        due_on=today,
    )
    save_invitation(invitation, "Planned by the course schedule")
    invitations[(Timepoint.BASELINE, key)] = invitation
    plan.created += 1


def _treatment_coming(
    patient: Patient,
    last_complete: FollowUpVisit | None,
    today: date,
    now: datetime,
) -> bool:
    booked = FollowUpVisit.objects.filter(
        patient=patient,
        purpose=VisitPurpose.TREATMENT,
        status=VisitStatus.SCHEDULED,
        starts_at__gt=now,
    )
    if booked.exists():
        return True
    earliest = today - timedelta(days=DOPPLER_VALID_DAYS)
    if last_complete is not None:
        earliest = max(earliest, _local_day(last_complete.starts_at))
    return (
        DopplerAssessment.objects.filter(
            patient=patient,
            voided_at__isnull=True,
            recommended_plan__in=SCLEROTHERAPY_PLANS,
            assessed_on__gte=earliest,
        )
        .only("pk")
        .exists()
    )


# --- runs over many patients ------------------------------------------------------


def _plan_patients(patient_ids: Iterable[int], today: date) -> Plan:
    instrument = scheduled_instrument()
    total = Plan()
    if instrument is None:
        total.notes.append("no active scheduled questionnaire")
        return total
    for patient_id in sorted(set(patient_ids)):
        total.add(plan_for_patient(patient_id, today, instrument))
    return total


def changed_patients(since: datetime) -> set[int]:
    """The patients whose visits, sessions or Doppler assessments were
    created or changed since `since`, read from the audit trail by its
    indexed date."""
    ids: set[int] = set()
    for model in (FollowUpVisit, TreatmentSession, DopplerAssessment):
        history = model.history.model
        ids.update(
            history.objects.filter(history_date__gte=since)
            .values_list("patient_id", flat=True)
            .distinct()
        )
    return ids


def plan_invitations(today: date, *, days: int = CHANGED_DAYS) -> Plan:
    """Plan the invitations of the patients whose records changed in the
    last `days` days (the periodic run)."""
    since = timezone.make_aware(datetime.combine(today - timedelta(days=days), time()))
    return _plan_patients(changed_patients(since), today)


def patients_in_reach(today: date) -> set[int]:
    """Every patient the schedule may still ask something: a "course
    complete" visit recent enough for its 12-month timepoint, a treatment
    booked ahead, or a recent Doppler recommending sclerotherapy."""
    now = timezone.now()
    # 12 months after the last session, which is before the visit.
    oldest = timezone.make_aware(
        datetime.combine(add_months(today, -12) - timedelta(days=MAX_LATE_DAYS), time())
    )
    ids: set[int] = set(
        FollowUpVisit.objects.filter(
            status=VisitStatus.COMPLETED,
            plan=VisitPlan.COMPLETE,
            starts_at__gte=oldest,
        ).values_list("patient_id", flat=True)
    )
    ids.update(
        FollowUpVisit.objects.filter(
            purpose=VisitPurpose.TREATMENT,
            status=VisitStatus.SCHEDULED,
            starts_at__gt=now,
        ).values_list("patient_id", flat=True)
    )
    ids.update(
        DopplerAssessment.objects.filter(
            voided_at__isnull=True,
            recommended_plan__in=SCLEROTHERAPY_PLANS,
            assessed_on__gte=today - timedelta(days=DOPPLER_VALID_DAYS),
        ).values_list("patient_id", flat=True)
    )
    # Planned invitations may need cancelling (a course un-completed).
    ids.update(
        QuestionnaireInvitation.objects.filter(
            status=InvitationStatus.PLANNED
        ).values_list("patient_id", flat=True)
    )
    return ids


def plan_all(today: date) -> Plan:
    """Plan every patient in reach of the schedule (after an upgrade or a
    restore; the periodic run covers the changes after that)."""
    return _plan_patients(patients_in_reach(today), today)
