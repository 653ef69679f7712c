"""The consents in force for a session, for the session form."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django import template

from consent.selectors import treatment_consents

register = template.Library()


@register.simple_tag
def consents_in_force(patient: Any, at: datetime | None = None) -> dict[str, Any]:
    """Return the patient's liquid and foam consents in force at `at` (now)."""
    return treatment_consents(patient, at if isinstance(at, datetime) else None)
