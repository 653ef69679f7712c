"""The session form's injection rows have a ceiling: a clinical maximum saves,
a forged TOTAL_FORMS is refused quickly with a message and nothing saved."""

from __future__ import annotations

import time

import pytest
from django.urls import reverse

from tests.treatments.test_views import form_data
from treatments.forms import MAX_INJECTIONS_PER_SESSION
from treatments.models import Injection, TreatmentSession

pytestmark = pytest.mark.django_db

SMALL = {"volume_ml": "0.10"}  # 60 of them stay within the session's 10 mL


def test_sixty_rows_still_save(clinician_client, patient):
    assert MAX_INJECTIONS_PER_SESSION == 60
    data = form_data([SMALL] * 60)
    response = clinician_client.post(
        reverse("treatments:session-create", args=[patient.code]), data
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    session = TreatmentSession.objects.get(patient=patient)
    assert session.injections.count() == 60


def test_sixty_one_rows_are_refused_with_a_message(clinician_client, patient):
    data = form_data([SMALL] * 61)
    response = clinician_client.post(
        reverse("treatments:session-create", args=[patient.code]), data
    )
    assert response.status_code == 200
    assert "Please submit at most 60 forms." in response.content.decode()
    assert not TreatmentSession.objects.exists()


@pytest.mark.parametrize("total", ["100000", "2147483648", "99999999999999999999"])
def test_a_huge_total_forms_is_refused_quickly(clinician_client, patient, total):
    data = form_data([SMALL])
    data["injections-TOTAL_FORMS"] = total
    start = time.monotonic()
    response = clinician_client.post(
        reverse("treatments:session-create", args=[patient.code]), data
    )
    elapsed = time.monotonic() - start
    assert elapsed < 2
    assert response.status_code == 200
    assert "Please submit at most 60 forms." in response.content.decode()
    assert not TreatmentSession.objects.exists()
    assert not Injection.objects.exists()


def test_a_huge_total_forms_on_the_edit_page_changes_nothing(
    clinician_client, patient, clinician
):
    from tests.conftest import make_injection, make_session

    session = make_session(patient, clinician)
    make_injection(session)
    data = form_data([], initial=0, version=str(session.version))
    data["injections-TOTAL_FORMS"] = "100000"
    start = time.monotonic()
    response = clinician_client.post(
        reverse("treatments:session-edit", args=[session.code]), data
    )
    assert time.monotonic() - start < 2
    assert response.status_code == 200
    assert "Please submit at most 60 forms." in response.content.decode()
    assert session.injections.count() == 1
