"""Visit reminders: planning them, sending them in the background, and
finding the ones whose fate is unknown.

Life of a message (VisitMessage.status):

- planned PENDING when a visit is booked or moved, due
  SCLERO_REMINDER_HOURS real hours before its start (or at once when booked
  later than that), and a task is enqueued to run at that moment; SKIPPED at
  once, with the reason, when the patient gave no consent for that channel or
  has no address or number for it;
- the task CLAIMS it (one conditional UPDATE: only one worker wins), re-reads
  the visit and sends it: SENT, or after a failure PENDING again with a later
  task (FAILED after SCLERO_REMINDER_MAX_ATTEMPTS);
- a message still CLAIMED after SCLERO_REMINDER_CLAIM_TIMEOUT_MINUTES (the
  worker died while sending) becomes UNKNOWN: the patient may or may not have
  it, so it is never re-sent on its own; the front desk sees it and phones;
- a moved, cancelled or missed visit leaves its pending messages SKIPPED.

Details are stored in English (gettext_noop) and translated on the page.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta
from email.mime.text import MIMEText

import phonenumbers
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import EmailMessage
from django.db import transaction
from django.db.models import F
from django.template.loader import render_to_string
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from visits.models import (
    FollowUpVisit,
    MessageChannel,
    MessageKind,
    MessageStatus,
    VisitMessage,
    VisitStatus,
)

logger = logging.getLogger(__name__)

NO_EMAIL_CONSENT = gettext_noop("no consent to email")
NO_SMS_CONSENT = gettext_noop("no consent to SMS")
NO_EMAIL = gettext_noop("no email address")
NO_PHONE = gettext_noop("no phone number")
BAD_PHONE = gettext_noop("phone number not valid")
VISIT_MOVED = gettext_noop("visit moved")
VISIT_CANCELLED = gettext_noop("visit cancelled")
VISIT_NO_SHOW = gettext_noop("visit marked as no-show")
VISIT_CHANGED = gettext_noop("visit changed since it was planned")
VISIT_NOT_SCHEDULED = gettext_noop("visit no longer scheduled")
VISIT_PASSED = gettext_noop("visit already started")
CLAIM_LOST = gettext_noop(
    "sending was interrupted: the patient may or may not have it; phone to check"
)

CHANNELS = (MessageChannel.EMAIL, MessageChannel.SMS)


# --- planning ------------------------------------------------------------------


def due_at_for(visit: FollowUpVisit, now: datetime | None = None) -> datetime:
    """Return when the visit's reminder goes out: SCLERO_REMINDER_HOURS real
    hours before the start (counted in UTC, so a DST change in between does
    not move it), or `now` when that moment has already passed."""
    now = now or timezone.now()
    due = visit.starts_at.astimezone(UTC) - timedelta(
        hours=settings.SCLERO_REMINDER_HOURS
    )
    return max(due, now.astimezone(UTC))


def e164(phone: str) -> str | None:
    """Return the number in E.164, read in SCLERO_PHONE_REGION when it has no
    country code; None when it is not a valid number."""
    try:
        number = phonenumbers.parse(phone, settings.SCLERO_PHONE_REGION)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def recipient_for(patient, channel: str) -> tuple[str, str]:
    """Return (address or E.164 number, "") or ("", why no message may go)."""
    if channel == MessageChannel.EMAIL:
        if not patient.contact_by_email:
            return "", NO_EMAIL_CONSENT
        if not patient.email.strip():
            return "", NO_EMAIL
        return patient.email.strip(), ""
    if not patient.contact_by_sms:
        return "", NO_SMS_CONSENT
    if not patient.phone.strip():
        return "", NO_PHONE
    number = e164(patient.phone)
    if number is None:
        return "", BAD_PHONE
    return number, ""


def _enqueue(message_ids_due: list[tuple[int, datetime]]) -> None:
    from visits.tasks import send_visit_message

    for message_id, due in message_ids_due:
        send_visit_message.using(run_after=due).enqueue(message_id)


def _skip_pending(visit: FollowUpVisit, detail: str) -> int:
    return VisitMessage.objects.filter(
        visit=visit, status=MessageStatus.PENDING
    ).update(status=MessageStatus.SKIPPED, detail=detail, updated_at=timezone.now())


def plan_reminders(visit: FollowUpVisit) -> list[VisitMessage]:
    """Plan the reminders of a visit just booked or moved (call it inside the
    booking's transaction): the earlier pending ones are skipped ("visit
    moved"), one message per channel is created for the visit's current
    version, and the pending ones are enqueued once the transaction commits.

    A visit already started (a back-entered one) gets none.
    """
    now = timezone.now()
    _skip_pending(visit, VISIT_MOVED)
    if visit.status != VisitStatus.SCHEDULED or visit.starts_at <= now:
        return []
    due = due_at_for(visit, now)
    patient = visit.patient
    messages = []
    for channel in CHANNELS:
        recipient, why_not = recipient_for(patient, channel)
        messages.append(
            VisitMessage(
                visit=visit,
                channel=channel,
                kind=MessageKind.REMINDER,
                status=MessageStatus.SKIPPED if why_not else MessageStatus.PENDING,
                due_at=due,
                visit_version=visit.version,
                recipient=recipient,
                detail=why_not,
            )
        )
    # One by one, not bulk_create: the ids are needed for the tasks on every
    # database.
    for message in messages:
        message.save()
    to_send = [(m.pk, m.due_at) for m in messages if m.status == MessageStatus.PENDING]
    if to_send:
        transaction.on_commit(lambda: _enqueue(to_send))
    return messages


def cancel_reminders(visit: FollowUpVisit) -> int:
    """Skip the pending reminders of a visit cancelled or marked no-show."""
    detail = VISIT_NO_SHOW if visit.status == VisitStatus.NO_SHOW else VISIT_CANCELLED
    return _skip_pending(visit, detail)


def send_again(visit: FollowUpVisit, message_id: int) -> VisitMessage:
    """Plan a new message like the visit's failed or unknown one (the front
    desk asked for it, having checked with the patient if need be); it goes
    at once. Refused (ValidationError) for any other message, a visit no
    longer ahead, a patient who cannot be reached on that channel, or when a
    newer message on the channel is already planned or sent."""
    with transaction.atomic():
        visit = FollowUpVisit.objects.select_for_update().get(pk=visit.pk)
        original = VisitMessage.objects.filter(visit=visit, pk=message_id).first()
        if original is None or original.status not in (
            MessageStatus.FAILED,
            MessageStatus.UNKNOWN,
        ):
            raise ValidationError(
                _(
                    "Only a message that failed, or whose fate is unknown, "
                    "is sent again."
                )
            )
        now = timezone.now()
        if visit.status != VisitStatus.SCHEDULED or visit.starts_at <= now:
            raise ValidationError(
                _("The visit is no longer ahead; there is nothing to remind.")
            )
        newer = VisitMessage.objects.filter(
            visit=visit,
            channel=original.channel,
            visit_version=visit.version,
            pk__gt=original.pk,
            status__in=(
                MessageStatus.PENDING,
                MessageStatus.CLAIMED,
                MessageStatus.SENT,
            ),
        )
        if newer.exists():
            raise ValidationError(
                _("A newer message on this channel is already planned or sent.")
            )
        recipient, why_not = recipient_for(visit.patient, original.channel)
        if why_not:
            raise ValidationError(
                _("No message can go: %(why)s.") % {"why": _(why_not)}
            )
        new = VisitMessage.objects.create(
            visit=visit,
            channel=original.channel,
            kind=original.kind,
            status=MessageStatus.PENDING,
            due_at=now,
            visit_version=visit.version,
            recipient=recipient,
        )
        transaction.on_commit(lambda: _enqueue([(new.pk, now)]))
    return new


# --- the sweep -----------------------------------------------------------------


def sweep_stale_claims(now: datetime | None = None) -> int:
    """Mark UNKNOWN the messages claimed longer ago than the claim timeout
    and never marked sent or failed; return how many."""
    now = now or timezone.now()
    cutoff = now - timedelta(minutes=settings.SCLERO_REMINDER_CLAIM_TIMEOUT_MINUTES)
    count = VisitMessage.objects.filter(
        status=MessageStatus.CLAIMED, claimed_at__lt=cutoff
    ).update(status=MessageStatus.UNKNOWN, detail=CLAIM_LOST, updated_at=now)
    if count:
        logger.warning("%d visit message(s) claimed but never finished: unknown", count)
    return count


def requeue_overdue(now: datetime | None = None) -> int:
    """Enqueue again the pending messages overdue by more than the claim
    timeout (their task was lost: the queue emptied, a failed enqueue).
    A duplicate task is harmless: only one claims the message."""
    now = now or timezone.now()
    cutoff = now - timedelta(minutes=settings.SCLERO_REMINDER_CLAIM_TIMEOUT_MINUTES)
    overdue = list(
        VisitMessage.objects.filter(
            status=MessageStatus.PENDING, due_at__lt=cutoff
        ).values_list("pk", flat=True)
    )
    _enqueue([(pk, now) for pk in overdue])
    return len(overdue)


# --- sending -------------------------------------------------------------------


def claim(message_id: int, now: datetime | None = None) -> bool:
    """Take the message for this worker: pending and due → claimed. False
    when another worker has it, or it is no longer (or not yet) to send."""
    now = now or timezone.now()
    return bool(
        VisitMessage.objects.filter(
            pk=message_id, status=MessageStatus.PENDING, due_at__lte=now
        ).update(status=MessageStatus.CLAIMED, claimed_at=now, updated_at=now)
    )


def _finish(message: VisitMessage, status: str, **fields) -> bool:
    """Record the outcome of a claimed message. A message the sweep marked
    unknown while it was being sent may still be finished (the send did end)."""
    return bool(
        VisitMessage.objects.filter(
            pk=message.pk,
            status__in=(MessageStatus.CLAIMED, MessageStatus.UNKNOWN),
        ).update(status=status, updated_at=timezone.now(), **fields)
    )


def _why_not_now(message: VisitMessage, visit: FollowUpVisit, now: datetime) -> str:
    if visit.status != VisitStatus.SCHEDULED:
        return VISIT_NOT_SCHEDULED
    if visit.version != message.visit_version:
        return VISIT_CHANGED
    if visit.starts_at <= now:
        return VISIT_PASSED
    return ""


def send_message(message_id: int) -> str:
    """Claim, check and send one message; return what became of it.

    Runs in the worker (visits.tasks.send_visit_message).
    """
    sweep_stale_claims()
    now = timezone.now()
    if not claim(message_id, now):
        return "not claimed"
    message = VisitMessage.objects.select_related(
        "visit__patient", "visit__site", "visit__clinician"
    ).get(pk=message_id)
    visit = message.visit
    why_not = _why_not_now(message, visit, now)
    recipient = message.recipient
    if not why_not:
        # Consent withdrawn or the address changed since the planning: the
        # record as it is now decides.
        recipient, why_not = recipient_for(visit.patient, message.channel)
    if why_not:
        _finish(message, MessageStatus.SKIPPED, detail=why_not)
        return MessageStatus.SKIPPED
    try:
        if message.channel == MessageChannel.EMAIL:
            provider_id = _send_email(visit, recipient)
        else:
            provider_id = _send_sms(visit, recipient)
    except Exception as error:  # noqa: BLE001 (any failure is a failed attempt)
        return _failed_attempt(message, error)
    _finish(
        message,
        MessageStatus.SENT,
        sent_at=timezone.now(),
        recipient=recipient,
        attempts=F("attempts") + 1,
        detail=provider_id[:255],
    )
    logger.info("Visit message %s sent (%s)", message.pk, message.channel)
    return MessageStatus.SENT


def _failed_attempt(message: VisitMessage, error: Exception) -> str:
    attempts = message.attempts + 1
    # The error's class and text, never the patient's data in the log.
    detail = f"{type(error).__name__}: {error}"[:255]
    logger.warning(
        "Visit message %s: attempt %d failed (%s)",
        message.pk,
        attempts,
        type(error).__name__,
    )
    if attempts >= settings.SCLERO_REMINDER_MAX_ATTEMPTS:
        _finish(message, MessageStatus.FAILED, attempts=attempts, detail=detail)
        return MessageStatus.FAILED
    retry_at = timezone.now() + timedelta(
        minutes=settings.SCLERO_REMINDER_RETRY_MINUTES * attempts
    )
    if _finish(
        message,
        MessageStatus.PENDING,
        attempts=attempts,
        detail=detail,
        claimed_at=None,
        due_at=retry_at,
    ):
        _enqueue([(message.pk, retry_at)])
    return MessageStatus.PENDING


def _day_text(start: datetime) -> str:
    text = formats.date_format(start, "l j E Y")
    # Italian writes weekdays and months in lower case mid-sentence.
    return text.lower() if translation.get_language() == "it" else text


def _context(visit: FollowUpVisit) -> dict:
    from visits.links import confirm_url

    # The clinic's local time (Europe/Rome), whatever the worker's zone.
    start = timezone.localtime(visit.starts_at)
    site = visit.site
    return {
        "visit": visit,
        "patient": visit.patient,
        "site": site,
        "start": start,
        # Weekday and month in the patient's language ("lunedì 29 marzo 2027").
        "day_text": _day_text(start),
        "short_day": start.strftime("%d/%m/%Y"),
        "time_text": start.strftime("%H:%M"),
        "confirm_url": confirm_url(visit),
        "clinic_name": site.name if site else "",
    }


def _send_email(visit: FollowUpVisit, to: str) -> str:
    """Send the email reminder, with the visit's calendar file attached.

    The attachment is METHOD:PUBLISH, not REQUEST: REQUEST is a meeting
    invitation (iTIP) that mail programs answer with Accept/Decline buttons
    mailing the organiser, here a no-reply address; the patient answers
    through the reminder's link instead, and PUBLISH just adds the visit to
    their calendar.
    """
    from visits.ics import visit_calendar_bytes

    with (
        translation.override(visit.patient.language),
        timezone.override(settings.TIME_ZONE),
    ):
        context = _context(visit)
        subject = _("Reminder: your visit on %(day)s at %(time)s") % {
            "day": context["day_text"],
            "time": context["time_text"],
        }
        body = render_to_string("visits/email/reminder.txt", context)
        calendar = visit_calendar_bytes(visit)
    email = EmailMessage(subject=subject, body=body, to=[to])
    attachment = MIMEText(calendar.decode("utf-8"), "calendar", "utf-8")
    attachment.set_param("method", "PUBLISH")
    attachment.add_header("Content-Disposition", "attachment", filename="visit.ics")
    email.attach(attachment)
    email.send()
    return ""


def sms_text(visit: FollowUpVisit) -> str:
    """The short text of the SMS reminder, in the patient's language."""
    with (
        translation.override(visit.patient.language),
        timezone.override(settings.TIME_ZONE),
    ):
        context = _context(visit)
        return _(
            "Reminder: visit on %(day)s at %(time)s, %(site)s. "
            "Confirm or cancel: %(link)s"
        ) % {
            "day": context["short_day"],
            "time": context["time_text"],
            "site": context["clinic_name"],
            "link": context["confirm_url"],
        }


def _send_sms(visit: FollowUpVisit, to: str) -> str:
    from core.sms import get_backend

    return get_backend().send(to, sms_text(visit))
