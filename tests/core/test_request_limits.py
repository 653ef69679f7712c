"""Requests larger than any form of the clinic: a 400 page, never a 500."""

from __future__ import annotations

import re

import pytest
from django.conf import settings
from django.urls import reverse

from tests.conftest import make_session

pytestmark = pytest.mark.django_db


def test_the_largest_session_form_fits_the_field_limit(
    clinician_client, patient, clinician
):
    """60 injection rows of 14 fields, the session's own fields and the
    management form stay under DATA_UPLOAD_MAX_NUMBER_FIELDS."""
    session = make_session(patient, clinician)
    html = clinician_client.get(
        reverse("treatments:session-edit", args=[session.code])
    ).content.decode()
    names = re.findall(r'<(?:input|select|textarea)[^>]*\bname="([^"]+)"', html)
    per_row = len({n for n in names if n.startswith("injections-0-")}) or 14
    others = len({n for n in names if not n.startswith("injections-")})
    limit = settings.DATA_UPLOAD_MAX_NUMBER_FIELDS or 0
    assert 60 * per_row + others + 4 < limit


def test_too_many_fields_give_the_400_page(clinician_client, patient):
    limit = settings.DATA_UPLOAD_MAX_NUMBER_FIELDS
    data = {f"field{i}": "x" for i in range(limit + 1)}
    response = clinician_client.post(
        reverse("treatments:session-create", args=[patient.code]), data
    )
    assert response.status_code == 400
    assert "The request could not be read" in response.content.decode()


def test_a_nul_character_is_a_field_error_not_a_500(manager_client):
    response = manager_client.post(
        reverse("printing:letterhead-edit"), {"clinic_name": "Clinic\x00"}
    )
    assert response.status_code == 200
    assert "Null characters are not allowed." in response.content.decode()
