"""Writes to follow-up visits: booking, moving, status changes, outcome.

Every write to a FollowUpVisit goes through these functions (views, commands
and the demo data alike). They run in a transaction, lock the visit row, check
the transition (FollowUpVisit's state machine), the version the form was
opened on and the clinician's agenda, call full_clean() and raise
ValidationError keyed by model field.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from clinics.availability import booking_problems
from clinics.models import Site, default_site_pk
from clinics.scoping import sees_site
from core.roles import clinician_label, is_clinician
from core.validators import validate_clinical_date
from patients.models import Patient
from treatments.models import TreatmentSession
from visits import reminders
from visits.links import visit_problem
from visits.models import (
    ACTIVE_STATUSES,
    CANCEL_REASONS,
    MAX_DURATION_MIN,
    MIN_DURATION_MIN,
    NO_SHOW_REASONS,
    AdverseEvent,
    Confirmation,
    FollowUpVisit,
    StatusReason,
    VisitPlan,
    VisitStatus,
)
from visits.summaries import visit_key, visits_changed


def _fmt_slot(visit: FollowUpVisit) -> str:
    start = timezone.localtime(visit.starts_at)
    end = timezone.localtime(visit.ends_at)
    return f"{start:%H:%M}–{end:%H:%M}"


def _overlapping(
    visits: QuerySet[FollowUpVisit], starts_at: datetime, ends_at: datetime
) -> FollowUpVisit | None:
    """Return the first active visit among `visits` overlapping the slot.

    ends_at is not a column, so the other half of the overlap test (the
    other visit ends after this one starts) is done here; visits last at
    most MAX_DURATION_MIN, which bounds the rows read.
    """
    earliest = starts_at - timedelta(minutes=MAX_DURATION_MIN)
    candidates = visits.filter(
        status__in=ACTIVE_STATUSES, starts_at__lt=ends_at, starts_at__gt=earliest
    ).order_by("starts_at")
    return next((v for v in candidates if v.ends_at > starts_at), None)


def _on_day(other: FollowUpVisit, starts_at: datetime) -> str:
    other_day = timezone.localdate(other.starts_at)
    if other_day == timezone.localdate(starts_at):
        return ""
    return " " + _("on %(day)s") % {"day": other_day.isoformat()}


def _check_slot(
    *,
    clinician,
    patient: Patient,
    starts_at: datetime,
    duration_min: int,
    exclude_pk: int | None = None,
    back_entry: bool = False,
) -> None:
    """Refuse a slot in the past or out of range, an odd duration, or a
    double booking of the clinician or of the patient.

    Must run inside transaction.atomic().
    """
    errors: dict[str, list[str]] = {}
    if timezone.is_naive(starts_at):
        raise ValueError("starts_at must be an aware datetime")
    try:
        validate_clinical_date(starts_at)
    except ValidationError as error:
        # Checked first: a year-1 or year-9999 time cannot even be moved to UTC.
        raise ValidationError({"starts_at": error.messages}) from None
    # Python adds a timedelta to a Europe/Rome datetime in wall-clock time,
    # which is wrong across a DST change; in UTC it counts real minutes.
    starts_at = starts_at.astimezone(UTC)
    if duration_min is None or not MIN_DURATION_MIN <= duration_min <= MAX_DURATION_MIN:
        errors.setdefault("duration_min", []).append(
            _("A visit lasts between %(min)s and %(max)s minutes.")
            % {"min": MIN_DURATION_MIN, "max": MAX_DURATION_MIN}
        )
    if starts_at < timezone.now() and not back_entry:
        errors.setdefault("starts_at", []).append(
            _("This time has already passed; choose a time in the future.")
        )
    if not is_clinician(clinician):
        errors.setdefault("clinician", []).append(
            _("Visits can only be booked with an active clinician.")
        )
    if errors:
        raise ValidationError(errors)

    # Two desks booking the same clinician (or the same patient) at the same
    # moment would both read "no overlap" and both insert. Locking the
    # clinician's row, then the patient's, makes every such booking wait for
    # the previous one to commit, so the checks below see the latest agenda.
    # (On SQLite select_for_update is a no-op, but the IMMEDIATE transaction
    # mode set in settings already serialises writers.)
    get_user_model().objects.select_for_update().only("pk").get(pk=clinician.pk)
    Patient.objects.select_for_update().only("pk").get(pk=patient.pk)
    ends_at = starts_at + timedelta(minutes=duration_min)
    others = FollowUpVisit.objects.all()
    if exclude_pk is not None:
        others = others.exclude(pk=exclude_pk)
    other = _overlapping(others.filter(clinician=clinician), starts_at, ends_at)
    if other is not None:
        raise ValidationError(
            {
                "starts_at": _(
                    "%(clinician)s already has a visit %(slot)s%(on_day)s. "
                    "Choose another time or another clinician."
                )
                % {
                    "clinician": clinician_label(clinician),
                    "slot": _fmt_slot(other),
                    "on_day": _on_day(other, starts_at),
                }
            },
            code="double_booking",
        )
    other = _overlapping(
        others.filter(patient=patient).select_related("clinician"), starts_at, ends_at
    )
    if other is not None:
        raise ValidationError(
            {
                "starts_at": _(
                    "This patient already has a visit %(slot)s%(on_day)s with "
                    "%(clinician)s. Choose another time."
                )
                % {
                    "clinician": clinician_label(other.clinician),
                    "slot": _fmt_slot(other),
                    "on_day": _on_day(other, starts_at),
                }
            },
            code="patient_double_booking",
        )


# The history keeps a change reason of at most 100 characters: a move's
# reason is kept whole after its prefix.
HISTORY_REASON_MAX = 100
RESCHEDULED = "Rescheduled: "
RESCHEDULE_REASON_MAX_LENGTH = HISTORY_REASON_MAX - len(RESCHEDULED)
BOOKED_OUTSIDE = "Booked outside availability: "
OVERRIDE_REASON_MAX_LENGTH = 255
OVERRIDE_PERMISSION = "visits.override_availability"


def may_override(user) -> bool:
    """Whether `user` may book outside availability (with a reason)."""
    return user is not None and user.has_perm(OVERRIDE_PERMISSION)


def _site(site: Site | None, current_pk: int | None = None, user=None) -> Site:
    """The site asked for, else the visit's, else the clinic's default.

    A member of staff placed at sites books only at theirs (a form, a
    crafted POST or a script alike)."""
    if site is None:
        site = Site.objects.get(pk=current_pk or default_site_pk())
    elif not site.is_active and site.pk != current_pk:
        raise ValidationError({"site": _("This site is no longer in use.")})
    if user is not None and site.pk != current_pk and not sees_site(user, site.pk):
        raise ValidationError(
            {
                "site": _("You do not work at %(site)s; choose one of your sites.")
                % {"site": site.name}
            }
        )
    return site


def _check_availability(
    *,
    site: Site,
    clinician,
    starts_at: datetime,
    duration_min: int,
    user,
    override_reason: str,
) -> str:
    """Refuse a slot outside opening or working hours, on a closure or
    during an absence, naming every reason; unless `user` may override and
    gave a reason. Return the override reason to keep ("" if none needed)."""
    starts_at = starts_at.astimezone(UTC)
    problems = booking_problems(
        site=site,
        clinician=clinician,
        starts_at=starts_at,
        ends_at=starts_at + timedelta(minutes=duration_min),
    )
    if not problems:
        return ""
    if len(override_reason) > OVERRIDE_REASON_MAX_LENGTH:
        raise ValidationError(
            {
                "override_reason": _("At most %(n)s characters.")
                % {"n": OVERRIDE_REASON_MAX_LENGTH}
            }
        )
    allowed = may_override(user)
    if allowed and override_reason:
        return override_reason
    errors = [ValidationError(p.message, code="unavailable") for p in problems]
    if allowed:
        errors.append(
            ValidationError(
                _("Give a reason for booking outside availability to book anyway."),
                code="unavailable",
            )
        )
    raise ValidationError({"starts_at": errors})


def _save(visit: FollowUpVisit, reason: str) -> FollowUpVisit:
    visit.bump_version()
    visit._change_reason = reason
    visit.full_clean()
    visit.save()
    return visit


def _locked(visit: FollowUpVisit) -> FollowUpVisit:
    return FollowUpVisit.objects.select_for_update().get(pk=visit.pk)


def visit_book(
    *,
    patient: Patient,
    clinician,
    starts_at: datetime,
    duration_min: int,
    purpose: str,
    session: TreatmentSession | None = None,
    user=None,
    back_entry: bool = False,
    site: Site | None = None,
    override_reason: str = "",
) -> FollowUpVisit:
    """Book a follow-up visit; refuse a double-booking of the clinician, and
    a slot outside the site's opening hours, on a closure, outside the
    clinician's working hours or during an absence, unless `user` has
    visits.override_availability and gives `override_reason`.

    `site` defaults to the clinic's default site. `back_entry` records a
    visit that already took place (a paper agenda entered afterwards, the
    demo clinic): the time may be in the past and availability is not
    checked.
    """
    override_reason = (override_reason or "").strip()
    if patient.is_archived:
        raise ValidationError(
            _("This patient is archived; restore the record before booking.")
        )
    if session is not None and (session.patient_id != patient.pk or session.is_voided):
        raise ValidationError(
            {"session": _("Choose one of this patient's (not voided) sessions.")}
        )
    with transaction.atomic():
        _check_slot(
            clinician=clinician,
            patient=patient,
            starts_at=starts_at,
            duration_min=duration_min,
            back_entry=back_entry,
        )
        site = _site(site, user=user)
        kept = ""
        if not back_entry:
            kept = _check_availability(
                site=site,
                clinician=clinician,
                starts_at=starts_at,
                duration_min=duration_min,
                user=user,
                override_reason=override_reason,
            )
        visit = FollowUpVisit(
            patient=patient,
            clinician=clinician,
            starts_at=starts_at,
            duration_min=duration_min,
            purpose=purpose,
            session=session,
            site=site,
            override_reason=kept,
            created_by=user,
        )
        visit._change_reason = (
            f"{BOOKED_OUTSIDE}{kept}"[:HISTORY_REASON_MAX] if kept else "Booked"
        )
        visit.full_clean()
        visit.save()
        # _check_slot locked the patient.
        visits_changed(
            patient_id=patient.pk,
            keys=[visit_key(visit.starts_at, visit.clinician_id)],
            lock=False,
        )
        reminders.plan_reminders(visit)
    return visit


def visit_reschedule(
    *,
    visit: FollowUpVisit,
    starts_at: datetime,
    duration_min: int,
    clinician,
    expected_version: int | None,
    user=None,
    site: Site | None = None,
    reason: str = "",
    override_reason: str = "",
) -> FollowUpVisit:
    """Move a scheduled visit to another time, clinician and/or site, for a
    `reason` (kept in the history), through the same rules as a booking.
    `site` defaults to the visit's."""
    reason = (reason or "").strip()
    override_reason = (override_reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Say why the visit is moved.")})
    if len(reason) > RESCHEDULE_REASON_MAX_LENGTH:
        raise ValidationError(
            {
                "reason": _("At most %(n)s characters.")
                % {"n": RESCHEDULE_REASON_MAX_LENGTH}
            }
        )
    with transaction.atomic():
        # Lock order everywhere: the visit row, then the clinician's row.
        current = _locked(visit)
        current.check_version(expected_version)
        current.check_can_reschedule()
        was = visit_key(current.starts_at, current.clinician_id)
        _check_slot(
            clinician=clinician,
            patient=current.patient,
            starts_at=starts_at,
            duration_min=duration_min,
            exclude_pk=visit.pk,
        )
        new_site = _site(site, current.site_id, user=user)
        kept = _check_availability(
            site=new_site,
            clinician=clinician,
            starts_at=starts_at,
            duration_min=duration_min,
            user=user,
            override_reason=override_reason,
        )
        current.starts_at = starts_at
        current.duration_min = duration_min
        current.clinician = clinician
        current.site = new_site
        # The reason belongs to the slot: a move into availability clears it.
        current.override_reason = kept
        change = f"{RESCHEDULED}{reason}"
        if kept:
            change += f" ({BOOKED_OUTSIDE}{kept})"
        _save(current, change[:HISTORY_REASON_MAX])
        visits_changed(
            patient_id=current.patient_id,
            keys=[was, visit_key(current.starts_at, current.clinician_id)],
            lock=False,
        )
        reminders.plan_reminders(current)
    return current


def _set_status(
    *,
    visit: FollowUpVisit,
    status: str,
    reason: str = "",
    note: str = "",
    allowed_reasons: tuple = (),
) -> FollowUpVisit:
    note = (note or "").strip()
    with transaction.atomic():
        current = _locked(visit)
        current.check_can_become(status)
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
        visits_changed(
            patient_id=current.patient_id,
            keys=[visit_key(current.starts_at, current.clinician_id)],
        )
        if status in (VisitStatus.CANCELLED, VisitStatus.NO_SHOW):
            reminders.cancel_reminders(current)
    return current


def visit_cancel(
    *, visit: FollowUpVisit, reason: str, note: str = "", user=None
) -> FollowUpVisit:
    """Cancel a scheduled or arrived visit with a coded reason."""
    return _set_status(
        visit=visit,
        status=VisitStatus.CANCELLED,
        reason=reason,
        note=note,
        allowed_reasons=CANCEL_REASONS,
    )


def visit_mark_arrived(*, visit: FollowUpVisit, user=None) -> FollowUpVisit:
    """Mark that the patient is at the desk (not before the visit's day)."""
    return _set_status(visit=visit, status=VisitStatus.ARRIVED)


def visit_mark_no_show(
    *, visit: FollowUpVisit, reason: str, note: str = "", user=None
) -> FollowUpVisit:
    """Record that the patient did not come (only once the start time passed)."""
    return _set_status(
        visit=visit,
        status=VisitStatus.NO_SHOW,
        reason=reason,
        note=note,
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
        current.check_version(expected_version)
        if current.status != VisitStatus.COMPLETED:
            current.check_transition(VisitStatus.COMPLETED)
            current.status = VisitStatus.COMPLETED
            current.completed_at = timezone.now()
        current.clearance_pct = clearance_pct
        current.adverse_events = events
        current.adverse_event_notes = adverse_event_notes.strip()
        current.satisfaction = satisfaction
        current.plan = plan
        current.outcome_notes = outcome_notes.strip()
        _save(current, "Outcome recorded")
        visits_changed(
            patient_id=current.patient_id,
            keys=[visit_key(current.starts_at, current.clinician_id)],
        )
    return current


PATIENT_ANSWER_REASON = "Patient answered through the reminder link"


def visit_patient_answer(
    *, visit: FollowUpVisit, answer: str, expected_version: int
) -> FollowUpVisit:
    """Record the patient's answer through a reminder's link: they will come,
    or they ask to cancel (the front desk then calls and cancels with a
    reason; the visit stays scheduled until then).

    Refused (ValidationError) for a link that can no longer be answered
    (visits.links.visit_problem: cancelled, started, or moved since
    `expected_version`), and for "will come" after a cancel request. The
    same answer twice changes nothing. The answer does not bump the visit's
    version: it changes neither the time nor the status, so the reminder's
    link and a form the front desk has open both stay good.
    """
    if answer not in (Confirmation.CONFIRMED, Confirmation.CANCEL_REQUESTED):
        raise ValidationError(_("Choose an answer."), code="invalid_answer")
    with transaction.atomic():
        current = _locked(visit)
        problem = visit_problem(current, expected_version)
        if problem is not None:
            raise ValidationError(problem.message, code=problem.code)
        if current.confirmation == answer:
            return current
        if current.confirmation == Confirmation.CANCEL_REQUESTED:
            raise ValidationError(
                _(
                    "You have already asked to cancel; the clinic will call you. "
                    "To keep the appointment, please call the clinic."
                ),
                code="cancel_requested",
            )
        current.confirmation = answer
        current.confirmation_at = timezone.now()
        current._change_reason = PATIENT_ANSWER_REASON
        # The patient, not whoever may be logged in on this browser.
        current._history_user = None
        current.full_clean()
        current.save()
    return current
