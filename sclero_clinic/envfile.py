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
