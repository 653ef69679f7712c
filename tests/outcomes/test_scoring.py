"""Scoring: the sum of the scored items, checked against each item's scale;
a meaningful change only where the instrument defines one."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from outcomes import scoring
from tests.helpers import shipped_instrument

pytestmark = pytest.mark.django_db

ALL = {
    "heaviness": 3,
    "aching": 2,
    "swelling": 1,
    "throbbing": 0,
    "itching": 5,
}


def _full(**extra):
    answers = dict(ALL)
    for item in shipped_instrument().items.all():
        answers.setdefault(item.key, 4)
    answers.update(extra)
    return answers


def test_the_shipped_score_sums_the_five_symptoms(instrument):
    assert scoring.score_of(instrument, _full()) == Decimal(11)
    assert scoring.score_range(instrument) == (0, 25)


def test_unscored_items_do_not_count(instrument):
    unscored = [i.key for i in instrument.items.all() if not i.scored]
    assert unscored
    low = _full(**dict.fromkeys(unscored, 0))
    high = _full(**dict.fromkeys(unscored, 5))
    assert scoring.score_of(instrument, low) == scoring.score_of(instrument, high)


def test_a_missing_scored_item_gives_no_score(instrument):
    answers = _full(heaviness=None)
    assert scoring.score_of(instrument, answers) is None
    del answers["heaviness"]
    assert scoring.score_of(instrument, answers) is None


def test_values_off_the_scale_are_refused(instrument):
    for bad in (6, -1, "x", True, 2.5):
        with pytest.raises(ValidationError) as error:
            scoring.check_answers(instrument, _full(heaviness=bad))
        assert "heaviness" in error.value.message_dict


def test_unknown_keys_and_missing_required_answers_are_refused(instrument):
    with pytest.raises(ValidationError):
        scoring.check_answers(instrument, _full(nonsense=1))
    with pytest.raises(ValidationError) as error:
        scoring.check_answers(instrument, _full(aching=None))
    assert "aching" in error.value.message_dict


def test_no_meaningful_change_for_the_shipped_score(instrument):
    assert instrument.meaningful_change is None
    change = scoring.meaningful_change_between(instrument, Decimal(20), Decimal(2))
    assert change is not None
    assert change.difference == Decimal(-18)
    assert not change.flagged


def test_meaningful_change_follows_the_direction(instrument):
    instrument.meaningful_change = Decimal(3)
    lower = scoring.meaningful_change_between(instrument, Decimal(10), Decimal(7))
    higher = scoring.meaningful_change_between(instrument, Decimal(10), Decimal(13))
    small = scoring.meaningful_change_between(instrument, Decimal(10), Decimal(8))
    assert lower and lower.meaningful == scoring.IMPROVED
    assert higher and higher.meaningful == scoring.WORSENED
    assert small and not small.flagged
    instrument.lower_is_better = False
    lower = scoring.meaningful_change_between(instrument, Decimal(10), Decimal(7))
    assert lower and lower.meaningful == scoring.WORSENED
    assert scoring.meaningful_change_between(instrument, None, Decimal(7)) is None
