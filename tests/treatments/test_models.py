"""Derived values and database constraints of sessions and injections."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from tests.conftest import make_injection, make_session
from treatments.choices import Agent, Compression, Form, Gas, VesselType
from treatments.dosing import max_polidocanol_mg, totals_of
from treatments.models import Injection, TreatmentSession


def _injection(**overrides) -> Injection:
    fields = {
        "leg": "R",
        "site": "thigh",
        "vessel_type": VesselType.RETICULAR,
        "agent": Agent.POLIDOCANOL,
        "concentration_pct": Decimal("1"),
        "form": Form.LIQUID,
        "volume_ml": Decimal("1.00"),
    }
    fields.update(overrides)
    return Injection(**fields)


def test_foam_1_plus_4_holds_one_fifth_liquid():
    foam = _injection(
        form=Form.FOAM, gas=Gas.AIR, gas_parts=Decimal("4"), volume_ml=Decimal("5")
    )
    assert foam.liquid_ml == Decimal("1.000")
    assert foam.dose_mg == Decimal("10.00")  # 1 % x 10 mg/mL x 1 mL


def test_liquid_volume_is_all_liquid_and_dose_is_pct_times_10_times_ml():
    liquid = _injection(concentration_pct=Decimal("3"), volume_ml=Decimal("4.00"))
    assert liquid.liquid_ml == Decimal("4.00")
    assert liquid.dose_mg == Decimal("120.00")


def test_foam_1_plus_3_liquid_is_rounded_to_a_thousandth():
    foam = _injection(
        form=Form.FOAM,
        gas=Gas.CO2,
        gas_parts=Decimal("3"),
        volume_ml=Decimal("2.00"),
        concentration_pct=Decimal("0.5"),
    )
    assert foam.liquid_ml == Decimal("0.500")
    assert foam.dose_mg == Decimal("2.50")


def test_totals_per_agent_foam_total_and_voided_rows_skipped():
    from django.utils import timezone

    rows = [
        _injection(
            concentration_pct=Decimal("0.5"), volume_ml=Decimal("2")
        ),  # POL 10 mg
        _injection(
            form=Form.FOAM, gas=Gas.AIR, gas_parts=Decimal("4"), volume_ml=Decimal("5")
        ),
        _injection(
            agent=Agent.STS, concentration_pct=Decimal("0.2"), volume_ml=Decimal("1")
        ),
        _injection(volume_ml=Decimal("9"), voided_at=timezone.now()),
    ]
    totals = totals_of(rows)
    assert totals.injections == 3
    assert totals.mg_by_agent == {
        Agent.POLIDOCANOL: Decimal("20.00"),
        Agent.STS: Decimal("2.00"),
    }
    assert totals.ml_by_agent[Agent.POLIDOCANOL] == Decimal("7")
    assert totals.foam_ml == Decimal("5")
    assert totals.volume_ml == Decimal("8")
    assert totals.liquid_ml == Decimal("4.000")
    assert totals.per_agent()[0][1:] == (Decimal("7"), Decimal("20.00"))
    assert str(totals.per_agent()[1][0]) == "Sodium tetradecyl sulfate"


def test_polidocanol_limit_is_two_mg_per_kg():
    assert max_polidocanol_mg(Decimal("60.0")) == Decimal("120.00")
    assert max_polidocanol_mg(Decimal("72.5")) == Decimal("145.00")


@pytest.mark.django_db
@pytest.mark.parametrize(
    "overrides, field",
    [
        ({"concentration_pct": Decimal("5")}, "concentration_pct"),
        (
            {"agent": Agent.GLYCERIN, "concentration_pct": Decimal("5")},
            "concentration_pct",
        ),
        ({"form": Form.FOAM}, "gas"),
        ({"form": Form.FOAM, "gas": Gas.AIR}, "gas_parts"),
        ({"gas": Gas.AIR}, "gas"),
        ({"gas_parts": Decimal("4")}, "gas_parts"),
        ({"site": "", "segment": ""}, "site"),
    ],
)
def test_injection_clean_puts_single_row_errors_on_the_field(overrides, field):
    with pytest.raises(ValidationError) as error:
        _injection(**overrides).full_clean(exclude=["session"])
    assert field in error.value.message_dict


@pytest.mark.django_db
def test_concentration_at_the_agent_bounds_is_accepted():
    _injection(concentration_pct=Decimal("3")).full_clean(exclude=["session"])
    _injection(concentration_pct=Decimal("0.1")).full_clean(exclude=["session"])
    _injection(agent=Agent.GLYCERIN, concentration_pct=Decimal("72")).full_clean(
        exclude=["session"]
    )


@pytest.mark.django_db
def test_database_refuses_foam_without_gas(patient, clinician):
    session = make_session(patient, clinician)
    with pytest.raises(IntegrityError), transaction.atomic():
        make_injection(session, form=Form.FOAM, gas="", gas_parts=None)


@pytest.mark.django_db
def test_database_refuses_liquid_with_gas(patient, clinician):
    session = make_session(patient, clinician)
    with pytest.raises(IntegrityError), transaction.atomic():
        make_injection(session, form=Form.LIQUID, gas=Gas.AIR, gas_parts=Decimal("4"))


@pytest.mark.django_db
def test_database_refuses_compression_details_that_do_not_match(patient, clinician):
    with pytest.raises(IntegrityError), transaction.atomic():
        make_session(
            patient, clinician, compression=Compression.NONE
        )  # stocking days left


@pytest.mark.parametrize(
    "fields, words",
    [
        ({"compression": Compression.NONE}, "No compression"),
        (
            {
                "compression": Compression.STOCKING,
                "stocking_class": "2",
                "stocking_length": "thigh",
                "stocking_days": 14,
            },
            "Class 2 thigh-high stocking for 14 days",
        ),
        (
            {
                "compression": Compression.STOCKING,
                "stocking_mmhg": 20,
                "stocking_days": 1,
            },
            "20 mmHg stocking for 1 day",
        ),
        (
            {
                "compression": Compression.BANDAGE_THEN_STOCKING,
                "bandage_days": 3,
                "stocking_class": "2",
                "stocking_days": 14,
            },
            "Bandage for 3 days, then class 2 stocking for 14 days",
        ),
    ],
)
def test_compression_summary_reads_as_words(fields, words):
    assert TreatmentSession(**fields).compression_summary() == words
