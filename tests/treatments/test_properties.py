"""Property-based checks (Hypothesis) of the dose arithmetic, the limit checks
and the decimal parsing: no input in the allowed ranges gives a total that
differs from an exact rational computation, and no input raises anything but
a ValidationError."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from types import SimpleNamespace

import pytest
from django.core.exceptions import ValidationError
from hypothesis import given, settings
from hypothesis import strategies as st

from core.forms import DecimalInputField
from treatments.choices import Agent, Form
from treatments.dosing import (
    MAX_FOAM_ML_PER_SESSION,
    MAX_STS_LIQUID_ML_PER_DAY,
    dose_mg,
    liquid_ml,
    max_polidocanol_mg,
    totals_of,
)
from treatments.review import SessionReview, _limit_problems

PROFILE = settings(max_examples=150, deadline=None)


def decimals(low: str, high: str, places: int) -> st.SearchStrategy[Decimal]:
    return st.decimals(
        min_value=Decimal(low),
        max_value=Decimal(high),
        places=places,
        allow_nan=False,
        allow_infinity=False,
    )


def exact(value: Fraction, places: str) -> Decimal:
    """Round an exact rational half-up to `places` (e.g. "0.001")."""
    quantum = Fraction(Decimal(places))
    steps = value / quantum
    whole = int(steps)
    if steps - whole >= Fraction(1, 2):
        whole += 1
    return (Decimal(whole) * Decimal(places)).quantize(Decimal(places))


injection = st.builds(
    lambda agent, form, pct, volume, gas: SimpleNamespace(
        agent=agent,
        form=form,
        concentration_pct=pct,
        volume_ml=volume,
        gas_parts=gas if form == Form.FOAM else None,
        voided_at=None,
        liquid_ml=liquid_ml(volume, form, gas if form == Form.FOAM else None),
        dose_mg=dose_mg(
            pct, liquid_ml(volume, form, gas if form == Form.FOAM else None)
        ),
    ),
    st.sampled_from([Agent.POLIDOCANOL, Agent.STS]),
    st.sampled_from([Form.LIQUID, Form.FOAM]),
    decimals("0.10", "3.00", 2),
    decimals("0.01", "20.00", 2),
    decimals("1.0", "8.0", 1),
)


@PROFILE
@given(
    volume=decimals("0.01", "20.00", 2),
    gas=decimals("1.0", "8.0", 1),
    pct=decimals("0.10", "3.00", 2),
)
def test_liquid_and_dose_match_exact_arithmetic(volume, gas, pct):
    liquid = exact(Fraction(volume) / (1 + Fraction(gas)), "0.001")
    assert liquid_ml(volume, Form.FOAM, gas) == liquid
    assert liquid_ml(volume, Form.LIQUID, None) == volume
    assert dose_mg(pct, liquid) == exact(Fraction(pct) * 10 * Fraction(liquid), "0.01")


@PROFILE
@given(st.lists(injection, min_size=1, max_size=12))
def test_totals_are_the_exact_sums_of_the_rows(rows):
    totals = totals_of(rows)
    assert totals.volume_ml == sum(r.volume_ml for r in rows)
    assert totals.foam_ml == sum(r.volume_ml for r in rows if r.form == Form.FOAM)
    assert totals.polidocanol_mg == sum(
        (r.dose_mg for r in rows if r.agent == Agent.POLIDOCANOL), Decimal("0")
    )
    assert totals.sts_liquid_ml == sum(
        (r.liquid_ml for r in rows if r.agent == Agent.STS), Decimal("0")
    )


@PROFILE
@given(st.lists(injection, min_size=1, max_size=12), decimals("25.0", "250.0", 1))
def test_a_limit_is_reported_exactly_when_it_is_exceeded(rows, weight):
    totals = totals_of(rows)
    review = SessionReview(
        totals=totals, weight_kg=weight, polidocanol_limit_mg=max_polidocanol_mg(weight)
    )
    problems = " ".join(_limit_problems(review))
    limit = (weight * 2).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    assert ("Polidocanol" in problems) == (totals.polidocanol_mg > limit)
    assert ("Foam" in problems) == (totals.foam_ml > MAX_FOAM_ML_PER_SESSION)
    assert ("Sodium tetradecyl" in problems) == (
        totals.sts_liquid_ml > MAX_STS_LIQUID_ML_PER_DAY
    )


@PROFILE
@given(value=decimals("0.00", "999.99", 2), separator=st.sampled_from([",", "."]))
def test_comma_and_dot_parse_to_the_same_decimal(value, separator):
    field = DecimalInputField(max_digits=5, decimal_places=2, required=False)
    text = f"{value:.2f}".replace(".", separator)
    assert field.clean(text) == value


@PROFILE
@given(st.text(max_size=40))
def test_any_text_is_a_number_or_a_field_error(text):
    field = DecimalInputField(
        max_digits=5,
        decimal_places=2,
        required=False,
        min_value=Decimal("0.01"),
        max_value=Decimal("20"),
    )
    try:
        field.clean(text)
    except ValidationError:
        pass


@pytest.mark.parametrize(
    ("text", "value"), [("0,3", "0.3"), (" 1,5 ", "1.5"), ("62.5", "62.5")]
)
def test_examples_from_the_clinic(text, value):
    field = DecimalInputField(max_digits=5, decimal_places=2)
    assert field.clean(text) == Decimal(value)
