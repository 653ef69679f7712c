"""Write an encrypted backup of the database (see core.backup and OPERATIONS.md).

manage.py backup                    # into SCLERO_BACKUP_DIR, named by the time
manage.py backup --output FILE
manage.py backup --new-key          # print a new key for SCLERO_BACKUP_KEY
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from core import backup


class Command(BaseCommand):
    help = "Write an encrypted backup of the database."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--output", type=Path, help="the backup file to write")
        parser.add_argument(
            "--new-key",
            action="store_true",
            help="print a new backup key and stop",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["new_key"]:
            self.stdout.write(backup.new_key())
            return
        directory = getattr(settings, "SCLERO_BACKUP_DIR", "backups")
        path = options["output"] or backup.default_path(Path(directory))
        try:
            meta = backup.backup(path)
        except backup.BackupError as exc:
            raise CommandError(str(exc)) from exc
        size = path.stat().st_size
        self.stdout.write(
            f"Backup of the {meta['engine']} database and {meta['files']} private "
            f"files: {path} ({size} bytes)"
        )
