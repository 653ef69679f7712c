"""Sending the questionnaire invitations the schedule planned.

`send_due(today)` (the periodic run, `manage.py questionnaires`) marks
expired the sent invitations whose link has run out, and enqueues one
background task per planned invitation due by `today`
(outcomes.tasks.send_questionnaire_invitation). The task, in the worker,
calls `send_invitation`, which decides with the record as it is then:

- cancelled (status_note says why) when the schedule no longer wants it: the
  course un-completed or a new one started, the baseline's course already
  begun, the timepoint missed (outcomes.schedule), the patient archived, or
  the timepoint already answered on the clinic's tablet;
- "not sent" (FAILED) with "no contact consent" when the patient agreed to
  neither email nor SMS, or with the reasons (no address, number not valid)
  when no agreed channel can reach them; the front desk can hand them the
  tablet at the next visit;
- otherwise sent by email when the patient agreed to email and has an
  address, else by SMS (the same consent and address rules as the visit
  reminders, visits.reminders.recipient_for): SENT with the channel, the time
  and `expires_at` = sent + SCLERO_QUESTIONNAIRE_LINK_DAYS; a send that
  fails is FAILED with the error's class and text (never re-sent on its own).

The message is in the patient's language and holds the clinic's (site's)
name, the link and the day it expires, nothing about the patient's health.
The row is locked while it is sent: two tasks for one invitation (the
periodic run enqueued it twice) send it once.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from clinics.models import Letterhead, Site
from outcomes import schedule
from outcomes.models import (
    InvitationChannel,
    InvitationStatus,
    QuestionnaireInvitation,
    QuestionnaireResponse,
    Timepoint,
)
from treatments.models import TreatmentSession
from visits import reminders
from visits.models import FollowUpVisit, VisitPurpose, VisitStatus
from visits.reminders import recipient_for

logger = logging.getLogger(__name__)

NO_CONSENT = gettext_noop("no contact consent")

NOT_PLANNED = "not planned"
NOT_DUE = "not due"


def link_days() -> int:
    return int(settings.SCLERO_QUESTIONNAIRE_LINK_DAYS)


@dataclass
class Sent:
    """What a sending run did."""

    expired: int = 0
    enqueued: int = 0


# --- the periodic run ------------------------------------------------------------


def expire_sent(now: datetime | None = None) -> int:
    """Mark expired the sent invitations whose link has run out."""
    now = now or timezone.now()
    count = 0
    with transaction.atomic():
        for invitation in QuestionnaireInvitation.objects.select_for_update().filter(
            status=InvitationStatus.SENT, expires_at__lte=now
        ):
            invitation.status = InvitationStatus.EXPIRED
            invitation._change_reason = "Link expired"  # type: ignore[attr-defined]
            invitation.save()
            count += 1
    return count


def _enqueue(invitation_ids: list[int]) -> None:
    from outcomes.tasks import send_questionnaire_invitation

    for invitation_id in invitation_ids:
        send_questionnaire_invitation.enqueue(invitation_id)


def send_due(today: date | None = None) -> Sent:
    """Expire the links that ran out and enqueue the sending of the planned
    invitations due by `today` (a second run before the worker sends them
    enqueues them again: harmless, the row lock sends each once)."""
    today = today or timezone.localdate()
    result = Sent(expired=expire_sent())
    due = list(
        QuestionnaireInvitation.objects.filter(
            status=InvitationStatus.PLANNED, due_on__lte=today
        )
        .order_by("due_on", "id")
        .values_list("pk", flat=True)
    )
    if due:
        transaction.on_commit(lambda: _enqueue(due))
    result.enqueued = len(due)
    return result


# --- one invitation --------------------------------------------------------------


def _why_cancel(invitation: QuestionnaireInvitation, today: date) -> str:
    """Why the schedule no longer wants the invitation sent, or ""."""
    patient = invitation.patient
    if patient.archived_at is not None:
        return schedule.ARCHIVED
    answered = QuestionnaireResponse.objects.filter(
        patient=patient,
        instrument=invitation.instrument,
        timepoint=invitation.timepoint,
        voided_at__isnull=True,
    )
    if invitation.timepoint == Timepoint.BASELINE:
        started = TreatmentSession.objects.active().filter(patient=patient)
        last_complete = schedule.last_complete_visit(patient)
        if last_complete is not None:
            started = started.filter(performed_at__gt=last_complete.starts_at)
            answered = answered.filter(answered_at__gt=last_complete.starts_at)
        if started.exists():
            return schedule.COURSE_STARTED
    else:
        last_session_on = invitation.course_last_session_on
        if last_session_on is None:
            return schedule.NOT_COMPLETE
        if schedule.missed(last_session_on, invitation.timepoint, today):
            return schedule.MISSED
        # Answered at the clinic since the timepoint came within reach.
        answered = answered.filter(
            answered_at__date__gte=invitation.due_on - timedelta(days=14)
        )
    if answered.exists():
        return schedule.ANSWERED_AT_CLINIC
    return ""


def _channel(patient) -> tuple[str, str, str]:
    """(channel, recipient, "") for the first channel the patient agreed to
    and can be reached on, email first; ("", "", why) when none."""
    reasons = []
    for channel in (InvitationChannel.EMAIL, InvitationChannel.SMS):
        recipient, why_not = recipient_for(patient, channel)
        if not why_not:
            return channel, recipient, ""
        reasons.append(why_not)
    if not (patient.contact_by_email or patient.contact_by_sms):
        return "", "", NO_CONSENT
    return "", "", "; ".join(reasons)


def _site(invitation: QuestionnaireInvitation) -> Site | None:
    """The site the message speaks for: the "course complete" visit's for a
    follow-up; for a baseline the booked treatment's, else the patient's
    last session's; else the clinic's first site."""
    patient = invitation.patient
    visit = None
    if invitation.timepoint == Timepoint.BASELINE:
        visit = (
            FollowUpVisit.objects.filter(
                patient=patient,
                purpose=VisitPurpose.TREATMENT,
                status=VisitStatus.SCHEDULED,
                starts_at__gt=timezone.now(),
            )
            .select_related("site")
            .order_by("starts_at")
            .first()
        )
    else:
        visit = (
            FollowUpVisit.objects.filter(code=invitation.course_key)
            .select_related("site")
            .first()
            if _is_uuid(invitation.course_key)
            else None
        )
    if visit is not None:
        return visit.site
    session = (
        TreatmentSession.objects.active()
        .filter(patient=patient)
        .select_related("site")
        .order_by("-performed_at")
        .first()
    )
    if session is not None:
        return session.site
    return Site.objects.active().order_by("id").first()


def _is_uuid(text: str) -> bool:
    import uuid

    try:
        uuid.UUID(text)
    except ValueError:
        return False
    return True


def message_context(invitation: QuestionnaireInvitation) -> dict:
    """What the message says: the clinic's name, the link, the expiry day
    (in the language active when it is called)."""
    from outcomes.links import invitation_url

    site = _site(invitation)
    clinic_name = site.name if site else ""
    if not clinic_name:
        clinic_name = Letterhead.current().clinic_name
    expires = (
        timezone.localtime(invitation.expires_at) if invitation.expires_at else None
    )
    return {
        "clinic_name": clinic_name,
        "site": site,
        "link": f"{settings.SCLERO_SITE_URL}{invitation_url(invitation)}",
        # Weekday and month in the patient's language, as in the reminders.
        "expires_text": reminders._day_text(expires) if expires else "",
        "expires_short": expires.strftime("%d/%m/%Y") if expires else "",
        "instrument_name": invitation.instrument.name_in(invitation.patient.language),
    }


def email_message(invitation: QuestionnaireInvitation, to: str) -> EmailMessage:
    with (
        translation.override(invitation.patient.language),
        timezone.override(settings.TIME_ZONE),
    ):
        context = message_context(invitation)
        subject = _("A short questionnaire from %(clinic)s") % {
            "clinic": context["clinic_name"]
        }
        body = render_to_string("outcomes/messages/invitation_email.txt", context)
    return EmailMessage(subject=subject, body=body, to=[to])


def sms_text(invitation: QuestionnaireInvitation) -> str:
    """The SMS, in the patient's language."""
    with (
        translation.override(invitation.patient.language),
        timezone.override(settings.TIME_ZONE),
    ):
        context = message_context(invitation)
        return _(
            "%(clinic)s: please fill in a short questionnaire by %(date)s: %(link)s"
        ) % {
            "clinic": context["clinic_name"],
            "date": context["expires_short"],
            "link": context["link"],
        }


def _deliver(invitation: QuestionnaireInvitation, channel: str, to: str) -> str:
    if channel == InvitationChannel.EMAIL:
        email_message(invitation, to).send()
        return ""
    from core.sms import get_backend

    return get_backend().send(to, sms_text(invitation))


def send_invitation(invitation_id: int, today: date | None = None) -> str:
    """Decide and send one invitation; return its status afterwards (or
    "not planned" / "not due"). Runs in the worker."""
    today = today or timezone.localdate()
    with transaction.atomic():
        invitation = (
            QuestionnaireInvitation.objects.select_for_update()
            .filter(pk=invitation_id)
            .first()
        )
        if invitation is None or invitation.status != InvitationStatus.PLANNED:
            return NOT_PLANNED
        if invitation.due_on > today:
            return NOT_DUE
        # Read after the lock (select_related would lock the patient too).
        invitation.patient  # noqa: B018
        why = _why_cancel(invitation, today)
        if why:
            schedule.cancel_invitation(invitation, why)
            return invitation.status
        channel, recipient, why = _channel(invitation.patient)
        if why:
            invitation.status = InvitationStatus.FAILED
            invitation.status_note = why
            schedule.save_invitation(invitation, "Not sent")
            return invitation.status
        now = timezone.now()
        invitation.channel = channel
        invitation.sent_at = now
        invitation.expires_at = now + timedelta(days=link_days())
        try:
            _deliver(invitation, channel, recipient)
        except Exception as error:  # noqa: BLE001 (any failure is recorded)
            logger.warning(
                "Questionnaire invitation %s not sent (%s)",
                invitation.pk,
                type(error).__name__,
            )
            invitation.status = InvitationStatus.FAILED
            invitation.status_note = f"{type(error).__name__}: {error}"[:255]
            invitation.sent_at = None
            invitation.expires_at = None
            schedule.save_invitation(invitation, "Sending failed")
            return invitation.status
        invitation.status = InvitationStatus.SENT
        invitation.status_note = ""
        schedule.save_invitation(invitation, "Sent")
    logger.info("Questionnaire invitation %s sent (%s)", invitation.pk, channel)
    return InvitationStatus.SENT
