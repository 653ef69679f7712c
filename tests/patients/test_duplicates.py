"""Registering the same person twice: same name (any case, any accents) and
birth date warns, shows the chart on file, and registers only when confirmed."""

from __future__ import annotations

from datetime import date

import pytest
from django.urls import reverse

from patients.models import Patient
from patients.selectors import possible_duplicates
from patients.services import patient_archive
from tests.conftest import make_patient

pytestmark = pytest.mark.django_db

BORN = date(1961, 3, 9)


@pytest.fixture
def nicolo():
    return make_patient(first_name="Nicolò", last_name="D'Alì", date_of_birth=BORN)


def _form(**overrides) -> dict[str, str]:
    data = {
        "first_name": "NICOLO",
        "last_name": "d'ali",
        "date_of_birth": BORN.isoformat(),
        "sex": "M",
        "phone": "+39 02 555 0101",
        "email": "nicolo@example.org",
        "address": "Via Roma 1, Milano",
        "language": "it",
        "weight_kg": "81,5",
    }
    data.update(overrides)
    return data


@pytest.mark.parametrize(
    ("first", "last"),
    [
        ("Nicolò", "D'Alì"),
        ("NICOLO", "d'ali"),
        ("nicolo", "D'ALÌ"),
        ("  Nicolo ", " D'Ali  "),
        ("Nicolò", "D’Alì"),  # a typographic apostrophe
    ],
)
def test_same_name_without_case_or_accents_and_birth_date_is_a_possible_duplicate(
    nicolo, first, last
):
    assert possible_duplicates(first, last, BORN) == [nicolo]


@pytest.mark.parametrize(
    ("first", "last", "born"),
    [
        ("Nicolò", "D'Alì", date(1961, 3, 10)),  # another birth date
        ("Nicola", "D'Alì", BORN),  # another first name
        ("Nicolò", "Dali", BORN),  # another spelling of the surname
        ("Nicolò", "D'Alì", None),  # no birth date: nothing to compare
    ],
)
def test_another_name_or_birth_date_is_not_a_duplicate(nicolo, first, last, born):
    assert possible_duplicates(first, last, born) == []


def test_archived_chart_counts_and_exclude_leaves_a_patient_out(nicolo):
    patient_archive(patient=nicolo, reason="Moved to another region")
    twin = make_patient(first_name="Nicolo", last_name="Dali", date_of_birth=BORN)
    assert possible_duplicates("nicolò", "d'alì", BORN) == [nicolo]
    assert possible_duplicates("Nicolo", "Dali", BORN, exclude=twin) == []


@pytest.mark.parametrize("role", ["frontdesk", "clinician"])
def test_registering_a_possible_duplicate_warns_and_links_the_chart_on_file(
    request, nicolo, role
):
    client = request.getfixturevalue(f"{role}_client")
    response = client.post(reverse("patients:create"), _form())
    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="possible-duplicates"' in html
    assert reverse("records:patient", args=[nicolo.code]) in html
    assert nicolo.chart_number in html
    assert 'name="confirm_new_patient"' in html
    assert Patient.objects.count() == 1
    # Nothing typed is lost.
    for value in ("NICOLO", "d&#x27;ali", "+39 02 555 0101", "nicolo@example.org"):
        assert value in html, value
    assert "Via Roma 1, Milano" in html
    assert 'value="81,5"' in html or 'value="81.5"' in html


def test_registering_anyway_after_the_warning_registers_a_second_chart(
    frontdesk_client, nicolo
):
    response = frontdesk_client.post(
        reverse("patients:create"), _form(confirm_new_patient="1")
    )
    assert response.status_code == 302
    new = Patient.objects.exclude(pk=nicolo.pk).get()
    assert response["Location"] == reverse("records:patient", args=[new.code])
    assert (new.first_name, new.last_name, new.date_of_birth) == (
        "NICOLO",
        "d'ali",
        BORN,
    )
    assert new.email == "nicolo@example.org"
    assert new.chart_number != nicolo.chart_number


def test_a_new_name_registers_at_once_without_a_warning(frontdesk_client, nicolo):
    response = frontdesk_client.post(
        reverse("patients:create"), _form(first_name="Giulia", sex="F")
    )
    assert response.status_code == 302
    assert Patient.objects.count() == 2


def test_an_invalid_form_shows_its_errors_not_the_duplicate_warning(
    frontdesk_client, nicolo
):
    response = frontdesk_client.post(reverse("patients:create"), _form(phone="call me"))
    assert response.status_code == 200
    assert 'id="possible-duplicates"' not in response.content.decode()
    assert Patient.objects.count() == 1
