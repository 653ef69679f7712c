"""A photo's adding and voiding are in the patient's audit trail."""

from __future__ import annotations

import pytest
from django.urls import reverse

from photos.services import photo_void
from records.audit import patient_audit_trail
from tests.conftest import make_session
from tests.photos.factories import make_photo

pytestmark = pytest.mark.django_db


def test_adding_and_voiding_a_photo_are_in_the_audit_trail(
    manager_client, patient, clinician, colleague
):
    photo = make_photo(make_session(patient, clinician), clinician, leg="L")
    photo_void(photo=photo, user=colleague, reason="Blurred, taken again")
    entries = [
        entry
        for entry in patient_audit_trail(patient)
        if str(entry.kind) == "Clinical photo"
    ]
    assert [(entry.history_type, entry.who) for entry in entries] == [
        ("~", colleague),
        ("+", clinician),
    ]
    voided, added = entries
    assert "Blurred, taken again" in voided.reason
    assert "void_reason" in {change.field for change in voided.changes} or any(
        "Blurred" in change.new for change in voided.changes
    )
    html = manager_client.get(reverse("records:history", args=[patient.code]))
    text = html.content.decode()
    assert "Clinical photo" in text and "Blurred, taken again" in text
    assert "Left" in text
