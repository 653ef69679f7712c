"""The user's groups and permissions in one query per request.

Django's ModelBackend reads a user's own permissions and their groups'
permissions in two queries, and every role check (`user.groups.filter(name=…)
.exists()`) and the account menu's role (`user.groups.all`) costs one more.
`load_access(user)` reads all of them in one query (a UNION of the groups with
their permissions and the user's own permissions, in plain SQL) and
keeps them on the user object for the rest of the request, where ModelBackend
and the account menu look for them: the permission caches ModelBackend fills
(`_user_perm_cache`, `_group_perm_cache`, `_perm_cache`) and the groups as if
prefetched (`user.groups.all()` reads no more). `group_names(user)` answers
role checks from the same read.

Nothing is kept between requests: the user object is loaded anew by each
request, so a changed role or permission counts from the next request on, as
with ModelBackend. `forget_access(user)` drops what was read (after changing
the groups of a user object still in use).
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import Group, Permission

_GROUPS_ATTR = "_sclero_group_names"
_CACHES = ("_user_perm_cache", "_group_perm_cache", "_perm_cache", _GROUPS_ATTR)


def _access_sql() -> str:
    """The one query of load_access: the user's groups, each with its
    permissions (a group without any still has its row), then the user's own
    permissions. Plain SQL, written once: the ORM's UNION of the three took
    longer to compile than the database took to answer it."""
    global _ACCESS_SQL
    if _ACCESS_SQL is None:
        from django.contrib.auth import get_user_model
        from django.contrib.contenttypes.models import ContentType
        from django.db import connection

        def table(model: Any) -> str:
            return str(connection.ops.quote_name(model._meta.db_table))

        user_model = get_user_model()
        user_groups = table(user_model.groups.through)
        user_perms = table(user_model.user_permissions.through)
        group_perms = table(Group.permissions.through)
        group, perm, kind = table(Group), table(Permission), table(ContentType)
        _ACCESS_SQL = (
            f"SELECT g.id, g.name, ct.app_label, p.codename FROM {user_groups} ug"
            f" INNER JOIN {group} g ON g.id = ug.group_id"
            f" LEFT OUTER JOIN {group_perms} gp ON gp.group_id = g.id"
            f" LEFT OUTER JOIN {perm} p ON p.id = gp.permission_id"
            f" LEFT OUTER JOIN {kind} ct ON ct.id = p.content_type_id"
            " WHERE ug.user_id = %s"
            " UNION ALL"
            f" SELECT NULL, NULL, ct.app_label, p.codename FROM {user_perms} up"
            f" INNER JOIN {perm} p ON p.id = up.permission_id"
            f" INNER JOIN {kind} ct ON ct.id = p.content_type_id"
            " WHERE up.user_id = %s"
        )
    return _ACCESS_SQL


_ACCESS_SQL: str | None = None


def load_access(user: Any) -> None:
    """Read the user's groups, own permissions and groups' permissions in one
    query and keep them on `user` (see the module doc)."""
    if hasattr(user, _GROUPS_ATTR):
        return
    if not getattr(user, "is_authenticated", False) or user.pk is None:
        setattr(user, _GROUPS_ATTR, frozenset())
        return
    from django.db import connections, router

    names: dict[int, str] = {}
    user_perms: set[str] = set()
    group_perms: set[str] = set()
    using = router.db_for_read(Group)
    with connections[using].cursor() as cursor:
        cursor.execute(_access_sql(), [user.pk, user.pk])
        rows = cursor.fetchall()
    for group_id, group_name, app_label, codename in rows:
        if group_id is not None:
            names[group_id] = group_name
            if codename is not None:
                group_perms.add(f"{app_label}.{codename}")
        else:
            user_perms.add(f"{app_label}.{codename}")
    found = sorted(
        (Group(id=group_id, name=name) for group_id, name in names.items()),
        key=lambda group: group.name,
    )
    setattr(user, _GROUPS_ATTR, frozenset(names.values()))
    if user.is_active and not user.is_superuser:
        # What ModelBackend would have read (a superuser's "every permission"
        # and an inactive user's none are left to it).
        user._user_perm_cache = user_perms
        user._group_perm_cache = group_perms
    # The account menu's `user.groups.all`, as prefetch_related leaves it.
    queryset = user.groups.all()
    queryset._result_cache = found
    queryset._prefetch_done = True
    cache = getattr(user, "_prefetched_objects_cache", None)
    if cache is None:
        cache = user._prefetched_objects_cache = {}
    cache["groups"] = queryset


def group_names(user: Any) -> frozenset[str]:
    """The names of the user's groups (no query once load_access ran)."""
    load_access(user)
    names: frozenset[str] = getattr(user, _GROUPS_ATTR)
    return names


def in_group(user: Any, name: str) -> bool:
    return name in group_names(user)


def forget_access(user: Any) -> None:
    for attr in _CACHES:
        if hasattr(user, attr):
            delattr(user, attr)
    cache = getattr(user, "_prefetched_objects_cache", None)
    if cache:
        cache.pop("groups", None)


class AccessBackend(ModelBackend):
    """ModelBackend whose permissions come from load_access's single query."""

    def get_user_permissions(self, user_obj: Any, obj: Any = None) -> set[str]:
        load_access(user_obj)
        return super().get_user_permissions(user_obj, obj)

    def get_group_permissions(self, user_obj: Any, obj: Any = None) -> set[str]:
        load_access(user_obj)
        return super().get_group_permissions(user_obj, obj)
