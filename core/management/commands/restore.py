"""Restore an encrypted backup into a fresh database (see OPERATIONS.md).

    manage.py restore FILE --sqlite NEW.sqlite3
    manage.py restore FILE --database NEW_DB_NAME   # on the configured server

The target must be empty (a new SQLite file, a database made with createdb)
unless --replace is given. The private files (photos, signed consents) go
back into the configured private storage; one already there with other
content is refused unless --replace is given. Then point DATABASE_URL at it and run
`manage.py migrate` (a backup of an older version is brought up to date).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connections

from core import backup


class Command(BaseCommand):
    help = "Restore an encrypted backup into a fresh database."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path)
        parser.add_argument("--sqlite", type=Path, help="SQLite file to restore to")
        parser.add_argument(
            "--database",
            help="PostgreSQL database to restore to, on the configured server",
        )
        parser.add_argument(
            "--replace",
            action="store_true",
            help="overwrite a target that is not empty",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if not options["file"].is_file():
            raise CommandError(f"No such backup file: {options['file']}")
        try:
            meta = backup.restore(
                options["file"],
                sqlite_path=options["sqlite"],
                pg_database=options["database"],
                pg_settings=connections["default"].settings_dict,
                replace=options["replace"],
            )
        except backup.BackupError as exc:
            raise CommandError(str(exc)) from exc
        target = options["sqlite"] or options["database"]
        made = meta.get("created_at", "?")
        files = meta.get("files_restored")
        also = f", and {files} private files" if files is not None else ""
        self.stdout.write(
            f"Restored the {meta['engine']} backup of {made} into {target}{also}."
        )
