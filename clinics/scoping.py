"""Which sites a member of staff works at, and so sees.

Clinicians and front desk see the agenda and the visits of their own sites
(their SiteMembership rows). Managers see every site. An account with no
membership yet sees every site, so that nothing disappears on the day sites
arrive or while the staff admin has not placed a new account.
"""

from __future__ import annotations

from typing import Any

from core.backends import in_group
from core.roles import MANAGER

_CACHE_ATTR = "_sclero_site_ids"


def user_site_ids(user: Any) -> frozenset[int] | None:
    """Return the ids of the sites `user` sees, or None for all of them.

    One query per request at most (cached on the user object); whether the
    user is a manager comes from the groups core.backends read with the
    permissions.
    """
    if not getattr(user, "is_authenticated", False):
        return frozenset()
    if hasattr(user, _CACHE_ATTR):
        cached: frozenset[int] | None = getattr(user, _CACHE_ATTR)
        return cached
    from clinics.models import SiteMembership

    if user.is_superuser or in_group(user, MANAGER):
        ids: frozenset[int] | None = None
    else:
        found = frozenset(
            SiteMembership.objects.filter(user=user, site__is_active=True).values_list(
                "site_id", flat=True
            )
        )
        ids = found or None
    setattr(user, _CACHE_ATTR, ids)
    return ids


def sees_site(user: Any, site_id: int | None) -> bool:
    ids = user_site_ids(user)
    return ids is None or site_id in ids
