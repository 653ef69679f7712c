"""The photo file and thumbnail: only through the app, for clinical staff, logged."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.urls import reverse

from accesslog.models import AccessEvent
from tests.conftest import make_session
from tests.photos.factories import make_photo

pytestmark = pytest.mark.django_db


@pytest.fixture
def photo(patient, clinician):
    return make_photo(make_session(patient, clinician), clinician)


def _body(response) -> bytes:
    return b"".join(response.streaming_content)


@pytest.mark.parametrize("name", ["photos:file", "photos:thumbnail"])
@pytest.mark.parametrize("who", ["clinician_client", "manager_client"])
def test_clinical_staff_get_the_jpeg_with_private_headers(request, who, name, photo):
    client = request.getfixturevalue(who)
    response = client.get(reverse(name, args=[photo.code]))
    assert response.status_code == 200
    assert response["Content-Type"] == "image/jpeg"
    assert response["Content-Disposition"].startswith("inline;")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "no-store" in response["Cache-Control"]
    assert "private" in response["Cache-Control"]
    field = photo.thumbnail if name == "photos:thumbnail" else photo.image
    with field.open("rb") as handle:
        assert _body(response) == handle.read()


@pytest.mark.parametrize("name", ["photos:file", "photos:thumbnail"])
@pytest.mark.parametrize("who", ["frontdesk_client", "outsider_client"])
def test_front_desk_and_others_are_refused(request, who, name, photo):
    client = request.getfixturevalue(who)
    assert client.get(reverse(name, args=[photo.code])).status_code == 403


def test_anonymous_users_go_to_the_login_page(client, photo):
    response = client.get(reverse("photos:file", args=[photo.code]))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_each_read_writes_an_access_log_row_naming_the_patient(
    clinician_client, clinician, photo
):
    clinician_client.get(reverse("photos:file", args=[photo.code]))
    clinician_client.get(reverse("photos:thumbnail", args=[photo.code]))
    rows = AccessEvent.objects.filter(patient=photo.patient).order_by("id")
    assert [(row.kind, row.user, row.status) for row in rows] == [
        ("photo", clinician, 200),
        ("photo-thumbnail", clinician, 200),
    ]
    assert "Right" in rows[0].label


def test_a_refused_read_is_logged_too(frontdesk_client, photo):
    frontdesk_client.get(reverse("photos:file", args=[photo.code]))
    assert AccessEvent.objects.filter(status=403).exists()


def test_an_unknown_photo_is_404(clinician_client):
    url = reverse("photos:file", args=["00000000-0000-0000-0000-000000000000"])
    assert clinician_client.get(url).status_code == 404


def test_no_url_but_the_apps_serves_the_file(clinician_client, photo):
    """The storage makes no URL, and no path of the site answers with the file."""
    with pytest.raises(ValueError):
        photo.image.url  # noqa: B018
    assert clinician_client.get("/" + photo.image.name).status_code == 404
    assert clinician_client.get("/media/" + photo.image.name).status_code == 404
    assert clinician_client.get("/private_media/" + photo.image.name).status_code == 404
    assert not photo.image.path.startswith(str(settings.BASE_DIR / "static"))
