"""The user's groups and permissions in one query per request.

Django's ModelBackend reads a user's own permissions and their groups'
permissions in two queries, and every role check (`user.groups.filter(name=…)
.exists()`) and the account menu's role (`user.groups.all`) costs one more.
`load_access(user)` reads all of them in one query (a UNION of the three) and
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
from django.db.models import CharField, F, Value
from django.db.models.functions import Cast

_GROUPS_ATTR = "_sclero_group_names"
_CACHES = ("_user_perm_cache", "_group_perm_cache", "_perm_cache", _GROUPS_ATTR)


def load_access(user: Any) -> None:
    """Read the user's groups, own permissions and groups' permissions in one
    query and keep them on `user` (see the module doc)."""
    if hasattr(user, _GROUPS_ATTR):
        return
    if not getattr(user, "is_authenticated", False) or user.pk is None:
        setattr(user, _GROUPS_ATTR, frozenset())
        return
    text: CharField = CharField()
    groups = Group.objects.filter(user=user).values_list(
        Value("g", output_field=text), Cast("id", text), F("name")
    )
    own = Permission.objects.filter(user=user).values_list(
        Value("u", output_field=text), F("content_type__app_label"), F("codename")
    )
    of_groups = Permission.objects.filter(group__user=user).values_list(
        Value("p", output_field=text), F("content_type__app_label"), F("codename")
    )
    found: list[Group] = []
    user_perms: set[str] = set()
    group_perms: set[str] = set()
    rows = groups.order_by().union(own.order_by(), of_groups.order_by(), all=True)
    for kind, first, second in rows:
        if kind == "g":
            found.append(Group(id=int(first), name=second))
        elif kind == "u":
            user_perms.add(f"{first}.{second}")
        else:
            group_perms.add(f"{first}.{second}")
    found.sort(key=lambda group: group.name)
    setattr(user, _GROUPS_ATTR, frozenset(g.name for g in found))
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
