"""The code systems and codes of the FHIR export (records.fhir).

Three kinds of code:

- standard codes whose meaning was confirmed in a published source (the
  source is named beside each);
- standard codes that could NOT be confirmed: each is listed in
  TO_BE_CHECKED (and in README, "FHIR export"), so that a terminologist
  checks it before another system relies on it;
- the clinic's own codes, in code systems under LOCAL (one URL per list),
  for what no standard code was confirmed for: the vein segments without a
  confirmed SNOMED CT code, CEAP, VCSS, the symptom score, agents, foam,
  compression, visit reasons, adverse events.
"""

from __future__ import annotations

from typing import Any

# Systems defined by FHIR itself (their URIs, not codes).
SNOMED = "http://snomed.info/sct"
LOINC = "http://loinc.org"
UCUM = "http://unitsofmeasure.org"
ATC = "http://www.whocc.no/atc"
BCP47 = "urn:ietf:bcp:47"
OBSERVATION_CATEGORY = "http://terminology.hl7.org/CodeSystem/observation-category"
INTERPRETATION = "http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation"
CONDITION_CLINICAL = "http://terminology.hl7.org/CodeSystem/condition-clinical"
CONDITION_VERIFICATION = "http://terminology.hl7.org/CodeSystem/condition-ver-status"
CONSENT_SCOPE = "http://terminology.hl7.org/CodeSystem/consentscope"

# The clinic's namespace: code systems, identifiers, extensions and the
# questionnaires' canonical URLs. A fixed name, the same in every
# installation, so that two clinics' exports mean the same by a code.
BASE = "https://sclero.clinic/fhir"
LOCAL = f"{BASE}/CodeSystem"
CS_SEGMENT = f"{LOCAL}/vein-segment"
CS_OBSERVATION = f"{LOCAL}/observation"
CS_CEAP = f"{LOCAL}/ceap"
CS_VCSS = f"{LOCAL}/vcss-item"
CS_THROMBUS = f"{LOCAL}/thrombus"
CS_CONDITION = f"{LOCAL}/condition"
CS_PROCEDURE = f"{LOCAL}/procedure"
CS_AGENT = f"{LOCAL}/sclerosant"
CS_FORM = f"{LOCAL}/sclerosant-form"
CS_GAS = f"{LOCAL}/foam-gas"
CS_VESSEL = f"{LOCAL}/vessel-type"
CS_COMPRESSION = f"{LOCAL}/compression"
CS_COMPRESSION_PARAMETER = f"{LOCAL}/compression-parameter"
CS_STOCKING_CLASS = f"{LOCAL}/stocking-class"
CS_STOCKING_LENGTH = f"{LOCAL}/stocking-length"
CS_VISIT_PURPOSE = f"{LOCAL}/visit-purpose"
CS_VISIT_REASON = f"{LOCAL}/visit-status-reason"
CS_ADVERSE_EVENT = f"{LOCAL}/adverse-event"
CS_CONSENT_PROCEDURE = f"{LOCAL}/consent-procedure"
CS_QUESTIONNAIRE_SCORE = f"{LOCAL}/questionnaire-score"
ID_CHART_NUMBER = f"{BASE}/sid/chart-number"
ID_RECORD = f"{BASE}/sid/record-code"
QUESTIONNAIRE = f"{BASE}/Questionnaire"
EXT = f"{BASE}/StructureDefinition"
EXT_LATERALITY = f"{EXT}/laterality"
EXT_DOSE_MG = f"{EXT}/sclerosant-dose"
EXT_LIQUID_ML = f"{EXT}/sclerosant-liquid-volume"
EXT_GAS = f"{EXT}/foam-gas"
EXT_GAS_PARTS = f"{EXT}/foam-gas-parts"
EXT_ULTRASOUND = f"{EXT}/ultrasound-guided"
EXT_VESSEL = f"{EXT}/vessel-type"

# --- standard codes confirmed in a published source ---------------------------

# SNOMED CT laterality qualifiers: HL7 Switzerland's CH EMS value set
# "Laterality" (hl7ch/ch-ems) and DICOM CID 247 as published in FHIR
# (bvdh/dicom-terminology-in-fhir).
RIGHT = (SNOMED, "24028007", "Right")
LEFT = (SNOMED, "7771000", "Left")
LATERALITY = {"R": RIGHT, "L": LEFT}
# SNOMED CT route, DICOM CID 11 "Administration Route" in FHIR
# (bvdh/dicom-terminology-in-fhir).
ROUTE_INTRAVENOUS = (SNOMED, "47625008", "Intravenous route")
# SNOMED CT body structures, DICOM PS3.16 body-part mapping (dcm4che wiki
# "Body Part codes"; DOMAIN.md §10.3).
LOWER_LIMB = (SNOMED, "61685007", "Lower limb structure")
SEGMENT_SNOMED: dict[str, tuple[str, str, str]] = {
    "SFJ": (SNOMED, "128587003", "Saphenofemoral junction"),
    "GSVa": (SNOMED, "60734001", "Great saphenous vein"),
    "GSVb": (SNOMED, "60734001", "Great saphenous vein"),
    "CFV": (SNOMED, "397363009", "Common femoral vein"),
    "DFV": (SNOMED, "23438002", "Profunda femoris vein"),
    "FV": (SNOMED, "83419000", "Femoral vein"),
    "POPV": (SNOMED, "56849005", "Popliteal vein"),
}
# The other segments (AASV, PASV, SPJ, SSV, NSV, TPV, CPV, TIBV) have no
# confirmed SNOMED CT code: their body site is the clinic's segment code
# only (MediMind-Angio's codes for some of them name other structures in
# DICOM's mapping, DOMAIN.md §10.3; none is copied).
# WHO ATC, polidocanol (DOMAIN.md §10.1). Sodium tetradecyl sulfate's and
# glycerin's ATC codes were not confirmed: those agents carry the clinic's
# code only.
ATC_AGENT = {"polidocanol": (ATC, "C05BB02", "polidocanol")}
# LOINC "Lower extremity vein - bilateral US.doppler": LOINC's radiology
# list and MediMind-Angio's fhir-systems.ts agree.
DUPLEX_BILATERAL = (LOINC, "39420-5", "US.doppler Lower extremity vein - bilateral")

# --- standard codes NOT confirmed: to be checked ------------------------------

# Right and left duplex as the issue names them (from MediMind-Angio). A
# LOINC radiology list read while writing this gives other codes for these
# names (39443-7 right, 39432-0 left): to be checked before relying on them.
DUPLEX_RIGHT = (LOINC, "39052-2", "US.doppler Lower extremity vein - right")
DUPLEX_LEFT = (LOINC, "39053-0", "US.doppler Lower extremity vein - left")
# SNOMED CT procedure; DOMAIN.md found it in a SNOMED code list, not
# re-found in a published terminology source.
SCLEROTHERAPY = (SNOMED, "1636000", "Injection of sclerosing agent in varicose vein")
# SNOMED CT disorder; found only in third-party code maps.
VARICOSE_VEINS = (SNOMED, "72866009", "Varicose veins of lower extremity")
# LOINC consent document category, as in HL7's own Consent examples (from
# memory, not re-read).
CONSENT_DOCUMENT = (LOINC, "59284-0", "Consent Document")

TO_BE_CHECKED: dict[str, str] = {
    "39052-2": "LOINC duplex, right leg (another list says 39443-7)",
    "39053-0": "LOINC duplex, left leg (another list says 39432-0)",
    "1636000": "SNOMED CT sclerotherapy procedure",
    "72866009": "SNOMED CT varicose veins of lower extremity",
    "59284-0": "LOINC consent document category",
}

# The FHIR statuses of an appointment, by the visit's status.
APPOINTMENT_STATUS = {
    "scheduled": "booked",
    "arrived": "arrived",
    "completed": "fulfilled",
    "cancelled": "cancelled",
    "no_show": "noshow",
}

# Consent scope (FHIR R4 consentscope): treatment for the procedures; a
# clinical photo is about the patient's privacy.
CONSENT_SCOPES = {
    "liquid": "treatment",
    "foam": "treatment",
    "photography": "patient-privacy",
}


def coding(code: tuple[str, str, str]) -> dict[str, Any]:
    system, value, display = code
    return {"system": system, "code": value, "display": display}


def local(system: str, code: str, display: str) -> dict[str, Any]:
    return {"system": system, "code": code, "display": display}


def ucum(value: Any, unit: str, code: str | None = None) -> dict[str, Any]:
    """Return a Quantity in UCUM (unit shown, code as UCUM writes it)."""
    return {"value": value, "unit": unit, "system": UCUM, "code": code or unit}
