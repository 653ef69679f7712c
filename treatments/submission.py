"""What a form or a command submits for a session, put on the records.

The session fields and injection rows a write may set; each record is
checked on its own (full_clean). treatments.services then reviews the whole
session and saves it.
"""

from __future__ import annotations

from collections.abc import Mapping

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.utils.translation import gettext as _

from treatments.models import Injection, TreatmentSession

SESSION_FIELDS = [
    "performed_at",
    "doppler",
    "weight_kg",
    "screening_confirmed",
    "screening_notes",
    "consent_obtained",
    "consent_missing_reason",
    "screening_missing_reason",
    "notes",
    "immediate_reactions",
    "compression",
    "stocking_class",
    "stocking_mmhg",
    "stocking_length",
    "stocking_days",
    "bandage_days",
]
INJECTION_FIELDS = [
    "leg",
    "segment",
    "site",
    "vessel_type",
    "agent",
    "concentration_pct",
    "form",
    "gas",
    "gas_parts",
    "volume_ml",
    "ultrasound_guided",
    "lot",
    "diagram_x_pct",
    "diagram_y_pct",
]


def _row_id(row: Mapping) -> int | None:
    ident = row.get("id")
    if isinstance(ident, Injection):
        return ident.pk
    return int(ident) if ident else None


def injection_values(injection: Injection) -> tuple:
    # The lot by its id: comparing values reads no lot from the database.
    return tuple(
        getattr(injection, "lot_id" if name == "lot" else name)
        for name in INJECTION_FIELDS
    )


def build_injections(
    session: TreatmentSession, rows: list[Mapping], existing: Mapping[int, Injection]
) -> tuple[list[Injection], dict[int, dict[str, list[str]]], dict[int, tuple]]:
    """Return injection instances for the rows, errors per row, and original values."""
    built: list[Injection] = []
    row_errors: dict[int, dict[str, list[str]]] = {}
    originals: dict[int, tuple] = {}
    for index, row in enumerate(rows):
        ident = _row_id(row)
        if ident is not None:
            injection = existing.get(ident)
            if injection is None:
                # Not an active injection of this session: refused, whatever
                # session it belongs to; nothing is voided or copied.
                removed = Injection.objects.filter(pk=ident, session=session).exists()
                row_errors[index] = {
                    NON_FIELD_ERRORS: [
                        _("This injection was removed from the session.")
                        if removed
                        else _(
                            "This injection is not one of this session's; "
                            "reload the page."
                        )
                    ]
                }
                continue
            originals[index] = injection_values(injection)
        else:
            injection = Injection(session=session)
        for name in INJECTION_FIELDS:
            if name in row:
                value = row[name]
                if value is None and name in ("segment", "site", "gas"):
                    value = ""
                setattr(injection, name, value)
        try:
            injection.full_clean(exclude=["session"])
        except ValidationError as error:
            row_errors[index] = error.message_dict
        built.append(injection)
    return built, row_errors, originals


def apply_session_data(
    session: TreatmentSession, data: Mapping
) -> dict[str, list[str]]:
    for name in SESSION_FIELDS:
        if name in data:
            value = data[name]
            if value is None and name in (
                "stocking_class",
                "stocking_length",
                "screening_notes",
                "notes",
                "immediate_reactions",
                "consent_missing_reason",
                "screening_missing_reason",
            ):
                value = ""
            setattr(session, name, value)
    # Chosen only in a clinic with several sites (else save() fills it in).
    if data.get("site") is not None:
        session.site = data["site"]
    errors: dict[str, list[str]] = {}
    try:
        session.full_clean(exclude=["patient", "clinician"])
    except ValidationError as error:
        errors = error.message_dict
    doppler = session.doppler
    if doppler is not None and (
        doppler.patient_id != session.patient_id or doppler.is_voided
    ):
        errors["doppler"] = [_("Choose a Doppler assessment of this patient.")]
    return errors
