"""A cache in the process's own memory for the HTML fragments (core.fragments).

Django's LocMemCache pickles every value and takes its lock once per key: for
a week's agenda of several hundred visit blocks, reading the fragments cost
more than the rest of the grid. The fragments are strings, immutable, so this
cache keeps them as they are, and reads or writes many under one lock. Like
LocMemCache it is per process, bounded (MAX_ENTRIES, least recently used out
first) and honours timeouts; the fragments' keys carry their data, so
processes never need to agree.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from typing import Any

from django.core.cache.backends.base import DEFAULT_TIMEOUT, BaseCache


class ProcessCache(BaseCache):
    def __init__(self, name: str, params: dict[str, Any]) -> None:
        super().__init__(params)
        self._data: OrderedDict[str, tuple[float | None, Any]] = OrderedDict()
        self._lock = threading.Lock()

    # --- the many-keys calls the fragments use ---------------------------------

    def get_many(self, keys: Any, version: int | None = None) -> dict[Any, Any]:
        now = time.time()
        found: dict[Any, Any] = {}
        with self._lock:
            for key in keys:
                stored = self.make_key(key, version)
                item = self._data.get(stored)
                if item is None:
                    continue
                expires, value = item
                if expires is not None and expires <= now:
                    del self._data[stored]
                    continue
                self._data.move_to_end(stored)
                found[key] = value
        return found

    def set_many(
        self, data: dict[Any, Any], timeout: Any = DEFAULT_TIMEOUT, version=None
    ) -> list:
        expires = self.get_backend_timeout(timeout)
        with self._lock:
            for key, value in data.items():
                stored = self.make_key(key, version)
                self._data[stored] = (expires, value)
                self._data.move_to_end(stored)
            self._trim()
        return []

    # --- the rest of the cache API ---------------------------------------------

    def get(self, key: Any, default: Any = None, version: int | None = None) -> Any:
        return self.get_many([key], version).get(key, default)

    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None) -> None:
        self.set_many({key: value}, timeout, version)

    def add(self, key, value, timeout=DEFAULT_TIMEOUT, version=None) -> bool:
        with self._lock:
            if self._live(self.make_key(key, version)):
                return False
        self.set(key, value, timeout, version)
        return True

    def touch(self, key, timeout=DEFAULT_TIMEOUT, version=None) -> bool:
        stored = self.make_key(key, version)
        with self._lock:
            if not self._live(stored):
                return False
            value = self._data[stored][1]
            self._data[stored] = (self.get_backend_timeout(timeout), value)
            return True

    def delete(self, key, version=None) -> bool:
        with self._lock:
            return self._data.pop(self.make_key(key, version), None) is not None

    def has_key(self, key, version=None) -> bool:
        with self._lock:
            return self._live(self.make_key(key, version))

    def clear(self) -> None:
        with self._lock:
            self._data.clear()

    def _live(self, stored: str) -> bool:
        item = self._data.get(stored)
        if item is None:
            return False
        if item[0] is not None and item[0] <= time.time():
            del self._data[stored]
            return False
        return True

    def _trim(self) -> None:
        while len(self._data) > self._max_entries:
            self._data.popitem(last=False)
