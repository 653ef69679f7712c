"""The patient's audit trail lists the signed consents' history."""

from __future__ import annotations

import pytest
from django.urls import reverse

from consent.services import consent_withdraw
from tests.consent.conftest import make_consent

pytestmark = pytest.mark.django_db


def test_the_audit_trail_shows_a_consent_signed_then_withdrawn(
    manager_client, clinician, patient
):
    consent = make_consent(patient, clinician, procedure="photography")
    consent_withdraw(
        consent=consent, reason="The patient asked to stop photos", user=clinician
    )
    page = manager_client.get(reverse("records:history", args=[patient.code]))
    body = page.content.decode()
    assert page.status_code == 200
    assert "Signed consent" in body
    assert "Clinical photography" in body
    assert "The patient asked to stop photos" in body
    assert "Withdrawn" in body
