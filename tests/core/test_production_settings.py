"""Production is the default: DEBUG off, HTTPS only, a real secret key.

Each case starts Python in a clean environment (no `.env`), as a server
would, and reads the settings it gets.
"""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
KEY = secrets.token_urlsafe(50)
# What OPERATIONS.md tells an operator to set, at the least.
PRODUCTION = {
    "DJANGO_SECRET_KEY": KEY,
    "DJANGO_ALLOWED_HOSTS": "clinic.example.org",
}
READ = (
    "import json, django; django.setup(); from django.conf import settings as s; "
    "print(json.dumps({k: getattr(s, k) for k in ["
    "'DEBUG', 'SESSION_COOKIE_SECURE', 'CSRF_COOKIE_SECURE', 'SECURE_SSL_REDIRECT', "
    "'SECURE_HSTS_SECONDS', 'SECURE_HSTS_INCLUDE_SUBDOMAINS', "
    "'SECURE_HSTS_PRELOAD', 'SILENCED_SYSTEM_CHECKS']}))"
)


def run(args: list[str], **env: str) -> subprocess.CompletedProcess:
    clean = {
        "PATH": os.environ.get("PATH", ""),
        "HOME": os.environ.get("HOME", ""),
        "DJANGO_ENV_FILE": "",
        "DJANGO_SETTINGS_MODULE": "sclero_clinic.settings",
    }
    clean.update(env)
    return subprocess.run(
        [sys.executable, *args], env=clean, cwd=ROOT, capture_output=True, text=True
    )


def settings_with(**env: str) -> dict:
    result = run(["-c", READ], **env)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_check_deploy_finds_nothing_with_the_documented_settings():
    result = run(
        ["manage.py", "check", "--deploy", "--fail-level", "DEBUG"], **PRODUCTION
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout
    assert "WARNING" not in result.stdout + result.stderr


def _security(silenced: list[str]) -> list[str]:
    """The silenced checks of the security framework (others, such as
    SQLite's note on covering indexes, are not this file's business)."""
    return [check for check in silenced if check.startswith("security.")]


def test_without_debug_everything_is_https_only():
    found = settings_with(**PRODUCTION)
    assert found["DEBUG"] is False
    assert found["SESSION_COOKIE_SECURE"] and found["CSRF_COOKIE_SECURE"]
    assert found["SECURE_SSL_REDIRECT"]
    assert found["SECURE_HSTS_SECONDS"] >= 365 * 24 * 3600
    assert found["SECURE_HSTS_INCLUDE_SUBDOMAINS"]
    # Preload is the operator's choice; until then W021 is silenced on purpose.
    assert found["SECURE_HSTS_PRELOAD"] is False
    assert _security(found["SILENCED_SYSTEM_CHECKS"]) == ["security.W021"]


def test_preload_only_when_asked():
    found = settings_with(DJANGO_HSTS_PRELOAD="1", **PRODUCTION)
    assert found["SECURE_HSTS_PRELOAD"] is True
    assert _security(found["SILENCED_SYSTEM_CHECKS"]) == []


def test_https_can_be_turned_off_explicitly():
    found = settings_with(
        DJANGO_SSL_REDIRECT="0", DJANGO_SECURE_COOKIES="0", **PRODUCTION
    )
    assert found["SECURE_SSL_REDIRECT"] is False
    assert found["SESSION_COOKIE_SECURE"] is False


def test_development_is_plain_http():
    found = settings_with(DJANGO_DEBUG="1")
    assert found["DEBUG"] is True
    assert not found["SECURE_SSL_REDIRECT"] and not found["SESSION_COOKIE_SECURE"]
    assert found["SECURE_HSTS_SECONDS"] == 0


@pytest.mark.parametrize(
    "key",
    [None, "", "dev-only-insecure-key-change-me", "change-me", "short-key", "a" * 60],
)
def test_the_server_refuses_to_start_without_a_real_secret_key(key):
    env = {"DJANGO_ALLOWED_HOSTS": "clinic.example.org"}
    if key is not None:
        env["DJANGO_SECRET_KEY"] = key
    # gunicorn imports the WSGI app: DEBUG is off unless the environment says.
    result = run(["-c", "import sclero_clinic.wsgi"], **env)
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY" in result.stderr


@pytest.mark.parametrize(
    "env",
    [
        {"DJANGO_DEBUG": "0"},
        {"DATABASE_URL": "postgres://clinic@db.example.org/clinic"},
        {"DJANGO_SECRET_KEY": "change-me"},
    ],
    ids=["debug off", "a database", "a weak key"],
)
def test_a_configured_manage_py_refuses_without_a_real_secret_key(env):
    result = run(["manage.py", "check"], **env)
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY" in result.stderr


def test_a_bare_checkout_runs_manage_py_in_development():
    # Nothing configured at all (no .env, no key, no database): a developer's
    # checkout, where `manage.py check` and `makemigrations` just work.
    result = run(["manage.py", "check"])
    assert result.returncode == 0, result.stderr
    script = "from django.conf import settings as s; print(s.DEBUG)"
    result = run(["manage.py", "shell", "--no-imports", "-c", script])
    assert result.stdout.split() == ["True"]


def test_manage_py_reads_the_env_file(tmp_path):
    env_file = tmp_path / "clinic.env"
    env_file.write_text(
        "# production\n"
        f"DJANGO_SECRET_KEY='{KEY}'\n"
        "export DJANGO_ALLOWED_HOSTS=clinic.example.org\n"
        "DJANGO_DEBUG=0\n"
    )
    script = "from django.conf import settings as s; print(s.DEBUG, s.ALLOWED_HOSTS)"
    result = run(
        ["manage.py", "shell", "--no-imports", "-c", script],
        DJANGO_ENV_FILE=str(env_file),
        DJANGO_DEBUG="1",  # the environment wins over the file
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["True", "['clinic.example.org']"]


def test_the_suite_reads_no_env_file():
    # The suite's settings empty DJANGO_ENV_FILE; subprocesses inherit that.
    assert os.environ["DJANGO_ENV_FILE"] == ""
    assert os.environ["DJANGO_DEBUG"] == "1"
