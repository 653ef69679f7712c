"""Visit reminders: planning, sending by email (to a real local SMTP server)
and SMS (to a real local HTTP server), retries, crashes and DST."""

from __future__ import annotations

import email
import email.policy
import json
import socket
import threading
from datetime import UTC, date, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import time_machine
from aiosmtpd.controller import Controller
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django_tasks_db.management.commands import db_worker as db_worker_command
from django_tasks_db.models import DBTaskResult
from icalendar import Calendar

from clinics.models import Site
from tests.conftest import make_patient
from tests.helpers import rome
from visits import reminders
from visits import services as visit_services
from visits.models import (
    MessageChannel,
    MessageStatus,
    StatusReason,
    VisitMessage,
    VisitPurpose,
)
from visits.tasks import send_visit_message

pytestmark = [pytest.mark.django_db, pytest.mark.date_dependent]


@pytest.fixture(autouse=True)
def _worker_keeps_the_test_connection(monkeypatch):
    """The worker closes database connections it finds stale between tasks.
    Inside a test's transaction on PostgreSQL that is the test's own
    connection (autocommit off), which it would close under the test; the
    in-memory SQLite one is never closed. The worker runs for real otherwise."""
    monkeypatch.setattr(
        db_worker_command, "close_old_connections", lambda *args, **kwargs: None
    )


# --- servers ---------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class _Inbox:
    def __init__(self) -> None:
        self.messages: list[email.message.EmailMessage] = []
        self.recipients: list[list[str]] = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd)
        self.recipients.append(list(envelope.rcpt_tos))
        self.messages.append(
            email.message_from_bytes(envelope.content, policy=email.policy.default)
        )
        return "250 Message accepted for delivery"


@pytest.fixture
def smtp(settings):
    """A real SMTP server on 127.0.0.1; Django's SMTP backend sends to it."""
    inbox = _Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=_free_port())
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = controller.port
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = ""
    settings.EMAIL_HOST_PASSWORD = ""
    try:
        yield inbox
    finally:
        controller.stop()


class _SmsProvider:
    """What the fake provider received, and the HTTP statuses it answers with."""

    def __init__(self) -> None:
        self.requests: list[dict] = []
        self.statuses: list[int] = []


@pytest.fixture
def sms_provider(settings):
    provider = _SmsProvider()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802 (http.server)
            length = int(self.headers.get("Content-Length", "0"))
            provider.requests.append(
                {
                    "path": self.path,
                    "headers": dict(self.headers),
                    "body": json.loads(self.rfile.read(length)),
                }
            )
            status = provider.statuses.pop(0) if provider.statuses else 200
            answer = json.dumps({"id": f"msg-{len(provider.requests)}"}).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(answer)))
            self.end_headers()
            self.wfile.write(answer)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    settings.SCLERO_SMS_BACKEND = "http"
    settings.SCLERO_SMS_URL = f"http://127.0.0.1:{server.server_port}/v1/messages"
    settings.SCLERO_SMS_TOKEN = "test-token"
    settings.SCLERO_SMS_SENDER = "Clinic"
    settings.SCLERO_SMS_TIMEOUT = 5
    try:
        yield provider
    finally:
        server.shutdown()
        server.server_close()


# --- data ------------------------------------------------------------------------


@pytest.fixture
def site(db):
    return Site.objects.create(
        name="Studio Centro", address="Via Roma 1\n00100 Roma", phone="06 1234567"
    )


def consenting_patient(**extra):
    fields = {
        "email": "maria@example.org",
        "phone": "333 123 4567",
        "contact_by_email": True,
        "contact_by_sms": True,
    }
    fields.update(extra)
    return make_patient(**fields)


def book(patient, clinician, starts_at, site=None):
    visit = visit_services.visit_book(
        patient=patient,
        clinician=clinician,
        starts_at=starts_at,
        duration_min=20,
        purpose=VisitPurpose.CHECK,
    )
    if site is not None and visit.site_id != site.pk:
        type(visit).objects.filter(pk=visit.pk).update(site=site)
        visit.refresh_from_db()
    return visit


def soon():
    """A visit start closer than the reminder hours: its reminders are due at
    once, whatever the time of day the suite's clock is frozen at."""
    return (timezone.now() + timedelta(hours=3)).replace(second=0, microsecond=0)


def message(visit, channel) -> VisitMessage:
    return visit.messages.get(channel=channel, visit_version=visit.version)


def sms_only(**extra):
    return consenting_patient(contact_by_email=False, **extra)


def email_only(**extra):
    return consenting_patient(contact_by_sms=False, **extra)


# --- planning --------------------------------------------------------------------


def test_booking_plans_one_message_per_channel_24_hours_before(
    clinician, django_capture_on_commit_callbacks
):
    starts_at = timezone.now() + timedelta(days=3)
    with django_capture_on_commit_callbacks(execute=True):
        visit = book(consenting_patient(), clinician, starts_at)
    mail, sms = message(visit, "email"), message(visit, "sms")
    assert mail.status == sms.status == MessageStatus.PENDING
    assert mail.due_at == sms.due_at == starts_at - timedelta(hours=24)
    assert mail.recipient == "maria@example.org"
    assert sms.recipient == "+393331234567"
    assert mail.visit_version == visit.version
    # One task per message, to run when it is due.
    tasks = DBTaskResult.objects.filter(task_path="visits.tasks.send_visit_message")
    assert sorted(t.args_kwargs["args"][0] for t in tasks) == sorted([mail.pk, sms.pk])
    assert {t.run_after for t in tasks} == {mail.due_at}


def test_a_visit_booked_within_the_reminder_hours_is_reminded_at_once(clinician):
    before = timezone.now()
    visit = book(consenting_patient(), clinician, before + timedelta(hours=5))
    mail = message(visit, "email")
    assert before <= mail.due_at <= timezone.now()


def test_reminder_hours_come_from_the_setting(clinician, settings):
    settings.SCLERO_REMINDER_HOURS = 48
    starts_at = timezone.now() + timedelta(days=5)
    visit = book(consenting_patient(), clinician, starts_at)
    assert message(visit, "sms").due_at == starts_at - timedelta(hours=48)


@pytest.mark.parametrize(
    ("fields", "channel", "detail"),
    [
        ({"contact_by_sms": False}, "sms", "no consent to SMS"),
        ({"contact_by_email": False}, "email", "no consent to email"),
        ({"email": ""}, "email", "no email address"),
        ({"phone": ""}, "sms", "no phone number"),
        ({"phone": "12"}, "sms", "phone number not valid"),
    ],
)
def test_no_consent_or_no_address_is_skipped_with_the_reason(
    clinician, django_capture_on_commit_callbacks, fields, channel, detail
):
    with django_capture_on_commit_callbacks(execute=True):
        visit = book(
            consenting_patient(**fields), clinician, timezone.now() + timedelta(days=2)
        )
    skipped = message(visit, channel)
    assert skipped.status == MessageStatus.SKIPPED
    assert skipped.detail == detail
    assert skipped.recipient == ""
    other = message(visit, "email" if channel == "sms" else "sms")
    assert other.status == MessageStatus.PENDING
    tasks = DBTaskResult.objects.filter(task_path="visits.tasks.send_visit_message")
    assert [t.args_kwargs["args"][0] for t in tasks] == [other.pk]


def test_no_consent_sends_nothing(clinician, smtp, sms_provider):
    patient = make_patient(email="maria@example.org", phone="3331234567")
    visit = book(patient, clinician, soon())
    assert set(visit.messages.values_list("status", flat=True)) == {"skipped"}
    for sent in visit.messages.all():
        assert send_visit_message.call(sent.pk) == "not claimed"
    assert smtp.messages == []
    assert sms_provider.requests == []


def test_a_back_entered_visit_gets_no_reminder(clinician):
    visit = visit_services.visit_book(
        patient=consenting_patient(),
        clinician=clinician,
        starts_at=timezone.now() - timedelta(days=2),
        duration_min=20,
        purpose=VisitPurpose.CHECK,
        back_entry=True,
    )
    assert not visit.messages.exists()


def test_moving_a_visit_skips_the_old_messages_and_plans_new_ones(
    clinician, django_capture_on_commit_callbacks
):
    visit = book(consenting_patient(), clinician, timezone.now() + timedelta(days=2))
    old = list(visit.messages.all())
    new_start = (timezone.now() + timedelta(days=6)).replace(microsecond=0)
    with django_capture_on_commit_callbacks(execute=True):
        moved = visit_services.visit_reschedule(
            visit=visit,
            starts_at=new_start,
            duration_min=20,
            clinician=clinician,
            expected_version=visit.version,
            reason="The patient asked for a later day",
        )
    for before in old:
        before.refresh_from_db()
        assert before.status == MessageStatus.SKIPPED
        assert before.detail == "visit moved"
    new = moved.messages.filter(visit_version=moved.version)
    assert new.count() == 2
    assert {m.status for m in new} == {MessageStatus.PENDING}
    assert {m.due_at for m in new} == {new_start - timedelta(hours=24)}
    # An old message's task that still runs finds it not pending.
    assert send_visit_message.call(old[0].pk) == "not claimed"


@pytest.mark.parametrize("how", ["cancel", "no_show"])
def test_cancelling_skips_the_pending_messages(clinician, how):
    starts_at = timezone.now() + timedelta(hours=1)
    visit = book(consenting_patient(), clinician, starts_at)
    if how == "cancel":
        visit_services.visit_cancel(visit=visit, reason=StatusReason.PATIENT_REQUEST)
        detail = "visit cancelled"
    else:
        with time_machine.travel(starts_at + timedelta(minutes=30), tick=True):
            visit_services.visit_mark_no_show(visit=visit, reason=StatusReason.FORGOT)
        detail = "visit marked as no-show"
    assert {(m.status, m.detail) for m in visit.messages.all()} == {
        (MessageStatus.SKIPPED, detail)
    }


# --- DST -------------------------------------------------------------------------

# Spring: clocks go from 02:00 to 03:00 on Sunday 2027-03-28; autumn: from
# 03:00 back to 02:00 on Sunday 2027-10-31. The reminder is 24 real hours
# before the visit. On the day after a change the 24 hours before 09:00 do not
# cross it (the change was at night), so the reminder is at 09:00 local too;
# on the change day itself they cross it, and the local clock time of the
# reminder is an hour off the visit's (08:00 in spring, 10:00 in autumn).
DST_CASES = [
    # visit day, reminder's local day and time
    (date(2027, 3, 29), date(2027, 3, 28), (9, 0)),
    (date(2027, 3, 28), date(2027, 3, 27), (8, 0)),
    (date(2027, 11, 1), date(2027, 10, 31), (9, 0)),
    (date(2027, 10, 31), date(2027, 10, 30), (10, 0)),
]


@pytest.mark.parametrize(("visit_day", "local_day", "local_time"), DST_CASES)
def test_reminder_is_24_real_hours_before_across_dst(
    clinician, visit_day, local_day, local_time
):
    with time_machine.travel(datetime(2027, 3, 1, 9, tzinfo=UTC), tick=True):
        visit = book(consenting_patient(), clinician, rome(visit_day, 9))
    due = message(visit, "email").due_at
    assert visit.starts_at.astimezone(UTC) - due.astimezone(UTC) == timedelta(hours=24)
    local = timezone.localtime(due)
    assert local.date() == local_day
    assert (local.hour, local.minute) == local_time


def test_the_text_shows_the_visits_local_time_after_the_change(clinician, smtp, site):
    # 2027-03-29 09:00 in Rome is 07:00 UTC (summer time).
    with time_machine.travel(datetime(2027, 3, 1, 9, tzinfo=UTC), tick=True):
        visit = book(email_only(), clinician, rome(date(2027, 3, 29), 9), site)
    mail = message(visit, "email")
    with time_machine.travel(mail.due_at + timedelta(minutes=1), tick=True):
        assert send_visit_message.call(mail.pk) == MessageStatus.SENT
    text = smtp.messages[0].get_body(preferencelist=("plain",)).get_content()
    assert "29 March 2027 at 09:00" in text
    assert "07:00" not in text


# --- email -----------------------------------------------------------------------


def _attachment(message):
    return next(
        part
        for part in message.iter_attachments()
        if part.get_content_type() == "text/calendar"
    )


def test_email_reminder_reaches_the_smtp_server(clinician, smtp, site, settings):
    settings.SCLERO_SITE_URL = "https://clinic.example.org"
    starts_at = soon()
    visit = book(email_only(), clinician, starts_at, site)
    mail = message(visit, "email")
    assert send_visit_message.call(mail.pk) == MessageStatus.SENT

    mail.refresh_from_db()
    assert mail.status == MessageStatus.SENT
    assert mail.sent_at is not None
    assert mail.attempts == 1
    assert mail.recipient == "maria@example.org"
    assert smtp.recipients == [["maria@example.org"]]
    received = smtp.messages[0]
    local = timezone.localtime(starts_at)
    assert f"{local:%H:%M}" in received["Subject"]
    text = received.get_body(preferencelist=("plain",)).get_content()
    assert f"{local.day} {local:%B %Y} at {local:%H:%M}" in text
    assert "Studio Centro" in text
    assert "Via Roma 1" in text
    assert "Hello Maria," in text
    assert "https://clinic.example.org/" in text
    # The link is the visit's working confirm link.
    link = next(w for w in text.split() if w.startswith("https://clinic.example"))
    path = link.removeprefix("https://clinic.example.org")
    from django.test import Client

    assert Client().get(path).status_code == 200

    ics = _attachment(received)
    assert ics.get_param("method") == "PUBLISH"
    assert ics.get_filename() == "visit.ics"
    calendar = Calendar.from_ical(ics.get_content())
    assert calendar["METHOD"] == "PUBLISH"
    event = calendar.walk("VEVENT")[0]
    start = event.decoded("DTSTART")
    assert start.tzinfo is not None and start.utcoffset() == timedelta(0)
    assert start == starts_at.astimezone(UTC)
    assert event.to_ical().decode().find("DTSTART:") >= 0
    assert f"DTSTART:{starts_at.astimezone(UTC):%Y%m%dT%H%M%S}Z" in (
        event.to_ical().decode()
    )


def test_email_is_in_the_patients_language(clinician, smtp, site):
    visit = book(email_only(language="it"), clinician, soon(), site)
    send_visit_message.call(message(visit, "email").pk)
    received = smtp.messages[0]
    text = received.get_body(preferencelist=("plain",)).get_content()
    assert "Promemoria" in received["Subject"]
    local = timezone.localtime(visit.starts_at)
    months = [
        "gennaio", "febbraio", "marzo", "aprile", "maggio", "giugno", "luglio",
        "agosto", "settembre", "ottobre", "novembre", "dicembre",
    ]  # fmt: skip
    assert f"{local.day} {months[local.month - 1]} {local.year}" in text
    assert "Gentile Maria," in text
    assert "Le ricordiamo" in text


def test_consent_withdrawn_after_planning_is_skipped_at_sending(clinician, smtp, site):
    visit = book(email_only(), clinician, soon(), site)
    patient = visit.patient
    patient.contact_by_email = False
    patient.save()
    mail = message(visit, "email")
    assert send_visit_message.call(mail.pk) == MessageStatus.SKIPPED
    mail.refresh_from_db()
    assert (mail.status, mail.detail) == (MessageStatus.SKIPPED, "no consent to email")
    assert smtp.messages == []


def test_a_message_is_not_sent_before_it_is_due(clinician, smtp):
    visit = book(email_only(), clinician, timezone.now() + timedelta(days=3))
    mail = message(visit, "email")
    assert send_visit_message.call(mail.pk) == "not claimed"
    mail.refresh_from_db()
    assert mail.status == MessageStatus.PENDING
    assert smtp.messages == []


def test_a_visit_changed_since_planning_is_skipped(clinician, smtp):
    visit = book(email_only(), clinician, soon())
    mail = message(visit, "email")
    # Changed behind the planning's back (no new plan).
    type(visit).objects.filter(pk=visit.pk).update(version=visit.version + 1)
    assert send_visit_message.call(mail.pk) == MessageStatus.SKIPPED
    mail.refresh_from_db()
    assert mail.detail == "visit changed since it was planned"
    assert smtp.messages == []


def test_the_worker_sends_the_enqueued_reminder(
    clinician, smtp, site, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        visit = book(email_only(), clinician, soon(), site)
    call_command(
        "db_worker",
        batch=True,
        reload=False,
        startup_delay=False,
        interval=0,
        verbosity=0,
    )
    mail = message(visit, "email")
    assert mail.status == MessageStatus.SENT
    assert len(smtp.messages) == 1
    task = DBTaskResult.objects.get(task_path="visits.tasks.send_visit_message")
    assert task.status == "SUCCESSFUL"
    assert task.return_value == "sent"


# --- SMS -------------------------------------------------------------------------


def test_sms_reminder_posts_to_the_provider(clinician, sms_provider, site, settings):
    settings.SCLERO_SITE_URL = "https://clinic.example.org"
    visit = book(sms_only(), clinician, soon(), site)
    sms = message(visit, "sms")
    assert send_visit_message.call(sms.pk) == MessageStatus.SENT

    [request] = sms_provider.requests
    assert request["path"] == "/v1/messages"
    assert request["headers"]["Authorization"] == "Bearer test-token"
    assert request["headers"]["Content-Type"] == "application/json"
    body = request["body"]
    assert body["to"] == "+393331234567"
    assert body["from"] == "Clinic"
    local = timezone.localtime(visit.starts_at)
    assert f"{local:%d/%m/%Y} at {local:%H:%M}" in body["text"]
    assert "Studio Centro" in body["text"]
    assert "https://clinic.example.org/" in body["text"]
    assert "Maria" not in body["text"]
    sms.refresh_from_db()
    assert sms.status == MessageStatus.SENT
    assert sms.recipient == "+393331234567"
    assert sms.detail == "msg-1"


def test_a_failed_sms_is_retried_later_then_marked_failed(
    clinician, sms_provider, settings
):
    settings.SCLERO_REMINDER_MAX_ATTEMPTS = 3
    settings.SCLERO_REMINDER_RETRY_MINUTES = 15
    sms_provider.statuses = [500, 500, 500]
    visit = book(sms_only(), clinician, soon())
    sms = message(visit, "sms")

    assert send_visit_message.call(sms.pk) == MessageStatus.PENDING
    sms.refresh_from_db()
    assert sms.status == MessageStatus.PENDING
    assert sms.attempts == 1
    assert "HTTP 500" in sms.detail
    [retry] = DBTaskResult.objects.filter(task_path="visits.tasks.send_visit_message")
    assert retry.args_kwargs["args"] == [sms.pk]
    assert retry.run_after >= timezone.now() + timedelta(minutes=14)
    assert retry.run_after == sms.due_at
    # Not again before the retry time.
    assert send_visit_message.call(sms.pk) == "not claimed"

    with time_machine.travel(sms.due_at + timedelta(seconds=1), tick=True):
        assert send_visit_message.call(sms.pk) == MessageStatus.PENDING
        sms.refresh_from_db()
        assert sms.attempts == 2
        # Backs off: 15 minutes × attempts.
        assert sms.due_at >= timezone.now() + timedelta(minutes=29)
    with time_machine.travel(sms.due_at + timedelta(seconds=1), tick=True):
        assert send_visit_message.call(sms.pk) == MessageStatus.FAILED
    sms.refresh_from_db()
    assert sms.status == MessageStatus.FAILED
    assert sms.attempts == 3
    assert "HTTP 500" in sms.detail
    assert len(sms_provider.requests) == 3
    assert DBTaskResult.objects.count() == 2


def test_an_unreachable_provider_is_a_failed_attempt(clinician, settings):
    settings.SCLERO_SMS_BACKEND = "http"
    settings.SCLERO_SMS_URL = f"http://127.0.0.1:{_free_port()}/sms"
    visit = book(sms_only(), clinician, soon())
    sms = message(visit, "sms")
    assert send_visit_message.call(sms.pk) == MessageStatus.PENDING
    sms.refresh_from_db()
    assert "not reachable" in sms.detail


def test_the_log_backend_masks_the_number(clinician, settings, caplog):
    settings.SCLERO_SMS_BACKEND = "log"
    visit = book(sms_only(), clinician, soon())
    sms = message(visit, "sms")
    with caplog.at_level("INFO", logger="core.sms"):
        assert send_visit_message.call(sms.pk) == MessageStatus.SENT
    assert "+39…4567" in caplog.text
    assert "3331234567" not in caplog.text
    sms.refresh_from_db()
    assert sms.detail.startswith("log-")


# --- crash safety ----------------------------------------------------------------


def test_a_message_claimed_long_ago_becomes_unknown_and_is_never_resent(
    clinician, smtp, settings
):
    settings.SCLERO_REMINDER_CLAIM_TIMEOUT_MINUTES = 10
    visit = book(email_only(), clinician, soon())
    mail = message(visit, "email")
    # A worker claimed it, then died before marking it sent or failed.
    assert reminders.claim(mail.pk, timezone.now())
    recent = VisitMessage.objects.create(
        visit=visit,
        channel=MessageChannel.SMS,
        status=MessageStatus.CLAIMED,
        due_at=timezone.now(),
        claimed_at=timezone.now() - timedelta(minutes=5),
        visit_version=visit.version,
    )
    with time_machine.travel(timezone.now() + timedelta(minutes=11), tick=True):
        call_command("reminders_sweep", stdout=open("/dev/null", "w"))  # noqa: SIM115
        mail.refresh_from_db()
        assert mail.status == MessageStatus.UNKNOWN
        assert "may or may not" in mail.detail
        # Another task for it (a duplicate, the sweep's own) sends nothing.
        assert send_visit_message.call(mail.pk) == "not claimed"
    mail.refresh_from_db()
    assert mail.status == MessageStatus.UNKNOWN
    assert smtp.messages == []
    recent.refresh_from_db()
    assert recent.status == MessageStatus.UNKNOWN  # 16 minutes by then


def test_every_send_task_sweeps_first(clinician, settings):
    visit = book(email_only(), clinician, soon())
    stale = VisitMessage.objects.create(
        visit=visit,
        channel=MessageChannel.SMS,
        status=MessageStatus.CLAIMED,
        due_at=timezone.now(),
        claimed_at=timezone.now() - timedelta(hours=1),
        visit_version=visit.version,
    )
    send_visit_message.call(stale.pk)
    stale.refresh_from_db()
    assert stale.status == MessageStatus.UNKNOWN


def test_the_sweep_enqueues_again_a_pending_message_whose_task_was_lost(clinician):
    visit = book(email_only(), clinician, soon())
    mail = message(visit, "email")
    assert not DBTaskResult.objects.exists()  # the on_commit never ran
    with time_machine.travel(timezone.now() + timedelta(minutes=30), tick=True):
        call_command("reminders_sweep", stdout=open("/dev/null", "w"))  # noqa: SIM115
    [task] = DBTaskResult.objects.all()
    assert task.args_kwargs["args"] == [mail.pk]


# --- the visit page --------------------------------------------------------------


def test_the_visit_page_lists_the_messages(clinician, frontdesk_client):
    visit = book(sms_only(), clinician, soon())
    VisitMessage.objects.filter(channel="sms").update(
        status=MessageStatus.UNKNOWN, detail=reminders.CLAIM_LOST
    )
    page = frontdesk_client.get(reverse("visits:detail", args=[visit.code]))
    html = page.content.decode()
    assert page.status_code == 200
    assert 'id="visit-messages"' in html
    assert "Unknown: check with the patient" in html
    assert "no consent to email" in html
    assert "+393331234567" in html
    assert html.count('class="visit-message"') == 2


def test_the_visit_page_in_italian_translates_the_details(clinician, frontdesk):
    from tests.conftest import client_for

    visit = book(sms_only(), clinician, soon())
    client = client_for(frontdesk)
    page = client.get(
        reverse("visits:detail", args=[visit.code]), HTTP_ACCEPT_LANGUAGE="it"
    )
    html = page.content.decode()
    assert "Promemoria al paziente" in html
    assert "nessun consenso ai messaggi email" in html


def test_the_visit_page_has_a_fixed_number_of_queries(clinician, frontdesk_client):
    visit = book(consenting_patient(), clinician, soon())
    url = reverse("visits:detail", args=[visit.code])
    frontdesk_client.get(url)
    with CaptureQueriesContext(connection) as few:
        frontdesk_client.get(url)
    for _ in range(2):
        for channel in ("email", "sms"):
            VisitMessage.objects.create(
                visit=visit,
                channel=channel,
                status=MessageStatus.FAILED,
                due_at=timezone.now(),
                attempts=3,
                detail="SmsError: SMS provider answered HTTP 500",
            )
    assert visit.messages.count() == 6
    with CaptureQueriesContext(connection) as many:
        page = frontdesk_client.get(url)
    assert page.content.decode().count('class="visit-message"') == 6
    assert len(many) == len(few)


# --- send again ------------------------------------------------------------------


def _failed_sms(visit) -> VisitMessage:
    sms = message(visit, "sms")
    VisitMessage.objects.filter(pk=sms.pk).update(
        status=MessageStatus.UNKNOWN, detail=reminders.CLAIM_LOST
    )
    return sms


def test_front_desk_sends_an_unknown_message_again(
    clinician, frontdesk_client, sms_provider, django_capture_on_commit_callbacks
):
    visit = book(sms_only(), clinician, soon())
    old = _failed_sms(visit)
    page = frontdesk_client.get(reverse("visits:detail", args=[visit.code]))
    assert reverse("visits:send-again", args=[visit.code]) in page.content.decode()
    url = reverse("visits:send-again", args=[visit.code])
    with django_capture_on_commit_callbacks(execute=True):
        response = frontdesk_client.post(url, {"message": old.pk})
    assert response.status_code == 302
    new = visit.messages.get(status=MessageStatus.PENDING)
    assert new.channel == MessageChannel.SMS
    assert new.pk != old.pk
    old.refresh_from_db()
    assert old.status == MessageStatus.UNKNOWN  # kept as it was
    call_command(
        "db_worker", batch=True, reload=False, startup_delay=False, verbosity=0
    )
    new.refresh_from_db()
    assert new.status == MessageStatus.SENT
    assert len(sms_provider.requests) == 1
    # Once more: a newer message is already sent.
    response = frontdesk_client.post(url, {"message": old.pk}, follow=True)
    assert "already planned or sent" in response.content.decode()
    assert visit.messages.count() == 3


@pytest.mark.parametrize("posted", ["", "abc", "-1", "99999999999999999999", "0"])
def test_send_again_refuses_what_is_not_a_failed_message(
    clinician, frontdesk_client, posted
):
    visit = book(sms_only(), clinician, soon())
    sent = message(visit, "sms")
    url = reverse("visits:send-again", args=[visit.code])
    for value in (posted, str(sent.pk)):
        response = frontdesk_client.post(url, {"message": value}, follow=True)
        assert response.status_code == 200
        assert "is sent again" in response.content.decode() or (
            "Choose a message" in response.content.decode()
        )
    assert visit.messages.count() == 2


def test_send_again_is_refused_for_a_cancelled_visit(clinician, frontdesk_client):
    visit = book(sms_only(), clinician, soon())
    old = _failed_sms(visit)
    visit_services.visit_cancel(visit=visit, reason=StatusReason.CLINIC)
    response = frontdesk_client.post(
        reverse("visits:send-again", args=[visit.code]),
        {"message": old.pk},
        follow=True,
    )
    assert "no longer ahead" in response.content.decode()
    assert visit.messages.count() == 2


def test_send_again_needs_the_permission(clinician, manager, outsider):
    from tests.conftest import client_for

    visit = book(sms_only(), clinician, soon())
    old = _failed_sms(visit)
    url = reverse("visits:send-again", args=[visit.code])
    for user in (manager, outsider):
        assert client_for(user).post(url, {"message": old.pk}).status_code == 403
    assert client_for(manager).get(url).status_code == 405
    assert visit.messages.count() == 2
