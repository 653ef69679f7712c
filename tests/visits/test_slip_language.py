"""Appointment slip in Italian: "1°" for the first of the month, the letterhead
footer in the slip's language, no slash forms whatever the patient's sex."""

from __future__ import annotations

from datetime import date

import pytest
from django.urls import reverse

from core.models import Letterhead
from patients.models import Sex
from tests.conftest import make_patient, make_visit
from tests.helpers import pdf_text, rome

pytestmark = pytest.mark.django_db

FOOTER_EN = "Open Monday to Friday"
FOOTER_IT = "Aperto dal lunedì al venerdì"


@pytest.fixture
def letterhead(db):
    return Letterhead.objects.create(
        clinic_name="Vene Milano",
        phone="+39 02 555 0101",
        footer=FOOTER_EN,
        footer_it=FOOTER_IT,
    )


def slip_text(client, visit) -> str:
    response = client.get(reverse("visits:slip", args=[visit.code]))
    assert response.status_code == 200
    return pdf_text(response.content)


def test_italian_slip_writes_the_first_of_the_month_as_1_degree(
    frontdesk_client, clinician, letterhead
):
    patient = make_patient(language="it")
    visit = make_visit(patient, clinician, starts_at=rome(date(2027, 6, 1), 9))
    text = slip_text(frontdesk_client, visit)
    assert "martedì 1° giugno 2027" in text
    assert "martedì 1 giugno" not in text


def test_english_slip_keeps_the_plain_day(frontdesk_client, clinician, letterhead):
    visit = make_visit(make_patient(), clinician, starts_at=rome(date(2027, 6, 1), 9))
    assert "Tuesday 1 June 2027" in slip_text(frontdesk_client, visit)


@pytest.mark.parametrize(
    "language, printed, not_printed",
    [("it", FOOTER_IT, FOOTER_EN), ("en", FOOTER_EN, FOOTER_IT)],
)
def test_slip_prints_the_footer_of_its_language(
    frontdesk_client, clinician, letterhead, language, printed, not_printed
):
    patient = make_patient(language=language)
    visit = make_visit(patient, clinician, starts_at=rome(date(2027, 6, 8), 9))
    text = slip_text(frontdesk_client, visit)
    assert printed in text
    assert not_printed not in text


def test_italian_slip_falls_back_to_the_english_footer(
    frontdesk_client, clinician, letterhead
):
    letterhead.footer_it = ""
    letterhead.save()
    patient = make_patient(language="it")
    visit = make_visit(patient, clinician, starts_at=rome(date(2027, 6, 8), 9))
    assert FOOTER_EN in slip_text(frontdesk_client, visit)


@pytest.mark.parametrize("sex", [Sex.FEMALE, Sex.MALE, Sex.OTHER])
def test_italian_slip_has_no_slash_forms(frontdesk_client, clinician, letterhead, sex):
    patient = make_patient(language="it", sex=sex)
    visit = make_visit(patient, clinician, starts_at=rome(date(2027, 6, 8), 9))
    text = slip_text(frontdesk_client, visit)
    assert "o/a" not in text and "i/e" not in text
