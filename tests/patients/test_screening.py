"""Screening questions: yes / no / not asked, the day they were asked, the ABI."""

from __future__ import annotations

import re
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from patients.models import Patient
from patients.screening import (
    NO_COMPRESSION,
    QUESTION_FIELDS,
    QUESTIONS,
    REDUCED_COMPRESSION,
    compression_limit,
    contraindications,
    never_screened,
    screening_complete,
    unasked_absolute,
)
from tests.conftest import make_patient

pytestmark = pytest.mark.django_db

DEMOGRAPHICS = {
    "first_name": "Laura",
    "last_name": "Conti",
    "date_of_birth": "1982-03-04",
    "sex": "F",
    "phone": "+39 02 555 1234",
    "language": "it",
    "weight_kg": "64.5",
}
ALL_NO = dict.fromkeys(QUESTION_FIELDS, "no")


def edit(patient) -> str:
    return reverse("patients:edit", args=[patient.code])


def checked(html: str, field: str) -> str:
    """Return the value of the radio button ticked for a question."""
    found = re.findall(rf'<input[^>]*name="{field}" value="([^"]*)"[^>]*checked', html)
    assert len(found) == 1, (field, found)
    return found[0]


def test_the_three_answers_are_saved_and_shown_again(clinician_client, patient):
    data = dict(DEMOGRAPHICS, sclerosant_allergy="yes", infection="no", known_pfo="")
    response = clinician_client.post(edit(patient), data)
    assert response.status_code == 302
    patient.refresh_from_db()
    assert patient.sclerosant_allergy == "yes"
    assert patient.infection == "no"
    assert patient.known_pfo == ""
    assert patient.thrombophilia == ""  # a question left out is not asked
    assert patient.screening_asked_on == timezone.localdate()

    html = clinician_client.get(edit(patient)).content.decode()
    assert checked(html, "sclerosant_allergy") == "yes"
    assert checked(html, "infection") == "no"
    assert checked(html, "known_pfo") == ""
    assert checked(html, "active_cancer") == ""
    # Every question has its three buttons and its Rabe 2014 level.
    for question in QUESTIONS:
        for value in ("yes", "no", ""):
            assert f'name="{question.field}" value="{value}"' in html
    assert html.count('<span class="badge text-bg-danger">absolute</span>') == 5
    assert html.count('<span class="badge text-bg-warning">relative</span>') == 10


def test_an_answer_goes_back_to_not_asked(clinician_client):
    patient = make_patient(infection="no", screening_asked_on=date(2026, 1, 5))
    clinician_client.post(
        edit(patient), dict(DEMOGRAPHICS, infection="", thrombophilia="yes")
    )
    patient.refresh_from_db()
    assert (patient.infection, patient.thrombophilia) == ("", "yes")


def test_an_unknown_answer_is_refused(clinician_client, patient):
    response = clinician_client.post(edit(patient), dict(DEMOGRAPHICS, infection="on"))
    assert response.status_code == 200
    assert "Select a valid choice" in response.context["form"].errors["infection"][0]
    patient.refresh_from_db()
    assert patient.infection == ""


def test_the_date_asked_is_today_when_an_answer_changes(clinician_client):
    patient = make_patient(infection="no", screening_asked_on=date(2025, 6, 1))
    clinician_client.post(
        edit(patient),
        dict(DEMOGRAPHICS, infection="no", screening_asked_on="2025-06-01"),
    )
    patient.refresh_from_db()
    assert patient.screening_asked_on == date(2025, 6, 1)  # nothing changed

    clinician_client.post(
        edit(patient),
        dict(DEMOGRAPHICS, infection="yes", screening_asked_on="2025-06-01"),
    )
    patient.refresh_from_db()
    assert patient.screening_asked_on == timezone.localdate()


def test_a_typed_date_records_questions_asked_again(clinician_client):
    patient = make_patient(infection="no", screening_asked_on=date(2025, 6, 1))
    asked = timezone.localdate() - timedelta(days=2)
    clinician_client.post(
        edit(patient),
        dict(DEMOGRAPHICS, infection="no", screening_asked_on=asked.isoformat()),
    )
    patient.refresh_from_db()
    assert patient.screening_asked_on == asked
    # A paper questionnaire typed in later keeps its own date.
    clinician_client.post(
        edit(patient), {**DEMOGRAPHICS, **ALL_NO, "screening_asked_on": "2025-09-10"}
    )
    patient.refresh_from_db()
    assert patient.screening_asked_on == date(2025, 9, 10)
    assert screening_complete(patient)


@pytest.mark.parametrize(
    "data,message",
    [
        ({"screening_asked_on": "2025-06-01"}, "No question is answered"),
        (
            {"infection": "no", "screening_asked_on": "2999-01-01"},
            "This date is in the future.",
        ),
    ],
)
def test_a_wrong_date_asked_gets_a_message(clinician_client, patient, data, message):
    response = clinician_client.post(edit(patient), dict(DEMOGRAPHICS, **data))
    assert response.status_code == 200
    assert message in response.context["form"].errors["screening_asked_on"][0]
    patient.refresh_from_db()
    assert patient.screening_asked_on is None


def test_registering_with_answers_dates_them(clinician_client, db):
    clinician_client.post(reverse("patients:create"), {**DEMOGRAPHICS, **ALL_NO})
    patient = Patient.objects.get(last_name="Conti")
    assert screening_complete(patient)
    assert patient.screening_asked_on == timezone.localdate()


def test_front_desk_has_no_screening_and_cannot_change_it(
    frontdesk_client, clinician_client, db
):
    html = frontdesk_client.get(reverse("patients:create")).content.decode()
    for name in (
        "sclerosant_allergy",
        "infection",
        "screening_asked_on",
        "ankle_brachial_index",
    ):
        assert f'name="{name}"' not in html
    patient = make_patient(
        infection="no",
        sclerosant_allergy="yes",
        screening_asked_on=date(2025, 6, 1),
        ankle_brachial_index=Decimal("0.9"),
    )
    data = dict(
        DEMOGRAPHICS,
        infection="yes",
        sclerosant_allergy="",
        screening_asked_on="",
        ankle_brachial_index="0.3",
        phone="+39 02 555 9999",
    )
    assert frontdesk_client.post(edit(patient), data).status_code == 302
    patient.refresh_from_db()
    assert patient.phone == "+39025559999"  # the demographics were saved, in E.164
    assert (patient.infection, patient.sclerosant_allergy) == ("no", "yes")
    assert patient.screening_asked_on == date(2025, 6, 1)
    assert patient.ankle_brachial_index == Decimal("0.90")


@pytest.mark.parametrize(
    "typed,saved",
    [
        ("0,7", Decimal("0.70")),
        ("0.45", Decimal("0.45")),
        (" 1,2 ", Decimal("1.20")),
        ("", None),
    ],
)
def test_ankle_brachial_index_takes_a_comma_or_a_dot(
    clinician_client, patient, typed, saved
):
    response = clinician_client.post(
        edit(patient), dict(DEMOGRAPHICS, ankle_brachial_index=typed)
    )
    assert response.status_code == 302
    patient.refresh_from_db()
    assert patient.ankle_brachial_index == saved


@pytest.mark.parametrize(
    "typed,message",
    [
        ("0,1", "greater than or equal to 0.2"),
        ("1,6", "less than or equal to 1.5"),
        ("0,455", "no more than 2 decimal places"),
        ("low", "Enter a number."),
    ],
)
def test_ankle_brachial_index_out_of_range_gets_a_message(
    clinician_client, patient, typed, message
):
    response = clinician_client.post(
        edit(patient), dict(DEMOGRAPHICS, ankle_brachial_index=typed)
    )
    assert response.status_code == 200
    assert message in response.context["form"].errors["ankle_brachial_index"][0]


def test_the_answers_are_in_the_audit_trail(clinician_client, manager_client, patient):
    clinician_client.post(edit(patient), dict(DEMOGRAPHICS, infection="yes"))
    first, before = patient.history.order_by("-history_id")[:2]
    assert (before.infection, first.infection) == ("", "yes")
    assert first.screening_asked_on == timezone.localdate()
    html = manager_client.get(
        reverse("records:history", args=[patient.code])
    ).content.decode()
    assert "infection" in html


# --- patients.screening, as the session review calls it ----------------------


def test_booleans_from_older_code_are_answers():
    patient = make_patient(sclerosant_allergy=True, thrombophilia=False)
    patient.refresh_from_db()
    assert (patient.sclerosant_allergy, patient.thrombophilia) == ("yes", "")
    assert Patient.objects.filter(sclerosant_allergy=True).get() == patient


def test_contraindications_are_the_yes_answers_absolute_first():
    patient = make_patient(
        **dict(
            ALL_NO,
            migraine_with_aura="yes",
            known_pfo="yes",
            infection="yes",
            active_cancer="yes",
        )
    )
    found = contraindications(patient)
    assert [(c.field, c.level) for c in found] == [
        ("infection", "absolute"),
        ("known_pfo", "absolute"),
        ("active_cancer", "relative"),
        ("migraine_with_aura", "relative"),
    ]
    assert found[0].is_absolute and not found[2].is_absolute
    assert (
        found[0].message
        == "Local infection in the treatment area or severe systemic infection."
    )
    # Liquid only: the foam-only questions do not apply.
    assert [c.field for c in contraindications(patient, foam=False)] == [
        "infection",
        "active_cancer",
    ]


def test_not_asked_is_never_a_contraindication_but_an_unasked_absolute():
    patient = make_patient(thrombophilia="yes")
    assert [c.field for c in contraindications(patient)] == ["thrombophilia"]
    missing = unasked_absolute(patient)
    assert [c.field for c in missing] == [
        "sclerosant_allergy",
        "acute_thrombosis",
        "infection",
        "immobility",
        "known_pfo",
    ]
    assert missing[2].message == (
        "Not asked: local infection in the treatment area or severe systemic infection"
    )
    assert "known_pfo" not in [c.field for c in unasked_absolute(patient, foam=False)]
    assert not never_screened(patient) and never_screened(make_patient(last_name="New"))
    answered = make_patient(
        **dict.fromkeys(
            ["sclerosant_allergy", "acute_thrombosis", "infection", "immobility"], "no"
        )
    )
    assert unasked_absolute(answered, foam=False) == []
    assert [c.field for c in unasked_absolute(answered)] == ["known_pfo"]


@pytest.mark.parametrize(
    "abi,limit",
    [
        (None, None),
        (Decimal("0.45"), NO_COMPRESSION),
        (Decimal("0.49"), NO_COMPRESSION),
        (Decimal("0.50"), REDUCED_COMPRESSION),
        (Decimal("0.80"), REDUCED_COMPRESSION),
        (Decimal("0.81"), None),
        (Decimal("1.10"), None),
    ],
)
def test_compression_limit_follows_the_ankle_brachial_index(abi, limit):
    assert compression_limit(make_patient(ankle_brachial_index=abi)) == limit
