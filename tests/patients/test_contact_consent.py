"""The patient's consent to reminders by email and by SMS: recorded on the
patient form (front desk may), refused without somewhere to send, shown on
the patient page with who recorded it and when, and in the export."""

from __future__ import annotations

import json
from datetime import timedelta

import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from patients.models import Patient
from patients.selectors import contact_consent_of
from patients.services import patient_update
from tests.conftest import frozen_now, make_patient

FORM = {
    "first_name": "Laura",
    "last_name": "Conti",
    "date_of_birth": "1982-03-04",
    "sex": "F",
    "phone": "347 123 4567",
    "email": "laura@example.org",
    "address": "Via Verdi 1",
    "language": "it",
    "weight_kg": "64.5",
}


def _edit(client, patient, **changes):
    url = reverse("patients:edit", args=[patient.code])
    patient.refresh_from_db()
    data = dict(FORM, version=patient.version, **changes)
    return client.post(url, data)


def test_the_front_desk_records_consent_on_registration(frontdesk_client, db):
    form = frontdesk_client.get(reverse("patients:create")).content.decode()
    assert 'name="contact_by_email"' in form and 'name="contact_by_sms"' in form
    response = frontdesk_client.post(
        reverse("patients:create"),
        dict(FORM, contact_by_email="on", contact_by_sms="on"),
    )
    assert response.status_code == 302
    patient = Patient.objects.get()
    assert patient.contact_by_email and patient.contact_by_sms


def test_unticked_boxes_mean_no_consent(frontdesk_client, db):
    frontdesk_client.post(reverse("patients:create"), FORM)
    patient = Patient.objects.get()
    assert not patient.contact_by_email and not patient.contact_by_sms


def test_email_consent_without_an_email_address_is_an_error_on_the_box(
    frontdesk_client, db
):
    response = frontdesk_client.post(
        reverse("patients:create"), dict(FORM, email="", contact_by_email="on")
    )
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert errors["contact_by_email"] == [
        "Reminders by email need an email address: enter one above."
    ]
    assert "email" not in errors
    assert not Patient.objects.exists()


def test_an_invalid_email_address_is_one_error_not_two(frontdesk_client, db):
    response = frontdesk_client.post(
        reverse("patients:create"), dict(FORM, email="no-at", contact_by_email="on")
    )
    errors = response.context["form"].errors
    assert "email" in errors and "contact_by_email" not in errors


def test_sms_consent_needs_a_mobile_number(frontdesk_client, db):
    for phone in ("", "02 1234 5678"):  # none, a landline
        response = frontdesk_client.post(
            reverse("patients:create"), dict(FORM, phone=phone, contact_by_sms="on")
        )
        assert response.status_code == 200
        assert response.context["form"].errors["contact_by_sms"] == [
            "Reminders by SMS need a mobile phone number."
        ], phone
    # An invalid number is the phone's error, not the box's as well.
    response = frontdesk_client.post(
        reverse("patients:create"), dict(FORM, phone="call me", contact_by_sms="on")
    )
    errors = response.context["form"].errors
    assert "phone" in errors and "contact_by_sms" not in errors
    assert not Patient.objects.exists()


def test_a_mobile_number_abroad_takes_sms(frontdesk_client, db):
    response = frontdesk_client.post(
        reverse("patients:create"),
        dict(FORM, phone="+44 7400 123456", contact_by_sms="on"),
    )
    assert response.status_code == 302
    assert Patient.objects.get().phone == "+447400123456"


def test_the_patient_page_shows_consent_with_who_recorded_it_and_when(
    frontdesk_client, clinician_client, frontdesk, clinician, db
):
    patient = make_patient(email="laura@example.org")
    page = clinician_client.get(patient.get_absolute_url()).content.decode()
    assert "No consent: no reminders are sent" in page
    assert "Recorded by" not in page

    later = frozen_now() + timedelta(minutes=3)
    with time_machine.travel(later, tick=False):
        assert _edit(frontdesk_client, patient, contact_by_sms="on").status_code == 302
    # A change of another field later does not move the consent's record.
    with time_machine.travel(later + timedelta(minutes=5), tick=False):
        assert (
            _edit(
                clinician_client, patient, contact_by_sms="on", address="Via Po 2"
            ).status_code
            == 302
        )
    page = clinician_client.get(patient.get_absolute_url()).content.decode()
    when = timezone.localtime(later).strftime("%Y-%m-%d %H:%M")
    assert "By SMS" in page
    assert f"Recorded by Frontdesk, {when}" in page

    # Withdrawn by the clinician: the withdrawal is what is shown.
    with time_machine.travel(later + timedelta(minutes=10), tick=False):
        assert _edit(clinician_client, patient).status_code == 302
    patient.refresh_from_db()
    consent = contact_consent_of(patient)
    assert (consent.by_email, consent.by_sms) == (False, False)
    assert consent.recorded_by == "Clinician"
    page = clinician_client.get(patient.get_absolute_url()).content.decode()
    assert "No consent: no reminders are sent" in page
    assert "Recorded by Clinician" in page


def test_consent_given_at_registration_is_recorded_by_who_registered(
    frontdesk_client, db
):
    frontdesk_client.post(
        reverse("patients:create"),
        dict(FORM, contact_by_email="on", contact_by_sms="on"),
    )
    patient = Patient.objects.get()
    consent = contact_consent_of(patient)
    assert consent.recorded_by == "Frontdesk" and consent.recorded_at is not None
    page = frontdesk_client.get(patient.get_absolute_url()).content.decode()
    assert "By email and SMS" in page


def test_the_consent_costs_a_fixed_number_of_queries(clinician_client, clinician, db):
    def count(patient) -> int:
        with CaptureQueriesContext(connection) as queries:
            clinician_client.get(patient.get_absolute_url())
        return len(queries)

    short = make_patient(email="a@example.org")
    long = make_patient(email="b@example.org", last_name="Long")
    for i in range(12):
        long.refresh_from_db()
        patient_update(
            patient=long,
            data={"contact_by_email": i % 2 == 0, "address": f"Via {i}"},
            expected_version=long.version,
            user=clinician,
        )
    assert count(long) == count(short)
    with CaptureQueriesContext(connection) as queries:
        contact_consent_of(long)
    assert len(queries) == 1


def test_the_export_holds_the_consent(manager_client, db):
    patient = make_patient(email="laura@example.org")
    Patient.objects.filter(pk=patient.pk).update(contact_by_email=True)
    response = manager_client.post(reverse("records:export", args=[patient.code]))
    assert response.status_code == 200
    data = json.loads(response.content)
    assert data["patient"]["contact_by_email"] is True
    assert data["patient"]["contact_by_sms"] is False
