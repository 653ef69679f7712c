"""Read a `.env` file into the environment, for manage.py and the WSGI app.

Each line is NAME=value (blank lines and # comments skipped; the value may
be quoted). A variable already in the environment wins over the file, so a
service manager's settings override it. The file is DJANGO_ENV_FILE if set
(empty: none), else `.env` in the project folder. The test suite never reads
it: pytest imports the settings directly (sclero_clinic.settings_test).
"""

from __future__ import annotations

import os
from pathlib import Path

DEFAULT = Path(__file__).resolve().parent.parent / ".env"


def load_env_file() -> Path | None:
    """Read the env file into os.environ; return its path, or None if none."""
    name = os.environ.get("DJANGO_ENV_FILE")
    path = DEFAULT if name is None else (Path(name) if name else None)
    if path is None or not path.is_file():
        return None
    for number, raw in enumerate(path.read_text().splitlines(), 1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("export "):
            line = line[len("export ") :].lstrip()
        key, sep, value = line.partition("=")
        key, value = key.strip(), value.strip()
        if not sep or not key.isidentifier():
            raise ValueError(f"{path}:{number}: expected NAME=value")
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
            value = value[1:-1]
        os.environ.setdefault(key, value)
    return path


# Any of these in the environment (or the env file) means a configured
# installation: manage.py then keeps production's defaults.
CONFIGURED = (
    "DJANGO_DEBUG",
    "DJANGO_SECRET_KEY",
    "DJANGO_SECRET_KEY_FILE",
    "DATABASE_URL",
)


def development_when_unconfigured() -> bool:
    """For manage.py on a bare checkout: with nothing configured, development.

    A checkout with no `.env` and none of CONFIGURED set is a developer's:
    `manage.py check`, `makemigrations` or `runserver` work there without
    ceremony (DEBUG on, the development key, SQLite in the folder). A
    server has its secret key and database in its environment or `.env`,
    so it keeps DEBUG off, the key check and the load_demo guard. The WSGI
    app never does this: gunicorn without configuration refuses to start.
    """
    if any(os.environ.get(name) for name in CONFIGURED):
        return False
    os.environ["DJANGO_DEBUG"] = "1"
    return True
