"""Merging two charts moves the photos with their sessions."""

from __future__ import annotations

import pytest

from records.services import patient_merge
from tests.conftest import make_patient, make_session
from tests.photos.factories import make_photo

pytestmark = pytest.mark.django_db


def test_a_merge_moves_the_photos_to_the_kept_chart(patient, clinician, manager):
    duplicate = make_patient(phone="+39 333 000 0000")
    photo = make_photo(make_session(duplicate, clinician), clinician)
    patient_merge(
        keep=patient, merge=duplicate, user=manager, reason="Same person twice"
    )
    photo.refresh_from_db()
    assert photo.patient == patient and photo.session.patient == patient
    assert photo.history.latest().history_change_reason.startswith("Moved from")
