"""The small leg map on each session of the patient timeline."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from patients.models import Leg
from tests.conftest import make_injection, make_patient, make_session
from tests.helpers import at

pytestmark = [pytest.mark.django_db, pytest.mark.date_dependent]


def url(patient) -> str:
    return reverse("records:patient", args=[patient.code])


def _fill(patient, clinician, sessions: int) -> None:
    for n in range(sessions):
        session = make_session(patient, clinician, performed_at=at(-1 - n))
        make_injection(
            session, diagram_x_pct=Decimal("19.4"), diagram_y_pct=Decimal("27.6")
        )
        make_injection(session, leg=Leg.LEFT, site="ankle")  # not placed
        make_injection(
            session,
            leg=Leg.LEFT,
            diagram_x_pct=Decimal("30.6"),
            diagram_y_pct=Decimal("60.7"),
        )


def test_each_session_shows_a_small_map_with_its_numbered_markers(
    clinician_client, patient, clinician
):
    _fill(patient, clinician, 2)
    html = clinician_client.get(url(patient)).content.decode()
    maps = re.findall(r'<svg[^>]*class="legmap legmap-sm".*?</svg>', html, flags=re.S)
    assert len(maps) == 2
    for svg in maps:
        numbers = re.findall(r'<g class="legmap-marker[^"]*">.*?<text[^>]*>(\d+)<', svg)
        assert numbers == ["1", "3"]  # row 2 has no place on the map
    assert 'href="/static/css/legmap.css"' in html


def test_a_session_without_placed_injections_has_no_map(
    clinician_client, patient, clinician
):
    session = make_session(patient, clinician)
    make_injection(session)
    html = clinician_client.get(url(patient)).content.decode()
    assert "legmap-sm" not in html


def test_front_desk_sees_no_map(frontdesk_client, patient, clinician):
    _fill(patient, clinician, 1)
    html = frontdesk_client.get(url(patient)).content.decode()
    assert "legmap-marker" not in html and "<svg" not in html


def test_the_maps_cost_no_query_per_session(
    clinician_client, clinician, django_assert_num_queries
):
    small = make_patient(first_name="Small")
    big = make_patient(first_name="Big")
    _fill(small, clinician, 1)
    _fill(big, clinician, 15)
    clinician_client.get(url(small))  # warm up the session and permission caches
    with CaptureQueriesContext(connection) as baseline:
        clinician_client.get(url(small))
    with django_assert_num_queries(len(baseline)):
        response = clinician_client.get(url(big))
    assert response.content.decode().count('class="legmap legmap-sm"') == 15
