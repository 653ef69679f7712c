from __future__ import annotations

from datetime import date

import pytest

from outcomes.models import Instrument, QuestionnaireInvitation
from tests.helpers import shipped_instrument


@pytest.fixture
def instrument(db) -> Instrument:
    return shipped_instrument()


def make_invitation(patient, instrument, **overrides) -> QuestionnaireInvitation:
    fields = {
        "patient": patient,
        "instrument": instrument,
        "timepoint": "m1",
        "course_key": "course-1",
        "due_on": date(2026, 11, 18),
        "channel": "email",
        "status": "sent",
    }
    fields.update(overrides)
    if fields["status"] == "sent" and "sent_at" not in overrides:
        from django.utils import timezone

        fields["sent_at"] = timezone.now()
    return QuestionnaireInvitation.objects.create(**fields)


@pytest.fixture
def invitation(patient, instrument) -> QuestionnaireInvitation:
    return make_invitation(patient, instrument)


def full_answers(instrument, value: int = 2) -> dict[str, int | None]:
    """Every item answered with `value` (the shipped score: 5 x value)."""
    return {item.key: value for item in instrument.items.all()}
