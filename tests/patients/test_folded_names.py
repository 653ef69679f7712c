"""The names' folded columns (no accents, lower case) that the search reads
are kept by Patient.save() on every write path."""

from __future__ import annotations

import pytest

from core.search import fold
from patients.models import Patient
from patients.selectors import search_patients
from patients.services import patient_update
from tests.conftest import make_patient

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "text,folded",
    [
        ("Espósito", "esposito"),
        ("NICOLÒ", "nicolo"),
        ("D’Angelo", "d'angelo"),
        ("Øster Łukasz", "oster lukasz"),
        ("Straße", "strasse"),
        ("", ""),
    ],
)
def test_fold(text, folded):
    assert fold(text) == folded


def _stored(patient: Patient) -> tuple[str, str]:
    return tuple(  # type: ignore[return-value]
        Patient.objects.filter(pk=patient.pk)
        .values_list("first_name_folded", "last_name_folded")
        .get()
    )


def test_created_and_edited_names_are_folded():
    patient = make_patient(first_name="Nicolò", last_name="Espósito")
    assert _stored(patient) == ("nicolo", "esposito")
    patient_update(
        patient=patient,
        data={"last_name": "Dell'Àcqua"},
        expected_version=patient.version,
    )
    assert _stored(patient) == ("nicolo", "dell'acqua")


def test_a_save_of_some_fields_folds_the_names_among_them():
    patient = make_patient(first_name="Anna", last_name="Greco")
    patient.last_name = "Grèco-Rossi"
    patient.first_name = "Ànna"
    patient.save(update_fields=["last_name"])
    assert _stored(patient) == ("anna", "greco-rossi")
    deferred = Patient.objects.only("pk", "version").get(pk=patient.pk)
    deferred.save(update_fields=["version"])
    assert _stored(patient) == ("anna", "greco-rossi")


@pytest.mark.parametrize("query", ["esposito", "ESPÓSITO", "nicolo", "es", "posi"])
def test_search_finds_names_without_accents_on_every_database(query):
    patient = make_patient(first_name="Nicolò", last_name="Espósito")
    make_patient(first_name="Sara", last_name="Greco")
    assert list(search_patients(Patient.objects.all(), query)) == [patient]
