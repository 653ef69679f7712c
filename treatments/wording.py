"""The compression prescribed at a session, in words.

For the session's record and card, the timeline and the aftercare sheet
(TreatmentSession's stocking_summary(), stocking_pressure() and
compression_summary() return these).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.utils.translation import gettext, ngettext

from treatments.choices import CLASS_PRESSURE_MMHG, Compression

if TYPE_CHECKING:
    from treatments.models import TreatmentSession


def stocking_summary(session: TreatmentSession) -> str:
    """Return the stocking in words: "class 2 thigh-high stocking for 14 days"."""
    strength = ""
    if session.stocking_class and session.stocking_mmhg:
        strength = gettext("class %(cls)s (%(mmhg)s mmHg)") % {
            "cls": session.stocking_class,
            "mmhg": session.stocking_mmhg,
        }
    elif session.stocking_class:
        strength = gettext("class %(cls)s") % {"cls": session.stocking_class}
    elif session.stocking_mmhg:
        strength = gettext("%(mmhg)s mmHg") % {"mmhg": session.stocking_mmhg}
    words = " ".join(
        part for part in [strength, str(session.get_stocking_length_display())] if part
    )
    days = session.stocking_days or 0
    return ngettext(
        "%(stocking)s stocking for %(days)d day",
        "%(stocking)s stocking for %(days)d days",
        days,
    ) % {"stocking": words, "days": days}


def stocking_pressure(session: TreatmentSession) -> str:
    """Return the stocking's pressure: as prescribed in mmHg, else its
    class's range ("23–32 mmHg"); empty when neither is set."""
    if session.stocking_mmhg:
        return gettext("%(mmhg)s mmHg") % {"mmhg": session.stocking_mmhg}
    if session.stocking_class in CLASS_PRESSURE_MMHG:
        return gettext("%(mmhg)s mmHg") % {
            "mmhg": CLASS_PRESSURE_MMHG[session.stocking_class]
        }
    return ""


def compression_summary(session: TreatmentSession) -> str:
    """Return the compression prescribed in words, for the record and the sheet."""
    if session.compression == Compression.STOCKING:
        text = stocking_summary(session)
        return text[:1].upper() + text[1:]
    if session.compression == Compression.BANDAGE_THEN_STOCKING:
        days = session.bandage_days or 0
        return ngettext(
            "Bandage for %(days)d day, then %(stocking)s",
            "Bandage for %(days)d days, then %(stocking)s",
            days,
        ) % {"days": days, "stocking": stocking_summary(session)}
    return gettext("No compression")
