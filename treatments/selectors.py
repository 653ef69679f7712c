"""Reads of treatment sessions: a session in words, and as it was signed."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.utils.translation import gettext as _

from core.amend import Snapshot, as_of, rows_as_of, side_by_side, snapshot
from treatments.models import Injection, TreatmentSession
from treatments.submission import SESSION_FIELDS


def session_snapshot(
    session: TreatmentSession, injections: Sequence[Injection]
) -> Snapshot:
    """Return the session's fields and active injections in words."""
    extra = {
        f"injection-{injection.pk or f'new-{index}'}": (
            _("Injection"),
            str(injection),
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
