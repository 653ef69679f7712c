"""Cached HTML fragments for pages that repeat one piece of markup many times
(the agenda's visit blocks, the timeline's entries).

A fragment is cached under a key made of everything its markup shows: the
record's id and version, the values printed, the viewer's rights that change
the markup, the language and the time zone. A changed record, a renamed
patient or another viewer therefore never meets an old fragment: the key is
new, the fragment is rendered again, and the old one ages out. Nothing is
invalidated on write, so there is nothing to forget.

The cache is the "fragments" alias when settings.CACHES has one, else the
default; Django's default is local memory per process, which is enough here
since the keys carry the data (processes never need to agree). With a shared
cache (Redis, memcached), bump FRAGMENT_VERSION when a fragment's template
changes, or a deploy would serve the old markup until it expires.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from typing import Any

from django.conf import settings
from django.core.cache import BaseCache, caches
from django.utils import timezone, translation
from django.utils.safestring import SafeString, mark_safe

FRAGMENT_VERSION = 1
FRAGMENT_SECONDS = 24 * 60 * 60
ALIAS = "fragments"


def fragment_cache() -> BaseCache:
    return caches[ALIAS if ALIAS in settings.CACHES else "default"]


def fragment_key(kind: str, parts: Any, context: tuple | None = None) -> str:
    """Return the cache key of a `kind` fragment showing `parts` (any repr-able
    values), in the active language and time zone (`context`, when the
    caller worked it out once for many keys)."""
    text = repr((context or render_context(), parts))
    digest = hashlib.blake2b(text.encode(), digest_size=20).hexdigest()
    return f"fragment:{kind}:{digest}"


def render_context() -> tuple:
    """What every fragment depends on: the markup's version, the language
    and the time zone."""
    return (
        FRAGMENT_VERSION,
        translation.get_language(),
        timezone.get_current_timezone_name(),
    )


def cached_fragments(
    kind: str, parts: Sequence[Any], render: Callable[[int], str]
) -> list[SafeString]:
    """Return the HTML of each of `parts`: cached, or `render(n)` for the n-th
    (then cached). One read and at most one write of the cache in all."""
    context = render_context()
    keys = [fragment_key(kind, p, context) for p in parts]
    cache = fragment_cache()
    found = cache.get_many(keys) if keys else {}
    rendered: dict[str, str] = {}
    html: list[SafeString] = []
    for n, key in enumerate(keys):
        text = found.get(key)
        if text is None:
            text = rendered.get(key)
        if text is None:
            text = rendered[key] = str(render(n))
        html.append(mark_safe(text))  # noqa: S308 - rendered by our templates
    if rendered:
        cache.set_many(rendered, FRAGMENT_SECONDS)
    return html
