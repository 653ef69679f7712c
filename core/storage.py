"""The private file storage (clinical photos, signed consent forms).

A FileSystemStorage with no URL at all: Django's own falls back to MEDIA_URL
when base_url is empty, which would hand out a path a misconfigured web
server might serve. Files here are read only by the app's views, which check
the role and write the access log.
"""

from __future__ import annotations

from django.core.files.storage import FileSystemStorage


class PrivateFileSystemStorage(FileSystemStorage):
    def url(self, name: str | None) -> str:
        raise ValueError(
            "Private files have no URL: serve them through a view that checks "
            "the role and writes the access log."
        )
