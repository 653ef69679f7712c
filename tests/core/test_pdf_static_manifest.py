"""PDF stylesheets are found in production, where static URLs carry a hash."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.templatetags.static import static
from django.test import override_settings

from core.pdf import STATIC_DIR, ForbiddenURL, static_path_for

MANIFEST = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.ManifestStaticFilesStorage"
    },
}


def test_hashed_static_url_of_the_manifest_storage_is_served_from_static(tmp_path):
    with override_settings(STORAGES=MANIFEST, STATIC_ROOT=tmp_path, DEBUG=False):
        call_command("collectstatic", interactive=False, verbosity=0)
        url = static("css/pdf.css")
        assert url != "/static/css/pdf.css"  # hashed, as in production
        assert static_path_for(url) == STATIC_DIR / "css" / "pdf.css"
        assert static_path_for("file://" + url) == STATIC_DIR / "css" / "pdf.css"
        # Plain names still work, and unknown hashed names are still refused.
        assert static_path_for("/static/css/pdf.css") == STATIC_DIR / "css" / "pdf.css"
        with pytest.raises(ForbiddenURL):
            static_path_for("/static/css/pdf.0123456789ab.css")
        with pytest.raises(ForbiddenURL):
            static_path_for("/static/../pyproject.toml")
