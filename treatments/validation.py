"""What clean() checks on one session or one injection, on its own.

Field errors, each keyed by the field to correct. The limits of a session
as a whole (doses, foam, the patient's contraindications) are in
treatments.review.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.utils.translation import gettext

from core.validators import validate_reason
from treatments.choices import (
    CONCENTRATION_RANGE_PCT,
    STOCKING_FIELDS,
    Compression,
    Form,
)
from treatments.dosing import plain_number

if TYPE_CHECKING:
    from treatments.models import Injection, TreatmentSession


def clean_session(session: TreatmentSession) -> None:
    """The compression details must fit the kind of compression (the
    database constraint says the same; this names the field), and going on
    without the screening or the consent needs a reason."""
    errors: dict[str, str] = {}
    for done, reason_field, message in (
        (
            session.screening_confirmed,
            "screening_missing_reason",
            gettext(
                "Ask the screening questions today and tick the box, or record "
                "why they were not asked."
            ),
        ),
        (
            session.consent_obtained,
            "consent_missing_reason",
            gettext(
                "Tick it once informed consent is obtained, or record why it was not."
            ),
        ),
    ):
        reason = getattr(session, reason_field).strip()
        if not done and not reason:
            errors[reason_field] = message
        elif not done:
            try:
                validate_reason(reason)
            except ValidationError as error:
                errors[reason_field] = error.messages[0]
    kind = session.compression
    if kind == Compression.NONE:
        for name in [*STOCKING_FIELDS, "bandage_days"]:
            if getattr(session, name):
                errors[name] = gettext("Leave empty when no compression is prescribed.")
    elif kind in (Compression.STOCKING, Compression.BANDAGE_THEN_STOCKING):
        if not (session.stocking_class or session.stocking_mmhg):
            errors["stocking_class"] = gettext(
                "Give the stocking class or its pressure in mmHg."
            )
        if not session.stocking_days:
            errors["stocking_days"] = gettext(
                "Say for how many days the stocking is worn."
            )
        if kind == Compression.STOCKING and session.bandage_days:
            errors["bandage_days"] = gettext(
                "Choose “Bandage, then stocking” to prescribe a bandage."
            )
        if kind == Compression.BANDAGE_THEN_STOCKING and not session.bandage_days:
            errors["bandage_days"] = gettext(
                "Say for how many days the bandage stays on."
            )
    if errors:
        raise ValidationError(errors)


def clean_injection(injection: Injection) -> None:
    """Single-row rules, as field errors: agent range, foam fields, a site."""
    errors: dict[str, str] = {}
    limits = CONCENTRATION_RANGE_PCT.get(injection.agent)
    if limits and injection.concentration_pct is not None:
        low, high = limits
        if not low <= injection.concentration_pct <= high:
            errors["concentration_pct"] = gettext(
                "%(agent)s is given at %(low)s–%(high)s %%; "
                "%(value)s %% is out of range."
            ) % {
                "agent": injection.get_agent_display(),
                "low": plain_number(low),
                "high": plain_number(high),
                "value": plain_number(injection.concentration_pct),
            }
    if injection.form == Form.FOAM:
        if not injection.gas:
            errors["gas"] = gettext("Foam needs a gas.")
        if injection.gas_parts is None:
            errors["gas_parts"] = gettext(
                "Foam needs a liquid:gas ratio (1 + gas parts)."
            )
    elif injection.form == Form.LIQUID:
        if injection.gas:
            errors["gas"] = gettext("Liquid has no gas: clear it or choose foam.")
        if injection.gas_parts is not None:
            errors["gas_parts"] = gettext(
                "Liquid has no gas ratio: clear it or choose foam."
            )
    if not (injection.site or "").strip() and not injection.segment:
        errors["site"] = gettext("Give the site or the segment treated.")
    if errors:
        raise ValidationError(errors)
