"""Encrypted backups of the clinic's database, and restoring them.

A backup is the database and the clinic's private files (clinical photos,
signed consent forms) as one file: a tar archive holding the database dump
(`pg_dump --format=custom` on PostgreSQL, SQLite's online backup API on
SQLite, consistent while the clinic works, WAL included) as `database.dump`
and every file of the private storage under `files/`. It is encrypted
before it touches the disk with a key kept outside the database
(SCLERO_BACKUP_KEY or SCLERO_BACKUP_KEY_FILE, see OPERATIONS.md): whoever
steals the backup file without the key reads nothing.

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
import tarfile
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

from cryptography.fernet import Fernet, InvalidToken
from django.conf import settings
from django.core.files.base import File
from django.core.files.storage import Storage, storages
from django.db import connections
from django.utils import timezone

MAGIC = b"SCLERO-CLINIC-BACKUP 1\n"
CHUNK = 1 << 20
DATA = b"D"
END = b"E"
SUFFIX = ".sclerobak"
# The plain payload of a backup: a tar of the dump and the private files.
# Backups written before files were kept hold the bare dump (no "contents").
CONTENTS_TAR = "tar"
DUMP_MEMBER = "database.dump"
FILES_PREFIX = "files/"


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


def private_storage() -> Storage:
    return storages["private"]


def _walk(storage: Storage, directory: str = "") -> Iterator[str]:
    """Every file name in the storage, below directory (sorted, recursive)."""
    try:
        folders, files = storage.listdir(directory)
    except FileNotFoundError:
        return
    for name in sorted(files):
        yield f"{directory}/{name}" if directory else name
    for folder in sorted(folders):
        yield from _walk(storage, f"{directory}/{folder}" if directory else folder)


def _archive(dump: Path, target: Path, storage: Storage) -> int:
    """Write the tar of the dump and the private files; return the file count."""
    count = 0
    with tarfile.open(target, "w", format=tarfile.PAX_FORMAT) as archive:
        archive.add(dump, arcname=DUMP_MEMBER, recursive=False)
        for name in _walk(storage):
            with storage.open(name, "rb") as handle:
                info = tarfile.TarInfo(FILES_PREFIX + name)
                info.size = storage.size(name)
                info.mode = 0o600
                archive.addfile(info, handle)
            count += 1
    return count


def backup(
    path: Path,
    *,
    key: str | None = None,
    alias: str = "default",
    storage: Storage | None = None,
) -> dict[str, Any]:
    """Write an encrypted backup of the database and the private files to
    path; return its header."""
    key = key or configured_key()
    fernet(key)  # a bad key stops before the dump
    storage = storage or private_storage()
    path.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        dump = Path(tmp) / "dump"
        engine = dump_plain(alias, dump)
        plain = Path(tmp) / "backup.tar"
        files = _archive(dump, plain, storage)
        dump.unlink()
        meta = {
            "engine": engine,
            "created_at": timezone.now().isoformat(),
            "database": str(connections[alias].settings_dict["NAME"]),
            "contents": CONTENTS_TAR,
            "files": files,
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
    storage: Storage | None = None,
) -> dict[str, Any]:
    """Restore the backup at path into a fresh database; return its header.

    SQLite: into the file sqlite_path. PostgreSQL: into the database
    pg_database on the server of pg_settings (a DATABASES entry). The target
    must be empty unless replace is given. The private files go back into
    storage (the configured private storage by default); a file already there
    with other content is refused unless replace is given.
    """
    key = key or configured_key()
    storage = storage or private_storage()
    with tempfile.TemporaryDirectory() as tmp:
        plain = Path(tmp) / "plain"
        with path.open("rb") as source, plain.open("wb") as target:
            meta = decrypt_stream(source, target, key)
        if meta.get("engine") not in ("sqlite", "postgresql"):
            raise BackupError(f"Unknown engine in the backup: {meta.get('engine')!r}.")
        if meta.get("engine") == "sqlite" and sqlite_path is None:
            raise BackupError("This is a SQLite backup: give the file to restore to.")
        if meta.get("engine") == "postgresql" and (
            not pg_database or pg_settings is None
        ):
            raise BackupError(
                "This is a PostgreSQL backup: give the database to restore to."
            )
        dump = plain
        archive = None
        if meta.get("contents") == CONTENTS_TAR:
            archive = tarfile.open(plain, "r")
            dump = Path(tmp) / "dump"
            _extract_dump(archive, dump)
        try:
            if archive is not None:
                # Files first: a clash stops before the database is touched.
                meta["files_restored"] = _restore_files(
                    archive, storage, replace=replace
                )
            if meta["engine"] == "sqlite":
                assert sqlite_path is not None
                _restore_sqlite(dump, sqlite_path, replace=replace)
            else:
                assert pg_database and pg_settings is not None
                _restore_pg(dump, pg_database, pg_settings, replace=replace)
        finally:
            if archive is not None:
                archive.close()
    return meta


def _extract_dump(archive: tarfile.TarFile, target: Path) -> None:
    try:
        member = archive.getmember(DUMP_MEMBER)
    except KeyError as exc:
        raise BackupError("The backup holds no database dump.") from exc
    source = archive.extractfile(member)
    if source is None:
        raise BackupError("The backup's database dump is not a file.")
    with source, target.open("wb") as out:
        shutil.copyfileobj(source, out)


def _safe_name(member: tarfile.TarInfo) -> str | None:
    """The storage name of a file member, or None for anything else."""
    if not member.isfile() or not member.name.startswith(FILES_PREFIX):
        return None
    name = member.name[len(FILES_PREFIX) :]
    parts = name.split("/")
    if not name or name.startswith("/") or any(p in ("", ".", "..") for p in parts):
        raise BackupError(f"The backup holds a file with a bad name: {name!r}.")
    return name


def _same(storage: Storage, name: str, archive: tarfile.TarFile, member) -> bool:
    source = archive.extractfile(member)
    if source is None:
        return False
    with storage.open(name, "rb") as have, source:
        while True:
            a, b = have.read(CHUNK), source.read(CHUNK)
            if a != b:
                return False
            if not a:
                return True


def _restore_files(archive: tarfile.TarFile, storage: Storage, *, replace: bool) -> int:
    members = [(m, _safe_name(m)) for m in archive.getmembers()]
    files = [(m, n) for m, n in members if n]
    if not replace:
        for member, name in files:
            if storage.exists(name) and not _same(storage, name, archive, member):
                raise BackupError(
                    f"The private file {name} exists with other content: restore "
                    "into an empty file store, or give --replace."
                )
    count = 0
    for member, name in files:
        if storage.exists(name):
            if _same(storage, name, archive, member):
                count += 1
                continue
            storage.delete(name)
        source = archive.extractfile(member)
        assert source is not None
        with source:
            saved = storage.save(name, File(source, name=name))
        if saved != name:
            raise BackupError(f"The private file {name} could not be restored.")
        count += 1
    return count


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
