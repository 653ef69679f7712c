"""Two submissions of one questionnaire link at the same moment, on
PostgreSQL: the invitation's row lock lets one in; the other waits for it,
then finds the invitation answered and is refused. One response is stored."""

from __future__ import annotations

import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, connections

from outcomes import services
from outcomes.models import InvitationStatus, QuestionnaireResponse
from tests.helpers import shipped_instrument
from tests.outcomes.conftest import full_answers, make_invitation


@pytest.mark.django_db(transaction=True)
def test_two_submissions_of_one_link_store_one_response(patient):
    if connection.vendor != "postgresql":
        pytest.skip("row locks need PostgreSQL")
    instrument = shipped_instrument()
    invitation = make_invitation(patient, instrument)
    answers = full_answers(instrument, 3)
    ready = threading.Barrier(2)
    outcomes: list[str] = []

    def submit() -> None:
        try:
            ready.wait(5)
            services.record_response(
                patient=patient,
                instrument=instrument,
                answers=answers,
                source="link",
                language="en",
                invitation=invitation,
                timepoint=invitation.timepoint,
            )
            outcomes.append("stored")
        except ValidationError as error:
            outcomes.append(" ".join(error.messages))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=submit) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(20)

    assert sorted(outcomes) == [
        "This questionnaire has already been filled in.",
        "stored",
    ]
    assert QuestionnaireResponse.objects.filter(invitation=invitation).count() == 1
    invitation.refresh_from_db()
    assert invitation.status == InvitationStatus.ANSWERED
