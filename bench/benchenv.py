"""The benchmarks' environment: production settings, the database, Django.

Shared by bench/run.py (pages in-process) and bench/load.py (gunicorn under
load). `configure()` must run before anything imports Django's models.

Databases: `demo` is always a throwaway one (a temporary SQLite file, or a
new PostgreSQL database `sclero_bench_demo_<pid>` when --pg or a postgres://
DATABASE_URL names a server; only its host, port and user are used, never
its database). `big` is the database `make bench-data` made, named in
bench/.bigdata.json, used read-only (logging in writes sessions and the
access log, nothing else). Only 127.0.0.1 is ever connected to.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
from pathlib import Path
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
MANIFEST = BENCH / ".bigdata.json"
LOCAL_HOSTS = ("127.0.0.1",)
DB_PREFIX = "sclero_bench"
DEFAULT_PG = "postgres://postgres@127.0.0.1:5432/postgres"


class Refused(SystemExit):
    pass


def check_host(host: str | None) -> None:
    if host not in LOCAL_HOSTS:
        raise Refused(
            f"refused: the benchmarks connect to 127.0.0.1 only, not {host!r}"
        )


def read_manifest(path: Path = MANIFEST) -> dict:
    if not path.is_file():
        raise Refused(f"{path} not found: run `make bench-data` first")
    manifest = json.loads(path.read_text())
    if not str(manifest.get("db", "")).startswith(DB_PREFIX):
        raise Refused(f"refused: {manifest.get('db')!r} is not a {DB_PREFIX}* database")
    return manifest


def pg_url(server: str, name: str) -> str:
    parsed = urlparse(server)
    check_host(parsed.hostname)
    auth = parsed.username or "postgres"
    if parsed.password:
        auth += f":{parsed.password}"
    return f"postgres://{auth}@{parsed.hostname}:{parsed.port or 5432}/{name}"


class Env:
    """What configure() chose: the database URL and whether to create it."""

    def __init__(self) -> None:
        self.tmpdir = tempfile.TemporaryDirectory(prefix="sclero-bench-")
        self.database_url = ""
        self.throwaway = True
        self.manifest: dict | None = None
        self.vendor = ""

    @property
    def static_root(self) -> Path:
        return Path(self.tmpdir.name) / "static"

    def server_env(self) -> dict[str, str]:
        """The environment of an app server (gunicorn) on this database."""
        env = {
            key: value
            for key, value in os.environ.items()
            if key.startswith(("DJANGO_", "SCLERO_", "PATH", "HOME", "LANG", "LC_"))
        }
        env.update(
            DATABASE_URL=self.database_url,
            DJANGO_SETTINGS_MODULE="bench_settings",
            BENCH_STATIC_ROOT=str(self.static_root),
            PYTHONPATH=f"{BENCH}{os.pathsep}{ROOT}",
        )
        return env


def configure(data: str, *, pg: str | None, debug: bool, manifest: Path) -> Env:
    """Set production's environment (plain HTTP, throwaway key, no 2FA)
    and the database, then set Django up."""
    env = Env()
    os.environ["DJANGO_SETTINGS_MODULE"] = "bench_settings"
    os.environ["BENCH_STATIC_ROOT"] = str(env.static_root)
    os.environ["DJANGO_DEBUG"] = "1" if debug else "0"
    os.environ["DJANGO_ENV_FILE"] = ""
    os.environ["DJANGO_SECRET_KEY"] = "bench-" + os.urandom(32).hex()
    os.environ["DJANGO_SSL_REDIRECT"] = "0"
    os.environ["DJANGO_SECURE_COOKIES"] = "0"
    os.environ["DJANGO_HSTS_SECONDS"] = "0"
    # Two-factor off, as in the test suite and the demo.
    os.environ["SCLERO_2FA_REQUIRED"] = "0"
    for path in (str(ROOT), str(BENCH)):
        if path not in sys.path:
            sys.path.insert(0, path)

    current = os.environ.get("DATABASE_URL", "")
    if data == "big":
        env.manifest = read_manifest(manifest)
        env.database_url = pg_url(pg or DEFAULT_PG, env.manifest["db"])
        env.throwaway = False
    else:
        server = pg or (
            current if urlparse(current).scheme in ("postgres", "postgresql") else None
        )
        if server:
            name = f"{DB_PREFIX}_demo_{os.getpid()}"
            env.database_url = pg_url(server, name)
        else:
            env.database_url = f"sqlite:///{env.tmpdir.name}/bench.sqlite3"
    os.environ["DATABASE_URL"] = env.database_url

    import django

    django.setup()
    from django.db import connection

    env.vendor = connection.vendor
    return env


def create_database(env: Env) -> None:
    """Create (PostgreSQL) and migrate the throwaway demo database."""
    from django.core.management import call_command
    from django.db import connection

    if connection.vendor == "postgresql":
        name = connection.settings_dict["NAME"]
        if not name.startswith(DB_PREFIX):
            raise Refused(f"refused to create {name!r}")
        with connection._nodb_cursor() as cursor:
            cursor.execute(f'CREATE DATABASE "{name}"')
    call_command("migrate", verbosity=0)


def drop_database(env: Env) -> None:
    from django.db import connection

    if not env.throwaway:
        return
    name = connection.settings_dict["NAME"]
    connection.close()
    if connection.vendor == "postgresql" and str(name).startswith(DB_PREFIX):
        with connection._nodb_cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    connection.close()


def collect_static(env: Env) -> None:
    from django.conf import settings
    from django.core.management import call_command

    if not settings.DEBUG:
        call_command("collectstatic", interactive=False, verbosity=0)
