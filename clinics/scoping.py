"""Which sites a member of staff works at, and so sees.

Clinicians and front desk see the agenda and the visits of their own sites
(their SiteMembership rows). Managers see every site. An account with no
membership yet sees every site, so that nothing disappears on the day sites
arrive or while the staff admin has not placed a new account.
"""

from __future__ import annotations

from typing import Any

from django.db import connection

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
    if user.is_superuser or in_group(user, MANAGER):
        ids: frozenset[int] | None = None
    else:
        with connection.cursor() as cursor:
            cursor.execute(_sites_sql(), [user.pk, True])
            found = frozenset(site_id for (site_id,) in cursor.fetchall())
        ids = found or None
    setattr(user, _CACHE_ATTR, ids)
    return ids


def _sites_sql() -> str:
    """The active sites of a member of staff, in plain SQL written once: it
    runs at nearly every request, and the ORM took longer to compile it than
    the database took to answer."""
    global _SITES_SQL
    if _SITES_SQL is None:
        from clinics.models import Site, SiteMembership

        def name(model: Any, field: str | None = None) -> str:
            if field is None:
                return str(connection.ops.quote_name(model._meta.db_table))
            return str(connection.ops.quote_name(model._meta.get_field(field).column))

        _SITES_SQL = (
            f"SELECT m.{name(SiteMembership, 'site')}"
            f" FROM {name(SiteMembership)} m INNER JOIN {name(Site)} s"
            f" ON s.{name(Site, 'id')} = m.{name(SiteMembership, 'site')}"
            f" WHERE m.{name(SiteMembership, 'user')} = %s"
            f" AND s.{name(Site, 'is_active')} = %s"
        )
    return _SITES_SQL


_SITES_SQL: str | None = None


def sees_site(user: Any, site_id: int | None) -> bool:
    ids = user_site_ids(user)
    return ids is None or site_id in ids
