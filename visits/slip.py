"""What goes on a patient's appointment slip, in the patient's language.

The slip is what the front desk hands over at booking: when, how long, what
for, with whom, what to bring and how to cancel or move the visit. Nothing
clinical beyond that. Call these inside `translation.override(language)`.
"""

from __future__ import annotations

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from clinics.selectors import letterhead_of, several_sites
from core import roles
from core.models import Letterhead
from treatments.choices import Compression
from visits.models import FollowUpVisit, VisitStatus


def refusal_message(visit: FollowUpVisit) -> str:
    """Say why the visit has no slip (it is cancelled, no-show or over)."""
    if visit.status == VisitStatus.CANCELLED:
        return _("This visit was cancelled: there is no appointment slip to print.")
    if visit.status == VisitStatus.NO_SHOW:
        return _(
            "This visit was marked as a no-show: there is no appointment slip to print."
        )
    return _(
        "This visit has already taken place: there is no appointment slip to print."
    )


def follows_compression(visit: FollowUpVisit) -> bool:
    """True when the visit follows a (not voided) session with compression."""
    session = visit.session
    return (
        session is not None
        and not session.is_voided
        and session.compression != Compression.NONE
    )


def things_to_bring(visit: FollowUpVisit) -> list[str]:
    """Return what the patient should bring or wear, in the active language."""
    items = []
    if follows_compression(visit):
        items.append(_("Your compression stocking."))
    items.append(_("Wear loose clothing: we will need to see your legs."))
    return items


def duration_text(visit: FollowUpVisit) -> str:
    return ngettext("%(minutes)d minute", "%(minutes)d minutes", visit.duration_min) % {
        "minutes": visit.duration_min
    }


def clinic_phone(letterhead: Letterhead) -> str:
    return letterhead.phone or letterhead.emergency_phone


def slip_context(visit: FollowUpVisit, letterhead: Letterhead | None = None) -> dict:
    """Return the template context of one slip (strings in the active language).

    The letterhead is the visit's site's (else the clinic's); a clinic with
    several sites also prints where: the site's name, address and phone.
    """
    site = visit.site
    letterhead = letterhead or letterhead_of(site)
    show_site = several_sites()
    return {
        "visit": visit,
        "patient": visit.patient,
        "letterhead": letterhead,
        "site": site if show_site else None,
        "clinician_label": roles.clinician_label(visit.clinician),
        "duration": duration_text(visit),
        "bring": things_to_bring(visit),
        "phone": (show_site and site.phone) or clinic_phone(letterhead),
    }
