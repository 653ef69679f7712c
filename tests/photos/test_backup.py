"""A photo's files are in the private storage the backup copies, nowhere else."""

from __future__ import annotations

import pytest
from django.conf import settings

from core import backup
from tests.conftest import make_session
from tests.photos.factories import make_photo

pytestmark = pytest.mark.django_db


def test_the_photo_and_its_thumbnail_are_in_what_the_backup_copies(patient, clinician):
    photo = make_photo(make_session(patient, clinician), clinician)
    copied = set(backup._walk(backup.private_storage()))
    assert {photo.image.name, photo.thumbnail.name} <= copied
    root = str(settings.BASE_DIR)
    for field in (photo.image, photo.thumbnail):
        assert field.storage.location == backup.private_storage().location
        assert not field.path.startswith(f"{root}/static")
        assert not field.path.startswith(f"{root}/staticfiles")
