"""Where a signed consent covers a session, it is the session's informed
consent: the service links it and the form shows it instead of a checkbox."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from consent.selectors import consent_covering
from tests.conftest import make_session
from tests.consent.conftest import make_consent
from tests.treatments.test_services import create, data, foam, row
from treatments.services import SessionRefused

pytestmark = pytest.mark.django_db


def test_a_liquid_session_takes_the_liquid_consent(patient, clinician):
    consent = make_consent(patient, clinician, procedure="liquid")
    session = create(patient, clinician, [row()], data=data(consent_obtained=False))
    session.refresh_from_db()
    assert session.consent_record == consent
    assert session.consent_obtained is True
    assert session.consent_missing_reason == ""


def test_a_foam_session_needs_the_foam_consent(patient, clinician):
    make_consent(patient, clinician, procedure="liquid")
    with pytest.raises(SessionRefused) as refused:
        create(
            patient, clinician, [row(), foam("2")], data=data(consent_obtained=False)
        )
    assert "consent_missing_reason" in refused.value.message_dict
    # Ticked by hand (a paper form not scanned in): saved without a record.
    session = create(patient, clinician, [foam("2")])
    assert session.consent_record is None and session.consent_obtained
    foam_consent = make_consent(patient, clinician, procedure="foam")
    session = create(
        patient, clinician, [row(), foam("2")], data=data(consent_obtained=False)
    )
    assert session.consent_record == foam_consent


def test_a_withdrawn_or_voided_consent_covers_nothing_after_it(patient, clinician):
    consent = make_consent(patient, clinician, procedure="liquid")
    before = timezone.now()
    consent.withdrawn_at = before + timedelta(minutes=1)
    consent.withdrawn_reason = "The patient changed her mind"
    consent.save()
    # In force for a session before the withdrawal, not after it.
    assert consent_covering(patient, "liquid", before) == consent
    assert consent_covering(patient, "liquid", before + timedelta(hours=1)) is None
    consent.mark_voided(user=clinician, reason="Recorded on the wrong chart")
    consent.save()
    assert consent_covering(patient, "liquid", before) is None


def test_a_consent_signed_after_the_session_day_does_not_cover_it(patient, clinician):
    make_consent(patient, clinician, procedure="liquid")
    with pytest.raises(SessionRefused):
        create(
            patient,
            clinician,
            [row()],
            data=data(
                consent_obtained=False,
                performed_at=timezone.now() - timedelta(days=3),
            ),
        )


def test_the_session_form_shows_the_signed_consents(
    clinician_client, clinician, patient
):
    url = reverse("treatments:session-create", args=[patient.code])
    page = clinician_client.get(url).content.decode()
    assert 'id="session-consents"' not in page
    assert 'name="consent_obtained"' in page
    liquid = make_consent(patient, clinician, procedure="liquid")
    page = clinician_client.get(url).content.decode()
    assert "Signed consent" in page
    assert "Liquid sclerotherapy v1" in page
    assert reverse("consent:file", args=[liquid.code]) in page
    # Foam is not covered yet: the checkbox stays for it.
    assert 'name="consent_obtained"' in page
    assert reverse("consent:patient", args=[patient.code]) in page
    make_consent(patient, clinician, procedure="foam")
    page = clinician_client.get(url).content.decode()
    assert "Foam sclerotherapy v1" in page
    assert 'name="consent_obtained"' not in page
    assert reverse("consent:patient", args=[patient.code]) not in page


def test_the_session_page_shows_the_record(
    clinician_client, frontdesk_client, clinician, patient
):
    consent = make_consent(patient, clinician, procedure="liquid")
    session = make_session(patient, clinician, consent_record=consent)
    url = reverse("treatments:session-detail", args=[session.code])
    page = clinician_client.get(url).content.decode()
    assert "Signed consent" in page and "Liquid sclerotherapy v1" in page
    assert reverse("consent:file", args=[consent.code]) in page
    # Front desk sees the session's headlines only, never the signed file.
    desk = frontdesk_client.get(url).content.decode()
    assert reverse("consent:file", args=[consent.code]) not in desk


def test_a_time_out_of_range_covers_nothing_and_breaks_nothing(patient, clinician):
    from datetime import datetime
    from zoneinfo import ZoneInfo

    from consent.selectors import treatment_consents

    consent = make_consent(patient, clinician, procedure="liquid")
    # Midnight of year 1 in Rome is before year 1 in UTC: out of range.
    far = datetime(1, 1, 1, tzinfo=ZoneInfo("Europe/Rome"))
    assert consent_covering(patient, "liquid", far) is None
    # The session form shown back with such a time still lists the consents.
    assert treatment_consents(patient, far) == {"liquid": consent}
