"""The iCalendar file of a visit (RFC 5545), for the patient's phone."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from django.utils import timezone
from django.utils.translation import gettext as _

from core.roles import clinician_label
from visits.models import FollowUpVisit, VisitStatus


def _ics_escape(text: str) -> str:
    """Escape a TEXT value (RFC 5545 §3.3.11)."""
    return (
        text.replace("\\", "\\\\")
        .replace(";", "\\;")
        .replace(",", "\\,")
        .replace("\r\n", "\\n")
        .replace("\n", "\\n")
        .replace("\r", "\\n")
    )


def _ics_fold(line: str) -> str:
    """Fold a content line at 75 octets, never splitting a UTF-8 character."""
    out: list[str] = []
    current = ""
    size = 0
    limit = 75
    for char in line:
        width = len(char.encode("utf-8"))
        if size + width > limit:
            out.append(current)
            current, size, limit = " ", 1, 75
        current += char
        size += width
    out.append(current)
    return "\r\n".join(out)


def _ics_utc(value: datetime) -> str:
    return value.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def visit_ics(visit: FollowUpVisit, *, clinic_name: str, location: str = "") -> str:
    """Return a one-event iCalendar file for the visit.

    The summary names only the clinic: the file ends up in the patient's
    phone calendar, which may be shared, so no clinical details go in it.
    """
    status = (
        "CANCELLED"
        if visit.status in (VisitStatus.CANCELLED, VisitStatus.NO_SHOW)
        else "CONFIRMED"
    )
    duration = timedelta(minutes=visit.duration_min)
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//Sclero Clinic//Agenda//EN",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        "BEGIN:VEVENT",
        f"UID:{visit.code}@sclero-clinic",
        f"DTSTAMP:{_ics_utc(timezone.now())}",
        f"DTSTART:{_ics_utc(visit.starts_at)}",
        f"DTEND:{_ics_utc(visit.starts_at.astimezone(UTC) + duration)}",
        f"SEQUENCE:{visit.version}",
        "SUMMARY:"
        + _ics_escape(_("Appointment at %(clinic)s") % {"clinic": clinic_name}),
        "DESCRIPTION:"
        + _ics_escape(_("With %(dr)s.") % {"dr": clinician_label(visit.clinician)}),
    ]
    if location:
        lines.append("LOCATION:" + _ics_escape(location))
    lines += [f"STATUS:{status}", "END:VEVENT", "END:VCALENDAR"]
    return "".join(_ics_fold(line) + "\r\n" for line in lines)
