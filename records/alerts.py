"""The alert header of the patient page, worked out with the timeline.

Screening answers and what is not known (clinical users only), the age of
the last Doppler, the next appointment. build_timeline() passes the last
Doppler and the next visit it found in the whole history.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from core.clock import months_between
from doppler.models import DopplerAssessment
from patients.models import Patient
from patients.screening import (
    NO_COMPRESSION,
    compression_advice,
    compression_limit,
    contraindications,
    never_screened,
    unasked,
)
from visits.models import FollowUpVisit


@dataclass
class Alert:
    level: str  # "danger", "warning", "info", "secondary"
    text: str
    kind: str  # "allergy", "contraindication", "doppler", "appointment"


def doppler_age_text(assessed_on: date, today: date) -> str:
    months = months_between(assessed_on, today)
    if months >= 1:
        return ngettext(
            "Last Doppler %(n)d month ago", "Last Doppler %(n)d months ago", months
        ) % {"n": months}
    days = (today - assessed_on).days
    return ngettext(
        "Last Doppler %(n)d day ago", "Last Doppler %(n)d days ago", days
    ) % {"n": days}


def _screening_alerts(patient: Patient) -> list[Alert]:
    """The screening part of the header (clinical users only).

    Answers yes first (absolute: danger, relative: warning), the compression
    a low ankle-brachial index allows, the allergy notes; then what is not
    known: "Screening not done" when no question was ever answered, else the
    absolute questions not asked (warning) and how many relative ones are
    not asked. Green only when every question is answered and none is yes.
    The day the questions were last asked goes with any answered screening.
    """
    alerts: list[Alert] = []
    allergy_yes = False
    for item in contraindications(patient):
        is_allergy = item.field == "sclerosant_allergy"
        allergy_yes |= is_allergy
        text = item.message
        if is_allergy and patient.allergy_notes:
            text = f"{text} {patient.allergy_notes}"
        alerts.append(
            Alert(
                "danger" if item.is_absolute else "warning",
                text,
                "allergy" if is_allergy else "contraindication",
            )
        )
    advice = compression_advice(patient)
    if advice:
        level = "danger" if compression_limit(patient) == NO_COMPRESSION else "warning"
        alerts.append(Alert(level, advice, "compression"))
    if patient.allergy_notes and not allergy_yes:
        alerts.append(
            Alert(
                "warning",
                _("Allergies: %(notes)s") % {"notes": patient.allergy_notes},
                "allergy",
            )
        )
    if never_screened(patient):
        alerts.append(Alert("warning", _("Screening not done"), "screening"))
        return alerts
    missing = unasked(patient)
    absolute = [item.label for item in missing if item.is_absolute]
    relative = len(missing) - len(absolute)
    if absolute:
        alerts.append(
            Alert(
                "warning",
                _("Not asked: %(questions)s") % {"questions": "; ".join(absolute)},
                "screening",
            )
        )
    if relative:
        alerts.append(
            Alert(
                "secondary",
                ngettext(
                    "%(n)d relative question not asked",
                    "%(n)d relative questions not asked",
                    relative,
                )
                % {"n": relative},
                "screening",
            )
        )
    if not alerts:
        alerts.append(
            Alert(
                "success",
                _("No allergy or contraindication recorded"),
                "contraindication",
            )
        )
    asked_on = patient.screening_asked_on
    alerts.append(
        Alert(
            "secondary",
            _("Screening asked %(date)s") % {"date": asked_on.isoformat()}
            if asked_on
            else _("Screening date not recorded"),
            "screening",
        )
    )
    return alerts


def build_alerts(
    patient: Patient,
    last_doppler: DopplerAssessment | None,
    next_visit: FollowUpVisit | None,
    today: date,
    clinical: bool,
) -> list[Alert]:
    alerts: list[Alert] = []
    if clinical:
        alerts.extend(_screening_alerts(patient))
    if last_doppler is None:
        alerts.append(Alert("warning", _("No Doppler on file"), "doppler"))
    else:
        recent = last_doppler.is_recent(today)
        alerts.append(
            Alert(
                "secondary" if recent else "warning",
                doppler_age_text(last_doppler.assessed_on, today),
                "doppler",
            )
        )
    if next_visit is not None:
        when = timezone.localtime(next_visit.starts_at)
        alerts.append(
            Alert(
                "info",
                _("Next appointment: %(when)s, %(purpose)s with %(who)s")
                % {
                    "when": when.strftime("%Y-%m-%d %H:%M"),
                    "purpose": next_visit.get_purpose_display().lower(),
                    "who": next_visit.clinician.get_full_name()
                    or next_visit.clinician.get_username(),
                },
                "appointment",
            )
        )
    else:
        alerts.append(Alert("secondary", _("No appointment booked"), "appointment"))
    return alerts
