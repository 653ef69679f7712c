"""Checks every app applies to what people type: reasons and plausible dates."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

# A reason (for voiding, for exceeding a limit, for going on without consent)
# must say something: a few words, not "." or "x".
MIN_REASON_LENGTH = 8
MIN_REASON_LETTERS = 5

# Clinical dates before this are typing errors (the clinic's records start
# well after it); the agenda books at most this far ahead.
EARLIEST_CLINICAL_DATE = date(1990, 1, 1)
LATEST_BOOKING_YEARS = 3


def validate_reason(value: str) -> None:
    """Refuse a reason that is too short or has no words in it."""
    text = (value or "").strip()
    letters = sum(char.isalpha() for char in text)
    if len(text) < MIN_REASON_LENGTH or letters < MIN_REASON_LETTERS:
        raise ValidationError(
            _(
                "Give the reason in a few words (at least %(n)d characters), "
                "so that whoever reads the record understands it."
            )
            % {"n": MIN_REASON_LENGTH},
            code="reason_too_short",
        )


def latest_booking_date() -> date:
    today = timezone.localdate()
    return (
        today.replace(year=today.year + LATEST_BOOKING_YEARS)
        if not (today.month == 2 and today.day == 29)
        else today + timedelta(days=365 * LATEST_BOOKING_YEARS)
    )


def validate_clinical_date(value: date | datetime) -> None:
    """Refuse a date of care outside EARLIEST_CLINICAL_DATE .. the booking horizon."""
    if isinstance(value, datetime):
        try:
            day = (
                timezone.localtime(value).date()
                if timezone.is_aware(value)
                else value.date()
            )
        except OverflowError:  # year 1 or 9999 moved across midnight UTC
            day = value.date()
    else:
        day = value
    if day < EARLIEST_CLINICAL_DATE:
        raise ValidationError(
            _("This date is before %(earliest)s: check the year.")
            % {"earliest": EARLIEST_CLINICAL_DATE.isoformat()},
            code="too_early",
        )
    if day > latest_booking_date():
        raise ValidationError(
            _("This date is more than %(years)d years ahead: check the year.")
            % {"years": LATEST_BOOKING_YEARS},
            code="too_late",
        )
