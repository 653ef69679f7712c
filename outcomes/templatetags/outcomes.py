from __future__ import annotations

from decimal import Decimal

from django import template

from outcomes.selectors import score_text

register = template.Library()


@register.filter
def score(value: Decimal | None) -> str:
    return score_text(value)


@register.filter
def signed_score(value: Decimal | None) -> str:
    if value is None:
        return "—"
    text = score_text(abs(value))
    if value > 0:
        return f"+{text}"
    if value < 0:
        return f"−{text}"
    return "0"
