"""Idle timeout on top of the absolute one, without losing a posted form.

Every request of a logged-in user notes the time in the session. A request
that comes more than SCLERO_IDLE_TIMEOUT_MINUTES after the previous one, or
more than SESSION_COOKIE_AGE after the login, logs the user out. A form posted
then is not lost: its fields (not its files) are kept in the new anonymous
session under its path, the user logs in again and a page offers to send the
entries to the original URL, where the normal view validates them.

static/js/session_keepalive.js pings core.login_views.keep_alive while the
user types or clicks, so a long form is not an idle page.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils.translation import gettext as _

LAST_ACTIVITY_KEY = "sclero_last_activity"
LOGIN_AT_KEY = "sclero_login_at"
KEPT_FORMS_KEY = "sclero_kept_forms"
# The last activity is written to the session at most this often, so that a
# page and its htmx requests do not each save the session: the user is
# logged out between IDLE - 30 s and IDLE after the last request.
WRITE_EVERY_SECONDS = 30
# How many expired forms one browser keeps at most (one per path).
MAX_KEPT_FORMS = 5


def idle_seconds() -> int:
    return settings.SCLERO_IDLE_TIMEOUT_MINUTES * 60


def seconds_left(request: HttpRequest, now: float | None = None) -> int:
    """Return the seconds before this session ends, idle or absolute."""
    now = time.time() if now is None else now
    session = request.session
    last = session.get(LAST_ACTIVITY_KEY, now)
    login_at = session.get(LOGIN_AT_KEY, now)
    left = min(
        idle_seconds() - (now - last),
        settings.SESSION_COOKIE_AGE - (now - login_at),
    )
    return max(0, int(left))


def keep_form(request: HttpRequest, path: str, username: str) -> None:
    """Keep the POSTed fields of `path` in the (new, anonymous) session."""
    fields = [
        [name, value]
        for name, values in request.POST.lists()
        if name != "csrfmiddlewaretoken"
        for value in values
    ]
    kept = dict(request.session.get(KEPT_FORMS_KEY, {}))
    kept[path] = {"user": username, "fields": fields, "files": bool(request.FILES)}
    request.session[KEPT_FORMS_KEY] = dict(list(kept.items())[-MAX_KEPT_FORMS:])


def take_kept_form(request: HttpRequest, path: str) -> dict | None:
    """Return and forget the form kept for `path`, if it is this user's."""
    kept = dict(request.session.get(KEPT_FORMS_KEY, {}))
    entry = kept.pop(path, None)
    request.session[KEPT_FORMS_KEY] = kept
    if entry is None or entry.get("user") != request.user.get_username():
        return None
    return entry


def _is_background(request: HttpRequest) -> bool:
    """Return whether the request came from a script, not a page or a form."""
    return bool(
        request.headers.get("HX-Request")
        or request.path_info == reverse("account:keep-alive")
    )


def note_login(sender, request: HttpRequest | None, user, **kwargs) -> None:
    """Start the login's clocks (a user_logged_in receiver, see core.apps)."""
    if request is not None and hasattr(request, "session"):
        now = time.time()
        request.session[LOGIN_AT_KEY] = now
        request.session[LAST_ACTIVITY_KEY] = now


class IdleTimeoutMiddleware:
    """Log out a user idle for too long, or logged in for too long."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.user.is_authenticated:
            now = time.time()
            session = request.session
            login_at = session.setdefault(LOGIN_AT_KEY, now)
            last = session.get(LAST_ACTIVITY_KEY, now)
            too_long = now - login_at > settings.SESSION_COOKIE_AGE
            if too_long or now - last > idle_seconds():
                response = self._expire(request, too_long)
                if response is not None:
                    return response
            elif now - last >= WRITE_EVERY_SECONDS or LAST_ACTIVITY_KEY not in session:
                session[LAST_ACTIVITY_KEY] = now
        return self.get_response(request)

    def _expire(self, request: HttpRequest, too_long: bool) -> HttpResponse | None:
        username = request.user.get_username()
        if too_long:
            why = _(
                "You were logged out: a login lasts %(minutes)d minutes at most."
            ) % {"minutes": settings.SESSION_COOKIE_AGE // 60}
        else:
            why = _(
                "You were logged out after %(minutes)d minutes without activity."
            ) % {"minutes": settings.SCLERO_IDLE_TIMEOUT_MINUTES}
        keep = (
            request.method == "POST"
            and not _is_background(request)
            and request.path_info not in (reverse("logout"), reverse("login"))
        )
        path = request.get_full_path()
        logout(request)
        if _is_background(request):
            # The page stays as it is; its script tells the user.
            return HttpResponse(status=401)
        if keep:
            keep_form(request, path, username)
            messages.warning(
                request, why + " " + _("Log in again: your entries are kept.")
            )
            resume = reverse("account:kept-form") + "?" + urlencode({"next": path})
            return redirect_to_login(resume)
        messages.info(request, why)
        # LoginRequiredMiddleware sends the now anonymous request to the login.
        return None


def session_context(request: HttpRequest) -> dict:
    """Context for base.html: the idle timeout its keep-alive script counts down."""
    return {"idle_timeout_seconds": idle_seconds()}
