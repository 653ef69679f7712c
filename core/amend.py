"""Corrections to a signed record, and who may change another's record.

A correction's addendum keeps what changed as the record showed it, in
words: [{field, label, old, new}]. `snapshot()` reads a record's fields as
shown to people (choices by their label, dates in clinic time, yes/no), and
`changes_between()` lists what differs between two snapshots. Child rows
(injections, Doppler findings) are given to the snapshot as extra keyed
entries by the app that owns them.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext as _

from core.validators import validate_reason

# One entry of a snapshot: key -> (label, value in words).
Snapshot = dict[str, tuple[str, str]]


def display_value(instance: models.Model, name: str) -> str:
    """Return a field's value as the record page shows it."""
    field = instance._meta.get_field(name)
    if isinstance(field, models.ForeignKey):
        related = getattr(instance, name)
        if related is None:
            return "—"
        if hasattr(related, "get_full_name"):
            return related.get_full_name() or related.get_username()
        when = getattr(related, "assessed_on", None)
        return when.isoformat() if when else str(related)
    value = getattr(instance, name)
    if getattr(field, "choices", None):
        labels = dict(field.flatchoices)  # type: ignore[union-attr]
        if value in (None, ""):
            return "—"
        return str(labels.get(value, value))
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if value is None or value == "":
        return "—"
    if isinstance(value, datetime):
        return timezone.localtime(value).strftime("%Y-%m-%d %H:%M")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")
    return str(value)


def snapshot(
    instance: models.Model,
    names: Iterable[str],
    extra: Mapping[str, tuple[str, str]] | None = None,
) -> Snapshot:
    """Return the record's fields `names` in words, plus `extra` entries."""
    values: Snapshot = {}
    for name in names:
        field = instance._meta.get_field(name)
        label = str(getattr(field, "verbose_name", name))
        values[name] = (label[:1].upper() + label[1:], display_value(instance, name))
    values.update(extra or {})
    return values


def changes_between(before: Snapshot, after: Snapshot) -> list[dict[str, str]]:
    """Return what differs, in the order of `after` then what `after` lost."""
    changes = []
    for key, (label, new) in after.items():
        old = before.get(key, (label, "—"))[1]
        if old != new:
            changes.append({"field": key, "label": label, "old": old, "new": new})
    for key, (label, old) in before.items():
        if key not in after:
            changes.append({"field": key, "label": label, "old": old, "new": "—"})
    return changes


def clean_amend_reason(reason: str, *, field: str = "amend_reason") -> str:
    """Return the stripped reason, or raise a ValidationError on `field`."""
    text = (reason or "").strip()
    if not text:
        raise ValidationError(
            {field: [_("Give the reason for this change: it goes in the addendum.")]}
        )
    try:
        validate_reason(text)
    except ValidationError as error:
        raise ValidationError({field: error.messages}) from None
    return text


def as_of(history: Any, moment: datetime) -> Any:
    """Return the history row of a record current at `moment`, or None."""
    return history.filter(history_date__lte=moment).order_by("-history_date").first()


def rows_as_of(history_rows: Iterable[Any], moment: datetime) -> list[Any]:
    """Return the child rows that existed at `moment`, from their history rows
    (each row's latest version at or before `moment`; deleted ones left out)."""
    latest: dict[Any, Any] = {}
    for row in history_rows:
        if row.history_date > moment:
            continue
        kept = latest.get(row.id)
        if kept is None or row.history_date > kept.history_date:
            latest[row.id] = row
    return sorted(
        (row for row in latest.values() if row.history_type != "-"),
        key=lambda row: row.id,
    )


def side_by_side(signed: Snapshot, now: Snapshot) -> list[dict[str, Any]]:
    """Return [{label, signed, now, changed}] for every entry of either."""
    keys = list(signed) + [key for key in now if key not in signed]
    rows = []
    for key in keys:
        label = (signed.get(key) or now[key])[0]
        old = signed.get(key, (label, "—"))[1]
        new = now.get(key, (label, "—"))[1]
        rows.append({"label": label, "signed": old, "now": new, "changed": old != new})
    return rows
