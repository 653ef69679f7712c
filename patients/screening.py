"""Contraindications read from a patient's screening history (DOMAIN.md §6.1).

Absolute contraindications block a session; relative ones are shown as
warnings the clinician weighs.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from patients.models import Patient

ABSOLUTE = "absolute"
RELATIVE = "relative"


@dataclass(frozen=True)
class Contraindication:
    level: str
    field: str
    message: str

    @property
    def is_absolute(self) -> bool:
        return self.level == ABSOLUTE


# (field on Patient, level, applies only to foam, message)
_RULES = [
    ("sclerosant_allergy", ABSOLUTE, False, _("Known allergy to a sclerosant.")),
    ("acute_thrombosis", ABSOLUTE, False, _("Acute DVT or pulmonary embolism.")),
    ("immobility", ABSOLUTE, False, _("Long-lasting immobility or bed rest.")),
    ("known_pfo", ABSOLUTE, True, _("Symptomatic right-to-left shunt (PFO): no foam.")),
    ("pregnant_or_breastfeeding", RELATIVE, False, _("Pregnant or breastfeeding.")),
    (
        "previous_dvt_pe",
        RELATIVE,
        False,
        _("Previous DVT or PE: high thromboembolic risk."),
    ),
    ("thrombophilia", RELATIVE, False, _("Thrombophilia.")),
    ("anticoagulants", RELATIVE, False, _("On anticoagulants.")),
    (
        "migraine_with_aura",
        RELATIVE,
        True,
        _("Migraine with aura: foam may trigger it."),
    ),
]


def contraindications(patient: Patient, *, foam: bool = True) -> list[Contraindication]:
    """Return the patient's contraindications, absolute ones first.

    With foam=False the foam-only rules are left out; with foam=True (the
    default, used for the patient header) every rule applies.
    """
    found = [
        Contraindication(level, field, str(message))
        for field, level, foam_only, message in _RULES
        if getattr(patient, field) and (foam or not foam_only)
    ]
    return sorted(found, key=lambda c: c.level != ABSOLUTE)
