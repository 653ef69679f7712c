"""Template helpers for the appointment slip (no queries)."""

from __future__ import annotations

from django import template

from treatments import slip

register = template.Library()


@register.filter
def can_print_slip(visit) -> bool:
    """True when the visit gets an appointment slip (see treatments.slip)."""
    return slip.can_print_slip(visit)
