"""Plain helpers shared by the test modules (fixtures and `make_*` live in conftest.py).

Dates relative to "today" read the frozen clock of the suite (see
`tests.conftest.frozen_now`), so call them inside a test or fixture, never at
import time: a module-level constant would hold the real date, not the frozen one.
"""

from __future__ import annotations

import io
from datetime import date, datetime, time, timedelta

from django.test import Client
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

# --- clinic time (Europe/Rome) ---------------------------------------------------


def rome(day: date, hh: int, mm: int = 0) -> datetime:
    """Return the aware datetime of a wall-clock day and time in the clinic."""
    return timezone.make_aware(datetime.combine(day, time(hh, mm)))


def in_days(days: int) -> date:
    """Return the clinic day `days` after today (before it when negative)."""
    return timezone.localdate() + timedelta(days=days)


def next_weekday(weekday: int, after: int = 1) -> date:
    """Return the first clinic day with this weekday (0 = Monday), `after`
    days from today or later."""
    day = in_days(after)
    return day + timedelta(days=(weekday - day.weekday()) % 7)


def at(days: int, hh: int = 10, mm: int = 0) -> datetime:
    """Return the aware clinic datetime `days` from today at hh:mm (negative: ago)."""
    return rome(in_days(days), hh, mm)


def tomorrow_at(hh: int, mm: int = 0) -> datetime:
    """Return tomorrow at hh:mm in the clinic: a time every booking rule accepts."""
    return at(1, hh, mm)


def next_clinic_day() -> date:
    """Return the first day after today that the week agenda shows (not a Sunday)."""
    day = in_days(1)
    return day + timedelta(days=1) if day.weekday() == 6 else day


# --- login ------------------------------------------------------------------------


def login(client: Client, username: str, password: str, **extra):
    """Log in through the login page, as a browser does, and return the response.

    django-axes needs the request in authenticate(), which Client.login() does not
    pass; posting the form counts failures and lockouts as in real life.
    """
    data = {"username": username, "password": password, **extra}
    return client.post(reverse("login"), data)


# --- PDF ---------------------------------------------------------------------------


def pdf_pages(data: bytes) -> list[str]:
    """Return the text of each page, line breaks and runs of spaces as one space.

    Where the PDF breaks a line depends on fonts and widths; the tests look
    for words and phrases, not for the layout.
    """
    reader = PdfReader(io.BytesIO(data))
    return [" ".join(page.extract_text().split()) for page in reader.pages]


def pdf_text(data: bytes) -> str:
    """Return the whole PDF's text as `pdf_pages` gives it, pages joined by a space."""
    return " ".join(pdf_pages(data))


def shipped_instrument():
    """The clinic's symptom questionnaire, as its data migration installs it.

    A test on a transactional database empties every table when it ends, the
    migration's rows included; whichever test runs after one finds the
    instrument again here.
    """
    from outcomes.models import Instrument, InstrumentItem
    from outcomes.seed import install

    return install(Instrument, InstrumentItem)
