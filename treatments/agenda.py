"""Follow-up visits: booking, rescheduling, status changes, outcome, ICS.

Every write to a FollowUpVisit goes through these functions (views, admin
actions and commands alike). They run in a transaction, check the status
transition and the clinician's agenda, call full_clean() and raise
ValidationError keyed by model field.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from datetime import timezone as dt_timezone

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Exists, OuterRef, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from patients.models import Patient
from patients.roles import CLINICIAN
from treatments.models import (
    AdverseEvent,
    FollowUpVisit,
    Form,
    Injection,
    StatusReason,
    TreatmentSession,
    VisitPlan,
    VisitPurpose,
    VisitStatus,
)

MIN_DURATION_MIN = 5
MAX_DURATION_MIN = 240
DEFAULT_DURATION_MIN = 20

# Follow-up timing, DOMAIN.md §7.2 ("a sensible default: 2 weeks coagulum /
# complication check ... duplex 1-4 weeks after UGFS"; repeat sessions are
# commonly 4-6 weeks apart).
CHECK_AFTER_DAYS = 14
DUPLEX_AFTER_UGFS_DAYS = 14
NEXT_TREATMENT_MIN_DAYS = 28
NEXT_TREATMENT_MAX_DAYS = 42

# The worklist looks back this far for treated patients without a follow-up.
WORKLIST_LOOKBACK_DAYS = 90

# Visits that occupy the clinician's time; cancelled and no-show ones do not.
ACTIVE_STATUSES = (VisitStatus.SCHEDULED, VisitStatus.ARRIVED)
# A visit in one of these counts as "follow-up booked" for the worklist.
BOOKED_STATUSES = (VisitStatus.SCHEDULED, VisitStatus.ARRIVED, VisitStatus.COMPLETED)

ALLOWED_TRANSITIONS: dict[str, frozenset[str]] = {
    VisitStatus.SCHEDULED: frozenset(
        {VisitStatus.ARRIVED, VisitStatus.CANCELLED, VisitStatus.NO_SHOW}
    ),
    VisitStatus.ARRIVED: frozenset({VisitStatus.COMPLETED, VisitStatus.CANCELLED}),
    VisitStatus.COMPLETED: frozenset(),
    VisitStatus.CANCELLED: frozenset(),
    VisitStatus.NO_SHOW: frozenset(),
}

CANCEL_REASONS = (
    StatusReason.PATIENT_REQUEST,
    StatusReason.CLINIC,
    StatusReason.ILLNESS,
    StatusReason.RESCHEDULED,
    StatusReason.OTHER,
)
NO_SHOW_REASONS = (
    StatusReason.FORGOT,
    StatusReason.NO_CONTACT,
    StatusReason.ILLNESS,
    StatusReason.OTHER,
)

_STATUS_VERBS = {
    VisitStatus.ARRIVED: gettext_lazy("marked as arrived"),
    VisitStatus.COMPLETED: gettext_lazy("completed"),
    VisitStatus.CANCELLED: gettext_lazy("cancelled"),
    VisitStatus.NO_SHOW: gettext_lazy("marked as no-show"),
}


# --- small helpers ---------------------------------------------------------


def clinicians() -> QuerySet:
    """Return the active users in the clinician group, by name."""
    return (
        get_user_model()
        .objects.filter(groups__name=CLINICIAN, is_active=True)
        .order_by("last_name", "first_name", "username")
        .distinct()
    )


def clinician_label(user) -> str:
    """Return "Dr Rossi" (last name, else first name, else username)."""
    name = user.last_name or user.first_name or user.username
    return _("Dr %(name)s") % {"name": name}


def local_day_bounds(day: date) -> tuple[datetime, datetime]:
    """Return the aware start and end of a day in the clinic's time zone.

    Local midnight to local midnight: a 00:30 visit in Rome belongs to that
    day, although it is still the day before in UTC. Across a DST change the
    day is 23 or 25 hours long, which this handles by building both ends
    from local wall-clock midnight.
    """
    start = timezone.make_aware(datetime.combine(day, time.min))
    end = timezone.make_aware(datetime.combine(day + timedelta(days=1), time.min))
    # In UTC, so that subtracting or adding to them counts real hours.
    return start.astimezone(dt_timezone.utc), end.astimezone(dt_timezone.utc)


def week_start(day: date) -> date:
    """Return the Monday of the week holding `day`."""
    return day - timedelta(days=day.weekday())


def _fmt_slot(visit: FollowUpVisit) -> str:
    start = timezone.localtime(visit.starts_at)
    end = timezone.localtime(visit.ends_at)
    return f"{start:%H:%M}–{end:%H:%M}"


def _check_transition(visit: FollowUpVisit, new_status: str) -> None:
    if new_status not in ALLOWED_TRANSITIONS[visit.status]:
        raise ValidationError(
            {
                "status": _("This visit is %(status)s; it cannot be %(verb)s.")
                % {
                    "status": visit.get_status_display().lower(),
                    "verb": _STATUS_VERBS[new_status],
                }
            },
            code="invalid_transition",
        )


def _check_version(visit: FollowUpVisit, expected_version: int | None) -> None:
    if expected_version is not None and visit.version != expected_version:
        raise ValidationError(
            _(
                "Someone else changed this visit while you were editing it. "
                "Reload the page to see their changes, then try again."
            ),
            code="stale",
        )


def _check_slot(
    *,
    clinician,
    starts_at: datetime,
    duration_min: int,
    exclude_pk: int | None = None,
) -> None:
    """Refuse a slot in the past, an odd duration, or a double-booking.

    Must run inside transaction.atomic().
    """
    errors: dict[str, list[str]] = {}
    if timezone.is_naive(starts_at):
        raise ValueError("starts_at must be an aware datetime")
    # Python adds a timedelta to a Europe/Rome datetime in wall-clock time,
    # which is wrong across a DST change; in UTC it counts real minutes.
    starts_at = starts_at.astimezone(dt_timezone.utc)
    if duration_min is None or not MIN_DURATION_MIN <= duration_min <= MAX_DURATION_MIN:
        errors.setdefault("duration_min", []).append(
            _("A visit lasts between %(min)s and %(max)s minutes.")
            % {"min": MIN_DURATION_MIN, "max": MAX_DURATION_MIN}
        )
    if starts_at < timezone.now():
        errors.setdefault("starts_at", []).append(
            _("This time has already passed; choose a time in the future.")
        )
    if not clinician.groups.filter(name=CLINICIAN).exists() or not clinician.is_active:
        errors.setdefault("clinician", []).append(
            _("Visits can only be booked with an active clinician.")
        )
    if errors:
        raise ValidationError(errors)

    # Two desks booking the same clinician at the same moment would both
    # read "no overlap" and both insert. Locking the clinician's user row
    # first makes every booking for that clinician wait for the previous one
    # to commit, so the overlap check below always sees the latest agenda.
    # (On SQLite select_for_update is a no-op, but the IMMEDIATE transaction
    # mode set in settings already serialises writers.)
    get_user_model().objects.select_for_update().only("pk").get(pk=clinician.pk)
    ends_at = starts_at + timedelta(minutes=duration_min)
    overlapping = (
        FollowUpVisit.objects.filter(
            clinician=clinician,
            status__in=ACTIVE_STATUSES,
            starts_at__lt=ends_at,
        )
        .exclude(pk=exclude_pk)
        .order_by("starts_at")
    )
    # ends_at is not a column, so the other half of the overlap test (other
    # visit ends after this one starts) is done here; visits last at most
    # MAX_DURATION_MIN, which bounds the rows read.
    earliest = starts_at - timedelta(minutes=MAX_DURATION_MIN)
    for other in overlapping.filter(starts_at__gt=earliest):
        if other.ends_at > starts_at:
            other_day = timezone.localdate(other.starts_at)
            on_day = (
                ""
                if other_day == timezone.localdate(starts_at)
                else " " + _("on %(day)s") % {"day": other_day.isoformat()}
            )
            raise ValidationError(
                {
                    "starts_at": _(
                        "%(clinician)s already has a visit %(slot)s%(on_day)s. "
                        "Choose another time or another clinician."
                    )
                    % {
                        "clinician": clinician_label(clinician),
                        "slot": _fmt_slot(other),
                        "on_day": on_day,
                    }
                },
                code="double_booking",
            )


def _save(visit: FollowUpVisit, reason: str) -> FollowUpVisit:
    visit.version += 1
    visit._change_reason = reason
    visit.full_clean()
    visit.save()
    return visit


def _locked(visit: FollowUpVisit) -> FollowUpVisit:
    return FollowUpVisit.objects.select_for_update().get(pk=visit.pk)


# --- booking ---------------------------------------------------------------


def visit_book(
    *,
    patient: Patient,
    clinician,
    starts_at: datetime,
    duration_min: int,
    purpose: str,
    session: TreatmentSession | None = None,
    user=None,
) -> FollowUpVisit:
    """Book a follow-up visit; refuse a double-booking of the clinician."""
    if patient.is_archived:
        raise ValidationError(
            _("This patient is archived; restore the record before booking.")
        )
    if session is not None and (session.patient_id != patient.pk or session.is_voided):
        raise ValidationError(
            {"session": _("Choose one of this patient's (not voided) sessions.")}
        )
    with transaction.atomic():
        _check_slot(clinician=clinician, starts_at=starts_at, duration_min=duration_min)
        visit = FollowUpVisit(
            patient=patient,
            clinician=clinician,
            starts_at=starts_at,
            duration_min=duration_min,
            purpose=purpose,
            session=session,
            created_by=user,
        )
        visit._change_reason = "Booked"
        visit.full_clean()
        visit.save()
    return visit


def visit_reschedule(
    *,
    visit: FollowUpVisit,
    starts_at: datetime,
    duration_min: int,
    clinician,
    expected_version: int | None,
    user=None,
) -> FollowUpVisit:
    """Move a scheduled visit to another time and/or clinician."""
    with transaction.atomic():
        # Lock order everywhere: the visit row, then the clinician's row.
        current = _locked(visit)
        _check_version(current, expected_version)
        if current.status != VisitStatus.SCHEDULED:
            raise ValidationError(
                {
                    "status": _(
                        "Only a scheduled visit can be moved; this one is %(s)s."
                    )
                    % {"s": current.get_status_display().lower()}
                },
                code="invalid_transition",
            )
        _check_slot(
            clinician=clinician,
            starts_at=starts_at,
            duration_min=duration_min,
            exclude_pk=visit.pk,
        )
        current.starts_at = starts_at
        current.duration_min = duration_min
        current.clinician = clinician
        _save(current, "Rescheduled")
    return current


# --- status changes --------------------------------------------------------


def _set_status(
    *, visit: FollowUpVisit, status: str, reason: str = "", note: str = "",
    allowed_reasons: tuple = (),
) -> FollowUpVisit:
    note = (note or "").strip()
    with transaction.atomic():
        current = _locked(visit)
        _check_transition(current, status)
        if allowed_reasons:
            if reason not in allowed_reasons:
                raise ValidationError({"status_reason": _("Choose a reason.")})
            if reason == StatusReason.OTHER and not note:
                raise ValidationError(
                    {"status_note": _("Say what the other reason is.")}
                )
        current.status = status
        current.status_reason = reason
        current.status_note = note
        if status == VisitStatus.ARRIVED:
            current.arrived_at = timezone.now()
        _save(current, f"Status: {status}")
    return current


def visit_cancel(
    *, visit: FollowUpVisit, reason: str, note: str = "", user=None
) -> FollowUpVisit:
    """Cancel a scheduled or arrived visit with a coded reason."""
    return _set_status(
        visit=visit, status=VisitStatus.CANCELLED, reason=reason, note=note,
        allowed_reasons=CANCEL_REASONS,
    )


def visit_mark_arrived(*, visit: FollowUpVisit, user=None) -> FollowUpVisit:
    """Mark that the patient is at the desk (not before the visit's day)."""
    if timezone.localdate() < timezone.localdate(visit.starts_at):
        raise ValidationError(
            {"status": _("The patient can only arrive on the day of the visit.")},
            code="too_early",
        )
    return _set_status(visit=visit, status=VisitStatus.ARRIVED)


def visit_mark_no_show(
    *, visit: FollowUpVisit, reason: str, note: str = "", user=None
) -> FollowUpVisit:
    """Record that the patient did not come (only once the start time passed)."""
    if timezone.now() < visit.starts_at:
        raise ValidationError(
            {
                "status": _(
                    "A visit can be marked as no-show only after its start time."
                )
            },
            code="too_early",
        )
    return _set_status(
        visit=visit, status=VisitStatus.NO_SHOW, reason=reason, note=note,
        allowed_reasons=NO_SHOW_REASONS,
    )


def visit_complete(
    *,
    visit: FollowUpVisit,
    plan: str,
    clearance_pct: int | None = None,
    adverse_events: list[str] | None = None,
    adverse_event_notes: str = "",
    satisfaction: int | None = None,
    outcome_notes: str = "",
    expected_version: int | None = None,
    user=None,
) -> FollowUpVisit:
    """Record the outcome of an arrived visit (or amend a completed one)."""
    events = list(dict.fromkeys(adverse_events or []))
    errors: dict[str, list[str]] = {}
    unknown = [e for e in events if e not in AdverseEvent.values]
    if unknown:
        errors["adverse_events"] = [
            _("Unknown adverse event: %(e)s.") % {"e": ", ".join(unknown)}
        ]
    if AdverseEvent.OTHER in events and not adverse_event_notes.strip():
        errors["adverse_event_notes"] = [_("Describe the other adverse event.")]
    if plan not in VisitPlan.values:
        errors["plan"] = [_("Choose the plan.")]
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        current = _locked(visit)
        _check_version(current, expected_version)
        if current.status != VisitStatus.COMPLETED:
            _check_transition(current, VisitStatus.COMPLETED)
            current.status = VisitStatus.COMPLETED
            current.completed_at = timezone.now()
        current.clearance_pct = clearance_pct
        current.adverse_events = events
        current.adverse_event_notes = adverse_event_notes.strip()
        current.satisfaction = satisfaction
        current.plan = plan
        current.outcome_notes = outcome_notes.strip()
        _save(current, "Outcome recorded")
    return current


def allowed_actions(
    visit: FollowUpVisit, now: datetime | None = None
) -> frozenset[str]:
    """Return the actions open on the visit now, mirroring the checks above:
    "arrive", "no_show", "cancel", "reschedule", "outcome"."""
    now = now or timezone.now()
    nxt = ALLOWED_TRANSITIONS[visit.status]
    actions = set()
    if VisitStatus.ARRIVED in nxt and timezone.localdate(now) >= timezone.localdate(
        visit.starts_at
    ):
        actions.add("arrive")
    if VisitStatus.NO_SHOW in nxt and now >= visit.starts_at:
        actions.add("no_show")
    if VisitStatus.CANCELLED in nxt:
        actions.add("cancel")
    if visit.status == VisitStatus.SCHEDULED:
        actions.add("reschedule")
    if visit.status in (VisitStatus.ARRIVED, VisitStatus.COMPLETED):
        actions.add("outcome")
    return frozenset(actions)


# --- suggested follow-up ---------------------------------------------------


@dataclass(frozen=True)
class Suggestion:
    day: date
    purpose: str

    def get_purpose_display(self) -> str:
        return VisitPurpose(self.purpose).label

    def bookable_day(self, today: date | None = None) -> date:
        """Return the suggested day, or today if it has already passed."""
        today = today or timezone.localdate()
        return max(self.day, today)

    def is_overdue(self, today: date | None = None) -> bool:
        return self.day < (today or timezone.localdate())


def _skip_sunday(day: date) -> date:
    # The clinic's week runs Monday to Saturday.
    return day + timedelta(days=1) if day.weekday() == 6 else day


def session_has_ugfs(session: TreatmentSession) -> bool:
    """Return whether any active injection was ultrasound-guided foam."""
    annotated = getattr(session, "has_ugfs", None)
    if annotated is not None:
        return bool(annotated)
    return session.injections.filter(
        voided_at__isnull=True, form=Form.FOAM, ultrasound_guided=True
    ).exists()


def ugfs_exists() -> Exists:
    """Return an Exists() to annotate sessions with `has_ugfs` in one query."""
    return Exists(
        Injection.objects.filter(
            session=OuterRef("pk"),
            voided_at__isnull=True,
            form=Form.FOAM,
            ultrasound_guided=True,
        )
    )


def suggested_follow_up_date(session: TreatmentSession) -> Suggestion:
    """Return the first follow-up the session calls for (DOMAIN.md §7.2).

    After ultrasound-guided foam a duplex check is due within 1-4 weeks;
    otherwise a post-treatment check at 2 weeks.
    """
    performed = timezone.localdate(session.performed_at)
    if session_has_ugfs(session):
        return Suggestion(
            _skip_sunday(performed + timedelta(days=DUPLEX_AFTER_UGFS_DAYS)),
            VisitPurpose.DOPPLER,
        )
    return Suggestion(
        _skip_sunday(performed + timedelta(days=CHECK_AFTER_DAYS)), VisitPurpose.CHECK
    )


def suggested_next_treatment(session: TreatmentSession) -> Suggestion:
    """Return the earliest usual date for the next session (4-6 weeks)."""
    performed = timezone.localdate(session.performed_at)
    return Suggestion(
        _skip_sunday(performed + timedelta(days=NEXT_TREATMENT_MIN_DAYS)),
        VisitPurpose.TREATMENT,
    )


# --- queries for the agenda pages -------------------------------------------


def visits_between(start: datetime, end: datetime, clinician=None) -> QuerySet:
    """Return visits starting in [start, end), with patient and clinician."""
    visits = FollowUpVisit.objects.filter(starts_at__gte=start, starts_at__lt=end)
    if clinician is not None:
        visits = visits.filter(clinician=clinician)
    return visits.select_related("patient", "clinician").order_by("starts_at", "id")


def worklist_sessions(now: datetime | None = None) -> QuerySet:
    """Return each patient's latest session of the last 90 days with no
    scheduled, arrived or completed visit on or after it."""
    now = now or timezone.now()
    active = TreatmentSession.objects.active()
    latest = active.filter(patient=OuterRef("patient"), performed_at__lte=now).order_by(
        "-performed_at", "-id"
    )
    booked_after = FollowUpVisit.objects.filter(
        patient=OuterRef("patient"),
        starts_at__gte=OuterRef("performed_at"),
        status__in=BOOKED_STATUSES,
    )
    return (
        active.filter(
            performed_at__gte=now - timedelta(days=WORKLIST_LOOKBACK_DAYS),
            performed_at__lte=now,
            patient__archived_at__isnull=True,
            pk=latest.values("pk")[:1],
        )
        .exclude(Exists(booked_after))
        .annotate(has_ugfs=ugfs_exists())
        .select_related("patient", "clinician")
        .order_by("performed_at", "id")
    )


# --- ICS export ------------------------------------------------------------


def _ics_escape(text: str) -> str:
    """Escape a TEXT value (RFC 5545 §3.3.11)."""
    return (
        text.replace("\\", "\\\\")
        .replace(";", "\\;")
        .replace(",", "\\,")
        .replace("\r\n", "\\n")
        .replace("\n", "\\n")
        .replace("\r", "\\n")
    )


def _ics_fold(line: str) -> str:
    """Fold a content line at 75 octets, never splitting a UTF-8 character."""
    out: list[str] = []
    current = ""
    size = 0
    limit = 75
    for char in line:
        width = len(char.encode("utf-8"))
        if size + width > limit:
            out.append(current)
            current, size, limit = " ", 1, 75
        current += char
        size += width
    out.append(current)
    return "\r\n".join(out)


def _ics_utc(value: datetime) -> str:
    return value.astimezone(dt_timezone.utc).strftime("%Y%m%dT%H%M%SZ")


def visit_ics(visit: FollowUpVisit, *, clinic_name: str, location: str = "") -> str:
    """Return a one-event iCalendar file for the visit.

    The summary names only the clinic: the file ends up in the patient's
    phone calendar, which may be shared, so no clinical details go in it.
    """
    status = "CANCELLED" if visit.status in (
        VisitStatus.CANCELLED, VisitStatus.NO_SHOW
    ) else "CONFIRMED"
    duration = timedelta(minutes=visit.duration_min)
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//Sclero Clinic//Agenda//EN",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        "BEGIN:VEVENT",
        f"UID:{visit.code}@sclero-clinic",
        f"DTSTAMP:{_ics_utc(timezone.now())}",
        f"DTSTART:{_ics_utc(visit.starts_at)}",
        f"DTEND:{_ics_utc(visit.starts_at.astimezone(dt_timezone.utc) + duration)}",
        f"SEQUENCE:{visit.version}",
        "SUMMARY:"
        + _ics_escape(_("Appointment at %(clinic)s") % {"clinic": clinic_name}),
        "DESCRIPTION:"
        + _ics_escape(_("With %(dr)s.") % {"dr": clinician_label(visit.clinician)}),
    ]
    if location:
        lines.append("LOCATION:" + _ics_escape(location))
    lines += [f"STATUS:{status}", "END:VEVENT", "END:VCALENDAR"]
    return "".join(_ics_fold(line) + "\r\n" for line in lines)
