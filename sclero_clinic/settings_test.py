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

# Private files (photos, signed consents) of a test run go to a directory of
# its own, removed when the run ends.
import atexit  # noqa: E402
import shutil  # noqa: E402
import tempfile  # noqa: E402

from sclero_clinic.settings import *  # noqa: E402,F403

SCLERO_PRIVATE_MEDIA_ROOT = tempfile.mkdtemp(prefix="sclero-test-private-")
atexit.register(shutil.rmtree, SCLERO_PRIVATE_MEDIA_ROOT, ignore_errors=True)
if STORAGES["private"]["BACKEND"].endswith("FileSystemStorage"):  # noqa: F405
    STORAGES["private"]["OPTIONS"]["location"] = SCLERO_PRIVATE_MEDIA_ROOT  # noqa: F405

# Every prepared query (core.prepared) is also built anew and compared.
SCLERO_CHECK_PREPARED = True
