"""Photos on the session page, grouped before and after; voiding a photo."""

from __future__ import annotations

import pytest
from django.core.files.storage import storages
from django.urls import reverse

from photos.models import ClinicalPhoto
from tests.conftest import make_session
from tests.photos.factories import make_photo

pytestmark = pytest.mark.django_db

REASON = "Wrong leg photographed"


@pytest.fixture
def session(patient, clinician):
    return make_session(patient, clinician)


def _page(client, session) -> str:
    response = client.get(reverse("treatments:session-detail", args=[session.code]))
    assert response.status_code == 200
    return response.content.decode()


def test_the_session_page_shows_thumbnails_grouped_before_and_after(
    clinician_client, clinician, session
):
    before = make_photo(session, clinician, phase="before")
    after = make_photo(session, clinician, phase="after", leg="L", view="back")
    html = _page(clinician_client, session)
    assert html.index("Before treatment") < html.index(
        reverse("photos:thumbnail", args=[before.code])
    )
    assert html.index("After treatment") < html.index(
        reverse("photos:thumbnail", args=[after.code])
    )
    assert html.index(reverse("photos:thumbnail", args=[before.code])) < html.index(
        "After treatment"
    )
    assert reverse("photos:upload", args=[session.code]) in html
    assert reverse("photos:void", args=[before.code]) in html
    assert f'id="photo-{before.code}-reason"' in html


def test_the_manager_sees_the_photos_but_neither_adds_nor_voids(
    manager_client, clinician, session
):
    photo = make_photo(session, clinician)
    html = _page(manager_client, session)
    assert reverse("photos:thumbnail", args=[photo.code]) in html
    assert reverse("photos:upload", args=[session.code]) not in html
    assert reverse("photos:void", args=[photo.code]) not in html


def test_front_desk_sees_no_photo_on_the_session_page(
    frontdesk_client, clinician, session
):
    photo = make_photo(session, clinician)
    html = _page(frontdesk_client, session)
    assert str(photo.code) not in html and "/photos/" not in html


def test_the_session_page_costs_the_same_queries_with_more_photos(
    clinician_client, clinician, session, django_assert_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    make_photo(session, clinician)
    with CaptureQueriesContext(connection) as one:
        _page(clinician_client, session)
    for leg in ("R", "L", "R"):
        make_photo(session, clinician, leg=leg, phase="after")
    with django_assert_num_queries(len(one.captured_queries)):
        _page(clinician_client, session)


def test_a_clinician_voids_a_photo_with_a_reason_and_the_file_stays(
    clinician_client, colleague, clinician, session
):
    photo = make_photo(session, colleague)
    response = clinician_client.post(
        reverse("photos:void", args=[photo.code]), {"reason": REASON}
    )
    assert response.status_code == 302
    photo.refresh_from_db()
    assert photo.is_voided and photo.voided_by == clinician
    assert photo.void_reason == REASON
    assert storages["private"].exists(photo.image.name)
    assert ClinicalPhoto.objects.filter(pk=photo.pk).exists()
    latest = photo.history.latest()
    assert latest.history_user == clinician and latest.voided_at is not None
    assert latest.history_change_reason.startswith("Voided")

    html = _page(clinician_client, session)
    assert reverse("photos:thumbnail", args=[photo.code]) not in html
    assert "1 photo voided" in html and REASON in html
    # The file is still read by clinical staff (the record shows what was voided).
    assert (
        clinician_client.get(reverse("photos:file", args=[photo.code])).status_code
        == 200
    )


@pytest.mark.parametrize("reason", ["", "x", "  ok  "])
def test_voiding_needs_a_real_reason(clinician_client, clinician, session, reason):
    photo = make_photo(session, clinician)
    response = clinician_client.post(
        reverse("photos:void", args=[photo.code]), {"reason": reason}, follow=True
    )
    photo.refresh_from_db()
    assert not photo.is_voided
    assert "reason" in response.content.decode().lower()


def test_a_voided_photo_is_not_voided_twice(clinician_client, clinician, session):
    photo = make_photo(session, clinician)
    url = reverse("photos:void", args=[photo.code])
    clinician_client.post(url, {"reason": REASON})
    response = clinician_client.post(
        url, {"reason": "Another reason here"}, follow=True
    )
    assert "already voided" in response.content.decode()
    photo.refresh_from_db()
    assert photo.void_reason == REASON


@pytest.mark.parametrize("who", ["manager_client", "frontdesk_client"])
def test_only_clinicians_void(request, who, clinician, session):
    photo = make_photo(session, clinician)
    client = request.getfixturevalue(who)
    response = client.post(
        reverse("photos:void", args=[photo.code]), {"reason": REASON}
    )
    assert response.status_code == 403
    photo.refresh_from_db()
    assert not photo.is_voided


def test_voiding_is_post_only(clinician_client, clinician, session):
    photo = make_photo(session, clinician)
    assert (
        clinician_client.get(reverse("photos:void", args=[photo.code])).status_code
        == 405
    )
