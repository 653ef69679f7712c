"""Patient search: a whole chart number is looked up exactly, parts still match."""

from __future__ import annotations

import pytest

from patients.models import Patient
from patients.selectors import search_patients
from tests.conftest import make_patient

pytestmark = pytest.mark.django_db


@pytest.fixture
def registry():
    return [make_patient(last_name=name) for name in ("Conte", "Conti", "Greco")]


def test_whole_chart_number_in_any_case_finds_exactly_that_patient(registry):
    chart = registry[2].chart_number
    for query in (chart, chart.lower(), f"  {chart.lower()} "):
        assert list(search_patients(Patient.objects.all(), query)) == [registry[2]]
    sql = str(search_patients(Patient.objects.all(), chart.lower()).query)
    assert "LIKE" not in sql.upper()  # an exact match the unique index answers


def test_unknown_whole_chart_number_finds_nobody(registry):
    assert list(search_patients(Patient.objects.all(), "SC-999999")) == []


def test_part_of_a_chart_number_still_matches_every_patient_containing_it(registry):
    found = search_patients(
        Patient.objects.all(), registry[0].chart_number[:-1].lower()
    )
    assert set(found) == set(registry)  # SC-00000x: all three


@pytest.mark.parametrize(
    "query", ["3330000777", "333 000 0777", "333-000-0777", "0000777"]
)
def test_phone_is_found_by_its_digits_however_it_was_typed(query):
    wanted = make_patient(last_name="Phone", phone="+39 333 000 0777")
    make_patient(last_name="Other", phone="+39 02 555 1234")
    assert list(search_patients(Patient.objects.all(), query)) == [wanted]
