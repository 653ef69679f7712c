"""The one way a view follows a `next=` parameter: only to a path of this site.

A user-supplied value never reaches `redirect()`, which would try it as a view
name (`next=foo` raised NoReverseMatch after the action was done); the answer
is a plain redirect to a checked path, else to the view's default.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponseRedirect
from django.utils.http import url_has_allowed_host_and_scheme

# Longer than any path of the site with its query string; a longer value is
# ignored rather than echoed back.
MAX_NEXT_LENGTH = 2000


def safe_next(request: HttpRequest, default: str) -> str:
    """Return the request's `next` (POST, else GET) if it is a path of this
    site, else `default`.

    Accepted: a path starting with one "/" (not "//" nor "/\\"), with no
    scheme or host of its own, no control characters, within MAX_NEXT_LENGTH.
    """
    target = request.POST.get("next") or request.GET.get("next") or ""
    if is_safe_path(request, target):
        return target
    return default


def is_safe_path(request: HttpRequest, target: str) -> bool:
    """Whether `target` is a same-site path a redirect may follow."""
    if not target or len(target) > MAX_NEXT_LENGTH:
        return False
    if not target.startswith("/") or target.startswith(("//", "/\\")):
        return False
    if any(ord(char) < 32 or ord(char) == 127 for char in target):
        return False
    return url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    )


def redirect_next(request: HttpRequest, default: str) -> HttpResponseRedirect:
    """Redirect to the request's safe `next`, else to `default` (a URL, never
    a view name)."""
    return HttpResponseRedirect(safe_next(request, default))
