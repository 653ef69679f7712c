"""The fragments' cache in the process's memory (core/cache.py): values as
they were stored, timeouts honoured, the least recently used dropped first."""

from __future__ import annotations

import time_machine
from django.core.cache import caches

from core.cache import ProcessCache
from core.fragments import fragment_cache


def _cache(**options) -> ProcessCache:
    return ProcessCache("test", {"TIMEOUT": 60, "OPTIONS": options})


def test_the_fragments_use_it():
    assert isinstance(fragment_cache(), ProcessCache)
    assert fragment_cache() is caches["fragments"]


def test_many_values_in_and_out():
    cache = _cache()
    assert cache.set_many({"a": "<p>A</p>", "b": "<p>B</p>"}) == []
    assert cache.get_many(["a", "b", "c"]) == {"a": "<p>A</p>", "b": "<p>B</p>"}
    assert cache.get("c", "none") == "none"
    assert cache.add("a", "other") is False
    assert cache.add("c", "<p>C</p>") is True
    assert cache.get("c") == "<p>C</p>"
    assert cache.has_key("a") and cache.delete("a") and not cache.has_key("a")
    cache.clear()
    assert cache.get_many(["b", "c"]) == {}


def test_a_value_ages_out_after_its_timeout():
    cache = _cache()
    with time_machine.travel("2026-11-18 10:00:00+00:00", tick=False) as clock:
        cache.set("a", "x", timeout=30)
        cache.set("b", "y", timeout=None)
        clock.shift(29)
        assert cache.get("a") == "x"
        assert cache.touch("a", timeout=30)
        clock.shift(29)
        assert cache.get("a") == "x"
        clock.shift(2)
        assert cache.get_many(["a", "b"]) == {"b": "y"}
        assert not cache.touch("a")


def test_the_least_recently_used_go_first():
    cache = _cache(MAX_ENTRIES=3)
    cache.set_many({"a": 1, "b": 2, "c": 3})
    cache.get("a")  # now the most recently used
    cache.set("d", 4)
    assert cache.get_many(["a", "b", "c", "d"]) == {"a": 1, "c": 3, "d": 4}
