"""The shipped instrument: the clinic's own open symptom score.

Five symptoms of the kind the varicose vein registries ask about
(heaviness, aching, swelling, throbbing, itching), each 0-5 over the last
two weeks; their sum (0-25) is the score. Two further items, the appearance
of the leg veins and the impact on work or daily activities, are asked on
the same 0-5 scale and reported beside the score, not added to it. The
instrument defines no clinically meaningful change, so none is stored.
"""

from __future__ import annotations

from typing import Any

CODE = "sclero-symptoms"

SEVERITY = [
    {"value": 0, "en": "Not at all", "it": "Per niente"},
    {"value": 1, "en": "Very mildly", "it": "Molto lievemente"},
    {"value": 2, "en": "Mildly", "it": "Lievemente"},
    {"value": 3, "en": "Moderately", "it": "Moderatamente"},
    {"value": 4, "en": "Severely", "it": "Molto"},
    {"value": 5, "en": "Very severely", "it": "Moltissimo"},
]

INSTRUMENT: dict[str, Any] = {
    "code": CODE,
    "name_en": "Leg vein symptom score",
    "name_it": "Punteggio dei sintomi delle vene delle gambe",
    "intro_en": (
        "These questions are about your legs over the last two weeks. "
        "Choose one answer for each question. There are no right or wrong "
        "answers."
    ),
    "intro_it": (
        "Queste domande riguardano le sue gambe nelle ultime due settimane. "
        "Scelga una risposta per ogni domanda. Non ci sono risposte giuste o "
        "sbagliate."
    ),
    "version": "1",
    "licence": (
        "The clinic's own questionnaire, free to use. It defines no "
        "clinically meaningful change."
    ),
    "lower_is_better": True,
    "meaningful_change": None,
    "scheduled": True,
}

ITEMS: list[dict[str, Any]] = [
    {
        "key": "heaviness",
        "text_en": "How much did heaviness in your legs bother you?",
        "text_it": "Quanto l'ha disturbata la pesantezza alle gambe?",
        "scored": True,
    },
    {
        "key": "aching",
        "text_en": "How much did aching in your legs bother you?",
        "text_it": "Quanto l'ha disturbata il dolore alle gambe?",
        "scored": True,
    },
    {
        "key": "swelling",
        "text_en": "How much did swelling of your legs or ankles bother you?",
        "text_it": "Quanto l'ha disturbata il gonfiore delle gambe o delle caviglie?",
        "scored": True,
    },
    {
        "key": "throbbing",
        "text_en": "How much did throbbing in your legs bother you?",
        "text_it": "Quanto l'ha disturbata la sensazione di pulsazione alle gambe?",
        "scored": True,
    },
    {
        "key": "itching",
        "text_en": "How much did itching of your legs bother you?",
        "text_it": "Quanto l'ha disturbata il prurito alle gambe?",
        "scored": True,
    },
    {
        "key": "appearance",
        "text_en": "How much did the appearance of your leg veins bother you?",
        "text_it": "Quanto l'ha disturbata l'aspetto delle vene delle gambe?",
        "scored": False,
    },
    {
        "key": "work",
        "text_en": (
            "How much did your leg symptoms limit your work or your daily activities?"
        ),
        "text_it": (
            "Quanto i disturbi alle gambe hanno limitato il suo lavoro o le "
            "sue attività quotidiane?"
        ),
        "scored": False,
    },
]


def install(instrument_model: Any, item_model: Any) -> Any:
    """Create (or leave as it is) the shipped instrument and its items."""
    fields = dict(INSTRUMENT)
    code = fields.pop("code")
    instrument, created = instrument_model.objects.get_or_create(
        code=code, defaults=fields
    )
    if created:
        for position, item in enumerate(ITEMS, start=1):
            item_model.objects.create(
                instrument=instrument,
                position=position,
                choices=SEVERITY,
                required=True,
                **item,
            )
    return instrument
