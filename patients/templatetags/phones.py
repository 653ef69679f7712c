"""`{{ patient.phone|phone }}`: a stored number as people read it."""

from __future__ import annotations

from django import template

from patients.phones import display_phone

register = template.Library()


@register.filter(name="phone")
def phone(value: str | None) -> str:
    """National format for the clinic's country (347 123 4567), international
    for others (+44 20 7946 0958); a number that does not parse as typed."""
    return display_phone(value)
