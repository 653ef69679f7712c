"""Production's settings for the app servers of tests/deploy, with one change:
static files are named as they are, without the hashed manifest, so that a
test need not run collectstatic (twenty seconds) before starting a server.
Everything else (DEBUG off, sessions, axes, the database) is production's."""

from sclero_clinic.settings import *  # noqa: F403

STORAGES["staticfiles"] = {  # noqa: F405
    "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
}
