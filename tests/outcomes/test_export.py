"""The patient's data export holds the questionnaires and invitations."""

from __future__ import annotations

import pytest
from django.utils import timezone

from outcomes.services import record_response, void_response
from records.export import patient_export
from tests.outcomes.conftest import full_answers, make_invitation

pytestmark = pytest.mark.django_db


def test_the_export_holds_responses_answers_and_invitations(
    patient, instrument, clinician, manager
):
    invitation = make_invitation(patient, instrument)
    make_invitation(patient, instrument, timepoint="m3", status="planned")
    response = record_response(
        patient=patient,
        instrument=instrument,
        answers=full_answers(instrument, 4),
        source="link",
        language="en",
        invitation=invitation,
        timepoint="m1",
    )
    void_response(response, clinician, "Answered for someone else")
    data = patient_export(patient, user=manager, now=timezone.now())
    (exported,) = data["questionnaires"]
    assert exported["code"] == str(response.code)
    assert exported["instrument"] == "sclero-symptoms"
    assert exported["score"] == "20.00"
    assert exported["voided"] is True
    assert exported["void_reason"] == "Answered for someone else"
    assert exported["invitation"] == str(invitation.code)
    assert len(exported["answers"]) == instrument.items.count()
    first = exported["answers"][0]
    assert first["item"] == "heaviness" and first["value"] == 4
    assert first["label"] == "Severely"
    statuses = sorted(i["status"] for i in data["questionnaire_invitations"])
    assert statuses == ["answered", "planned"]


def test_the_export_holds_the_record_as_a_valid_fhir_bundle(
    patient, instrument, manager
):
    from fhir.resources.R4B.bundle import Bundle

    record_response(
        patient=patient,
        instrument=instrument,
        answers=full_answers(instrument, 2),
        source="tablet",
        language="en",
        timepoint="baseline",
    )
    data = patient_export(patient, user=manager, now=timezone.now())
    bundle = Bundle.model_validate(data["fhir"])
    kinds = {entry.resource.get_resource_type() for entry in bundle.entry}
    assert {"Patient", "QuestionnaireResponse"} <= kinds
