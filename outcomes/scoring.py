"""Scoring a questionnaire: the sum of its scored items.

`check_answers` validates each answer against its item's scale (an unknown
key or a value off the scale is refused, a required item left empty is
refused); `score_of` sums the scored items and gives None when a required
scored item is unanswered (a score from fewer items would not compare with
the others). An unanswered optional scored item counts as missing too: the
sum would otherwise understate the symptoms.

`meaningful_change_between` flags a change only where the instrument stores
its own clinically meaningful change; the shipped symptom score defines
none, so no change of it is ever flagged.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from outcomes.models import Instrument, InstrumentItem

# Answers by item key: integers (or their text, from a form); None: unanswered.
Answers = Mapping[str, Any]

IMPROVED = "improved"
WORSENED = "worsened"


def _items(
    instrument: Instrument, items: Iterable[InstrumentItem] | None
) -> list[InstrumentItem]:
    if items is None:
        return list(instrument.items.all())
    return list(items)


def check_answers(
    instrument: Instrument,
    answers: Answers,
    *,
    items: Iterable[InstrumentItem] | None = None,
    require: bool = True,
) -> dict[str, int | None]:
    """The answers, each checked against its item's scale; a ValidationError
    keyed by item key lists every problem. With `require`, a required item
    left empty is a problem."""
    listed = _items(instrument, items)
    by_key = {item.key: item for item in listed}
    errors: dict[str, list[str]] = {}
    for key in answers:
        if key not in by_key:
            errors.setdefault("__all__", []).append(
                _("“%(key)s” is not a question of this questionnaire.") % {"key": key}
            )
    clean: dict[str, int | None] = {}
    for item in listed:
        raw = answers.get(item.key)
        if raw is None or raw == "":
            if require and item.required:
                errors[item.key] = [_("Please choose an answer.")]
            clean[item.key] = None
            continue
        try:
            if isinstance(raw, bool) or (
                isinstance(raw, float) and not raw.is_integer()
            ):
                raise ValueError(raw)
            value = int(raw)
        except (TypeError, ValueError):
            errors[item.key] = [_("Choose one of the answers shown.")]
            continue
        if value not in item.values():
            errors[item.key] = [_("Choose one of the answers shown.")]
            continue
        clean[item.key] = value
    if errors:
        raise ValidationError(errors)
    return clean


def score_of(
    instrument: Instrument,
    answers: Answers,
    *,
    items: Iterable[InstrumentItem] | None = None,
) -> Decimal | None:
    """The sum of the scored items, or None when a scored item is unanswered
    (or there is no scored item). Values are checked against the scale."""
    listed = _items(instrument, items)
    clean = check_answers(instrument, answers, items=listed, require=False)
    scored = [item for item in listed if item.scored]
    if not scored:
        return None
    total = Decimal(0)
    for item in scored:
        value = clean.get(item.key)
        if value is None:
            return None
        total += value
    return total


def score_range(
    instrument: Instrument, *, items: Iterable[InstrumentItem] | None = None
) -> tuple[int, int]:
    """The lowest and highest score the instrument can give."""
    scored = [item for item in _items(instrument, items) if item.scored]
    low = sum(min(item.values(), default=0) for item in scored)
    high = sum(max(item.values(), default=0) for item in scored)
    return low, high


@dataclass(frozen=True)
class Change:
    """A score's change from an earlier one: the difference (after minus
    before) and, where the instrument defines a meaningful change and the
    difference reaches it, whether it is an improvement or a worsening."""

    difference: Decimal
    meaningful: str | None

    @property
    def flagged(self) -> bool:
        return self.meaningful is not None


def meaningful_change_between(
    instrument: Instrument, before: Decimal | None, after: Decimal | None
) -> Change | None:
    """The change from `before` to `after` (None when either is missing).
    Flagged only when the instrument stores `meaningful_change` and the
    difference reaches it, in the direction `lower_is_better` says."""
    if before is None or after is None:
        return None
    difference = Decimal(after) - Decimal(before)
    threshold = instrument.meaningful_change
    meaningful: str | None = None
    if threshold is not None and threshold > 0 and abs(difference) >= threshold:
        better = difference < 0 if instrument.lower_is_better else difference > 0
        meaningful = IMPROVED if better else WORSENED
    return Change(difference=difference, meaningful=meaningful)
