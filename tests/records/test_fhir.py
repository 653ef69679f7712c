"""The patient's record as a FHIR R4 Bundle: every resource built from a
hand-made record, the whole bundle validated again by fhir.resources' R4B
models, a few values checked by hand, and the page (roles, access log,
headers, a fixed number of queries).

Codes to be checked (not confirmed in a published source; README, "FHIR
export", and records.fhir_codes.TO_BE_CHECKED):
- LOINC 39052-2 (duplex, right leg) and 39053-0 (duplex, left leg), named by
  the issue after MediMind-Angio; a LOINC radiology list gives 39443-7
  (right) and 39432-0 (left) for those names;
- SNOMED CT 1636000 (injection of sclerosing agent in varicose vein);
- SNOMED CT 72866009 (varicose veins of lower extremity);
- LOINC 59284-0 (consent document), the Consent's category.
"""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone
from fhir.resources.R4B.bundle import Bundle

from accesslog.models import AccessEvent
from consent.models import ConsentText, SignedConsent
from doppler.models import DopplerFinding
from doppler.segments import Segment, Thrombus
from outcomes.models import QuestionnaireAnswer, QuestionnaireResponse
from patients.models import Leg
from records import fhir_codes
from records.fhir import patient_bundle
from tests.conftest import (
    make_doppler,
    make_injection,
    make_lot,
    make_patient,
    make_session,
    make_visit,
)
from tests.helpers import at, shipped_instrument
from treatments.choices import Agent, Form, Gas, VesselType
from visits.models import AdverseEvent, StatusReason, VisitPlan, VisitStatus

pytestmark = pytest.mark.django_db


def fhir_url(patient) -> str:
    return reverse("records:fhir", args=[patient.code])


def _response(patient, *, score_values: list[int | None], when) -> None:
    instrument = shipped_instrument()
    items = list(instrument.items.order_by("position"))
    values = [int(v) for v in score_values if v is not None]
    response = QuestionnaireResponse.objects.create(
        patient=patient,
        instrument=instrument,
        timepoint="baseline",
        answered_at=when,
        source="tablet",
        language="en",
        score=Decimal(sum(values)),
    )
    for item, value in zip(items, score_values, strict=False):
        QuestionnaireAnswer.objects.create(response=response, item=item, value=value)


def _consent(patient, user, **overrides) -> SignedConsent:
    fields = {
        "patient": patient,
        "procedure": "foam",
        "text": ConsentText.objects.filter(procedure="foam", language="en").first(),
        "language": "en",
        "signed_at": at(-10, 9),
        "method": "paper",
        "witness_name": "Nurse Anna",
        "file": "consent/test/form.pdf",
        "recorded_by": user,
    }
    fields.update(overrides)
    return SignedConsent.objects.create(**fields)


@pytest.fixture
def record(clinician):
    """One of every kind of record: a bilateral Doppler and a left-only one,
    a session with a liquid and a foam injection (with a lot), a completed
    visit with adverse events, a cancelled one, a signed consent and a
    filled questionnaire; and a voided session, left out."""
    patient = make_patient(email="maria@example.org")
    bilateral = make_doppler(
        patient,
        clinician,
        assessed_on=at(-60).date(),
        ceap_c_right="C1",
        ceap_c_left="C2,C4c",
        ceap_s_left="S",
        ceap_e_left="Ep",
        ceap_a_left="As",
        ceap_p_left="Pr",
    )
    DopplerFinding.objects.create(
        assessment=bilateral,
        leg=Leg.LEFT,
        segment=Segment.GSV_A,
        reflux_s=Decimal("1.25"),
        diameter_mm=Decimal("6.5"),
    )
    DopplerFinding.objects.create(
        assessment=bilateral,
        leg=Leg.LEFT,
        segment=Segment.SSV,
        thrombus=Thrombus.CHRONIC,
    )
    left_only = make_doppler(
        patient,
        clinician,
        assessed_on=at(-20).date(),
        ceap_right="",
        ceap_left="",
        vcss_right=None,
        vcss_left=5,
    )
    left_only.findings.update(leg=Leg.LEFT)
    session = make_session(patient, clinician, performed_at=at(-14, 10))
    liquid = make_injection(
        session,
        leg=Leg.LEFT,
        segment=Segment.GSV_A,
        site="medial thigh",
        concentration_pct=Decimal("0.5"),
        volume_ml=Decimal("1.50"),
        lot=make_lot(lot_number="LOT-4711"),
    )
    foam = make_injection(
        session,
        leg=Leg.LEFT,
        vessel_type=VesselType.MEDIUM_VARICOSE,
        site="calf",
        concentration_pct=Decimal("1"),
        form=Form.FOAM,
        gas=Gas.AIR,
        gas_parts=Decimal("4"),
        volume_ml=Decimal("2.5"),
        agent=Agent.POLIDOCANOL,
    )
    voided = make_session(patient, clinician, performed_at=at(-13, 10))
    voided.voided_at = timezone.now()
    voided.void_reason = "wrong patient"
    voided.save()
    completed = make_visit(
        patient,
        clinician,
        session=session,
        starts_at=at(-7, 9),
        status=VisitStatus.COMPLETED,
        completed_at=at(-7, 9, 30),
        clearance_pct=70,
        adverse_events=[AdverseEvent.HYPERPIGMENTATION, AdverseEvent.OTHER],
        adverse_event_notes="itchy rash",
        plan=VisitPlan.COMPLETE,
    )
    cancelled = make_visit(
        patient,
        clinician,
        starts_at=at(3, 9),
        status=VisitStatus.CANCELLED,
        status_reason=StatusReason.ILLNESS,
        status_note="flu",
    )
    consent = _consent(patient, clinician)
    _response(patient, score_values=[3, 2, 1, 0, 4, 2, None], when=at(-15, 8))
    return {
        "patient": patient,
        "bilateral": bilateral,
        "left_only": left_only,
        "session": session,
        "voided": voided,
        "liquid": liquid,
        "foam": foam,
        "completed": completed,
        "cancelled": cancelled,
        "consent": consent,
    }


def _bundle(record, clinician) -> dict:
    return patient_bundle(record["patient"], user=clinician, now=timezone.now())


def _resources(bundle: dict, kind: str) -> list[dict]:
    return [
        e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == kind
    ]


def _by_url(bundle: dict) -> dict[str, dict]:
    return {e["fullUrl"]: e["resource"] for e in bundle["entry"]}


def test_the_bundle_holds_every_resource_and_validates_as_r4b(record, clinician):
    bundle = _bundle(record, clinician)
    # Parsed back by the R4B models: the whole bundle is valid FHIR R4.
    parsed = Bundle.model_validate(bundle)
    assert parsed.type == "collection"
    kinds = {e["resource"]["resourceType"] for e in bundle["entry"]}
    assert kinds == {
        "Patient",
        "Condition",
        "Observation",
        "DiagnosticReport",
        "Procedure",
        "MedicationAdministration",
        "DeviceRequest",
        "Appointment",
        "AdverseEvent",
        "Consent",
        "QuestionnaireResponse",
    }
    # Every reference to a resource of the bundle names one that is there.
    urls = {e["fullUrl"] for e in bundle["entry"]}
    text = json.dumps(bundle)
    for reference in {
        part.split('"')[0] for part in text.split('"reference": "urn:uuid:')[1:]
    }:
        assert f"urn:uuid:{reference}" in urls
    assert all(url.startswith("urn:uuid:") for url in urls)


def test_the_patient_is_named_by_chart_number(record, clinician):
    patient = record["patient"]
    (resource,) = _resources(_bundle(record, clinician), "Patient")
    assert resource["identifier"][0] == {
        "use": "usual",
        "system": fhir_codes.ID_CHART_NUMBER,
        "value": patient.chart_number,
    }
    assert resource["gender"] == "female"
    assert resource["birthDate"] == "1970-05-17"
    assert {"system": "email", "value": "maria@example.org"} in resource["telecom"]


def test_reflux_is_in_seconds_on_the_segment_with_its_laterality(record, clinician):
    bundle = _bundle(record, clinician)
    reflux = [
        r
        for r in _resources(bundle, "Observation")
        if r["code"]["coding"][0]["code"] == "reflux-duration"
        and r["valueQuantity"]["value"] == 1.25
    ]
    (observation,) = reflux
    assert observation["valueQuantity"] == {
        "value": 1.25,
        "unit": "s",
        "system": "http://unitsofmeasure.org",
        "code": "s",
    }
    # Above the superficial cut-off (0.5 s): abnormal.
    assert observation["interpretation"][0]["coding"][0]["code"] == "A"
    site = observation["bodySite"]
    assert site["coding"][0] == {
        "system": "http://snomed.info/sct",
        "code": "60734001",
        "display": "Great saphenous vein",
    }
    laterality = site["extension"][0]
    assert laterality["url"] == fhir_codes.EXT_LATERALITY
    assert laterality["valueCodeableConcept"]["coding"][0]["code"] == "7771000"
    diameter = next(
        r
        for r in _resources(bundle, "Observation")
        if r["code"]["coding"][0]["code"] == "vein-diameter"
    )
    assert diameter["valueQuantity"]["value"] == 6.5
    assert diameter["valueQuantity"]["code"] == "mm"


def test_a_segment_without_a_confirmed_snomed_code_has_the_clinics_code_only(
    record, clinician
):
    bundle = _bundle(record, clinician)
    thrombus = next(
        r
        for r in _resources(bundle, "Observation")
        if r["code"]["coding"][0]["code"] == "thrombus"
        and r["valueCodeableConcept"]["coding"][0]["code"] == "chronic"
    )
    assert thrombus["bodySite"]["coding"] == [
        {
            "system": fhir_codes.CS_SEGMENT,
            "code": "SSV",
            "display": "Small saphenous vein",
        }
    ]


def test_each_duplex_is_a_report_coded_by_the_legs_examined(record, clinician):
    bundle = _bundle(record, clinician)
    urls = _by_url(bundle)
    reports = {
        r["identifier"][0]["value"]: r for r in _resources(bundle, "DiagnosticReport")
    }
    bilateral = reports[str(record["bilateral"].code)]
    left_only = reports[str(record["left_only"].code)]
    assert bilateral["code"]["coding"][0]["code"] == "39420-5"
    # To be checked (see the module's docstring): the left leg's LOINC code.
    assert left_only["code"]["coding"][0] == {
        "system": "http://loinc.org",
        "code": "39053-0",
        "display": "US.doppler Lower extremity vein - left",
    }
    assert left_only["effectiveDateTime"] == record["left_only"].assessed_on.isoformat()
    results = [urls[ref["reference"]] for ref in bilateral["result"]]
    assert {r["resourceType"] for r in results} == {"Observation"}
    codes = [r["code"]["coding"][0]["code"] for r in results]
    assert codes.count("ceap") == 2
    assert codes.count("vcss") == 2
    ceap_left = next(
        r
        for r in results
        if r["code"]["coding"][0]["code"] == "ceap"
        and r["bodySite"]["extension"][0]["valueCodeableConcept"]["text"] == "Left"
    )
    assert ceap_left["valueString"] == "C2,4c,S Ep As Pr"
    vcss = [urls[ref["reference"]] for ref in left_only["result"]]
    assert [r["valueInteger"] for r in vcss if "valueInteger" in r] == [5]


def test_the_condition_is_staged_by_the_latest_ceap_of_each_leg(record, clinician):
    conditions = _resources(_bundle(record, clinician), "Condition")
    by_leg = {
        c["bodySite"][0]["extension"][0]["valueCodeableConcept"]["text"]: c
        for c in conditions
    }
    assert set(by_leg) == {"Right", "Left"}
    left = by_leg["Left"]
    assert left["stage"][0]["summary"]["text"] == "C2,4c,S Ep As Pr"
    # Varicose veins (C2): the SNOMED CT disorder (to be checked) beside
    # the clinic's code; the right leg's C1 has the clinic's code only.
    assert [c["code"] for c in left["code"]["coding"]] == ["cvd", "72866009"]
    assert [c["code"] for c in by_leg["Right"]["code"]["coding"]] == ["cvd"]


def test_a_session_is_a_procedure_with_its_injections(record, clinician):
    bundle = _bundle(record, clinician)
    session = record["session"]
    procedures = _resources(bundle, "Procedure")
    # The voided session is left out.
    assert [p["identifier"][0]["value"] for p in procedures] == [str(session.code)]
    # To be checked: SNOMED CT 1636000.
    assert procedures[0]["code"]["coding"][0]["code"] == "1636000"
    administrations = _resources(bundle, "MedicationAdministration")
    assert len(administrations) == 2
    assert {a["partOf"][0]["reference"] for a in administrations} == {
        f"urn:uuid:{session.code}"
    }
    liquid = next(
        a
        for a in administrations
        if a["dosage"]["method"]["coding"][0]["code"] == "liquid"
    )
    assert liquid["dosage"]["dose"] == {
        "value": 1.5,
        "unit": "mL",
        "system": "http://unitsofmeasure.org",
        "code": "mL",
    }
    assert liquid["dosage"]["route"]["coding"][0]["code"] == "47625008"
    medication = liquid["contained"][0]
    assert liquid["medicationReference"]["reference"] == f"#{medication['id']}"
    assert medication["batch"]["lotNumber"] == "LOT-4711"
    assert medication["code"]["coding"][0] == {
        "system": "http://www.whocc.no/atc",
        "code": "C05BB02",
        "display": "polidocanol",
    }
    # 0.5 % is 5 mg/mL; 1.5 mL of it is 7.5 mg.
    assert medication["ingredient"][0]["strength"]["numerator"]["value"] == 5
    dose = next(e for e in liquid["extension"] if e["url"] == fhir_codes.EXT_DOSE_MG)
    assert dose["valueQuantity"]["value"] == 7.5
    foam = next(
        a
        for a in administrations
        if a["dosage"]["method"]["coding"][0]["code"] == "foam"
    )
    extensions = {e["url"]: e for e in foam["extension"]}
    # 2.5 mL of 1+4 foam holds 0.5 mL of liquid: 5 mg of polidocanol 1 %.
    assert extensions[fhir_codes.EXT_LIQUID_ML]["valueQuantity"]["value"] == 0.5
    assert extensions[fhir_codes.EXT_DOSE_MG]["valueQuantity"]["value"] == 5
    assert extensions[fhir_codes.EXT_GAS_PARTS]["valueDecimal"] == 4


def test_the_compression_is_a_device_request(record, clinician):
    (request,) = _resources(_bundle(record, clinician), "DeviceRequest")
    assert request["intent"] == "order"
    parameters = {p["code"]["coding"][0]["code"]: p for p in request["parameter"]}
    assert (
        parameters["stocking-class"]["valueCodeableConcept"]["coding"][0]["code"] == "2"
    )
    assert parameters["stocking-days"]["valueQuantity"]["value"] == 14
    # Fourteen days from a session fourteen days ago: worn until today.
    assert request["status"] == "active"
    assert request["occurrencePeriod"]["end"] == timezone.localdate().isoformat()


def test_visits_are_appointments_with_fhirs_statuses(record, clinician):
    bundle = _bundle(record, clinician)
    appointments = {
        a["identifier"][0]["value"]: a for a in _resources(bundle, "Appointment")
    }
    completed = appointments[str(record["completed"].code)]
    cancelled = appointments[str(record["cancelled"].code)]
    assert completed["status"] == "fulfilled"
    assert "cancelationReason" not in completed
    assert cancelled["status"] == "cancelled"
    assert cancelled["cancelationReason"] == {
        "coding": [
            {
                "system": fhir_codes.CS_VISIT_REASON,
                "code": "illness",
                "display": "Patient ill",
            }
        ],
        "text": "Patient ill: flu",
    }


def test_adverse_events_name_the_session_they_followed(record, clinician):
    events = _resources(_bundle(record, clinician), "AdverseEvent")
    assert sorted(e["event"]["coding"][0]["code"] for e in events) == [
        "other",
        "pigmentation",
    ]
    for event in events:
        assert event["actuality"] == "actual"
        assert event["suspectEntity"][0]["instance"]["reference"] == (
            f"urn:uuid:{record['session'].code}"
        )
    other = next(e for e in events if e["event"]["coding"][0]["code"] == "other")
    assert other["event"]["text"] == "Other: itchy rash"


def test_consents_and_withdrawals(record, clinician):
    withdrawn = _consent(
        record["patient"],
        clinician,
        procedure="photography",
        text=ConsentText.objects.filter(procedure="photography").first(),
        withdrawn_at=at(-2, 9),
        withdrawn_reason="changed her mind",
    )
    consents = {
        c["identifier"][0]["value"]: c
        for c in _resources(_bundle(record, clinician), "Consent")
    }
    signed = consents[str(record["consent"].code)]
    assert signed["status"] == "active"
    assert signed["scope"]["coding"][0]["code"] == "treatment"
    assert signed["policy"][0]["uri"] == f"urn:uuid:{record['consent'].text.code}"
    assert consents[str(withdrawn.code)]["status"] == "inactive"
    assert consents[str(withdrawn.code)]["scope"]["coding"][0]["code"] == (
        "patient-privacy"
    )


def test_a_questionnaire_response_and_its_score(record, clinician):
    bundle = _bundle(record, clinician)
    (response,) = _resources(bundle, "QuestionnaireResponse")
    assert response["questionnaire"] == (
        "https://sclero.clinic/fhir/Questionnaire/sclero-symptoms|1"
    )
    assert response["status"] == "completed"
    first = response["item"][0]
    assert first["linkId"] == "heaviness"
    assert first["answer"] == [{"valueInteger": 3}]
    # The item left unanswered has no answer.
    assert "answer" not in response["item"][-1]
    score = next(
        o
        for o in _resources(bundle, "Observation")
        if o["code"]["coding"][0]["system"] == fhir_codes.CS_QUESTIONNAIRE_SCORE
    )
    assert score["valueQuantity"]["value"] == 12
    assert score["derivedFrom"][0]["reference"].endswith(
        response["identifier"]["value"]
    )


def test_the_displays_stay_english_in_italian(record, clinician):
    from django.utils import translation

    with translation.override("it"):
        bundle = _bundle(record, clinician)
    text = json.dumps(bundle)
    assert "Patient ill" in text
    assert "Paziente" not in text


# --- the page -------------------------------------------------------------------


def test_clinician_downloads_it_and_the_access_is_logged(
    record, clinician_client, clinician
):
    patient = record["patient"]
    response = clinician_client.get(fhir_url(patient))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/fhir+json")
    assert response["Content-Disposition"] == (
        f'attachment; filename="patient-{patient.chart_number}-'
        f'{timezone.localdate().isoformat()}.fhir.json"'
    )
    assert "no-store" in response["Cache-Control"]
    Bundle.model_validate(json.loads(response.content))
    event = AccessEvent.objects.get(kind="fhir-export")
    assert event.patient == patient
    assert event.user == clinician


def test_manager_may_download_it_front_desk_may_not(
    record, manager_client, frontdesk_client
):
    assert manager_client.get(fhir_url(record["patient"])).status_code == 200
    assert frontdesk_client.get(fhir_url(record["patient"])).status_code == 403


def test_the_patient_page_links_to_it_for_clinical_staff_only(
    record, clinician_client, frontdesk_client
):
    url = fhir_url(record["patient"])
    page = reverse("records:patient", args=[record["patient"].code])
    assert url in clinician_client.get(page).content.decode()
    assert url not in frontdesk_client.get(page).content.decode()


def _grow(patient, clinician, n: int) -> None:
    for i in range(n):
        doppler = make_doppler(patient, clinician, assessed_on=at(-200 - i).date())
        session = make_session(patient, clinician, performed_at=at(-100 - i, 10))
        make_injection(session, lot=make_lot(lot_number=f"G-{n}-{i}"))
        make_visit(patient, clinician, session=session, starts_at=at(-90 - i, 9))
        _consent(patient, clinician, signed_at=at(-300 - i, 9))
        _response(patient, score_values=[1, 1, 1, 1, 1, 1, 1], when=at(-150 - i, 8))
        assert doppler.findings.count() == 1


def test_a_fixed_number_of_queries_however_long_the_history(
    clinician,
    clinician_client,
    django_assert_num_queries,
    django_assert_max_num_queries,
):
    small = make_patient(last_name="Small")
    large = make_patient(last_name="Large")
    _grow(small, clinician, 1)
    _grow(large, clinician, 6)
    with django_assert_num_queries(8):
        patient_bundle(small, user=clinician, now=timezone.now())
    with django_assert_num_queries(8):
        patient_bundle(large, user=clinician, now=timezone.now())
    # The page: the same count at both sizes (session, user, patient, log).
    counts = []
    for patient in (small, large):
        with django_assert_max_num_queries(40) as captured:
            assert clinician_client.get(fhir_url(patient)).status_code == 200
        counts.append(len(captured.captured_queries))
    assert counts[0] == counts[1]
