"""Questions about the clinic's sites that pages and printouts ask."""

from __future__ import annotations

from typing import Any

from clinics.models import Site
from core.models import Letterhead


def several_sites() -> bool:
    """Whether the clinic has more than one site in use (one query). A
    single-site clinic shows no site anywhere: no column, no choice."""
    return Site.objects.active().count() > 1


def letterhead_of(site: Any) -> Letterhead:
    """The letterhead a site prints: its own, else the clinic's."""
    if site is not None and site.letterhead_id:
        return site.letterhead
    return Letterhead.current()
