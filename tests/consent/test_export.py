"""The patient export holds the consents (details and file names, not files)."""

from __future__ import annotations

import json

import pytest
from django.urls import reverse

from tests.conftest import make_session
from tests.consent.conftest import make_consent

pytestmark = pytest.mark.django_db


def test_the_export_holds_the_consents_and_the_sessions_link(
    manager_client, clinician, patient
):
    consent = make_consent(patient, clinician, procedure="foam", witness_name="Anna")
    withdrawn = make_consent(patient, clinician, procedure="photography")
    withdrawn.withdrawn_at = withdrawn.signed_at
    withdrawn.withdrawn_reason = "No more photos, please"
    withdrawn.save()
    session = make_session(patient, clinician, consent_record=consent)
    response = manager_client.post(reverse("records:export", args=[patient.code]))
    data = json.loads(response.content)
    by_code = {c["code"]: c for c in data["consents"]}
    exported = by_code[str(consent.code)]
    assert exported["procedure"] == "foam"
    assert exported["text"]["version"] == 1
    assert exported["text"]["title"] == "Consent to foam sclerotherapy"
    assert exported["witness"]["username"] == "clinician"
    assert exported["witness_name"] == "Anna"
    assert exported["file_name"] == consent.file.name.rsplit("/", 1)[-1]
    assert exported["method"] == "paper"
    assert by_code[str(withdrawn.code)]["withdrawn_reason"] == "No more photos, please"
    (exported_session,) = data["sessions"]
    assert exported_session["code"] == str(session.code)
    assert exported_session["consent_record"] == str(consent.code)
