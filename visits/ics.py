"""Calendar files (RFC 5545), written with the icalendar library.

- A visit's own file, for the patient's phone: it is attached to the email
  reminder and downloadable from the visit page. The title names only the
  site: the patient's calendar may be shared, so no clinical detail goes in.
- A clinician's private feed: their visits with the times, the site and the
  purpose as title, never the patient.

icalendar writes CRLF line ends, folds lines at 75 octets without splitting a
UTF-8 character, and escapes TEXT values. Times are in UTC. SEQUENCE is the
visit's version, so a moved visit replaces the entry already in a calendar
(same UID) instead of adding a second one.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime

from django.utils import timezone, translation
from django.utils.translation import gettext as _
from icalendar import Calendar, Event

from core.roles import clinician_label
from visits.models import FollowUpVisit, VisitStatus

PRODID = "-//Sclero Clinic//Agenda//EN"
# Kept as it was before the icalendar rewrite: a patient who saved the
# visit's file earlier gets the same entry updated, not a second one.
UID_DOMAIN = "sclero-clinic"


def visit_uid(visit: FollowUpVisit) -> str:
    return f"{visit.code}@{UID_DOMAIN}"


def _one_line(text: str) -> str:
    """An address typed on several lines, as one line."""
    return ", ".join(line.strip() for line in text.splitlines() if line.strip())


def _calendar(name: str = "") -> Calendar:
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    if name:
        calendar.add("x-wr-calname", name)
    return calendar


def _event(
    visit: FollowUpVisit, *, summary: str, location: str, stamp: datetime
) -> Event:
    event = Event()
    event.add("uid", visit_uid(visit))
    event.add("dtstamp", stamp.astimezone(UTC))
    event.add("dtstart", visit.starts_at.astimezone(UTC))
    event.add("dtend", visit.ends_at.astimezone(UTC))
    event.add("sequence", visit.version)
    event.add("summary", summary)
    if location:
        event.add("location", location)
    cancelled = visit.status in (VisitStatus.CANCELLED, VisitStatus.NO_SHOW)
    event.add("status", "CANCELLED" if cancelled else "CONFIRMED")
    return event


def visit_calendar(visit: FollowUpVisit) -> Calendar:
    """The visit's calendar for its patient, in the patient's language."""
    with translation.override(visit.patient.language):
        event = _event(
            visit,
            summary=_("Visit at %(site)s") % {"site": visit.site.name},
            location=_one_line(visit.site.address),
            stamp=timezone.now(),
        )
        event.add(
            "description",
            _("With %(dr)s.") % {"dr": clinician_label(visit.clinician)},
        )
    calendar = _calendar()
    calendar.add_component(event)
    return calendar


def visit_calendar_bytes(visit: FollowUpVisit) -> bytes:
    """The visit's .ics file for its patient (UTF-8, CRLF, folded)."""
    return visit_calendar(visit).to_ical()


def feed_title(visit: FollowUpVisit) -> str:
    """A feed entry's title: the purpose, never the patient."""
    return str(visit.get_purpose_display()) or _("Visit")


def feed_calendar_bytes(visits: Iterable[FollowUpVisit], *, name: str) -> bytes:
    """A clinician's feed: one event per visit with only the times, the site
    and the purpose (in the active language)."""
    calendar = _calendar(name)
    stamp = timezone.now()
    for visit in visits:
        # The site's name first: a clinician working at several sees where.
        where = _one_line(f"{visit.site.name}\n{visit.site.address}")
        event = _event(visit, summary=feed_title(visit), location=where, stamp=stamp)
        calendar.add_component(event)
    return calendar.to_ical()
