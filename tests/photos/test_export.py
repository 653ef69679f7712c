"""The patient export names each photo and its file, without the picture."""

from __future__ import annotations

import base64
import json

import pytest
from django.urls import reverse

from tests.conftest import make_session
from tests.photos.factories import make_photo

pytestmark = pytest.mark.django_db


def test_the_export_holds_the_photos_details_not_their_bytes(
    manager_client, patient, clinician
):
    session = make_session(patient, clinician)
    photo = make_photo(session, clinician, leg="L", view="inner", notes="Left calf")
    response = manager_client.post(reverse("records:export", args=[patient.code]))
    data = json.loads(
        b"".join(response.streaming_content) if response.streaming else response.content
    )
    (exported,) = data["photos"]
    assert exported["code"] == str(photo.code)
    assert exported["session"] == str(session.code)
    assert (exported["leg"], exported["view"], exported["phase"]) == (
        "L",
        "inner",
        "before",
    )
    assert exported["sha256"] == photo.sha256
    assert exported["file_name"] == f"{photo.code}.jpg"
    assert exported["notes"] == "Left calf" and exported["voided"] is False
    with photo.image.open("rb") as handle:
        raw = handle.read()
    text = json.dumps(data)
    assert base64.b64encode(raw[:64]).decode()[:40] not in text
