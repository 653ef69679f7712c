"""Sclerosant lots: the stock list's writes, the lot proposed for an
injection, and who received a lot.

The manager keeps the list (MANAGE_PERM); clinicians and the manager read
it and the recipients of a lot (VIEW_PERM). Whether an injection's lot may
be used (its agent and concentration, closed or expired on the session's
day) is checked by Injection.clean (treatments.validation), so it holds for
every way in.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Case, IntegerField, Prefetch, Q, QuerySet, Value, When
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from treatments.models import Injection, SclerosantLot, TreatmentSession

MANAGE_PERM = "treatments.manage_lots"
VIEW_PERM = "treatments.view_sclerosantlot"

LOT_FIELDS = [
    "agent",
    "concentration_pct",
    "lot_number",
    "expiry_date",
    "received_on",
    "opened_on",
    "notes",
]
# Fields that name what is in the vials: fixed once an injection used the lot.
IDENTITY_FIELDS = ("agent", "concentration_pct")


class LotStatus:
    """The filter of the stock list."""

    USABLE = "usable"
    EXPIRED = "expired"
    CLOSED = "closed"
    ALL = "all"


# --- the stock list ------------------------------------------------------------


def stock_list(*, status: str = LotStatus.ALL, agent: str = "") -> QuerySet:
    """Return the lots, open and unexpired first (by agent, %, expiry), then
    the expired ones still open, then the closed ones; filtered."""
    today = timezone.localdate()
    lots = SclerosantLot.objects.annotate(
        rank=Case(
            When(closed_at__isnull=False, then=Value(2)),
            When(expiry_date__lt=today, then=Value(1)),
            default=Value(0),
            output_field=IntegerField(),
        )
    )
    if status == LotStatus.USABLE:
        lots = lots.usable_on(today)
    elif status == LotStatus.EXPIRED:
        lots = lots.filter(closed_at__isnull=True, expiry_date__lt=today)
    elif status == LotStatus.CLOSED:
        lots = lots.filter(closed_at__isnull=False)
    if agent:
        lots = lots.filter(agent=agent)
    return lots.order_by(
        "rank", "agent", "concentration_pct", "expiry_date", "lot_number", "id"
    )


def _save(lot: SclerosantLot, *, user: Any, reason: str) -> SclerosantLot:
    lot._history_user = user
    lot._change_reason = reason[:100]
    lot.save()
    return lot


def lot_create(*, data: dict[str, Any], user: Any) -> SclerosantLot:
    """Add a lot to the stock list, or raise ValidationError by field."""
    lot = SclerosantLot(created_by=user)
    for name in LOT_FIELDS:
        if name in data:
            setattr(lot, name, data[name])
    lot.notes = lot.notes or ""
    lot.full_clean()
    with transaction.atomic():
        return _save(lot, user=user, reason="Lot added to the stock list")


def lot_update(*, lot: SclerosantLot, data: dict[str, Any], user: Any) -> SclerosantLot:
    """Correct a lot (its number, its dates); the history keeps the old values.

    The agent and concentration of a lot that injections name stay as they
    are: those injections would no longer match their lot.
    """
    with transaction.atomic():
        current = SclerosantLot.objects.select_for_update().get(pk=lot.pk)
        used = current.injections.exists()
        errors: dict[str, list[str]] = {}
        for name in LOT_FIELDS:
            if name not in data:
                continue
            value = data[name]
            if name == "notes":
                value = value or ""
            if name in IDENTITY_FIELDS and used and value != getattr(current, name):
                errors[name] = [
                    _(
                        "Injections were recorded from this lot: its agent and "
                        "concentration stay as they are. Add a new lot instead."
                    )
                ]
                continue
            setattr(current, name, value)
        if errors:
            raise ValidationError(errors)
        current.full_clean()
        return _save(current, user=user, reason="Lot corrected")


def lot_close(*, lot: SclerosantLot, user: Any) -> SclerosantLot:
    """Close a lot: it is no longer proposed nor accepted for new injections."""
    with transaction.atomic():
        current = SclerosantLot.objects.select_for_update().get(pk=lot.pk)
        if current.closed_at is not None:
            return current
        current.closed_at = timezone.now()
        current.closed_by = user
        return _save(current, user=user, reason="Lot closed")


def lot_reopen(*, lot: SclerosantLot, user: Any) -> SclerosantLot:
    """Reopen a lot closed by mistake."""
    with transaction.atomic():
        current = SclerosantLot.objects.select_for_update().get(pk=lot.pk)
        if current.closed_at is None:
            return current
        current.closed_at = None
        current.closed_by = None
        return _save(current, user=user, reason="Lot reopened")


# A lot is corrected a few times at most; the page shows the latest changes.
HISTORY_SHOWN = 50


# The history's reasons (stored in English) in the reader's language.
REASON_LABELS = {
    "Lot added to the stock list": gettext_lazy("Lot added to the stock list"),
    "Lot corrected": gettext_lazy("Lot corrected"),
    "Lot closed": gettext_lazy("Lot closed"),
    "Lot reopened": gettext_lazy("Lot reopened"),
}


def lot_history(lot: SclerosantLot) -> list[Any]:
    """Return the lot's history rows, newest first, with who made each and
    `reason_label`, the reason in the reader's language."""
    rows = list(
        lot.history.select_related("history_user").order_by(
            "-history_date", "-history_id"
        )[:HISTORY_SHOWN]
    )
    for row in rows:
        reason = row.history_change_reason or ""
        row.reason_label = str(REASON_LABELS.get(reason, reason))
    return rows


# --- the lot of an injection -----------------------------------------------------


def usable_lots(day: date | None = None) -> list[SclerosantLot]:
    """Return the lots open and unexpired on `day` (today), expiring first first."""
    day = day or timezone.localdate()
    return list(
        SclerosantLot.objects.usable_on(day).order_by(
            "agent", "concentration_pct", "expiry_date", "lot_number", "id"
        )
    )


def matching(
    lots: Iterable[SclerosantLot], agent: str, concentration_pct: Decimal | None
) -> list[SclerosantLot]:
    """Return the lots of that agent and concentration, in the order given."""
    if not agent or concentration_pct is None:
        return []
    return [
        lot
        for lot in lots
        if lot.agent == agent and lot.concentration_pct == concentration_pct
    ]


def proposed_lot(
    lots: Sequence[SclerosantLot], agent: str, concentration_pct: Decimal | None
) -> SclerosantLot | None:
    """Return the lot to propose: of the agent and %, the one expiring first."""
    found = sorted(
        matching(lots, agent, concentration_pct),
        key=lambda lot: (lot.expiry_date, lot.lot_number),
    )
    return found[0] if found else None


def fill_missing_lots(injections: Sequence[Injection], day: date) -> None:
    """Record the lot of a new injection left without one, when the clinic
    has exactly one open, unexpired lot of its agent and concentration.

    Saved injections are left as they are (old ones have no lot), and with
    two lots or none to choose from nothing is guessed.
    """
    empty = [i for i in injections if i.pk is None and i.lot_id is None]
    if not empty:
        return
    lots = usable_lots(day)
    for injection in empty:
        found = matching(lots, injection.agent, injection.concentration_pct)
        if len(found) == 1:
            injection.lot = found[0]


def lot_label(lot: SclerosantLot) -> str:
    """Return "Polidocanol 0.5 % · A123 (exp. 2027-03-31)" for the menus."""
    return _("%(lot)s (exp. %(expiry)s)") % {
        "lot": str(lot),
        "expiry": lot.expiry_date.isoformat(),
    }


# --- who received a lot ------------------------------------------------------------


@dataclass
class Recipient:
    """A session in which a lot was injected: its patient and the injections."""

    session: TreatmentSession
    injections: list[Injection]

    @property
    def patient(self) -> Any:
        return self.session.patient

    @property
    def volume_ml(self) -> Decimal:
        return sum((i.volume_ml for i in self.injections), Decimal("0"))


def _received(lot: SclerosantLot) -> Q:
    return Q(
        injections__lot=lot,
        injections__voided_at__isnull=True,
        voided_at__isnull=True,
    )


def recipient_sessions(lot: SclerosantLot) -> QuerySet:
    """Return the sessions (not voided) with an active injection of the lot,
    newest first, with their patient, clinician and those injections; three
    queries a page (the count, the sessions, their injections)."""
    lot_injections = Injection.objects.filter(lot=lot, voided_at__isnull=True).order_by(
        "id"
    )
    return (
        TreatmentSession.objects.filter(_received(lot))
        .distinct()
        .select_related("patient", "clinician")
        .prefetch_related(
            Prefetch("injections", queryset=lot_injections, to_attr="lot_injections")
        )
        .order_by("-performed_at", "-id")
    )


def recipients(sessions: Iterable[TreatmentSession]) -> list[Recipient]:
    """Return a Recipient per session of recipient_sessions()."""
    # `lot_injections` is put on each session by recipient_sessions' prefetch.
    return [Recipient(s, list(getattr(s, "lot_injections", []))) for s in sessions]


def recipient_rows(lot: SclerosantLot) -> QuerySet:
    """Return every active injection of the lot in a session not voided, with
    its session, patient and clinician, in one query (the Injection.lot
    index); oldest first, for the CSV and the print view."""
    return (
        Injection.objects.filter(
            lot=lot, voided_at__isnull=True, session__voided_at__isnull=True
        )
        .select_related("session__patient", "session__clinician")
        .order_by("session__performed_at", "session_id", "id")
    )


def group_by_session(rows: Iterable[Injection]) -> list[Recipient]:
    """Return the injections of recipient_rows() grouped by session."""
    grouped: list[Recipient] = []
    for injection in rows:
        if grouped and grouped[-1].session.pk == injection.session_id:
            grouped[-1].injections.append(injection)
        else:
            grouped.append(Recipient(injection.session, [injection]))
    return grouped
