"""Settings for the test suite: development and plain-HTTP mode, always.

pytest imports these (pyproject.toml), never manage.py, so no `.env` file is
read, and DJANGO_ENV_FILE is emptied for the subprocesses that some tests
start. The production defaults (DEBUG off, secure cookies, SSL redirect,
HSTS) are tested by starting manage.py with an explicit environment.
"""

from __future__ import annotations

import os

os.environ["DJANGO_DEBUG"] = "1"
os.environ["DJANGO_ENV_FILE"] = ""
for name in (
    "DJANGO_SECURE_COOKIES",
    "DJANGO_SSL_REDIRECT",
    "DJANGO_HSTS_SECONDS",
    "DJANGO_HSTS_PRELOAD",
    "DJANGO_BEHIND_TLS_PROXY",
    "SCLERO_2FA_REQUIRED",
):
    os.environ.pop(name, None)

from sclero_clinic.settings import *  # noqa: E402,F403
