"""Private files (photos, signed consents): a storage with no public URL,
outside what the web server or whitenoise serve; S3 when configured."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import storages

from tests.core.test_production_settings import PRODUCTION, run

# The settings only, without loading the apps: the photo and consent models
# open the private storage as they load, and boto3 (the `s3` extra) is not
# installed here.
READ_SETTINGS = (
    "import json; from django.conf import settings as s; "
    "print(json.dumps({'backend': s.STORAGES['private']['BACKEND'], "
    "'options': s.STORAGES['private'].get('OPTIONS', {})}))"
)
READ_STORAGE = (
    "import json, django; django.setup(); from django.conf import settings as s; "
    "from django.core.files.storage import storages; st = storages['private']; "
    "print(json.dumps({'backend': s.STORAGES['private']['BACKEND'], "
    "'options': s.STORAGES['private'].get('OPTIONS', {}), "
    "'class': type(st).__module__ + '.' + type(st).__name__}))"
)


def test_the_private_storage_has_no_public_url():
    storage = storages["private"]
    name = storage.save("probe/private.txt", ContentFile(b"patient data"))
    try:
        with pytest.raises(ValueError):
            storage.url(name)
        location = Path(storage.path(name)).resolve()
        for public in (*settings.STATICFILES_DIRS, settings.STATIC_ROOT):
            assert not location.is_relative_to(Path(public).resolve())
    finally:
        storage.delete(name)


def test_production_keeps_files_on_disk_by_default_outside_static():
    result = run(["-c", READ_STORAGE], **PRODUCTION)
    assert result.returncode == 0, result.stderr
    found = json.loads(result.stdout)
    assert found["class"] == "core.storage.PrivateFileSystemStorage"
    assert found["options"]["base_url"] is None
    assert found["options"]["location"].endswith("private_media")
    assert found["options"]["file_permissions_mode"] == 0o600


def test_object_storage_when_a_bucket_is_configured():
    # The settings only: boto3 is the `s3` extra, not installed by default.
    result = run(
        ["-c", READ_SETTINGS],
        **PRODUCTION,
        SCLERO_S3_BUCKET="clinic-files",
        SCLERO_S3_ENDPOINT_URL="https://s3.example.org",
    )
    assert result.returncode == 0, result.stderr
    found = json.loads(result.stdout)
    assert found["backend"] == "storages.backends.s3.S3Storage"
    assert found["options"]["bucket_name"] == "clinic-files"
    assert found["options"]["endpoint_url"] == "https://s3.example.org"
    assert found["options"]["default_acl"] == "private"
    assert found["options"]["querystring_auth"] is True
