"""The demo clinic has drawn before and after photos for patients with consent."""

from __future__ import annotations

import pytest
from django.core.management import call_command

from consent.selectors import has_photo_consent
from photos.models import ClinicalPhoto


@pytest.mark.date_dependent
def test_the_demo_has_before_and_after_photos_only_with_consent(db):
    call_command("load_demo", allow_demo=True, verbosity=0)
    photos = list(ClinicalPhoto.objects.select_related("patient"))
    assert photos
    assert all(has_photo_consent(photo.patient) for photo in photos)
    for patient in {photo.patient for photo in photos}:
        phases = [p.phase for p in photos if p.patient == patient]
        assert sorted(phases) == ["after", "before"]
