"""Writes to the clinic's own settings: the letterhead."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.db import transaction

from core.models import Letterhead


@transaction.atomic
def letterhead_update(*, data: Mapping[str, Any], user: Any = None) -> Letterhead:
    """Save the letterhead (one row) with its history row, in one transaction."""
    letterhead = Letterhead.objects.select_for_update().order_by("id").first()
    letterhead = letterhead or Letterhead()
    for name, value in data.items():
        setattr(letterhead, name, value)
    letterhead.full_clean()
    letterhead._history_user = user
    letterhead.save()
    return letterhead
