from __future__ import annotations

from datetime import date, datetime

from django import template
from django.utils import formats, timezone, translation

from core.roles import clinician_label

register = template.Library()

# Languages that write month and weekday names in lower case ("5 dicembre").
LOWER_CASE_DATE_NAMES = {"it"}


@register.filter
def long_date(value: date | datetime | None, fmt: str = "j F Y") -> str:
    """Return the date written out in the active language, cased as it is written."""
    if value is None:
        return ""
    if isinstance(value, datetime) and timezone.is_aware(value):
        value = timezone.localtime(value)
    text = formats.date_format(value, fmt)
    if translation.get_language() in LOWER_CASE_DATE_NAMES:
        text = text.lower()
    return text


@register.filter
def dr(user) -> str:
    """Return "Dr Rossi" for a clinician."""
    return clinician_label(user) if user else ""
