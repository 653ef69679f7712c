"""The patient page's timeline counts each session's photos, at no query more."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from photos.services import photo_void
from tests.conftest import make_session
from tests.helpers import at
from tests.photos.factories import make_photo

pytestmark = pytest.mark.django_db


def _page(client, patient) -> str:
    return client.get(reverse("records:patient", args=[patient.code])).content.decode()


def test_a_session_with_photos_says_how_many_to_clinical_staff(
    clinician_client, manager_client, frontdesk_client, clinician, patient
):
    session = make_session(patient, clinician)
    make_photo(session, clinician)
    make_photo(session, clinician, phase="after")
    voided = make_photo(session, clinician, phase="after", leg="L")
    photo_void(photo=voided, user=clinician, reason="Blurred, taken again")
    link = f"{session.get_absolute_url()}#session-photos"
    for client in (clinician_client, manager_client):
        html = _page(client, patient)
        assert link in html and "2 photos" in html
    assert link not in _page(frontdesk_client, patient)


def test_the_count_costs_no_query_per_session(
    clinician_client, clinician, patient, django_assert_num_queries
):
    make_photo(make_session(patient, clinician), clinician)
    with CaptureQueriesContext(connection) as one:
        _page(clinician_client, patient)
    for days in (-20, -10):
        session = make_session(patient, clinician, performed_at=at(days, 10))
        make_photo(session, clinician)
        make_photo(session, clinician, phase="after")
    with django_assert_num_queries(len(one.captured_queries)):
        html = _page(clinician_client, patient)
    assert html.count("2 photos") == 2 and "1 photo<" in html
