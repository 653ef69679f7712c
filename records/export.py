"""A patient's data export: everything about one patient in one JSON file.

For a data-subject request. The file holds the patient's details and
screening answers, every Doppler with its findings, every session with its
injections, every follow-up visit (voided records included, marked as such,
with their reason), the sign-offs and addenda, the clinical photos'
details (what each shows, when, its file name and SHA-256; not the pictures
themselves), the signed consent forms' details (procedure, text
version, date, witness, file name; not the files), the questionnaires
filled in with their answers and the invitations to fill one, the audit trail of
changes and the access log rows naming the patient. Times are ISO 8601 in
clinic time with their offset, decimals are strings. A fixed number of queries
however long the history.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.db import models
from django.db.models import Prefetch
from django.utils import timezone

from accesslog.models import AccessEvent
from consent.models import SignedConsent
from doppler.models import DopplerAddendum, DopplerAssessment
from outcomes.models import (
    QuestionnaireAnswer,
    QuestionnaireInvitation,
    QuestionnaireResponse,
)
from patients.models import Patient
from photos.models import ClinicalPhoto
from records.audit import AuditEntry, audit_trail
from records.fhir import patient_bundle
from treatments.models import Injection, SessionAddendum, TreatmentSession
from visits.models import FollowUpVisit

FORMAT = "sclero-clinic-patient-export"
VERSION = 1

# Internal identifiers and bookkeeping; a record is named by its code.
SKIPPED = {"id", "version"}


def export_filename(patient: Patient, now: datetime) -> str:
    """Return "patient-SC-000123-2026-11-18.json" (the clinic's date)."""
    return f"patient-{patient.chart_number}-{timezone.localdate(now).isoformat()}.json"


def _moment(value: datetime | None) -> str | None:
    return timezone.localtime(value).isoformat() if value is not None else None


def _user(user: Any) -> dict[str, str] | None:
    if user is None:
        return None
    return {"username": user.get_username(), "name": user.get_full_name()}


def _plain(value: Any) -> Any:
    """Return a value JSON can hold: times in clinic time, decimals as text."""
    if isinstance(value, datetime):
        return _moment(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    return value


def _fields(record: models.Model, *, parents: tuple[str, ...] = ()) -> dict[str, Any]:
    """Return every field of the record by name: a user by name, a related
    record by its code, a choice with its label beside it (`<name>_display`).

    The foreign keys in `parents` (the record the data is nested under) are
    left out; the related records must have been read with the record
    (select_related), so that this costs no query.
    """
    data: dict[str, Any] = {}
    for f in record._meta.concrete_fields:
        if f.name in SKIPPED or f.name in parents:
            continue
        if f.is_relation:
            related = getattr(record, f.name)
            if related is None or hasattr(related, "get_username"):
                data[f.name] = _user(related)
            else:
                # A record by its code; a site (no code) by its name.
                label = getattr(related, "code", None) or getattr(related, "name", None)
                data[f.name] = str(label or related.pk)
            continue
        value = getattr(record, f.attname)
        data[f.name] = _plain(value)
        if f.choices and value not in (None, ""):
            data[f"{f.name}_display"] = str(dict(f.flatchoices).get(value, value))
    if hasattr(record, "voided_at"):
        data["voided"] = record.voided_at is not None
    return data


def _addenda(record: Any, parent: str) -> list[dict[str, Any]]:
    return [_fields(a, parents=(parent,)) for a in record.addenda.all()]


def _doppler(doppler: DopplerAssessment) -> dict[str, Any]:
    data = _fields(doppler, parents=("patient",))
    data["findings"] = [
        _fields(f, parents=("assessment",)) for f in doppler.findings.all()
    ]
    data["addenda"] = _addenda(doppler, "assessment")
    return data


def _injection(injection: Injection) -> dict[str, Any]:
    data = _fields(injection, parents=("session",))
    lot = injection.lot
    # The lot by what is printed on the vial (read with the injection).
    data["lot"] = (
        None
        if lot is None
        else {
            "lot_number": lot.lot_number,
            "expiry_date": _plain(lot.expiry_date),
            "agent": lot.agent,
            "concentration_pct": _plain(lot.concentration_pct),
        }
    )
    return data


def _session(session: TreatmentSession) -> dict[str, Any]:
    data = _fields(session, parents=("patient",))
    data["injections"] = [_injection(i) for i in session.injections.all()]
    data["addenda"] = _addenda(session, "session")
    return data


def _photo(photo: ClinicalPhoto) -> dict[str, Any]:
    """Return what a photo shows and where its file is; not the image bytes."""
    return {
        "code": str(photo.code),
        "session": str(photo.session.code),
        "phase": photo.phase,
        "phase_display": str(photo.get_phase_display()),
        "leg": photo.leg,
        "leg_display": str(photo.get_leg_display()),
        "view": photo.view,
        "view_display": str(photo.get_view_display()),
        "taken_at": _moment(photo.taken_at),
        "file_name": photo.file_name(),
        "sha256": photo.sha256,
        "width": photo.width,
        "height": photo.height,
        "byte_size": photo.byte_size,
        "notes": photo.notes,
        "uploaded_by": _user(photo.uploaded_by),
        "uploaded_at": _moment(photo.uploaded_at),
        "voided": photo.voided_at is not None,
        "voided_at": _moment(photo.voided_at),
        "voided_by": _user(photo.voided_by),
        "void_reason": photo.void_reason,
    }


def _consent(consent: SignedConsent) -> dict[str, Any]:
    """Return a signed consent's details and its file's name; not the file."""
    text = consent.text
    return {
        "code": str(consent.code),
        "procedure": consent.procedure,
        "procedure_display": str(consent.get_procedure_display()),
        "text": {
            "code": str(text.code),
            "version": text.version,
            "language": text.language,
            "title": text.title,
        },
        "language": consent.language,
        "signed_at": _moment(consent.signed_at),
        "method": consent.method,
        "method_display": str(consent.get_method_display()),
        "witness": _user(consent.witness),
        "witness_name": consent.witness_name,
        "file_name": consent.file.name.rsplit("/", 1)[-1],
        "recorded_by": _user(consent.recorded_by),
        "recorded_at": _moment(consent.recorded_at),
        "withdrawn_at": _moment(consent.withdrawn_at),
        "withdrawn_reason": consent.withdrawn_reason,
        "voided": consent.voided_at is not None,
        "voided_at": _moment(consent.voided_at),
        "voided_by": _user(consent.voided_by),
        "void_reason": consent.void_reason,
    }


def _visit(visit: FollowUpVisit) -> dict[str, Any]:
    """The visit with its site, the patient's answer, and every message sent
    (or not) about it: channel, status, when due and sent, attempts, the
    reason or error, and the address or number (the patient's own)."""
    data = _fields(visit, parents=("patient",))
    data["messages"] = [_fields(m, parents=("visit",)) for m in visit.messages.all()]
    return data


def _change(entry: AuditEntry) -> dict[str, Any]:
    return {
        "at": _moment(entry.when),
        "by": _user(entry.who),
        "record": entry.kind,
        "label": entry.label,
        "action": entry.action,
        "reason": entry.reason,
        "values": [{"field": v.field, "value": v.value} for v in entry.values],
        "changes": [
            {"field": c.field, "old": c.old, "new": c.new} for c in entry.changes
        ],
    }


def _access(event: AccessEvent) -> dict[str, Any]:
    return {
        "at": _moment(event.at),
        "by": _user(event.user),
        "kind": event.kind,
        "what": event.kind_label,
        "label": event.label,
        "method": event.method,
        "path": event.path,
        "status": event.status,
    }


def _referring_doctor(patient: Patient) -> dict[str, Any] | None:
    """The doctor the clinic writes to about the patient, as on a letter."""
    doctor = patient.referring_doctor
    if doctor is None:
        return None
    return {
        "code": str(doctor.code),
        "name": doctor.name,
        "practice": doctor.practice,
        "address": doctor.address,
        "email": doctor.email,
        "phone": doctor.phone,
        "active": doctor.active,
    }


def _questionnaire(response: QuestionnaireResponse) -> dict[str, Any]:
    """A filled questionnaire with its answers, each with its question and
    the label of the answer, in the language it was filled in."""
    data = _fields(response, parents=("patient",))
    data["instrument_name"] = response.instrument.name_in(response.language)
    data["answers"] = [
        {
            "item": answer.item.key,
            "question": answer.item.text_in(response.language),
            "value": answer.value,
            "label": answer.item.label_of(answer.value, response.language),
            "scored": answer.item.scored,
        }
        for answer in response.answers.all()
    ]
    return data


def patient_export(patient: Patient, *, user: Any, now: datetime) -> dict[str, Any]:
    """Return everything about the patient, as the export file holds it."""
    dopplers = (
        DopplerAssessment.objects.filter(patient=patient)
        .select_related("examiner", "voided_by", "signed_by")
        .prefetch_related(
            "findings",
            Prefetch(
                "addenda", queryset=DopplerAddendum.objects.select_related("author")
            ),
        )
        .order_by("assessed_on", "id")
    )
    sessions = (
        TreatmentSession.objects.filter(patient=patient)
        .select_related(
            "clinician",
            "doppler",
            "voided_by",
            "signed_by",
            "limit_override_by",
            "created_by",
            "consent_record",
            "site",
        )
        .prefetch_related(
            Prefetch("injections", queryset=Injection.objects.select_related("lot")),
            Prefetch(
                "addenda", queryset=SessionAddendum.objects.select_related("author")
            ),
        )
        .order_by("performed_at", "id")
    )
    visits = (
        FollowUpVisit.objects.filter(patient=patient)
        .select_related("session", "clinician", "created_by", "site")
        .prefetch_related("messages")
        .order_by("starts_at", "id")
    )
    photos = (
        ClinicalPhoto.objects.filter(patient=patient)
        .select_related("session", "uploaded_by", "voided_by")
        .order_by("taken_at", "id")
    )
    consents = (
        SignedConsent.objects.filter(patient=patient)
        .select_related("text", "witness", "recorded_by", "voided_by")
        .order_by("signed_at", "id")
    )
    questionnaires = (
        QuestionnaireResponse.objects.filter(patient=patient)
        .select_related("instrument", "invitation", "entered_by", "voided_by")
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
    invitations = (
        QuestionnaireInvitation.objects.filter(patient=patient)
        .select_related("instrument")
        .order_by("due_on", "id")
    )
    accesses = (
        AccessEvent.objects.filter(patient=patient)
        .select_related("user")
        .order_by("at", "id")
    )
    changes = audit_trail(patient=patient).entries
    return {
        "format": FORMAT,
        "version": VERSION,
        "exported_at": _moment(now),
        "exported_by": _user(user),
        "patient": _fields(patient),
        "referring_doctor": _referring_doctor(patient),
        "dopplers": [_doppler(d) for d in dopplers],
        "sessions": [_session(s) for s in sessions],
        "visits": [_visit(v) for v in visits],
        # The photos' details; the pictures themselves are not in the file.
        "photos": [_photo(p) for p in photos],
        # The signed consent forms' details; the files are not in the file.
        "consents": [_consent(c) for c in consents],
        # The questionnaires filled in, with their answers, and the
        # invitations to fill one (sent, answered, expired or cancelled).
        "questionnaires": [_questionnaire(q) for q in questionnaires],
        "questionnaire_invitations": [
            _fields(i, parents=("patient",)) for i in invitations
        ],
        "changes": [_change(e) for e in reversed(changes)],
        "accesses": [_access(a) for a in accesses],
        # The same record as a FHIR R4 Bundle, for another system to read.
        "fhir": patient_bundle(patient, user=user, now=now),
    }
