from __future__ import annotations

from datetime import date

import pytest
import time_machine

from outcomes.models import Instrument, QuestionnaireInvitation
from tests.helpers import rome, shipped_instrument

# The suite's frozen day (tests/conftest.py), on which the schedule and
# sending cases are written.
SUITE_DAY = date(2026, 11, 18)


@pytest.fixture
def on_the_suites_day():
    """For cases written on the calendar around SUITE_DAY (absolute dates of
    sessions, visits and links): they run on that day whatever day `make
    test-dates` gives the rest of the suite."""
    with time_machine.travel(rome(SUITE_DAY, 10), tick=True):
        yield


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
