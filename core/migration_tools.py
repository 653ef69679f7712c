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
            db = schema_editor.connection.alias
            for model in models:
                if (
                    content_type.objects.using(db)
                    .filter(app_label=target, model=model)
                    .exists()
                ):
                    continue
                content_type.objects.using(db).filter(
                    app_label=source, model=model
                ).update(app_label=target)

        return run

    return migrations.RunPython(move(from_app, to_app), move(to_app, from_app))
