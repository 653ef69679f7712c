"""Sending the questionnaire invitations: the channel by consent, the
patient's language, the link's expiry, failures recorded, expired links,
and the message's link opening the questionnaire."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
import time_machine
from django.core import mail
from django.core.management import call_command
from django.test import Client
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from outcomes import schedule, sending
from outcomes.models import (
    InvitationStatus,
    QuestionnaireInvitation,
    QuestionnaireResponse,
    ResponseSource,
    Timepoint,
)
from tests.conftest import make_session, make_visit
from tests.helpers import rome
from tests.visits import test_reminders
from visits.models import VisitPlan, VisitPurpose, VisitStatus

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("on_the_suites_day")]


GIORNI = ["lunedì", "martedì", "mercoledì", "giovedì", "venerdì", "sabato", "domenica"]
MESI = [
    "gennaio",
    "febbraio",
    "marzo",
    "aprile",
    "maggio",
    "giugno",
    "luglio",
    "agosto",
    "settembre",
    "ottobre",
    "novembre",
    "dicembre",
]

# The reminders' real SMTP server and SMS provider, and their worker setup.
smtp = test_reminders.smtp
sms_provider = test_reminders.sms_provider
_worker_keeps_the_test_connection = test_reminders._worker_keeps_the_test_connection

TODAY = date(2026, 11, 18)


# The reminders' clinic site and consenting patient.
site = test_reminders.site
patient_with = test_reminders.consenting_patient


def complete_a_course(patient, clinician, site) -> None:
    """A session on 18 October and a visit recording "course complete" on
    16 November, at `site`."""
    make_session(
        patient, clinician, performed_at=rome(date(2026, 10, 18), 10), site=site
    )
    make_visit(
        patient,
        clinician,
        starts_at=rome(date(2026, 11, 16), 9),
        status=VisitStatus.COMPLETED,
        plan=VisitPlan.COMPLETE,
        site=site,
    )


def course_invitation(patient, clinician, site, instrument, **extra):
    """A planned one-month invitation of a course completed at `site`, due
    today."""
    complete_a_course(patient, clinician, site)
    schedule.plan_for_patient(patient, TODAY)
    invitation = QuestionnaireInvitation.objects.get(patient=patient, timepoint="m1")
    assert invitation.due_on == TODAY
    return invitation


def send(invitation) -> QuestionnaireInvitation:
    sending.send_invitation(invitation.pk, TODAY)
    invitation.refresh_from_db()
    return invitation


def link_in(text: str) -> str:
    match = re.search(r"https?://\S+/q/[^\s/]+/", text)
    assert match, text
    return match.group(0)


def test_email_goes_to_a_patient_who_agreed_to_email(
    clinician, site, instrument, settings
):
    settings.SCLERO_SITE_URL = "https://clinic.example.org"
    invitation = course_invitation(patient_with(), clinician, site, instrument)

    invitation = send(invitation)

    assert invitation.status == InvitationStatus.SENT
    assert invitation.channel == "email"
    assert invitation.sent_at is not None
    assert invitation.expires_at == invitation.sent_at + timedelta(days=30)
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["maria@example.org"]
    assert message.subject == "A short questionnaire from Studio Centro"
    assert "Studio Centro" in message.body
    assert link_in(message.body).startswith("https://clinic.example.org/q/")
    expires = timezone.localtime(invitation.expires_at)
    day = f"{expires:%A} {expires.day} {expires:%B} {expires.year}"
    assert f"until {day}" in message.body
    # Nothing about the patient or their health.
    for word in ("Maria", "Esposito", "vein", "leg", "session", "symptom"):
        assert word.lower() not in message.body.lower()


def test_the_link_in_the_message_opens_the_questionnaire(clinician, site, instrument):
    invitation = course_invitation(patient_with(), clinician, site, instrument)
    send(invitation)
    url = link_in(mail.outbox[0].body)
    path = url.removeprefix("http://127.0.0.1:8000")

    page = Client().get(path)

    assert page.status_code == 200
    first_item = instrument.items.order_by("position").first()
    assert first_item.text_en in page.content.decode()


def test_sms_goes_when_the_patient_agreed_to_sms_only(
    clinician,
    site,
    instrument,
    sms_provider,
):
    patient = patient_with(contact_by_email=False)
    invitation = send(course_invitation(patient, clinician, site, instrument))

    assert invitation.status == InvitationStatus.SENT
    assert invitation.channel == "sms"
    assert mail.outbox == []
    [request] = sms_provider.requests
    assert request["body"]["to"] == "+393331234567"
    text = request["body"]["text"]
    assert text.startswith("Studio Centro: please fill in a short questionnaire")
    assert f"{timezone.localtime(invitation.expires_at):%d/%m/%Y}" in text
    assert "/q/" in link_in(text + " ")
    assert "Maria" not in text


def test_email_consent_without_an_address_falls_back_to_sms(
    clinician,
    site,
    instrument,
    sms_provider,
):
    patient = patient_with(email="")
    invitation = send(course_invitation(patient, clinician, site, instrument))
    assert invitation.channel == "sms"
    assert len(sms_provider.requests) == 1


def test_no_consent_is_not_sent_and_says_so(clinician, site, instrument):
    patient = patient_with(contact_by_email=False, contact_by_sms=False)
    invitation = send(course_invitation(patient, clinician, site, instrument))
    assert invitation.status == InvitationStatus.FAILED
    assert invitation.status_note == "no contact consent"
    assert invitation.sent_at is None
    assert mail.outbox == []


def test_consent_without_an_address_or_number_says_why(clinician, site, instrument):
    patient = patient_with(email="", phone="")
    invitation = send(course_invitation(patient, clinician, site, instrument))
    assert invitation.status == InvitationStatus.FAILED
    assert invitation.status_note == "no email address; no phone number"


def test_the_message_is_in_the_patients_language(clinician, site, instrument):
    patient = patient_with(language="it")
    invitation = send(course_invitation(patient, clinician, site, instrument))
    message = mail.outbox[0]
    assert message.subject == "Un breve questionario da Studio Centro"
    expires = timezone.localtime(invitation.expires_at)
    day = f"{GIORNI[expires.weekday()]} {expires.day} {MESI[expires.month - 1]}"
    assert f"Il link funziona fino a {day} {expires.year}" in message.body


def test_the_italian_sms(clinician, site, instrument, sms_provider):
    patient = patient_with(language="it", contact_by_email=False)
    send(course_invitation(patient, clinician, site, instrument))
    text = sms_provider.requests[0]["body"]["text"]
    assert text.startswith("Studio Centro: compili un breve questionario entro il")


def test_the_link_days_come_from_the_setting(clinician, site, instrument, settings):
    settings.SCLERO_QUESTIONNAIRE_LINK_DAYS = 10
    invitation = send(course_invitation(patient_with(), clinician, site, instrument))
    assert invitation.expires_at - invitation.sent_at == timedelta(days=10)


def test_a_failed_send_is_recorded_with_the_reason(
    clinician,
    site,
    instrument,
    sms_provider,
):
    sms_provider.statuses = [503]
    patient = patient_with(contact_by_email=False)
    invitation = send(course_invitation(patient, clinician, site, instrument))
    assert invitation.status == InvitationStatus.FAILED
    assert invitation.status_note == "SmsError: SMS provider answered HTTP 503"
    assert invitation.sent_at is None and invitation.expires_at is None
    assert invitation.history.first().history_change_reason == "Sending failed"


def test_a_failing_mail_server_is_recorded(clinician, site, instrument, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = 9  # nothing listens there
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_TIMEOUT = 2
    invitation = send(course_invitation(patient_with(), clinician, site, instrument))
    assert invitation.status == InvitationStatus.FAILED
    assert invitation.status_note.startswith("ConnectionRefusedError")


def test_an_invitation_not_yet_due_is_not_sent(clinician, site, instrument):
    invitation = course_invitation(patient_with(), clinician, site, instrument)
    m3 = QuestionnaireInvitation.objects.get(
        course_key=invitation.course_key, timepoint="m3"
    )
    assert sending.send_invitation(m3.pk, TODAY) == sending.NOT_DUE
    assert sending.send_due(TODAY).enqueued == 1
    assert mail.outbox == []


def test_an_invitation_is_sent_once(clinician, site, instrument):
    invitation = course_invitation(patient_with(), clinician, site, instrument)
    assert sending.send_invitation(invitation.pk, TODAY) == InvitationStatus.SENT
    assert sending.send_invitation(invitation.pk, TODAY) == sending.NOT_PLANNED
    assert len(mail.outbox) == 1


def test_a_sent_link_past_its_expiry_is_marked_expired(clinician, site, instrument):
    invitation = send(course_invitation(patient_with(), clinician, site, instrument))
    with time_machine.travel(timezone.now() + timedelta(days=29), tick=False):
        assert sending.send_due().expired == 0
    with time_machine.travel(timezone.now() + timedelta(days=30, minutes=1)):
        assert sending.send_due().expired == 1
    invitation.refresh_from_db()
    assert invitation.status == InvitationStatus.EXPIRED


def test_a_baseline_whose_first_session_took_place_is_cancelled(
    clinician, site, instrument
):
    patient = patient_with()
    make_visit(
        patient,
        clinician,
        starts_at=rome(date(2026, 12, 2), 9),
        purpose=VisitPurpose.TREATMENT,
    )
    schedule.plan_for_patient(patient, TODAY)
    baseline = QuestionnaireInvitation.objects.get(patient=patient)
    make_session(patient, clinician, performed_at=rome(TODAY, 9))

    baseline = send(baseline)

    assert baseline.status == InvitationStatus.CANCELLED
    assert baseline.status_note == schedule.COURSE_STARTED
    assert mail.outbox == []


def test_a_baseline_goes_out_naming_the_booked_treatments_site(
    clinician, site, instrument
):
    patient = patient_with()
    make_visit(
        patient,
        clinician,
        starts_at=rome(date(2026, 12, 2), 9),
        purpose=VisitPurpose.TREATMENT,
        site=site,
    )
    schedule.plan_for_patient(patient, TODAY)
    baseline = send(QuestionnaireInvitation.objects.get(patient=patient))
    assert baseline.status == InvitationStatus.SENT
    assert "Studio Centro" in mail.outbox[0].subject


def test_a_timepoint_answered_on_the_tablet_is_not_sent(clinician, site, instrument):
    patient = patient_with()
    invitation = course_invitation(patient, clinician, site, instrument)
    QuestionnaireResponse.objects.create(
        patient=patient,
        instrument=instrument,
        timepoint=Timepoint.MONTH_1,
        answered_at=rome(date(2026, 11, 16), 9, 30),
        source=ResponseSource.TABLET,
    )
    invitation = send(invitation)
    assert invitation.status == InvitationStatus.CANCELLED
    assert invitation.status_note == schedule.ANSWERED_AT_CLINIC


def test_an_archived_patient_is_not_sent(clinician, site, instrument):
    from patients.services import patient_archive

    patient = patient_with()
    invitation = course_invitation(patient, clinician, site, instrument)
    patient_archive(patient=patient, reason="Moved abroad")
    assert send(invitation).status == InvitationStatus.CANCELLED


def test_the_command_plans_and_the_worker_sends_through_smtp(
    clinician,
    site,
    instrument,
    smtp,
    django_capture_on_commit_callbacks,
):
    patient = patient_with()
    complete_a_course(patient, clinician, site)
    with django_capture_on_commit_callbacks(execute=True):
        call_command("questionnaires", verbosity=0)
    call_command(
        "db_worker",
        batch=True,
        reload=False,
        startup_delay=False,
        interval=0,
        verbosity=0,
    )
    invitation = QuestionnaireInvitation.objects.get(patient=patient, timepoint="m1")
    assert invitation.status == InvitationStatus.SENT
    assert smtp.recipients == [["maria@example.org"]]
    received = smtp.messages[0]
    assert received["Subject"] == "A short questionnaire from Studio Centro"
    body = received.get_body(preferencelist=("plain",)).get_content()
    assert "/q/" in link_in(body)
    task = DBTaskResult.objects.get(
        task_path="outcomes.tasks.send_questionnaire_invitation"
    )
    assert task.status == "SUCCESSFUL"
    assert task.return_value == "sent"
    assert QuestionnaireInvitation.objects.filter(status="planned").count() == 3
