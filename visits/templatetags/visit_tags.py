"""Display helpers for follow-up visits (no queries)."""

from __future__ import annotations

from django import template

from visits.models import AdverseEvent, VisitStatus

register = template.Library()

_STATUS_CLASS: dict[str, str] = {
    VisitStatus.SCHEDULED: "text-bg-primary",
    VisitStatus.ARRIVED: "text-bg-warning",
    VisitStatus.COMPLETED: "text-bg-success",
    VisitStatus.CANCELLED: "text-bg-secondary",
    VisitStatus.NO_SHOW: "text-bg-danger",
}


@register.filter
def visit_status_class(status: str) -> str:
    return _STATUS_CLASS.get(status, "text-bg-light")


@register.filter
def adverse_event_labels(values) -> list[str]:
    """Return the labels of a visit's adverse_events list."""
    labels = dict(AdverseEvent.choices)
    return [str(labels.get(v, v)) for v in values or []]
