"""Phone numbers: read as typed, stored in E.164, shown in national format.

The clinic's region (settings.SCLERO_PHONE_REGION, Italy by default) is the
one a number without a country code belongs to: "347 123 4567" and
"0039 347 123 4567" are both +393471234567, and an Italian landline keeps
its leading 0 (02 1234 5678 is +390212345678). Numbers of the clinic's
country are shown as the patient would dial them (347 123 4567), others in
international format (+44 20 7946 0958).
"""

from __future__ import annotations

import functools
import re

import phonenumbers
from django.conf import settings

# What a typed number may hold besides digits: no letters (phonenumbers
# would read "CALL-ME" as keypad digits) and no extensions.
_TYPED = re.compile(r"[\d\s+()\-./]+")
_E164 = re.compile(r"\+[1-9]\d{6,14}")
MOBILE_TYPES = frozenset(
    {
        phonenumbers.PhoneNumberType.MOBILE,
        phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE,
    }
)


def default_region() -> str:
    return (getattr(settings, "SCLERO_PHONE_REGION", "") or "IT").upper()


def parse_phone(text: str | None) -> phonenumbers.PhoneNumber | None:
    """Return the valid number `text` spells, or None."""
    text = (text or "").strip()
    if not text or len(text) > 40 or not _TYPED.fullmatch(text):
        return None
    try:
        number = phonenumbers.parse(text, default_region())
    except phonenumbers.NumberParseException:
        return None
    return number if phonenumbers.is_valid_number(number) else None


def to_e164(text: str | None) -> str | None:
    """Return `text` as an E.164 number ("+393471234567"), or None if it is
    not a valid phone number."""
    number = parse_phone(text)
    if number is None:
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def is_e164(value: str | None) -> bool:
    """Whether `value` is stored as it should be: a valid number in E.164."""
    return (
        bool(value) and bool(_E164.fullmatch(value or "")) and to_e164(value) == value
    )


def is_mobile(value: str | None) -> bool:
    """Whether `value` is a valid number that can receive a text message."""
    number = parse_phone(value)
    return number is not None and phonenumbers.number_type(number) in MOBILE_TYPES


def display_phone(value: str | None) -> str:
    """Return a stored number as people read it: national format for the
    clinic's country, international otherwise; anything else as typed."""
    return _display_phone(value or "", default_region())


@functools.lru_cache(maxsize=4096)
def _display_phone(value: str, region: str) -> str:
    # Parsing is the cost of a list of phones (a worklist page): a number
    # is formatted once per process and region.
    number = parse_phone(value)
    if number is None:
        return value or ""
    home = phonenumbers.country_code_for_region(default_region())
    style = (
        phonenumbers.PhoneNumberFormat.NATIONAL
        if number.country_code == home
        else phonenumbers.PhoneNumberFormat.INTERNATIONAL
    )
    return phonenumbers.format_number(number, style)
