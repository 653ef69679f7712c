"""The database connection's switches for a deployment behind PgBouncer.

Each case starts Python in a clean environment, as a server would, and
reads the DATABASES entry it gets.
"""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
READ = (
    "import json, django; django.setup(); from django.conf import settings; "
    "db = settings.DATABASES['default']; print(json.dumps({k: db.get(k) for k in "
    "['CONN_MAX_AGE', 'CONN_HEALTH_CHECKS', 'DISABLE_SERVER_SIDE_CURSORS', "
    "'OPTIONS']}))"
)


def database_with(**env: str) -> dict:
    clean = {
        "PATH": os.environ.get("PATH", ""),
        "HOME": os.environ.get("HOME", ""),
        "DJANGO_ENV_FILE": "",
        "DJANGO_SETTINGS_MODULE": "sclero_clinic.settings",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
        "DATABASE_URL": "postgres://clinic@db.example.org:6432/clinic",
        **env,
    }
    result = subprocess.run(
        [sys.executable, "-c", READ],
        env=clean,
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_a_direct_connection_keeps_connections_and_server_side_cursors():
    found = database_with()
    assert found["CONN_MAX_AGE"] == 60
    assert found["CONN_HEALTH_CHECKS"] is True
    assert found["DISABLE_SERVER_SIDE_CURSORS"] is False
    assert found["OPTIONS"] == {"options": "-c jit=off"}


def test_behind_pgbouncer_in_transaction_mode_as_operations_md_says():
    found = database_with(
        DB_CONN_MAX_AGE="0",
        DB_DISABLE_SERVER_SIDE_CURSORS="1",
        DB_CONN_HEALTH_CHECKS="0",
        DB_OPTIONS="",
    )
    assert found["CONN_MAX_AGE"] == 0
    assert found["CONN_HEALTH_CHECKS"] is False
    assert found["DISABLE_SERVER_SIDE_CURSORS"] is True
    # No startup options PgBouncer would refuse (jit is set on the database).
    assert found["OPTIONS"] == {"options": ""}
