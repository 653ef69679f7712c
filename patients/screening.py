"""Contraindications read from a patient's screening answers (DOMAIN.md §6.1).

Each screening question on Patient is answered yes, no or not asked (see
`patients.models.Answer`); `Patient.screening_asked_on` is the day the
questions were last asked. The European guidelines (Rabe 2014) set which
answers are absolute contraindications, which block a session, and which are
relative, shown as warnings the clinician weighs:

- `contraindications()`: the questions answered yes.
- `unasked_absolute()`: the absolute questions not asked; while there is one,
  the session form should warn and ask for the screening to be done today.
- `unasked()`, `never_screened()`, `screening_complete()`: the rest of the
  screening state, for the patient header.
- `compression_limit()` and `compression_advice()`: what a known
  ankle-brachial index allows for compression after the session.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.db import models
from django.utils.formats import localize
from django.utils.functional import Promise
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from patients.models import Answer, Patient, as_answer

ABSOLUTE = "absolute"
RELATIVE = "relative"

# Ankle-brachial index: below ABI_NO_COMPRESSION no compression at all; up to
# and including ABI_REDUCED_COMPRESSION reduced compression only.
ABI_NO_COMPRESSION = Decimal("0.5")
ABI_REDUCED_COMPRESSION = Decimal("0.8")
NO_COMPRESSION = "no_compression"
REDUCED_COMPRESSION = "reduced_compression"


@dataclass(frozen=True)
class Question:
    """One screening question: the Patient field and what a yes means."""

    field: str
    level: str
    foam_only: bool
    message: Promise  # what a yes means, as a sentence

    @property
    def is_absolute(self) -> bool:
        return self.level == ABSOLUTE

    @property
    def label(self) -> str:
        """The question as the form asks it (the field's verbose name)."""
        field = Patient._meta.get_field(self.field)
        assert isinstance(field, models.Field)
        return str(field.verbose_name)


@dataclass(frozen=True)
class Contraindication:
    """A screening question answered yes, or (from the `unasked*` functions)
    one not asked. `message` is what to show; `label` names the question."""

    level: str
    field: str
    message: str
    label: str = ""
    foam_only: bool = False

    @property
    def is_absolute(self) -> bool:
        return self.level == ABSOLUTE


# In the order the form asks them: the absolute ones, then the relative ones.
QUESTIONS: tuple[Question, ...] = (
    Question(
        "sclerosant_allergy", ABSOLUTE, False, _("Known allergy to a sclerosant.")
    ),
    Question(
        "acute_thrombosis", ABSOLUTE, False, _("Acute DVT or pulmonary embolism.")
    ),
    Question(
        "infection",
        ABSOLUTE,
        False,
        _("Local infection in the treatment area or severe systemic infection."),
    ),
    Question("immobility", ABSOLUTE, False, _("Long-lasting immobility or bed rest.")),
    Question(
        "known_pfo",
        ABSOLUTE,
        True,
        _("Symptomatic right-to-left shunt (PFO): no foam."),
    ),
    Question(
        "pregnant_or_breastfeeding", RELATIVE, False, _("Pregnant or breastfeeding.")
    ),
    Question("severe_pad", RELATIVE, False, _("Severe peripheral arterial disease.")),
    Question(
        "superficial_thrombophlebitis",
        RELATIVE,
        False,
        _("Acute superficial vein thrombosis (thrombophlebitis)."),
    ),
    Question(
        "previous_dvt_pe",
        RELATIVE,
        False,
        _("Previous DVT or PE: high thromboembolic risk."),
    ),
    Question("thrombophilia", RELATIVE, False, _("Thrombophilia.")),
    Question(
        "active_cancer",
        RELATIVE,
        False,
        _("Active cancer: high thromboembolic risk."),
    ),
    Question("anticoagulants", RELATIVE, False, _("On anticoagulants.")),
    Question("poor_general_health", RELATIVE, False, _("Poor general health.")),
    Question(
        "allergic_predisposition",
        RELATIVE,
        False,
        _("Strong predisposition to allergy."),
    ),
    Question(
        "migraine_with_aura",
        RELATIVE,
        True,
        _("Migraine with aura: foam may trigger it."),
    ),
)
QUESTION_FIELDS: tuple[str, ...] = tuple(q.field for q in QUESTIONS)


def answer(patient: Patient, field: str) -> str:
    """Return the patient's answer to one question: "yes", "no" or ""."""
    return as_answer(getattr(patient, field))


def _applies(question: Question, foam: bool) -> bool:
    return foam or not question.foam_only


def _absolute_first(items: list[Contraindication]) -> list[Contraindication]:
    return sorted(items, key=lambda c: c.level != ABSOLUTE)


def contraindications(patient: Patient, *, foam: bool = True) -> list[Contraindication]:
    """Return the questions answered yes, absolute ones first.

    `message` says what the yes means ("Known allergy to a sclerosant.").
    With foam=False the foam-only questions (right-to-left shunt, migraine)
    are left out; with foam=True (the default, used for the patient header)
    every question applies. A question not asked is never a contraindication
    here: see `unasked_absolute()`.
    """
    return _absolute_first(
        [
            Contraindication(q.level, q.field, str(q.message), q.label, q.foam_only)
            for q in QUESTIONS
            if _applies(q, foam) and answer(patient, q.field) == Answer.YES
        ]
    )


def unasked(patient: Patient, *, foam: bool = True) -> list[Contraindication]:
    """Return the questions not asked, absolute ones first.

    `message` reads "Not asked: <question>"; `label` is the question.
    """
    return _absolute_first(
        [
            Contraindication(
                q.level,
                q.field,
                gettext("Not asked: %(question)s") % {"question": q.label},
                q.label,
                q.foam_only,
            )
            for q in QUESTIONS
            if _applies(q, foam) and answer(patient, q.field) == Answer.NOT_ASKED
        ]
    )


def unasked_absolute(patient: Patient, *, foam: bool = True) -> list[Contraindication]:
    """Return the absolute questions whose answer is "not asked".

    While this list is not empty nobody knows whether the session is safe:
    the session form should warn and require "screening asked today". With
    foam=False the right-to-left shunt question is left out (it only matters
    for foam). `patient.screening_asked_on` is when the other questions were
    last asked (None: never, or not recorded).
    """
    return [item for item in unasked(patient, foam=foam) if item.is_absolute]


def never_screened(patient: Patient) -> bool:
    """Return True when no screening question has been answered yet."""
    return all(answer(patient, f) == Answer.NOT_ASKED for f in QUESTION_FIELDS)


def screening_complete(patient: Patient) -> bool:
    """Return True when every screening question is answered yes or no."""
    return all(answer(patient, f) != Answer.NOT_ASKED for f in QUESTION_FIELDS)


def compression_limit(patient: Patient) -> str | None:
    """Return what the ankle-brachial index allows for compression.

    NO_COMPRESSION below 0.5, REDUCED_COMPRESSION from 0.5 to 0.8 inclusive,
    None above 0.8 or when the index is not known.
    """
    abi = patient.ankle_brachial_index
    if abi is None:
        return None
    if abi < ABI_NO_COMPRESSION:
        return NO_COMPRESSION
    if abi <= ABI_REDUCED_COMPRESSION:
        return REDUCED_COMPRESSION
    return None


def compression_advice(patient: Patient) -> str | None:
    """Return `compression_limit()` as a sentence with the index, or None."""
    limit = compression_limit(patient)
    if limit is None:
        return None
    values = {"abi": localize(patient.ankle_brachial_index)}
    if limit == NO_COMPRESSION:
        return gettext("Ankle-brachial index %(abi)s: no compression.") % values
    return gettext("Ankle-brachial index %(abi)s: reduced compression only.") % values
