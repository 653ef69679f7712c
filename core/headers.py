"""Security headers every response gets, next to django-csp's policy.

- `Permissions-Policy`: the browser features the site never uses are off;
  the camera stays allowed for the site itself (clinical photos).
- `Cache-Control: no-store` (and `Pragma: no-cache` for old proxies) on every
  response to a logged-in user and on every response that noted a read of
  patient data (core.access.note_access): pages, fragments, PDFs, ICS, CSV and
  JSON files stay out of the browser's and any proxy's cache. A view that set
  its own Cache-Control keeps it. Static files never reach this middleware
  (WhiteNoise answers them first) and keep their long caching.
"""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponseBase

from core.access import noted_access

PERMISSIONS_POLICY = ", ".join(
    (
        "camera=(self)",
        "microphone=()",
        "geolocation=()",
        "payment=()",
        "usb=()",
        "interest-cohort=()",
    )
)


def must_not_be_stored(request: HttpRequest) -> bool:
    """Whether the response may hold patient or account data."""
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        return True
    return noted_access(request) is not None


class SecurityHeadersMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        response = self.get_response(request)
        response.headers.setdefault("Permissions-Policy", PERMISSIONS_POLICY)
        if must_not_be_stored(request) and "Cache-Control" not in response:
            response["Cache-Control"] = "no-store"
            response["Pragma"] = "no-cache"
        return response
