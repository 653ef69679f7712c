"""Changes to sites, hours, closures, staff and absences: each in one
transaction, with its history row (who and why)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext

from clinics.models import (
    Absence,
    Closure,
    OpeningHours,
    Site,
    SiteMembership,
    WorkingHours,
)
from core.models import Letterhead


def _save(record: Any, *, user: Any, reason: str) -> None:
    record.full_clean()
    record._history_user = user
    record._change_reason = reason
    record.save()


def _delete(record: Any, *, user: Any, reason: str) -> None:
    # The history keeps the deleted row ("-"), with who removed it and why.
    record._history_user = user
    record._change_reason = reason
    record.delete()


@transaction.atomic
def site_save(
    *, site: Site, data: Mapping[str, Any], letterhead: Letterhead | None, user: Any
) -> Site:
    created = site.pk is None
    for name, value in data.items():
        setattr(site, name, value)
    site.letterhead = letterhead
    _save(site, user=user, reason="Site added" if created else "Site changed")
    return site


@transaction.atomic
def site_letterhead_save(
    *, site: Site, data: Mapping[str, Any], user: Any
) -> Letterhead:
    """Save the site's own letterhead, creating it on first use (the clinic's
    letterhead, the first row, is made first so it stays the clinic's)."""
    site = Site.objects.select_for_update().get(pk=site.pk)
    if not Letterhead.objects.exists():
        Letterhead.current().save()
    letterhead = site.letterhead
    if letterhead is None or letterhead == Letterhead.objects.order_by("id").first():
        letterhead = Letterhead()
    for name, value in data.items():
        setattr(letterhead, name, value)
    letterhead.full_clean()
    letterhead._history_user = user
    letterhead.save()
    if site.letterhead_id != letterhead.pk:
        site.letterhead = letterhead
        _save(site, user=user, reason="Site's own letterhead")
    return letterhead


@transaction.atomic
def opening_hours_set(
    *, site: Site, intervals: Iterable[Mapping[str, Any]], user: Any
) -> None:
    """Replace the site's opening hours by `intervals` (weekday, starts, ends);
    rows that stay the same are kept, so the history lists only changes."""
    Site.objects.select_for_update().get(pk=site.pk)
    wanted = {(i["weekday"], i["starts"], i["ends"]) for i in intervals}
    existing = list(OpeningHours.objects.filter(site=site))
    kept = set()
    for row in existing:
        key = (row.weekday, row.opens, row.closes)
        if key in wanted and key not in kept:
            kept.add(key)
        else:
            _delete(row, user=user, reason="Opening hours changed")
    for weekday, starts, ends in sorted(wanted - kept):
        row = OpeningHours(site=site, weekday=weekday, opens=starts, closes=ends)
        _save(row, user=user, reason="Opening hours changed")


@transaction.atomic
def working_hours_set(
    *, clinician: Any, intervals: Iterable[Mapping[str, Any]], user: Any
) -> None:
    """Replace the clinician's working hours by `intervals` (weekday, site,
    starts, ends), keeping unchanged rows."""
    wanted = {(i["weekday"], i["site"].pk, i["starts"], i["ends"]) for i in intervals}
    existing = list(
        WorkingHours.objects.select_for_update().filter(clinician=clinician)
    )
    kept = set()
    for row in existing:
        key = (row.weekday, row.site_id, row.starts, row.ends)
        if key in wanted and key not in kept:
            kept.add(key)
        else:
            _delete(row, user=user, reason="Working hours changed")
    for weekday, site_id, starts, ends in sorted(wanted - kept):
        row = WorkingHours(
            clinician=clinician,
            site_id=site_id,
            weekday=weekday,
            starts=starts,
            ends=ends,
        )
        _save(row, user=user, reason="Working hours changed")


@transaction.atomic
def closure_add(*, site: Site, data: Mapping[str, Any], user: Any) -> Closure:
    closure = Closure(site=site, **data)
    _save(closure, user=user, reason="Closure added")
    return closure


@transaction.atomic
def closure_remove(*, closure: Closure, user: Any) -> None:
    """Remove a closure that has not started yet (one under way or past is
    what happened, and stays)."""
    closure = Closure.objects.select_for_update().get(pk=closure.pk)
    if closure.first_day <= timezone.localdate():
        raise ValidationError(
            gettext("Only a closure that has not started yet can be removed.")
        )
    _delete(closure, user=user, reason="Closure removed")


@transaction.atomic
def site_staff_set(*, site: Site, users: Iterable[Any], user: Any) -> None:
    """Make `users` the staff of `site` (rows added and removed, history kept)."""
    Site.objects.select_for_update().get(pk=site.pk)
    wanted = {u.pk for u in users}
    existing = {m.user_id: m for m in SiteMembership.objects.filter(site=site)}
    for user_id, membership in existing.items():
        if user_id not in wanted:
            _delete(membership, user=user, reason="No longer works at the site")
    for user_id in sorted(wanted - existing.keys()):
        membership = SiteMembership(site=site, user_id=user_id)
        _save(membership, user=user, reason="Works at the site")


@transaction.atomic
def absence_add(*, data: Mapping[str, Any], user: Any) -> Absence:
    absence = Absence(**data)
    absence.created_by = user
    _save(absence, user=user, reason="Absence recorded")
    return absence


@transaction.atomic
def absence_cancel(*, absence: Absence, user: Any) -> None:
    """Cancel an absence that has not begun (history kept)."""
    absence = Absence.objects.select_for_update().get(pk=absence.pk)
    if absence.starts_at <= timezone.now():
        raise ValidationError(
            gettext("Only an absence that has not begun can be cancelled.")
        )
    _delete(absence, user=user, reason="Absence cancelled")
