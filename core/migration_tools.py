"""Helpers for migrations that move a model from one app to another.

The table stays where it is (SeparateDatabaseAndState); the content type row
is renamed to the new app, so the model's permissions, every group's grants
and the admin log keep pointing at it.
"""

from __future__ import annotations

from typing import Any

from django.db import migrations


def move_content_types(from_app: str, to_app: str, models: list[str]) -> Any:
    """Return a RunPython operation that moves content types between apps."""

    def move(source: str, target: str) -> Any:
        def run(apps: Any, schema_editor: Any) -> None:
            content_type = apps.get_model("contenttypes", "ContentType")
            permission = apps.get_model("auth", "Permission")
            db = schema_editor.connection.alias
            for model in models:
                old = (
                    content_type.objects.using(db)
                    .filter(app_label=source, model=model)
                    .first()
                )
                if old is None:
                    continue
                new = (
                    content_type.objects.using(db)
                    .filter(app_label=target, model=model)
                    .first()
                )
                if new is None:
                    old.app_label = target
                    old.save(update_fields=["app_label"])
                    continue
                # Both exist (the new one was made before migrating): carry
                # every grant of the old permissions over, then drop the old.
                for perm in permission.objects.using(db).filter(content_type=old):
                    twin, _created = permission.objects.using(db).get_or_create(
                        content_type=new,
                        codename=perm.codename,
                        defaults={"name": perm.name},
                    )
                    twin.group_set.add(*perm.group_set.all())
                    twin.user_set.add(*perm.user_set.all())
                    perm.delete()
                try:
                    log_entry = apps.get_model("admin", "LogEntry")
                except LookupError:
                    pass
                else:
                    log_entry.objects.using(db).filter(content_type=old).update(
                        content_type=new
                    )
                old.delete()

        return run

    return migrations.RunPython(move(from_app, to_app), move(to_app, from_app))
