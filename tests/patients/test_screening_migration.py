"""The tick boxes become answers: ticked is yes, unticked is not asked, never no."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from django.db import connection
from django.db.migrations.loader import MigrationLoader

FIRST = ("patients", "0005_screening_answer_columns")
LAST = ("patients", "0007_screening_questions")
TICKS = [
    "sclerosant_allergy",
    "acute_thrombosis",
    "immobility",
    "known_pfo",
    "pregnant_or_breastfeeding",
    "previous_dvt_pe",
    "thrombophilia",
    "anticoagulants",
    "migraine_with_aura",
]
NEW = [
    "infection",
    "severe_pad",
    "superficial_thrombophlebitis",
    "active_cancer",
    "poor_general_health",
    "allergic_predisposition",
]


def before_answers() -> list[tuple[str, str]]:
    """The migrations the answers start from (the tick-box schema)."""
    return sorted(
        node.key for node in MigrationLoader(connection).graph.node_map[FIRST].parents
    )


def make_old_patient(state, chart: str, **ticks):
    patient = state.apps.get_model("patients", "Patient").objects.create(
        chart_number=chart,
        first_name="Maria",
        last_name="Esposito",
        date_of_birth=date(1970, 5, 17),
        sex="F",
        **ticks,
    )
    values = {
        f.attname: getattr(patient, f.attname) for f in patient._meta.concrete_fields
    }
    state.apps.get_model("patients", "HistoricalPatient").objects.create(
        **values, history_date=datetime(2026, 3, 2, 9, 30, tzinfo=UTC), history_type="+"
    )
    return patient.pk


@pytest.mark.django_db(transaction=True)
def test_ticks_become_yes_and_unticked_boxes_not_asked(migrator):
    old = migrator.apply_initial_migration(before_answers())
    ticked = make_old_patient(
        old, "SC-000001", sclerosant_allergy=True, migraine_with_aura=True
    )
    unticked = make_old_patient(old, "SC-000002")

    new = migrator.apply_tested_migration([LAST])
    for name in ("Patient", "HistoricalPatient"):
        model = new.apps.get_model("patients", name)
        first = model.objects.get(id=ticked)
        assert (first.sclerosant_allergy, first.migraine_with_aura) == ("yes", "yes"), (
            name
        )
        others = [
            f
            for f in TICKS + NEW
            if f not in {"sclerosant_allergy", "migraine_with_aura"}
        ]
        assert {getattr(first, f) for f in others} == {""}, name
        second = model.objects.get(id=unticked)
        assert {getattr(second, f) for f in TICKS + NEW} == {""}, name
        assert (second.screening_asked_on, second.ankle_brachial_index) == (None, None)

    # And back: only yes was a tick.
    reverted = migrator.apply_tested_migration(before_answers())
    model = reverted.apps.get_model("patients", "Patient")
    first = model.objects.get(id=ticked)
    assert first.sclerosant_allergy is True and first.migraine_with_aura is True
    assert first.thrombophilia is False
    assert not any(getattr(model.objects.get(id=unticked), f) for f in TICKS)
