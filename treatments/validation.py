"""What clean() checks on one session or one injection, on its own.

Field errors, each keyed by the field to correct. The limits of a session
as a whole (doses, foam, the patient's contraindications) are in
treatments.review.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext

from core.validators import validate_clinical_date, validate_reason
from treatments.choices import (
    CONCENTRATION_RANGE_PCT,
    STOCKING_FIELDS,
    Compression,
    Form,
)
from treatments.dosing import plain_number

if TYPE_CHECKING:
    from treatments.models import Injection, SclerosantLot, TreatmentSession


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
    lot_error = _lot_error(injection)
    if lot_error:
        errors["lot"] = lot_error
    if errors:
        raise ValidationError(errors)


def _session_day(injection: Injection) -> date | None:
    """Return the clinic day of the injection's session, None if not set yet
    (a row checked on its own, before the session's date is known)."""
    session = getattr(injection, "session", None)
    performed_at = getattr(session, "performed_at", None)
    if not isinstance(performed_at, datetime):
        return None
    try:
        return timezone.localtime(performed_at).date()
    except (OverflowError, ValueError):
        return performed_at.date()


def _lot_error(injection: Injection) -> str:
    """Return why the injection's lot is refused, or "".

    The lot must be of the injection's agent and concentration. A lot newly
    chosen must be open and not expired on the session's day; a saved
    injection keeps its lot even once the lot is closed or has expired.
    """
    lot = injection.lot if injection.lot_id is not None else None
    if lot is None:
        return ""
    if lot.agent != injection.agent or (
        injection.concentration_pct is not None
        and lot.concentration_pct != injection.concentration_pct
    ):
        return gettext(
            "Lot %(number)s is %(agent)s %(pct)s %%: choose a lot of the agent "
            "and concentration injected."
        ) % {
            "number": lot.lot_number,
            "agent": lot.get_agent_display(),
            "pct": plain_number(lot.concentration_pct),
        }
    if injection.lot_id == getattr(injection, "_saved_lot_id", None):
        return ""
    day = _session_day(injection)
    if lot.closed_at is not None:
        return gettext("Lot %(number)s is closed: choose an open lot.") % {
            "number": lot.lot_number
        }
    if day is not None and lot.expiry_date < day:
        return gettext(
            "Lot %(number)s expired on %(expiry)s, before the session's date."
        ) % {"number": lot.lot_number, "expiry": lot.expiry_date.isoformat()}
    return ""


# A sclerosant's shelf life is some 3 years (Aethoxysklerol: 3 years); an
# expiry further ahead of its receipt than this is a typing error.
MAX_SHELF_LIFE_YEARS = 6


def clean_lot(lot: SclerosantLot) -> None:
    """A lot's concentration within its agent's range, plausible dates."""
    errors: dict[str, str] = {}
    limits = CONCENTRATION_RANGE_PCT.get(lot.agent)
    if limits and lot.concentration_pct is not None:
        low, high = limits
        if not low <= lot.concentration_pct <= high:
            errors["concentration_pct"] = gettext(
                "%(agent)s is given at %(low)s–%(high)s %%; "
                "%(value)s %% is out of range."
            ) % {
                "agent": lot.get_agent_display(),
                "low": plain_number(low),
                "high": plain_number(high),
                "value": plain_number(lot.concentration_pct),
            }
    today = timezone.localdate()
    received = lot.received_on
    if received is not None:
        try:
            validate_clinical_date(received)
        except ValidationError as error:
            errors["received_on"] = error.messages[0]
        else:
            if received > today:
                errors["received_on"] = gettext(
                    "The date received cannot be in the future."
                )
    expiry = lot.expiry_date
    if expiry is not None and received is not None and "received_on" not in errors:
        if expiry <= received:
            errors["expiry_date"] = gettext(
                "The expiry date must be after the date received."
            )
        elif (expiry - received).days > 366 * MAX_SHELF_LIFE_YEARS:
            errors["expiry_date"] = gettext(
                "This expiry is more than %(years)d years after the date "
                "received: check the year."
            ) % {"years": MAX_SHELF_LIFE_YEARS}
    opened = lot.opened_on
    if opened is not None:
        if received is not None and opened < received:
            errors["opened_on"] = gettext(
                "The date opened cannot be before the date received."
            )
        elif opened > today:
            errors["opened_on"] = gettext("The date opened cannot be in the future.")
    if errors:
        raise ValidationError(errors)
