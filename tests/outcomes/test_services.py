"""Recording a response: scored, stored with its answers, once per link."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from outcomes import services
from outcomes.models import QuestionnaireResponse
from tests.outcomes.conftest import full_answers

pytestmark = pytest.mark.django_db


def _record(patient, instrument, **kwargs):
    fields = {
        "patient": patient,
        "instrument": instrument,
        "answers": full_answers(instrument),
        "source": "tablet",
        "language": "en",
        "timepoint": "visit",
    }
    fields.update(kwargs)
    return services.record_response(**fields)


def test_a_response_is_scored_and_answered(patient, instrument, clinician):
    response = _record(patient, instrument, user=clinician)
    assert response.score == Decimal(10)
    assert response.entered_by == clinician
    assert response.answers.count() == instrument.items.count()
    assert response.history.count() == 1


def test_an_invitation_is_answered_once(patient, instrument, invitation):
    response = _record(
        patient, instrument, invitation=invitation, source="link", timepoint="m1"
    )
    invitation.refresh_from_db()
    assert invitation.status == "answered"
    assert invitation.answered_at == response.answered_at
    with pytest.raises(ValidationError):
        _record(
            patient, instrument, invitation=invitation, source="link", timepoint="m1"
        )
    assert QuestionnaireResponse.objects.count() == 1


def test_a_cancelled_invitation_takes_no_answer(patient, instrument, invitation):
    invitation.status = "cancelled"
    invitation.save()
    with pytest.raises(ValidationError):
        _record(patient, instrument, invitation=invitation, source="link")


def test_bad_answers_store_nothing(patient, instrument):
    answers = full_answers(instrument)
    answers["heaviness"] = 9
    with pytest.raises(ValidationError):
        _record(patient, instrument, answers=answers)
    assert not QuestionnaireResponse.objects.exists()


def test_void_keeps_the_response(patient, instrument, clinician):
    response = _record(patient, instrument)
    with pytest.raises(ValidationError):
        services.void_response(response, clinician, "")
    voided = services.void_response(response, clinician, "Entered twice")
    assert voided.is_voided and voided.void_reason == "Entered twice"
    assert QuestionnaireResponse.objects.filter(pk=response.pk).exists()
    with pytest.raises(ValidationError):
        services.void_response(voided, clinician, "Again")
