"""Encrypted backups of the clinic's database, and restoring them.

A backup is the database as one file: `pg_dump --format=custom` on
PostgreSQL, SQLite's online backup API on SQLite (consistent while the
clinic works, WAL included). It is encrypted before it touches the disk with
a key kept outside the database (SCLERO_BACKUP_KEY or SCLERO_BACKUP_KEY_FILE,
see OPERATIONS.md): whoever steals the backup file without the key reads
nothing.

The file: a clear header line, a clear JSON line (engine, time, format), then
chunks of at most 1 MiB, each a Fernet token (AES-128-CBC + HMAC-SHA256) of
"D" + data behind its 4-byte length, and a last token of "E" + the SHA-256 of
the whole plain dump. A wrong key, a changed byte, a missing chunk or a
truncated file is refused before anything is restored.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sqlite3
import struct
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

from cryptography.fernet import Fernet, InvalidToken
from django.conf import settings
from django.db import connections
from django.utils import timezone

MAGIC = b"SCLERO-CLINIC-BACKUP 1\n"
CHUNK = 1 << 20
DATA = b"D"
END = b"E"
SUFFIX = ".sclerobak"


class BackupError(Exception):
    """A backup or restore that cannot be done; the message says why."""


def new_key() -> str:
    return Fernet.generate_key().decode()


def fernet(key: str) -> Fernet:
    try:
        return Fernet(key.strip().encode())
    except (ValueError, TypeError) as exc:
        raise BackupError(
            "The backup key is not a valid key: make one with "
            "`manage.py backup --new-key`."
        ) from exc


def configured_key() -> str:
    key = getattr(settings, "SCLERO_BACKUP_KEY", "")
    if not key:
        raise BackupError(
            "No backup key: set SCLERO_BACKUP_KEY or SCLERO_BACKUP_KEY_FILE "
            "(make one with `manage.py backup --new-key`; keep it outside the "
            "database and away from the backups)."
        )
    return key


# --- the encrypted file ------------------------------------------------------


def encrypt_stream(source: IO[bytes], target: IO[bytes], key: str, meta: dict) -> None:
    box = fernet(key)
    digest = hashlib.sha256()
    target.write(MAGIC)
    target.write(json.dumps(meta, sort_keys=True).encode() + b"\n")
    while chunk := source.read(CHUNK):
        digest.update(chunk)
        _write_token(target, box.encrypt(DATA + chunk))
    _write_token(target, box.encrypt(END + digest.hexdigest().encode()))


def _write_token(target: IO[bytes], token: bytes) -> None:
    target.write(struct.pack(">I", len(token)))
    target.write(token)


def read_meta(source: IO[bytes]) -> dict:
    if source.read(len(MAGIC)) != MAGIC:
        raise BackupError("This is not a Sclero Clinic backup file.")
    try:
        return json.loads(source.readline())
    except ValueError as exc:
        raise BackupError("The backup file's header is damaged.") from exc


def decrypt_stream(source: IO[bytes], target: IO[bytes], key: str) -> dict:
    """Write the plain dump to target; return the file's header."""
    meta = read_meta(source)
    box = fernet(key)
    digest = hashlib.sha256()
    for token in _tokens(source):
        try:
            plain = box.decrypt(token)
        except InvalidToken as exc:
            raise BackupError(
                "The backup cannot be decrypted: wrong key, or the file was changed."
            ) from exc
        if plain[:1] == END:
            if plain[1:].decode() != digest.hexdigest():
                raise BackupError("The backup file is incomplete or out of order.")
            if source.read(1):
                raise BackupError("The backup file has data after its end.")
            return meta
        digest.update(plain[1:])
        target.write(plain[1:])
    raise BackupError("The backup file is truncated: its end is missing.")


def _tokens(source: IO[bytes]) -> Iterator[bytes]:
    while head := source.read(4):
        if len(head) < 4:
            raise BackupError("The backup file is truncated.")
        (size,) = struct.unpack(">I", head)
        token = source.read(size)
        if len(token) < size:
            raise BackupError("The backup file is truncated.")
        yield token


# --- dumping and loading the database ----------------------------------------


def _engine(alias: str) -> str:
    vendor = connections[alias].vendor
    if vendor not in ("postgresql", "sqlite"):
        raise BackupError(f"Backups support PostgreSQL and SQLite, not {vendor}.")
    return vendor


def _pg_env(db: dict[str, Any]) -> dict[str, str]:
    env = dict(os.environ)
    for var, key in (
        ("PGHOST", "HOST"),
        ("PGPORT", "PORT"),
        ("PGUSER", "USER"),
        ("PGPASSWORD", "PASSWORD"),
    ):
        if db.get(key):
            env[var] = str(db[key])
    return env


def _run(args: list[str], env: dict[str, str], **kwargs: Any) -> None:
    if shutil.which(args[0]) is None:
        raise BackupError(f"{args[0]} is not installed (PostgreSQL client tools).")
    result = subprocess.run(args, env=env, capture_output=True, **kwargs)
    if result.returncode != 0:
        raise BackupError(
            f"{args[0]} failed: {result.stderr.decode(errors='replace').strip()}"
        )


def dump_plain(alias: str, target: Path) -> str:
    """Write the database's plain dump to target; return the engine."""
    engine = _engine(alias)
    connection = connections[alias]
    if engine == "sqlite":
        connection.ensure_connection()
        copy = sqlite3.connect(target)
        try:
            connection.connection.backup(copy)
        finally:
            copy.close()
    else:
        db = connection.settings_dict
        _run(
            [
                "pg_dump",
                "--format=custom",
                "--no-owner",
                f"--file={target}",
                db["NAME"],
            ],
            _pg_env(db),
        )
    return engine


def backup(
    path: Path, *, key: str | None = None, alias: str = "default"
) -> dict[str, Any]:
    """Write an encrypted backup of the database to path; return its header."""
    key = key or configured_key()
    fernet(key)  # a bad key stops before the dump
    path.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        plain = Path(tmp) / "dump"
        engine = dump_plain(alias, plain)
        meta = {
            "engine": engine,
            "created_at": timezone.now().isoformat(),
            "database": str(connections[alias].settings_dict["NAME"]),
        }
        partial = path.with_name(path.name + ".partial")
        with plain.open("rb") as source, partial.open("wb") as target:
            encrypt_stream(source, target, key, meta)
        os.chmod(partial, 0o600)
        partial.replace(path)
    return meta


def default_path(directory: Path) -> Path:
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M%S")
    return directory / f"sclero-clinic-{stamp}{SUFFIX}"


def restore(
    path: Path,
    *,
    key: str | None = None,
    sqlite_path: Path | None = None,
    pg_database: str | None = None,
    pg_settings: dict[str, Any] | None = None,
    replace: bool = False,
) -> dict[str, Any]:
    """Restore the backup at path into a fresh database; return its header.

    SQLite: into the file sqlite_path. PostgreSQL: into the database
    pg_database on the server of pg_settings (a DATABASES entry). The target
    must be empty unless replace is given.
    """
    key = key or configured_key()
    with tempfile.TemporaryDirectory() as tmp:
        plain = Path(tmp) / "dump"
        with path.open("rb") as source, plain.open("wb") as target:
            meta = decrypt_stream(source, target, key)
        if meta.get("engine") == "sqlite":
            if sqlite_path is None:
                raise BackupError(
                    "This is a SQLite backup: give the file to restore to."
                )
            _restore_sqlite(plain, sqlite_path, replace=replace)
        elif meta.get("engine") == "postgresql":
            if not pg_database or pg_settings is None:
                raise BackupError(
                    "This is a PostgreSQL backup: give the database to restore to."
                )
            _restore_pg(plain, pg_database, pg_settings, replace=replace)
        else:
            raise BackupError(f"Unknown engine in the backup: {meta.get('engine')!r}.")
    return meta


def _restore_sqlite(plain: Path, target: Path, *, replace: bool) -> None:
    if target.exists() and target.stat().st_size and not replace:
        raise BackupError(
            f"{target} exists and is not empty: restore into a new file, or "
            "give --replace."
        )
    source = sqlite3.connect(plain)
    copy = sqlite3.connect(target)
    try:
        source.backup(copy)
    finally:
        copy.close()
        source.close()


def _restore_pg(
    plain: Path, database: str, db: dict[str, Any], *, replace: bool
) -> None:
    env = _pg_env(db)
    args = ["pg_restore", "--no-owner", "--exit-on-error", f"--dbname={database}"]
    if replace:
        args += ["--clean", "--if-exists"]
    else:
        _require_empty_pg(database, env)
    _run([*args, str(plain)], env)


def _require_empty_pg(database: str, env: dict[str, str]) -> None:
    query = (
        "SELECT count(*) FROM information_schema.tables "
        "WHERE table_schema NOT IN ('pg_catalog', 'information_schema')"
    )
    if shutil.which("psql") is None:
        raise BackupError("psql is not installed (PostgreSQL client tools).")
    result = subprocess.run(
        ["psql", "-tA", "-c", query, database], env=env, capture_output=True
    )
    if result.returncode != 0:
        raise BackupError(
            f"Cannot open the database {database}: "
            f"{result.stderr.decode(errors='replace').strip()} (create it first)"
        )
    if result.stdout.strip() != b"0":
        raise BackupError(
            f"The database {database} is not empty: restore into a new "
            "database, or give --replace."
        )
