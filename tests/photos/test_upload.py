"""The upload page of a session: consent, checks on the file, what is stored."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from django.core.files.storage import storages
from django.urls import reverse
from django.utils.timezone import localtime
from PIL import Image

from accesslog.models import AccessEvent
from photos.models import ClinicalPhoto
from tests.conftest import make_session
from tests.photos.factories import (
    BLUE,
    RED,
    make_photo_consent,
    picture_bytes,
    upload,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def session(patient, clinician):
    return make_session(patient, clinician)


@pytest.fixture
def consent(patient, clinician):
    return make_photo_consent(patient, clinician)


def _url(session) -> str:
    return reverse("photos:upload", args=[session.code])


def _post(client, session, image, **extra):
    data = {
        "image": image,
        "phase": "before",
        "leg": "R",
        "view": "front",
        "taken_at": f"{localtime(session.performed_at):%Y-%m-%dT%H:%M}",
        "notes": "",
        **extra,
    }
    return client.post(_url(session), data)


def test_the_page_offers_the_camera_and_defaults_to_the_sessions_time(
    clinician_client, session, consent
):
    html = clinician_client.get(_url(session)).content.decode()
    assert 'accept="image/*"' in html and 'capture="environment"' in html
    assert 'enctype="multipart/form-data"' in html
    assert session.performed_at.astimezone().strftime("%Y-%m-%dT") in html
    assert "no-photo-consent" not in html


def test_a_photo_is_stored_upright_without_exif_in_private_storage(
    clinician_client, clinician, session, consent
):
    response = _post(
        clinician_client, session, upload(picture_bytes(orientation=6, gps=True))
    )
    assert response.status_code == 302
    assert response["Location"].startswith(_url(session) + "?phase=before&leg=R")
    photo = ClinicalPhoto.objects.get()
    assert (photo.patient, photo.session, photo.uploaded_by) == (
        session.patient,
        session,
        clinician,
    )
    assert (photo.phase, photo.leg, photo.view) == ("before", "R", "front")
    private = storages["private"]
    assert photo.image.storage.location == private.location
    with private.open(photo.image.name) as handle:
        data = handle.read()
    stored = Image.open(io.BytesIO(data))
    assert not stored.getexif() and b"TabletMaker" not in data
    assert stored.size == (20, 40) == (photo.width, photo.height)
    assert stored.getpixel((10, 5))[0] > 150 and stored.getpixel((10, 35))[2] > 150
    assert photo.byte_size == len(data)
    assert private.exists(photo.thumbnail.name)
    assert photo.history.count() == 1
    # The next photo starts with the same phase and leg.
    page = clinician_client.get(response["Location"]).content.decode()
    assert "Photo saved" in page


def test_a_non_image_gets_a_message_on_the_field(clinician_client, session, consent):
    response = _post(
        clinician_client,
        session,
        upload(b"just some text", name="notes.txt", content_type="text/plain"),
    )
    assert response.status_code == 200
    form = response.context["form"]
    assert "not a picture" in form.errors["image"][0]
    assert not ClinicalPhoto.objects.exists()


def test_a_file_over_15_mb_gets_a_message_on_the_field(
    clinician_client, session, consent
):
    big = picture_bytes() + b"\0" * (15 * 1024 * 1024)
    response = _post(clinician_client, session, upload(big))
    assert response.status_code == 200
    assert "larger than 15 MB" in response.context["form"].errors["image"][0]
    assert not ClinicalPhoto.objects.exists()


def test_a_50_mb_file_gets_the_same_message_not_a_server_error(
    clinician_client, session, consent
):
    response = _post(clinician_client, session, upload(b"\xff" * (50 * 1024 * 1024)))
    assert response.status_code == 200
    assert "larger than 15 MB" in response.content.decode()


def test_a_decompression_bomb_gets_a_message_on_the_field(
    clinician_client, session, consent
):
    out = io.BytesIO()
    Image.new("1", (20000, 20000)).save(out, "PNG")
    response = _post(
        clinician_client, session, upload(out.getvalue(), "bomb.png", "image/png")
    )
    assert response.status_code == 200
    assert "megapixels" in response.context["form"].errors["image"][0]
    assert not ClinicalPhoto.objects.exists()


def test_without_photo_consent_the_upload_is_refused(clinician_client, session):
    page = clinician_client.get(_url(session)).content.decode()
    assert "no-photo-consent" in page
    assert "has not signed the photography consent" in page

    response = _post(clinician_client, session, upload())
    assert response.status_code == 200
    assert "photography consent" in response.context["form"].errors["image"][0]
    assert not ClinicalPhoto.objects.exists()
    assert not storages["private"].listdir("")[1]


def test_a_withdrawn_consent_is_no_consent(clinician_client, session, consent):
    consent.withdrawn_at = consent.signed_at
    consent.withdrawn_reason = "The patient changed her mind"
    consent.save()
    response = _post(clinician_client, session, upload())
    assert "photography consent" in response.context["form"].errors["image"][0]
    assert not ClinicalPhoto.objects.exists()


def test_a_voided_session_takes_no_photo(clinician_client, clinician, session, consent):
    session.voided_at = session.performed_at
    session.voided_by = clinician
    session.void_reason = "Recorded on the wrong patient"
    session.save()
    assert (
        "The session is voided" in clinician_client.get(_url(session)).content.decode()
    )
    response = _post(clinician_client, session, upload())
    assert "voided" in response.context["form"].errors["image"][0]
    assert not ClinicalPhoto.objects.exists()


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("a month ahead", "in the future"),
        ("1900-01-01T10:00", ""),
        ("yesterday", "YYYY-MM-DD"),
    ],
)
def test_an_implausible_time_gets_a_message_on_the_field(
    clinician_client, session, consent, value, message
):
    if value == "a month ahead":
        value = f"{localtime() + timedelta(days=30):%Y-%m-%dT%H:%M}"
    response = _post(clinician_client, session, upload(), taken_at=value)
    errors = response.context["form"].errors
    assert "taken_at" in errors and message in errors["taken_at"][0]


def test_unknown_choices_get_messages_on_their_fields(
    clinician_client, session, consent
):
    response = _post(clinician_client, session, upload(), leg="X", view="top", phase="")
    assert {"leg", "view", "phase"} <= set(response.context["form"].errors)


@pytest.mark.parametrize("who", ["frontdesk_client", "manager_client"])
def test_only_clinicians_upload(request, who, session, consent):
    client = request.getfixturevalue(who)
    assert client.get(_url(session)).status_code == 403
    assert _post(client, session, upload()).status_code == 403
    assert not ClinicalPhoto.objects.exists()


def test_the_upload_page_is_in_the_access_log(clinician_client, session, consent):
    clinician_client.get(_url(session))
    event = AccessEvent.objects.get(kind="photo-upload")
    assert event.patient == session.patient


def test_colours_survive_reencoding():
    """A sanity check of the factory: red left, blue right."""
    picture = Image.open(io.BytesIO(picture_bytes()))
    assert picture.getpixel((5, 10))[0] > 150 and picture.getpixel((35, 10))[2] > 150
    assert RED != BLUE


@pytest.mark.parametrize("value", ["0001-01-01T00:00", "9999-12-31T23:59"])
def test_the_first_and_last_days_a_date_can_hold_get_a_field_message(
    clinician_client, session, consent, value
):
    response = _post(clinician_client, session, upload(), taken_at=value)
    assert response.status_code == 200
    assert "taken_at" in response.context["form"].errors


def test_without_consent_the_page_links_the_photography_consent_form(
    clinician_client, session
):
    html = clinician_client.get(_url(session)).content.decode()
    link = reverse("consent:sign", args=[session.patient.code, "photography"])
    assert f'href="{link}"' in html
    assert clinician_client.get(link).status_code == 200
