"""The patient data export: one JSON file with everything, for the manager only."""

from __future__ import annotations

import json
from datetime import date

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accesslog.models import AccessEvent
from doppler.services import doppler_addendum_add, doppler_sign
from tests.conftest import (
    make_doppler,
    make_injection,
    make_patient,
    make_session,
    make_visit,
)
from tests.helpers import at, rome
from treatments.services import session_addendum_add, session_sign, session_void


def export_url(patient) -> str:
    return reverse("records:export", args=[patient.code])


def export(client, patient) -> dict:
    response = client.post(export_url(patient))
    assert response.status_code == 200
    return json.loads(response.content)


@pytest.fixture
def chart(db, clinician, colleague):
    """A patient with one of every kind of record, one of them voided."""
    patient = make_patient(
        email="maria@example.org", infection="yes", allergy_notes="latex"
    )
    doppler = make_doppler(patient, clinician, assessed_on=date(2026, 10, 1))
    doppler_sign(assessment=doppler, user=clinician)
    doppler_addendum_add(assessment=doppler, user=colleague, text="GSV re-checked")
    session = make_session(
        patient, clinician, performed_at=rome(date(2026, 11, 10), 14, 9)
    )
    make_injection(session, site="lateral thigh")
    make_injection(session, site="medial calf", volume_ml="0.5")
    session_sign(session=session, user=clinician)
    session_addendum_add(
        session=session, user=clinician, kind="note", text="Slight bruising"
    )
    wrong = make_session(patient, clinician, performed_at=at(-2, 9))
    session_void(session=wrong, user=clinician, reason="Entered on the wrong chart")
    make_visit(patient, clinician, session=session, starts_at=at(7, 9, 30))
    return patient


def test_the_export_holds_every_kind_of_record(manager_client, chart, clinician):
    data = export(manager_client, chart)
    assert data["format"] == "sclero-clinic-patient-export"
    assert data["version"] == 1
    assert data["exported_by"]["username"] == "manager"
    assert data["exported_at"].endswith("+01:00")  # clinic time in November

    patient = data["patient"]
    assert patient["first_name"] == "Maria" and patient["last_name"] == "Esposito"
    assert patient["chart_number"] == chart.chart_number
    assert patient["code"] == str(chart.code)
    assert patient["date_of_birth"] == "1970-05-17"
    assert patient["phone"] == "+393331234567"  # as stored, in E.164
    assert patient["email"] == "maria@example.org"
    assert patient["weight_kg"] == "60.0"  # decimals as text
    assert patient["sex"] == "F" and patient["sex_display"] == "Female"
    assert patient["infection"] == "yes" and patient["allergy_notes"] == "latex"
    assert "id" not in patient

    (doppler,) = data["dopplers"]
    assert doppler["assessed_on"] == "2026-10-01"
    assert doppler["examiner"]["username"] == "clinician"
    assert doppler["conclusion"] == "Competent junctions."
    assert doppler["signed_by"]["username"] == "clinician"
    assert doppler["signed_at"].endswith("+01:00")
    (finding,) = doppler["findings"]
    assert (finding["leg"], finding["segment"], finding["reflux_s"]) == (
        "R",
        "SFJ",
        "0.30",  # as stored: two decimal places
    )
    (note,) = doppler["addenda"]
    assert note["text"] == "GSV re-checked" and note["author"]["username"] == (
        "colleague"
    )

    kept, voided = data["sessions"]
    assert kept["performed_at"] == "2026-11-10T14:09:00+01:00"
    assert kept["voided"] is False and kept["clinician"]["username"] == "clinician"
    assert kept["signed_by"]["username"] == "clinician"
    assert kept["compression_display"] == "Compression stocking"
    assert [(i["site"], i["volume_ml"]) for i in kept["injections"]] == [
        ("lateral thigh", "1.00"),
        ("medial calf", "0.50"),
    ]
    assert kept["injections"][0]["concentration_pct"].rstrip("0") == "0.5"
    assert kept["addenda"][0]["text"] == "Slight bruising"
    assert voided["voided"] is True
    assert voided["void_reason"] == "Entered on the wrong chart"
    assert voided["voided_by"]["username"] == "clinician"

    (visit,) = data["visits"]
    assert visit["session"] == kept["code"]
    assert visit["starts_at"].endswith("09:30:00+01:00")
    assert visit["clinician"]["username"] == "clinician"

    kinds = {(c["record"], c["action"]) for c in data["changes"]}
    for record in [
        "Patient",
        "Doppler assessment",
        "Doppler finding",
        "Doppler addendum",
        "Treatment session",
        "Injection",
        "Session addendum",
        "Follow-up visit",
    ]:
        assert (record, "Created") in kinds
    void = next(c for c in data["changes"] if c["reason"] and "wrong chart" in str(c))
    assert void["by"]["username"] == "clinician"
    signed = [c for c in data["changes"] if c["reason"] == "Signed"]
    assert len(signed) == 2
    created = data["changes"][0]  # oldest first: the patient's registration
    assert created["record"] == "Patient" and created["action"] == "Created"
    assert {"field": "First name", "value": "Maria"} in created["values"]


def test_the_export_holds_who_viewed_the_patient(
    manager_client, clinician_client, chart
):
    clinician_client.get(reverse("records:patient", args=[chart.code]))
    accesses = export(manager_client, chart)["accesses"]
    assert [(a["by"]["username"], a["kind"]) for a in accesses] == [
        ("clinician", "patient")
    ]
    assert accesses[0]["at"].endswith("+01:00")
    # The export itself is logged, and is in the next export.
    again = export(manager_client, chart)["accesses"]
    assert again[-1]["kind"] == "patient-export"
    assert again[-1]["by"]["username"] == "manager"


def test_the_export_is_logged_in_the_access_log(manager_client, manager, chart):
    manager_client.post(export_url(chart))
    event = AccessEvent.objects.get(kind="patient-export")
    assert (event.user, event.patient, event.status) == (manager, chart, 200)
    assert event.label.startswith(f"patient-{chart.chart_number}-")


def test_the_file_is_json_as_an_attachment_never_stored(manager_client, chart):
    response = manager_client.post(export_url(chart))
    assert response["Content-Type"] == "application/json"
    today = timezone.localdate().isoformat()
    assert response["Content-Disposition"] == (
        f'attachment; filename="patient-{chart.chart_number}-{today}.json"'
    )
    assert "no-store" in response["Cache-Control"]
    json.loads(response.content)


def test_get_shows_what_the_file_holds_and_downloads_nothing(manager_client, chart):
    response = manager_client.get(export_url(chart))
    assert response.status_code == 200
    assert "Content-Disposition" not in response
    assert response["Content-Type"].startswith("text/html")
    html = response.content.decode()
    assert 'method="post"' in html and "csrfmiddlewaretoken" in html
    assert "voided records too" in html
    assert not AccessEvent.objects.filter(kind="patient-export").exists()


def test_a_post_without_the_csrf_token_is_refused(manager, chart):
    client = Client(enforce_csrf_checks=True)
    client.force_login(manager)
    assert client.post(export_url(chart)).status_code == 403


@pytest.mark.parametrize(
    "client_name", ["clinician_client", "frontdesk_client", "outsider_client"]
)
def test_only_the_manager_exports(client_name, request, chart):
    client = request.getfixturevalue(client_name)
    assert client.get(export_url(chart)).status_code == 403
    response = client.post(export_url(chart))
    assert response.status_code == 403
    assert "Content-Disposition" not in response


def test_the_patient_page_links_the_export_for_the_manager_only(
    manager_client, clinician_client, patient
):
    page = reverse("records:patient", args=[patient.code])
    link = f'href="{export_url(patient)}"'
    assert link in manager_client.get(page).content.decode()
    assert link not in clinician_client.get(page).content.decode()


def _add_session(patient, clinician) -> None:
    session = make_session(patient, clinician)
    make_injection(session)
    session_addendum_add(session=session, user=clinician, kind="note", text="Fine")
    session.notes = "changed later"
    session._history_user = clinician
    session.save()
    make_visit(patient, clinician, session=session)


def test_the_export_reads_a_fixed_number_of_queries(
    manager_client,
    patient,
    clinician,
    clinician_client,
    django_assert_num_queries,
    django_assert_max_num_queries,
):
    make_doppler(patient, clinician)
    _add_session(patient, clinician)
    clinician_client.get(reverse("records:patient", args=[patient.code]))
    # The FHIR bundle inside the export reads the record again (8 queries).
    with django_assert_max_num_queries(50) as one:
        manager_client.post(export_url(patient))
    for _ in range(19):
        _add_session(patient, clinician)
        make_doppler(patient, clinician)
    with django_assert_num_queries(len(one.captured_queries)):
        data = export(manager_client, patient)
    assert len(data["sessions"]) == 20 and len(data["visits"]) == 20
    assert len(data["dopplers"]) == 20
