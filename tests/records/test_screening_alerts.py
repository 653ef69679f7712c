"""The screening part of the patient header: never asked is not "no"."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse

from patients.screening import QUESTION_FIELDS
from tests.conftest import make_patient

pytestmark = pytest.mark.django_db

ALL_NO = dict.fromkeys(QUESTION_FIELDS, "no")
GREEN = "No allergy or contraindication recorded"


def alerts(client, patient) -> dict[str, str]:
    """Return {text: level} of the header's alerts."""
    response = client.get(reverse("records:patient", args=[patient.code]))
    assert response.status_code == 200
    return {a.text: a.level for a in response.context["timeline"].alerts}


def test_a_patient_never_screened_is_not_green(clinician_client, patient):
    shown = alerts(clinician_client, patient)
    assert shown["Screening not done"] == "warning"
    assert GREEN not in shown
    html = clinician_client.get(
        reverse("records:patient", args=[patient.code])
    ).content.decode()
    assert "Screening not done" in html and GREEN not in html


def test_every_question_answered_no_is_green_with_the_date(clinician_client):
    patient = make_patient(**ALL_NO, screening_asked_on=date(2026, 3, 2))
    shown = alerts(clinician_client, patient)
    assert shown[GREEN] == "success"
    assert shown["Screening asked 2026-03-02"] == "secondary"
    assert not any(text.startswith("Not asked") for text in shown)
    assert "Screening not done" not in shown


def test_a_yes_shows_the_contraindication_not_green(clinician_client):
    patient = make_patient(
        **dict(ALL_NO, infection="yes", pregnant_or_breastfeeding="yes"),
        screening_asked_on=date(2026, 3, 2),
    )
    shown = alerts(clinician_client, patient)
    assert (
        shown["Local infection in the treatment area or severe systemic infection."]
        == "danger"
    )
    assert shown["Pregnant or breastfeeding."] == "warning"
    assert GREEN not in shown
    assert shown["Screening asked 2026-03-02"] == "secondary"


def test_absolute_questions_not_asked_are_named(clinician_client):
    # As the migration left a ticked box: yes, the rest not asked, no date.
    patient = make_patient(
        thrombophilia="yes", sclerosant_allergy="no", acute_thrombosis="no"
    )
    shown = alerts(clinician_client, patient)
    assert shown["Thrombophilia."] == "warning"
    not_asked = (
        "Not asked: local infection in the treatment area or severe systemic "
        "infection; long-lasting immobility or confinement to bed; known "
        "symptomatic right-to-left shunt (e.g. PFO)"
    )
    assert shown[not_asked] == "warning"
    assert shown["9 relative questions not asked"] == "secondary"
    assert shown["Screening date not recorded"] == "secondary"
    assert GREEN not in shown and "Screening not done" not in shown


def test_only_relative_questions_not_asked_is_not_green(clinician_client):
    patient = make_patient(
        **dict(ALL_NO, allergic_predisposition=""), screening_asked_on=date(2026, 3, 2)
    )
    shown = alerts(clinician_client, patient)
    assert shown["1 relative question not asked"] == "secondary"
    assert GREEN not in shown
    assert not any(text.startswith("Not asked") for text in shown)


@pytest.mark.parametrize(
    "abi,text,level",
    [
        (Decimal("0.45"), "Ankle-brachial index 0.45: no compression.", "danger"),
        (
            Decimal("0.70"),
            "Ankle-brachial index 0.70: reduced compression only.",
            "warning",
        ),
    ],
)
def test_a_low_ankle_brachial_index_limits_compression(
    clinician_client, abi, text, level
):
    patient = make_patient(
        **dict(ALL_NO, severe_pad="yes"),
        ankle_brachial_index=abi,
        screening_asked_on=date(2026, 3, 2),
    )
    shown = alerts(clinician_client, patient)
    assert shown[text] == level
    assert shown["Severe peripheral arterial disease."] == "warning"


def test_a_normal_ankle_brachial_index_says_nothing(clinician_client):
    patient = make_patient(
        **ALL_NO,
        ankle_brachial_index=Decimal("1.05"),
        screening_asked_on=date(2026, 3, 2),
    )
    shown = alerts(clinician_client, patient)
    assert not any("Ankle-brachial" in text for text in shown)
    assert shown[GREEN] == "success"


def test_the_index_is_written_in_the_users_language(clinician_client):
    patient = make_patient(ankle_brachial_index=Decimal("0.70"))
    clinician_client.cookies["django_language"] = "it"
    html = clinician_client.get(
        reverse("records:patient", args=[patient.code]), HTTP_ACCEPT_LANGUAGE="it"
    ).content.decode()
    assert "0,70" in html


def test_front_desk_sees_no_screening(frontdesk_client):
    patient = make_patient(infection="yes", ankle_brachial_index=Decimal("0.4"))
    shown = alerts(frontdesk_client, patient)
    assert not any(
        word in text
        for text in shown
        for word in ("Screening", "Not asked", "infection", "Ankle-brachial", GREEN)
    )
