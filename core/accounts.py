"""Accounts are deactivated, never deleted, once the records name them.

The history of every clinical record names who made each change
(simple_history's history_user), and the records themselves name who
treated, examined, created or overrode. Deleting such an account would blank
or break those names, so a pre_delete hook on the user model refuses it with
ProtectedError and says to deactivate the account instead (the staff admin's
'Deactivate selected accounts' action, or unticking 'active').

An account that no record names (one made by mistake, never used) can still
be deleted, from the shell: the admin offers no delete at all.

Which rows count is found, not listed: every foreign key to the user model
from a model of the project's own apps (the clinical records, their
historical copies, the access log when there is one) and from the admin's
own log. Sessions, groups, permissions and second-factor devices are not
records of what the person did and go with the account.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

from django.apps import apps
from django.conf import settings
from django.contrib.auth import get_user_model
from django.db.models import Model, ProtectedError, Q
from django.utils.translation import gettext as _

# Apps outside the project whose rows name who did something.
_RECORDING_APPS = {"admin"}


def _is_project_app(app_config: Any) -> bool:
    base = Path(settings.BASE_DIR).resolve()
    path = Path(app_config.path).resolve()
    return base in path.parents and ".venv" not in path.parts


@cache
def authorship_fields() -> tuple[tuple[type[Model], tuple[str, ...]], ...]:
    """Return each recording model with its foreign keys to the user model."""
    user_model = get_user_model()
    found = []
    for app_config in apps.get_app_configs():
        if app_config.label not in _RECORDING_APPS and not _is_project_app(app_config):
            continue
        for model in app_config.get_models():
            names = tuple(
                field.name
                for field in model._meta.concrete_fields
                if field.is_relation
                and field.many_to_one
                and field.related_model is user_model
            )
            if names:
                found.append((model, names))
    return tuple(found)


def authored_records(user: Any) -> list[Model]:
    """Return one row of each model that names `user` (who did something)."""
    rows = []
    for model, names in authorship_fields():
        condition = Q()
        for name in names:
            condition |= Q(**{f"{name}_id": user.pk})
        row = model._base_manager.filter(condition).first()
        if row is not None:
            rows.append(row)
    return rows


def refuse_deleting_an_author(sender: Any, instance: Any, **kwargs: Any) -> None:
    """pre_delete on the user model: refuse while any record names the user."""
    if instance.pk is None:
        return
    rows = authored_records(instance)
    if rows:
        kinds = ", ".join(sorted({str(row._meta.verbose_name) for row in rows}))
        raise ProtectedError(
            _(
                "The account %(user)s is named in the clinic's records "
                "(%(kinds)s): deactivate it instead of deleting it."
            )
            % {"user": instance.get_username(), "kinds": kinds},
            set(rows),
        )
