"""A patient's record as a FHIR R4 Bundle (JSON), built with fhir.resources.

`patient_bundle(patient, user=, now=)` returns a Bundle of type
"collection": the Patient; a Condition per leg (chronic venous disease with
the latest CEAP as its stage); per Doppler a DiagnosticReport with its
Observations (reflux duration in s, diameter in mm and thrombus state per
segment, CEAP and VCSS per leg); per session a Procedure, a
MedicationAdministration per injection (the sclerosant as a contained
Medication with its strength and lot) and a DeviceRequest for the
compression; per follow-up visit an Appointment and an AdverseEvent per
adverse event recorded; a Consent per signed form; a QuestionnaireResponse
per filled questionnaire with an Observation of its score.

Every resource is built by its FHIR R4B model class (fhir.resources.R4B,
never the package's default R5 models), which validates it; so is the
Bundle. Records are named by `urn:uuid:<record code>`; a record without a
code of its own (a Doppler finding, an injection, an adverse event) by a
UUID derived from its parent's code (uuid5), the same in every export.

Voided records are left out: the bundle is the record in force. Voided
records, with their reasons, are in the patient data export
(records.export). Codes: records.fhir_codes, with those to be checked.
Displays are in English whatever the user's language. A fixed number of
queries however long the history (eight).
"""

from __future__ import annotations

import json
import uuid
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from django.db.models import Prefetch
from django.utils import timezone, translation
from fhir.resources.R4B.adverseevent import AdverseEvent
from fhir.resources.R4B.appointment import Appointment
from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.condition import Condition
from fhir.resources.R4B.consent import Consent
from fhir.resources.R4B.devicerequest import DeviceRequest
from fhir.resources.R4B.diagnosticreport import DiagnosticReport
from fhir.resources.R4B.medicationadministration import MedicationAdministration
from fhir.resources.R4B.observation import Observation
from fhir.resources.R4B.patient import Patient as FhirPatient
from fhir.resources.R4B.procedure import Procedure
from fhir.resources.R4B.questionnaireresponse import QuestionnaireResponse
from fhir.resources.R4B.resource import Resource

from consent.models import SignedConsent
from doppler.clinical import (
    LEGS,
    VCSS_ITEMS,
    ceap_field,
    ceap_notation,
    highest_ceap_class,
    split_ceap_classes,
    vcss_field,
    vcss_total_field,
)
from doppler.models import DopplerAssessment, DopplerFinding
from doppler.segments import Segment, Thrombus
from outcomes.models import QuestionnaireAnswer
from outcomes.models import QuestionnaireResponse as Response
from patients.models import Leg, Patient
from records import fhir_codes as codes
from records.fhir_codes import coding, local, ucum
from treatments.choices import (
    Agent,
    Compression,
    Form,
    Gas,
    StockingClass,
    StockingLength,
    VesselType,
)
from treatments.models import Injection, TreatmentSession
from visits.models import AdverseEvent as AdverseEventKind
from visits.models import FollowUpVisit, StatusReason, VisitPurpose

GENDERS = {"F": "female", "M": "male", "X": "unknown"}
LEG_NAMES = {Leg.RIGHT.value: "Right", Leg.LEFT.value: "Left"}


def fhir_filename(patient: Patient, now: datetime) -> str:
    """Return "patient-SC-000123-2026-11-18.fhir.json" (the clinic's date)."""
    day = timezone.localdate(now).isoformat()
    return f"patient-{patient.chart_number}-{day}.fhir.json"


# --- small pieces ---------------------------------------------------------------


def _urn(code: uuid.UUID | str) -> str:
    return f"urn:uuid:{code}"


def _derived(parent: uuid.UUID, name: str) -> uuid.UUID:
    """Return a stable UUID for a part of a record that has no code."""
    return uuid.uuid5(parent, name)


def _ref(code: uuid.UUID | str) -> dict[str, str]:
    return {"reference": _urn(code)}


def _moment(value: datetime) -> str:
    return timezone.localtime(value).isoformat()


def _number(value: Decimal) -> Decimal:
    """Return the decimal without trailing zeros: 0.50 is 0.5, 10.00 is 10."""
    return Decimal(int(value)) if value == value.to_integral() else value.normalize()


def _staff(user: Any) -> dict[str, str] | None:
    """A member of staff by name only (no Practitioner resource is sent)."""
    if user is None:
        return None
    return {"display": user.get_full_name() or user.get_username()}


def _label(choices: Any, value: str) -> str:
    return str(dict(choices.choices).get(value, value))


def _laterality(leg: str) -> dict[str, Any]:
    return {
        "url": codes.EXT_LATERALITY,
        "valueCodeableConcept": {
            "coding": [coding(codes.LATERALITY[leg])],
            "text": LEG_NAMES[leg],
        },
    }


def _limb(leg: str) -> dict[str, Any]:
    """The body site "lower limb", with the leg's laterality."""
    return {
        "extension": [_laterality(leg)],
        "coding": [coding(codes.LOWER_LIMB)],
        "text": f"{LEG_NAMES[leg]} lower limb",
    }


def _segment_site(leg: str, segment: str, site: str = "") -> dict[str, Any]:
    """The body site of a vein segment: SNOMED CT where confirmed, the
    clinic's segment code always, with the leg's laterality."""
    found: list[dict[str, Any]] = []
    if segment in codes.SEGMENT_SNOMED:
        found.append(coding(codes.SEGMENT_SNOMED[segment]))
    text = LEG_NAMES[leg]
    if segment:
        label = _label(Segment, segment)
        found.append(local(codes.CS_SEGMENT, segment, label))
        text = f"{text} {label}"
    else:
        found.append(coding(codes.LOWER_LIMB))
    if site:
        text = f"{text}, {site}"
    return {"extension": [_laterality(leg)], "coding": found, "text": text}


def _entry(resource: Resource, code: uuid.UUID) -> dict[str, Any]:
    return {"fullUrl": _urn(code), "resource": resource}


# --- the patient ----------------------------------------------------------------


def _patient(patient: Patient) -> FhirPatient:
    telecom = []
    if patient.phone:
        telecom.append({"system": "phone", "value": patient.phone})
    if patient.email:
        telecom.append({"system": "email", "value": patient.email})
    data: dict[str, Any] = {
        "identifier": [
            {
                "use": "usual",
                "system": codes.ID_CHART_NUMBER,
                "value": patient.chart_number,
            }
        ],
        "active": not patient.is_archived,
        "name": [
            {
                "use": "official",
                "family": patient.last_name,
                "given": [patient.first_name],
            }
        ],
        "gender": GENDERS.get(patient.sex, "unknown"),
        "birthDate": patient.date_of_birth.isoformat(),
        "communication": [
            {
                "language": {
                    "coding": [{"system": codes.BCP47, "code": patient.language}]
                },
                "preferred": True,
            }
        ],
    }
    if telecom:
        data["telecom"] = telecom
    if patient.address:
        data["address"] = [{"text": patient.address}]
    return FhirPatient.model_validate(data)


# --- Doppler --------------------------------------------------------------------


def _leg_classes(doppler: DopplerAssessment, leg: str) -> list[str]:
    """The leg's CEAP clinical classes; an older record has only its highest."""
    classes = split_ceap_classes(getattr(doppler, ceap_field("c", leg)))
    if not classes:
        highest = getattr(doppler, f"ceap_{'right' if leg == Leg.RIGHT else 'left'}")
        classes = [highest] if highest else []
    return classes


def _ceap_parts(doppler: DopplerAssessment, leg: str) -> dict[str, str]:
    return {part: getattr(doppler, ceap_field(part, leg)) for part in "seap"}


def _observation(
    *,
    code: uuid.UUID,
    patient: Patient,
    doppler: DopplerAssessment,
    concept: dict[str, Any],
    category: str = "imaging",
    **fields: Any,
) -> dict[str, Any]:
    data = {
        "resourceType": "Observation",
        "status": "final",
        "category": [
            {"coding": [{"system": codes.OBSERVATION_CATEGORY, "code": category}]}
        ],
        "code": concept,
        "subject": _ref(patient.code),
        "effectiveDateTime": doppler.assessed_on.isoformat(),
        "identifier": [{"system": codes.ID_RECORD, "value": str(code)}],
    }
    performer = _staff(doppler.examiner)
    if performer:
        data["performer"] = [performer]
    data.update(fields)
    return data


def _concept(system: str, code: str, display: str) -> dict[str, Any]:
    return {"coding": [local(system, code, display)], "text": display}


def _finding_observations(
    patient: Patient, doppler: DopplerAssessment, finding: DopplerFinding
) -> list[tuple[uuid.UUID, dict[str, Any]]]:
    """Reflux duration (s), diameter (mm) and thrombus state of a segment."""
    site = _segment_site(finding.leg, finding.segment)
    key = f"{finding.leg}:{finding.segment}"
    found = []
    if finding.reflux_s is not None:
        code = _derived(doppler.code, f"reflux:{key}")
        pathological = finding.pathological_reflux
        found.append(
            (
                code,
                _observation(
                    code=code,
                    patient=patient,
                    doppler=doppler,
                    concept=_concept(
                        codes.CS_OBSERVATION, "reflux-duration", "Reflux duration"
                    ),
                    bodySite=site,
                    valueQuantity=ucum(finding.reflux_s, "s"),
                    interpretation=[
                        {
                            "coding": [
                                {
                                    "system": codes.INTERPRETATION,
                                    "code": "A" if pathological else "N",
                                    "display": "Abnormal" if pathological else "Normal",
                                }
                            ]
                        }
                    ],
                    referenceRange=[
                        {
                            "high": ucum(finding.reflux_cutoff_s, "s"),
                            "text": "Pathological reflux above this duration",
                        }
                    ],
                ),
            )
        )
    if finding.diameter_mm is not None:
        code = _derived(doppler.code, f"diameter:{key}")
        found.append(
            (
                code,
                _observation(
                    code=code,
                    patient=patient,
                    doppler=doppler,
                    concept=_concept(
                        codes.CS_OBSERVATION, "vein-diameter", "Vein diameter"
                    ),
                    bodySite=site,
                    valueQuantity=ucum(finding.diameter_mm, "mm"),
                ),
            )
        )
    code = _derived(doppler.code, f"thrombus:{key}")
    observation = _observation(
        code=code,
        patient=patient,
        doppler=doppler,
        concept=_concept(codes.CS_OBSERVATION, "thrombus", "Occlusion or thrombus"),
        bodySite=site,
        valueCodeableConcept=_concept(
            codes.CS_THROMBUS, finding.thrombus, _label(Thrombus, finding.thrombus)
        ),
    )
    if finding.note:
        observation["note"] = [{"text": finding.note}]
    found.append((code, observation))
    return found


def _ceap_observation(
    patient: Patient, doppler: DopplerAssessment, leg: str
) -> tuple[uuid.UUID, dict[str, Any]] | None:
    classes = _leg_classes(doppler, leg)
    parts = _ceap_parts(doppler, leg)
    notation = ceap_notation(classes, parts["s"], parts["e"], parts["a"], parts["p"])
    if not notation:
        return None
    components = [
        {
            "code": _concept(codes.CS_OBSERVATION, "ceap-c", "CEAP clinical class"),
            "valueCodeableConcept": {
                "coding": [local(codes.CS_CEAP, code, code)],
                "text": code,
            },
        }
        for code in classes
    ]
    names = {"s": "symptoms", "e": "etiology", "a": "anatomy", "p": "pathophysiology"}
    for part, value in parts.items():
        if value:
            components.append(
                {
                    "code": _concept(
                        codes.CS_OBSERVATION, f"ceap-{part}", f"CEAP {names[part]}"
                    ),
                    "valueCodeableConcept": {
                        "coding": [local(codes.CS_CEAP, value, value)],
                        "text": value,
                    },
                }
            )
    code = _derived(doppler.code, f"ceap:{leg}")
    return code, _observation(
        code=code,
        patient=patient,
        doppler=doppler,
        concept=_concept(codes.CS_OBSERVATION, "ceap", "CEAP classification (2020)"),
        category="exam",
        bodySite=_limb(leg),
        valueString=notation,
        component=components,
    )


def _vcss_observation(
    patient: Patient, doppler: DopplerAssessment, leg: str
) -> tuple[uuid.UUID, dict[str, Any]] | None:
    total = getattr(doppler, vcss_total_field(leg))
    if total is None:
        return None
    components = []
    for item in VCSS_ITEMS:
        value = getattr(doppler, vcss_field(item.key, leg))
        if value is not None:
            components.append(
                {
                    "code": _concept(
                        codes.CS_VCSS,
                        item.key,
                        f"VCSS {item.number}. {item.label}",
                    ),
                    "valueInteger": value,
                }
            )
    code = _derived(doppler.code, f"vcss:{leg}")
    data = _observation(
        code=code,
        patient=patient,
        doppler=doppler,
        concept=_concept(
            codes.CS_OBSERVATION, "vcss", "Revised Venous Clinical Severity Score"
        ),
        category="exam",
        bodySite=_limb(leg),
        valueInteger=total,
    )
    if components:
        data["component"] = components
    return code, data


def _legs_examined(doppler: DopplerAssessment) -> list[str]:
    findings = doppler.findings.all()
    return [
        leg
        for leg in LEGS
        if any(f.leg == leg for f in findings)
        or _leg_classes(doppler, leg)
        or getattr(doppler, vcss_total_field(leg)) is not None
    ]


def _doppler_entries(
    patient: Patient, doppler: DopplerAssessment
) -> list[dict[str, Any]]:
    observations: list[tuple[uuid.UUID, dict[str, Any]]] = []
    for leg in LEGS:
        for finding in doppler.findings_for_leg(leg):
            observations.extend(_finding_observations(patient, doppler, finding))
    for leg in LEGS:
        for made in (
            _ceap_observation(patient, doppler, leg),
            _vcss_observation(patient, doppler, leg),
        ):
            if made is not None:
                observations.append(made)
    legs = _legs_examined(doppler)
    study = (
        codes.DUPLEX_RIGHT
        if legs == [Leg.RIGHT]
        else codes.DUPLEX_LEFT
        if legs == [Leg.LEFT]
        else codes.DUPLEX_BILATERAL
    )
    report: dict[str, Any] = {
        "identifier": [{"system": codes.ID_RECORD, "value": str(doppler.code)}],
        "status": "final" if doppler.is_signed else "preliminary",
        "code": {"coding": [coding(study)], "text": "Venous duplex ultrasound"},
        "subject": _ref(patient.code),
        "effectiveDateTime": doppler.assessed_on.isoformat(),
        "result": [_ref(code) for code, _data in observations],
    }
    if doppler.signed_at is not None:
        report["issued"] = _moment(doppler.signed_at)
    performer = _staff(doppler.examiner)
    if performer:
        report["performer"] = [performer]
    if doppler.conclusion:
        report["conclusion"] = doppler.conclusion
    entries = [_entry(DiagnosticReport.model_validate(report), doppler.code)]
    entries.extend(
        _entry(Observation.model_validate(data), code) for code, data in observations
    )
    return entries


def _conditions(
    patient: Patient, dopplers: list[DopplerAssessment]
) -> list[dict[str, Any]]:
    """One Condition per leg: chronic venous disease, staged by the latest
    Doppler that recorded CEAP for the leg (C1 or above)."""
    entries = []
    for leg in LEGS:
        latest = next((d for d in reversed(dopplers) if _leg_classes(d, leg)), None)
        if latest is None:
            continue
        classes = _leg_classes(latest, leg)
        if highest_ceap_class(classes) in ("", "C0"):
            continue
        parts = _ceap_parts(latest, leg)
        notation = ceap_notation(
            classes, parts["s"], parts["e"], parts["a"], parts["p"]
        )
        found = [local(codes.CS_CONDITION, "cvd", "Chronic venous disease")]
        if {"C2", "C2r"} & set(classes):
            found.append(coding(codes.VARICOSE_VEINS))
        code = _derived(patient.code, f"condition:{leg}")
        highest = highest_ceap_class(classes)
        data = {
            "identifier": [{"system": codes.ID_RECORD, "value": str(code)}],
            "clinicalStatus": {
                "coding": [{"system": codes.CONDITION_CLINICAL, "code": "active"}]
            },
            "verificationStatus": {
                "coding": [
                    {"system": codes.CONDITION_VERIFICATION, "code": "confirmed"}
                ]
            },
            "code": {
                "coding": found,
                "text": f"Chronic venous disease, {LEG_NAMES[leg].lower()} leg",
            },
            "bodySite": [_limb(leg)],
            "subject": _ref(patient.code),
            "recordedDate": latest.assessed_on.isoformat(),
            "stage": [
                {
                    "summary": {
                        "coding": [local(codes.CS_CEAP, highest, highest)],
                        "text": notation,
                    },
                    "assessment": [_ref(_derived(latest.code, f"ceap:{leg}"))],
                }
            ],
        }
        entries.append(_entry(Condition.model_validate(data), code))
    return entries


# --- sessions -------------------------------------------------------------------


def _procedure(patient: Patient, session: TreatmentSession) -> Procedure:
    injections = list(session.injections.all())
    legs = [leg for leg in LEGS if any(i.leg == leg for i in injections)]
    notes = [
        text
        for text in (
            session.notes,
            f"Immediate reactions: {session.immediate_reactions}"
            if session.immediate_reactions
            else "",
        )
        if text
    ]
    data: dict[str, Any] = {
        "identifier": [{"system": codes.ID_RECORD, "value": str(session.code)}],
        "status": "completed",
        "code": {
            "coding": [
                coding(codes.SCLEROTHERAPY),
                local(codes.CS_PROCEDURE, "sclerotherapy", "Sclerotherapy session"),
            ],
            "text": "Sclerotherapy",
        },
        "subject": _ref(patient.code),
        "performedDateTime": _moment(session.performed_at),
    }
    performer = _staff(session.clinician)
    if performer:
        data["performer"] = [{"actor": performer}]
    if session.site_id is not None:
        data["location"] = {"display": session.site.name}
    if legs:
        data["bodySite"] = [_limb(leg) for leg in legs]
    if notes:
        data["note"] = [{"text": text} for text in notes]
    return Procedure.model_validate(data)


def _medication(injection: Injection) -> dict[str, Any]:
    """The sclerosant as a contained Medication: agent, strength, lot."""
    agent = _label(Agent, injection.agent)
    found = [local(codes.CS_AGENT, injection.agent, agent)]
    if injection.agent in codes.ATC_AGENT:
        found.insert(0, coding(codes.ATC_AGENT[injection.agent]))
    concept = {
        "coding": found,
        "text": f"{agent} {_number(injection.concentration_pct)} %",
    }
    # % (w/v) is grams per 100 mL: 1 % is 10 mg/mL, as treatments.dosing.
    per_ml = injection.concentration_pct * 10
    data: dict[str, Any] = {
        "resourceType": "Medication",
        "id": "sclerosant",
        "code": concept,
        "ingredient": [
            {
                "itemCodeableConcept": {"coding": found, "text": agent},
                "isActive": True,
                "strength": {
                    "numerator": ucum(_number(per_ml), "mg"),
                    "denominator": ucum(1, "mL"),
                },
            }
        ],
    }
    lot = injection.lot
    if lot is not None:
        data["batch"] = {
            "lotNumber": lot.lot_number,
            "expirationDate": lot.expiry_date.isoformat(),
        }
    return data


def _administration(
    patient: Patient, session: TreatmentSession, injection: Injection
) -> tuple[uuid.UUID, MedicationAdministration]:
    code = _derived(session.code, f"injection:{injection.pk}")
    form = _label(Form, injection.form)
    extensions: list[dict[str, Any]] = [
        {"url": codes.EXT_DOSE_MG, "valueQuantity": ucum(injection.dose_mg, "mg")},
        {
            "url": codes.EXT_LIQUID_ML,
            "valueQuantity": ucum(injection.liquid_ml, "mL"),
        },
        {"url": codes.EXT_ULTRASOUND, "valueBoolean": injection.ultrasound_guided},
        {
            "url": codes.EXT_VESSEL,
            "valueCoding": local(
                codes.CS_VESSEL,
                injection.vessel_type,
                _label(VesselType, injection.vessel_type),
            ),
        },
    ]
    text = (
        f"{_number(injection.volume_ml)} mL {form.lower()} of "
        f"{_label(Agent, injection.agent).lower()} "
        f"{_number(injection.concentration_pct)} %"
    )
    if injection.form == Form.FOAM:
        extensions.append(
            {
                "url": codes.EXT_GAS,
                "valueCoding": local(
                    codes.CS_GAS, injection.gas, _label(Gas, injection.gas)
                ),
            }
        )
        if injection.gas_parts is not None:
            extensions.append(
                {"url": codes.EXT_GAS_PARTS, "valueDecimal": injection.gas_parts}
            )
            text += f" (1 part liquid + {_number(injection.gas_parts)} parts gas)"
    data: dict[str, Any] = {
        "identifier": [{"system": codes.ID_RECORD, "value": str(code)}],
        "contained": [_medication(injection)],
        "extension": extensions,
        "status": "completed",
        "medicationReference": {"reference": "#sclerosant"},
        "subject": _ref(patient.code),
        "effectiveDateTime": _moment(session.performed_at),
        "partOf": [_ref(session.code)],
        "dosage": {
            "text": text,
            "site": _segment_site(injection.leg, injection.segment, injection.site),
            "route": {
                "coding": [coding(codes.ROUTE_INTRAVENOUS)],
                "text": "Intravenous",
            },
            "method": _concept(codes.CS_FORM, injection.form, form),
            "dose": ucum(injection.volume_ml, "mL"),
        },
    }
    performer = _staff(session.clinician)
    if performer:
        data["performer"] = [{"actor": performer}]
    return code, MedicationAdministration.model_validate(data)


def _compression_days(session: TreatmentSession) -> int:
    return (session.bandage_days or 0) + (session.stocking_days or 0)


def _device_request(
    patient: Patient, session: TreatmentSession, now: datetime
) -> tuple[uuid.UUID, DeviceRequest] | None:
    if session.compression == Compression.NONE:
        return None
    code = _derived(session.code, "compression")
    parameters: list[dict[str, Any]] = []

    def parameter(key: str, display: str, **value: Any) -> None:
        parameters.append(
            {"code": _concept(codes.CS_COMPRESSION_PARAMETER, key, display), **value}
        )

    if session.stocking_class:
        parameter(
            "stocking-class",
            "Stocking class",
            valueCodeableConcept=_concept(
                codes.CS_STOCKING_CLASS,
                session.stocking_class,
                _label(StockingClass, session.stocking_class),
            ),
        )
    if session.stocking_mmhg is not None:
        parameter(
            "stocking-pressure",
            "Stocking pressure",
            valueQuantity=ucum(session.stocking_mmhg, "mmHg", "mm[Hg]"),
        )
    if session.stocking_length:
        parameter(
            "stocking-length",
            "Stocking length",
            valueCodeableConcept=_concept(
                codes.CS_STOCKING_LENGTH,
                session.stocking_length,
                _label(StockingLength, session.stocking_length),
            ),
        )
    if session.bandage_days is not None:
        parameter(
            "bandage-days",
            "Bandage for",
            valueQuantity=ucum(session.bandage_days, "days", "d"),
        )
    if session.stocking_days is not None:
        parameter(
            "stocking-days",
            "Stocking for",
            valueQuantity=ucum(session.stocking_days, "days", "d"),
        )
    start = timezone.localdate(session.performed_at)
    days = _compression_days(session)
    end: date | None = start + timedelta(days=days) if days else None
    over = end is not None and end < timezone.localdate(now)
    data: dict[str, Any] = {
        "identifier": [{"system": codes.ID_RECORD, "value": str(code)}],
        "status": "completed" if over else "active",
        "intent": "order",
        "codeCodeableConcept": {
            "coding": [
                local(
                    codes.CS_COMPRESSION,
                    session.compression,
                    _label(Compression, session.compression),
                )
            ],
            "text": session.compression_summary(),
        },
        "subject": _ref(patient.code),
        "authoredOn": _moment(session.performed_at),
        "occurrencePeriod": {"start": start.isoformat()}
        | ({"end": end.isoformat()} if end else {}),
        "reasonReference": [_ref(session.code)],
    }
    if parameters:
        data["parameter"] = parameters
    requester = _staff(session.clinician)
    if requester:
        data["requester"] = requester
    return code, DeviceRequest.model_validate(data)


def _session_entries(
    patient: Patient, session: TreatmentSession, now: datetime
) -> list[dict[str, Any]]:
    entries = [_entry(_procedure(patient, session), session.code)]
    for injection in session.injections.all():
        code, administration = _administration(patient, session, injection)
        entries.append(_entry(administration, code))
    compression = _device_request(patient, session, now)
    if compression is not None:
        entries.append(_entry(compression[1], compression[0]))
    return entries


# --- visits ---------------------------------------------------------------------


def _appointment(patient: Patient, visit: FollowUpVisit, treated: set) -> Appointment:
    purpose = _label(VisitPurpose, visit.purpose)
    data: dict[str, Any] = {
        "identifier": [{"system": codes.ID_RECORD, "value": str(visit.code)}],
        "status": codes.APPOINTMENT_STATUS[visit.status],
        "serviceType": [_concept(codes.CS_VISIT_PURPOSE, visit.purpose, purpose)],
        "description": purpose,
        "start": _moment(visit.starts_at),
        "end": _moment(visit.ends_at),
        "minutesDuration": visit.duration_min,
        "participant": [
            {"actor": _ref(patient.code), "status": "accepted"},
            {"actor": _staff(visit.clinician), "status": "accepted"},
        ],
    }
    if visit.status_reason and visit.status in ("cancelled", "no_show"):
        reason = _label(StatusReason, visit.status_reason)
        data["cancelationReason"] = {
            "coding": [local(codes.CS_VISIT_REASON, visit.status_reason, reason)],
            "text": f"{reason}: {visit.status_note}" if visit.status_note else reason,
        }
    if visit.session is not None and visit.session.code in treated:
        data["supportingInformation"] = [_ref(visit.session.code)]
    if visit.site_id is not None:
        data["participant"].append(
            {"actor": {"display": visit.site.name}, "status": "accepted"}
        )
    return Appointment.model_validate(data)


def _adverse_events(
    patient: Patient, visit: FollowUpVisit, treated: set
) -> list[dict[str, Any]]:
    entries = []
    for kind in visit.adverse_events or []:
        code = _derived(visit.code, f"adverse-event:{kind}")
        label = _label(AdverseEventKind, kind)
        text = label
        if kind == AdverseEventKind.OTHER and visit.adverse_event_notes:
            text = f"{label}: {visit.adverse_event_notes}"
        data: dict[str, Any] = {
            "identifier": {"system": codes.ID_RECORD, "value": str(code)},
            "actuality": "actual",
            "event": {
                "coding": [local(codes.CS_ADVERSE_EVENT, kind, label)],
                "text": text,
            },
            "subject": _ref(patient.code),
            "date": _moment(visit.starts_at),
            "detected": _moment(visit.starts_at),
        }
        if visit.completed_at is not None:
            data["recordedDate"] = _moment(visit.completed_at)
        recorder = _staff(visit.clinician)
        if recorder:
            data["recorder"] = recorder
        if visit.session is not None and visit.session.code in treated:
            data["suspectEntity"] = [{"instance": _ref(visit.session.code)}]
        entries.append(_entry(AdverseEvent.model_validate(data), code))
    return entries


# --- consents and questionnaires -----------------------------------------------


def _consent(patient: Patient, consent: SignedConsent) -> Consent:
    procedure = consent.get_procedure_display()
    provision: dict[str, Any] = {
        "type": "permit",
        "period": {"start": _moment(consent.signed_at)},
    }
    if consent.withdrawn_at is not None:
        provision["period"]["end"] = _moment(consent.withdrawn_at)
    data = {
        "identifier": [{"system": codes.ID_RECORD, "value": str(consent.code)}],
        "status": "inactive" if consent.is_withdrawn else "active",
        "scope": {
            "coding": [
                {
                    "system": codes.CONSENT_SCOPE,
                    "code": codes.CONSENT_SCOPES.get(consent.procedure, "treatment"),
                }
            ]
        },
        "category": [
            {"coding": [coding(codes.CONSENT_DOCUMENT)]},
            _concept(codes.CS_CONSENT_PROCEDURE, consent.procedure, str(procedure)),
        ],
        "patient": _ref(patient.code),
        "dateTime": _moment(consent.signed_at),
        "performer": [_ref(patient.code)],
        # The text the patient signed: its version, by the text's code.
        "policy": [{"uri": _urn(consent.text.code)}],
        "provision": provision,
    }
    return Consent.model_validate(data)


def _questionnaire(patient: Patient, response: Response) -> list[dict[str, Any]]:
    instrument = response.instrument
    items = []
    for answer in response.answers.all():
        item: dict[str, Any] = {
            "linkId": answer.item.key,
            "text": answer.item.text_in(response.language),
        }
        if answer.value is not None:
            item["answer"] = [{"valueInteger": answer.value}]
        items.append(item)
    data: dict[str, Any] = {
        "identifier": {"system": codes.ID_RECORD, "value": str(response.code)},
        "language": response.language,
        "questionnaire": f"{codes.QUESTIONNAIRE}/{instrument.code}"
        f"|{instrument.version}",
        "status": "completed",
        "subject": _ref(patient.code),
        "authored": _moment(response.answered_at),
        "source": _ref(patient.code),
    }
    if response.entered_by is not None:
        data["author"] = _staff(response.entered_by)
    if items:
        data["item"] = items
    entries = [_entry(QuestionnaireResponse.model_validate(data), response.code)]
    if response.score is not None:
        code = _derived(response.code, "score")
        score = {
            "identifier": [{"system": codes.ID_RECORD, "value": str(code)}],
            "status": "final",
            "category": [
                {"coding": [{"system": codes.OBSERVATION_CATEGORY, "code": "survey"}]}
            ],
            "code": _concept(
                codes.CS_QUESTIONNAIRE_SCORE, instrument.code, instrument.name_en
            ),
            "subject": _ref(patient.code),
            "effectiveDateTime": _moment(response.answered_at),
            "valueQuantity": ucum(_number(response.score), "score", "{score}"),
            "derivedFrom": [_ref(response.code)],
        }
        entries.append(_entry(Observation.model_validate(score), code))
    return entries


# --- the bundle -----------------------------------------------------------------


def _records(patient: Patient) -> dict[str, list[Any]]:
    """Read every record the bundle holds, in eight queries."""
    dopplers = (
        DopplerAssessment.objects.filter(patient=patient, voided_at__isnull=True)
        .select_related("examiner")
        .prefetch_related("findings")
        .order_by("assessed_on", "id")
    )
    sessions = (
        TreatmentSession.objects.filter(patient=patient, voided_at__isnull=True)
        .select_related("clinician", "site")
        .prefetch_related(
            Prefetch(
                "injections",
                queryset=Injection.objects.filter(voided_at__isnull=True)
                .select_related("lot")
                .order_by("id"),
            )
        )
        .order_by("performed_at", "id")
    )
    visits = (
        FollowUpVisit.objects.filter(patient=patient)
        .select_related("clinician", "session", "site")
        .order_by("starts_at", "id")
    )
    consents = (
        SignedConsent.objects.filter(patient=patient, voided_at__isnull=True)
        .select_related("text")
        .order_by("signed_at", "id")
    )
    responses = (
        Response.objects.filter(patient=patient, voided_at__isnull=True)
        .select_related("instrument", "entered_by")
        .prefetch_related(
            Prefetch(
                "answers",
                queryset=QuestionnaireAnswer.objects.select_related("item").order_by(
                    "item__position"
                ),
            )
        )
        .order_by("answered_at", "id")
    )
    return {
        "dopplers": list(dopplers),
        "sessions": list(sessions),
        "visits": list(visits),
        "consents": list(consents),
        "responses": list(responses),
    }


def patient_bundle(patient: Patient, *, user: Any, now: datetime) -> dict[str, Any]:
    """Return the patient's record as a FHIR R4 Bundle (type collection), as
    JSON data. `user` is who asked (not written into the bundle)."""
    with translation.override("en"):
        records = _records(patient)
        entries: list[dict[str, Any]] = [_entry(_patient(patient), patient.code)]
        entries.extend(_conditions(patient, records["dopplers"]))
        for doppler in records["dopplers"]:
            entries.extend(_doppler_entries(patient, doppler))
        treated = {session.code for session in records["sessions"]}
        for session in records["sessions"]:
            entries.extend(_session_entries(patient, session, now))
        for visit in records["visits"]:
            entries.append(_entry(_appointment(patient, visit, treated), visit.code))
            entries.extend(_adverse_events(patient, visit, treated))
        for consent in records["consents"]:
            entries.append(_entry(_consent(patient, consent), consent.code))
        for response in records["responses"]:
            entries.extend(_questionnaire(patient, response))
        bundle = Bundle.model_validate(
            {
                "identifier": {
                    "system": codes.ID_RECORD,
                    "value": str(_derived(patient.code, f"bundle:{now.isoformat()}")),
                },
                "type": "collection",
                "timestamp": _moment(now),
                "entry": entries,
            }
        )
    result: dict[str, Any] = json.loads(bundle.model_dump_json())
    return result
