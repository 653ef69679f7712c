"""Reads of treatment sessions: a session in words, and as it was signed."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.utils.translation import gettext as _

from core.amend import Snapshot, as_of, rows_as_of, side_by_side, snapshot
from treatments.models import Injection, SclerosantLot, TreatmentSession
from treatments.submission import SESSION_FIELDS


def _lots_of(injections: Sequence[Injection]) -> dict[int, SclerosantLot]:
    """Return the injections' lots by id, in one query (none if all are read)."""
    ids = {i.lot_id for i in injections if i.lot_id is not None}
    cached: dict[int, SclerosantLot] = {
        i.lot_id: i.lot
        for i in injections
        if i.lot_id is not None and i.lot is not None and Injection.lot.is_cached(i)
    }
    missing = ids - cached.keys()
    if missing:
        cached.update(SclerosantLot.objects.in_bulk(missing))
    return cached


def _injection_words(injection: Injection, lots: dict[int, SclerosantLot]) -> str:
    lot = lots.get(injection.lot_id) if injection.lot_id is not None else None
    words = str(injection)
    if lot is not None:
        words = _("%(injection)s, lot %(number)s") % {
            "injection": words,
            "number": lot.lot_number,
        }
    if injection.diagram_x_pct is not None and injection.diagram_y_pct is not None:
        # Where the point sits on the leg map: moving a marker is a change.
        words = _("%(injection)s, on the leg map at %(x)s %% across, %(y)s %% down") % {
            "injection": words,
            "x": f"{injection.diagram_x_pct:.0f}",
            "y": f"{injection.diagram_y_pct:.0f}",
        }
    return words


def session_snapshot(
    session: TreatmentSession, injections: Sequence[Injection]
) -> Snapshot:
    """Return the session's fields and active injections in words."""
    lots = _lots_of(injections)
    extra = {
        f"injection-{injection.pk or f'new-{index}'}": (
            _("Injection"),
            _injection_words(injection, lots),
        )
        for index, injection in enumerate(injections)
        if injection.voided_at is None
    }
    return snapshot(session, SESSION_FIELDS, extra)


def session_as_signed(session: TreatmentSession) -> list[dict[str, Any]] | None:
    """Return the session as it was signed beside what it holds now:
    [{label, signed, now, changed}], from the history rows current at
    sign-off, or None when it is not signed (or its history is missing)."""
    if session.signed_at is None:
        return None
    row = as_of(session.history, session.signed_at)
    if row is None:
        return None
    history = Injection.history.filter(session_id=session.pk)
    injections = [r.instance for r in rows_as_of(history, session.signed_at)]
    signed = session_snapshot(row.instance, injections)
    current = Injection.objects.filter(session=session, voided_at__isnull=True)
    now = session_snapshot(session, list(current.order_by("id")))
    return side_by_side(signed, now)
