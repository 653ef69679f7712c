"""Side by side: the same leg and view on two dates, voided photos left out."""

from __future__ import annotations

import pytest
from django.urls import reverse

from accesslog.models import AccessEvent
from tests.conftest import make_session
from tests.helpers import at
from tests.photos.factories import make_photo

pytestmark = pytest.mark.django_db


@pytest.fixture
def series(patient, clinician):
    """Right leg, front view: three sessions' photos; one of the left leg."""
    sessions = [
        make_session(patient, clinician, performed_at=at(days, 10))
        for days in (-60, -30, -3)
    ]
    photos = [
        make_photo(session, clinician, phase="before", taken_at=session.performed_at)
        for session in sessions
    ]
    left = make_photo(
        sessions[1], clinician, leg="L", view="inner", taken_at=sessions[1].performed_at
    )
    return {"sessions": sessions, "right": photos, "left": left}


def _get(client, patient, **query):
    return client.get(reverse("photos:compare", args=[patient.code]), query)


def _shown(response) -> list:
    return [photo.pk for photo in response.context["pair"]]


def test_by_default_the_earliest_and_the_latest_are_side_by_side(
    clinician_client, patient, series
):
    response = _get(clinician_client, patient)
    assert response.status_code == 200
    first, _middle, last = series["right"]
    assert _shown(response) == [first.pk, last.pk]
    html = response.content.decode()
    for photo in (first, last):
        assert reverse("photos:file", args=[photo.code]) in html
        assert f"{photo.taken_at.astimezone():%Y-%m-%d}" in html


def test_two_dates_are_chosen(clinician_client, patient, series):
    _first, middle, last = series["right"]
    response = _get(
        clinician_client,
        patient,
        leg="R",
        view="front",
        first=str(middle.code),
        second=str(last.code),
    )
    assert _shown(response) == [middle.pk, last.pk]


def test_another_leg_and_view(clinician_client, patient, series):
    response = _get(clinician_client, patient, leg="L", view="inner")
    assert _shown(response) == [series["left"].pk, series["left"].pk]
    # A photo of another leg is never put beside it.
    response = _get(
        clinician_client,
        patient,
        leg="L",
        view="inner",
        first=str(series["right"][0].code),
    )
    assert _shown(response) == [series["left"].pk, series["left"].pk]


def test_voided_photos_are_left_out(clinician_client, clinician, patient, series):
    from photos.services import photo_void

    first, middle, last = series["right"]
    photo_void(photo=last, user=clinician, reason="Blurred, taken again")
    response = _get(clinician_client, patient, second=str(last.code))
    assert _shown(response) == [first.pk, middle.pk]
    assert str(last.code) not in response.content.decode()


@pytest.mark.parametrize(
    "query",
    [
        {"leg": "X", "view": "<script>"},
        {"first": "not-a-uuid", "second": "00000000-0000-0000-0000-000000000000"},
        {"leg": "R\x00"},
    ],
)
def test_nonsense_in_the_query_falls_back_to_the_defaults(
    clinician_client, patient, series, query
):
    response = _get(clinician_client, patient, **query)
    assert response.status_code == 200
    assert len(_shown(response)) == 2


def test_a_patient_without_photos(clinician_client, patient):
    response = _get(clinician_client, patient)
    assert response.status_code == 200
    assert "No photos of this patient yet" in response.content.decode()


def test_the_comparison_is_logged_and_refused_to_front_desk(
    clinician_client, frontdesk_client, manager_client, patient, series
):
    _get(clinician_client, patient)
    assert AccessEvent.objects.filter(kind="photo-compare", patient=patient).exists()
    assert _get(manager_client, patient).status_code == 200
    assert _get(frontdesk_client, patient).status_code == 403


def test_the_comparison_costs_the_same_queries_with_more_photos(
    clinician_client, clinician, patient, series, django_assert_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as before:
        _get(clinician_client, patient)
    session = series["sessions"][0]
    for view in ("front", "back", "outer"):
        make_photo(session, clinician, view=view, taken_at=session.performed_at)
    with django_assert_num_queries(len(before.captured_queries)):
        _get(clinician_client, patient)


def test_the_patient_page_links_the_photos_for_clinical_staff_only(
    clinician_client, frontdesk_client, patient
):
    url = reverse("photos:compare", args=[patient.code])
    page = reverse("records:patient", args=[patient.code])
    assert url in clinician_client.get(page).content.decode()
    assert url not in frontdesk_client.get(page).content.decode()
