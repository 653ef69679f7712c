"""Write one access-log row for each request that read patient data.

A view notes what it read with core.access.note_access; after the view has
answered, this middleware turns the note into one INSERT (the user and the
patient are already loaded, so no other query). An authenticated request
refused with 403 is logged too, as kind "refused", so that attempts on
records one may not see leave a trace. A page opened without a login by a
secret link (core.access) is logged when it noted a read, under the feed's
owner or under no user (a patient), and without the secret in the path.
The row is written before the response leaves, so it exists once the user
has the page; if the write fails the page is still returned and the failure
goes to the "sclero.accesslog" logger.
"""

from __future__ import annotations

import ipaddress
import logging
from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse

from accesslog.models import (
    LABEL_MAX,
    PATH_MAX,
    QUERY_MAX,
    USER_AGENT_MAX,
    AccessEvent,
)
from core.access import noted_access

logger = logging.getLogger("sclero.accesslog")

REFUSED = "refused"


def client_ip(request: HttpRequest) -> str | None:
    """Return the client's address: REMOTE_ADDR, or behind the TLS proxy
    (settings.SECURE_PROXY_SSL_HEADER set) the X-Forwarded-For address that
    the clinic's proxies added. Anything that is not an IP address gives None.

    A client may send its own X-Forwarded-For; each proxy appends the address
    it saw, so only the last AXES_IPWARE_PROXY_COUNT (the lockout's count,
    1 by default) entries are trustworthy, and the one furthest left of them
    is the client. The addresses before it are whatever the client wrote.
    """
    candidate = request.META.get("REMOTE_ADDR", "")
    if getattr(settings, "SECURE_PROXY_SSL_HEADER", None):
        forwarded = [
            part.strip()
            for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
            if part.strip()
        ]
        proxies = max(getattr(settings, "AXES_IPWARE_PROXY_COUNT", 1) or 1, 1)
        if forwarded:
            candidate = forwarded[-min(proxies, len(forwarded))]
    try:
        return str(ipaddress.ip_address(candidate.strip()))
    except ValueError:
        return None


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _event(request: HttpRequest, response: HttpResponse) -> AccessEvent | None:
    noted = noted_access(request)
    if noted is None and response.status_code != 403:
        # Checked first: asking for request.user would load the session and
        # the user on pages that never needed them (login, static files).
        return None
    user = getattr(request, "user", None)
    logged_in = user is not None and user.is_authenticated
    path = request.get_full_path()
    if noted is None:
        if not logged_in:
            return None
        kind, patient_id, label, query, count = REFUSED, None, "", "", None
    else:
        kind, label, query, count = noted.kind, noted.label, noted.query, noted.count
        patient_id = getattr(noted.patient, "pk", None)
        path = noted.path or path
        if not logged_in:
            # A page opened by a secret link without a login: the feed's
            # owner, or no user at all (a patient through a reminder link).
            user = noted.user
    return AccessEvent(
        user_id=getattr(user, "pk", None),
        ip=client_ip(request),
        user_agent=_cut(request.META.get("HTTP_USER_AGENT", ""), USER_AGENT_MAX),
        method=request.method or "",
        path=_cut(path, PATH_MAX),
        kind=kind,
        patient_id=patient_id,
        label=_cut(str(label), LABEL_MAX),
        query=_cut(str(query), QUERY_MAX),
        count=count,
        status=response.status_code,
    )


class AccessLogMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        try:
            event = _event(request, response)
            if event is not None:
                event.save(force_insert=True)
        except Exception:
            # The page has been made; losing it for want of a log row would
            # hurt the patient more than the missing row. Say so loudly.
            logger.exception(
                "Access log row not written for %s %s",
                request.method,
                request.path,
            )
        return response
