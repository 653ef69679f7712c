"""Queries built and compiled once, then run with each request's values.

At every request Django builds a queryset (each filter() resolves its
lookups, select_related() and annotate() their joins) and compiles it to SQL.
On the pages read most (the patient page, the booking form, the agendas) the
building and compiling of their dozen queries took longer than the database
took to answer them: about 5 ms of the patient page's 19.

`PreparedQuery(build)` calls `build` once per thread, database and shape of
its arguments, with stand-in values, compiles the queryset and keeps its SQL
and where each stand-in sits among its parameters. Each call then runs the
same SQL with the call's values through the ORM's own iterables, so the rows
come back as the queryset would give them: model instances with their
select_related() objects and annotations, or values_list() tuples; a
prefetch_related() runs as usual.

The arguments that vary are ints (primary and foreign keys), UUIDs, strings,
dates and aware datetimes, all compared as they are, and lists of keys
(positive ints) for IN lookups (`pk__in`). A list loses its repeats and is
padded to a power of two with 0, -1, -2…, which no key equals, so that few
lengths make few shapes; an empty list is not prepared (the caller skips the
query).

None and booleans are part of the shape: `build` may branch on them. Anything
else `build` reads (the clock, settings, a model instance) is frozen at the
first build, so `build` must take every value that varies as an argument,
and a value worked out from an argument (a day before it, an hour after) is
worked out by the caller and passed as an argument of its own: `build` sees
only stand-ins.
With settings.SCLERO_CHECK_PREPARED on (the test suite), every call also
builds and compiles the query anew and fails if its SQL or parameters differ
from the prepared ones: a value frozen by mistake fails the tests.
"""

from __future__ import annotations

import copy
import threading
import uuid
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import EmptyResultSet
from django.db import connections
from django.db.models import QuerySet
from django.utils import timezone

# Stand-ins: values no real query holds, inside every backend's integer range
# (Django turns an out-of-range integer lookup into an empty result).
_INT_BASE = -2_000_000_000
_UUID_BASE = 0x5C1E70_0000_0000_0000_0000_0000_0000
# Days and moments of the year 2, which no record holds.
_DATE_BASE = date(2, 1, 1)
_DATETIME_BASE = datetime(2, 1, 1, tzinfo=UTC)


class _StandIn:
    """The stand-ins of one build, numbered in the order they are made."""

    def __init__(self) -> None:
        self.count = 0

    def make(self, value: Any) -> Any:
        n = self.count
        if isinstance(value, bool) or value is None:
            return value
        if isinstance(value, int):
            standin: Any = _INT_BASE - n
        elif isinstance(value, datetime):
            standin = _DATETIME_BASE + timedelta(microseconds=n)
        elif isinstance(value, date):
            standin = _DATE_BASE + timedelta(days=n)
        elif isinstance(value, uuid.UUID):
            standin = uuid.UUID(int=_UUID_BASE + n)
        elif isinstance(value, str):
            standin = f"\x1fprepared-{n}\x1f"
        else:
            raise TypeError(f"A prepared query cannot vary {type(value).__name__}")
        self.count += 1
        return standin


# Shapes kept per query and thread, past which the oldest is dropped.
MAX_SHAPES = 32


def _padded(value: Any) -> Any:
    if not isinstance(value, (list, tuple, set, frozenset)):
        return value
    keys = list(dict.fromkeys(value))
    if not keys:
        return keys
    if not all(isinstance(key, int) and key > 0 for key in keys):
        raise TypeError("A prepared query's list holds keys: positive ints")
    size = 1
    while size < len(keys):
        size *= 2
    return keys + [-n for n in range(size - len(keys))]


def _shape(value: Any) -> Any:
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, list):
        if not value:
            raise ValueError("A prepared query's list must not be empty")
        return ("list", len(value))
    if isinstance(value, datetime) and timezone.is_naive(value):
        raise TypeError("A prepared query's datetimes are aware")
    return type(value).__name__


def _same(param: Any, value: Any) -> bool:
    return type(param) is type(value) and param == value


def _adapters(connection: Any) -> dict[type, tuple[Callable[[Any], Any], ...]]:
    """How each kind of value may reach the database among a compiled
    query's parameters: as it is, or as the backend adapts it (SQLite keeps
    a UUID as its hex, dates and moments as text)."""

    def same(value: Any) -> Any:
        return value

    ops = connection.ops
    return {
        int: (same,),
        str: (same,),
        uuid.UUID: (same, lambda value: value.hex),
        date: (same, ops.adapt_datefield_value),
        datetime: (same, ops.adapt_datetimefield_value),
    }


class _Prepared:
    """One compiled query: its compiler, SQL, parameters and where the
    arguments go among them."""

    def __init__(self, queryset: QuerySet, slots: list[tuple]) -> None:
        compiler = queryset.query.get_compiler(using=queryset.db)
        self.queryset = queryset
        try:
            sql, params = compiler.as_sql()
        except EmptyResultSet:
            # A shape that can match nothing whatever the values: each call
            # builds its queryset as it is (and reads nothing).
            self.empty = True
            return
        self.empty = False
        self.compiler = compiler
        self.sql = sql
        self.params = tuple(params)
        # (parameter position, argument index, item index or None, how the
        # database is given the value)
        places: list[tuple[int, int, int | None, Callable[[Any], Any]]] = []
        found: set[int] = set()
        adapters = _adapters(connections[queryset.db])
        for position, param in enumerate(self.params):
            for n, (index, item, standin) in enumerate(slots):
                adapter = next(
                    (
                        adapt
                        for adapt in adapters[type(standin)]
                        if _same(param, adapt(standin))
                    ),
                    None,
                )
                if adapter is not None:
                    places.append((position, index, item, adapter))
                    found.add(n)
                    break
        if len(found) != len(slots):
            raise ValueError(
                "A prepared query's values were not all found among its"
                f" parameters: {self.params}"
            )
        self.places = places

    def params_for(self, args: tuple) -> tuple:
        params = list(self.params)
        for position, index, item, adapt in self.places:
            value = args[index] if item is None else args[index][item]
            params[position] = adapt(value)
        return tuple(params)


class _Run:
    """The query a prepared queryset's iterable sees: the prepared query's,
    with a compiler that gives the kept SQL and this call's parameters."""

    def __init__(self, query: Any, compiler: Any) -> None:
        self._query = query
        self._compiler = compiler

    def get_compiler(self, *args: Any, **kwargs: Any) -> Any:
        return self._compiler

    def __getattr__(self, name: str) -> Any:
        # Iterating needs nothing more; anything else (filter(), count(), a
        # repr) would build on the query of the stand-ins: refused, loudly.
        raise AttributeError(
            f"A prepared query's rows are read by iterating it ({name!r} asked for)"
        )


class PreparedQuery:
    """A query whose SQL is built once: `rows = query(patient.pk, pks)` gives
    what `list(build(patient.pk, pks))` would, without building it again."""

    def __init__(self, build: Callable[..., QuerySet]) -> None:
        self._build = build
        self._local = threading.local()

    def _prepared(self, args: tuple) -> _Prepared:
        key = tuple(_shape(arg) for arg in args)
        cache = getattr(self._local, "cache", None)
        if cache is None:
            cache = self._local.cache = {}
        found = cache.get(key)
        if found is not None:
            return found
        if len(cache) >= MAX_SHAPES:
            del cache[next(iter(cache))]
        standins = _StandIn()
        slots: list[tuple] = []
        build_args: list[Any] = []
        for index, arg in enumerate(args):
            if isinstance(arg, (list, tuple)):
                items = []
                for item_index, item in enumerate(arg):
                    standin = standins.make(item)
                    slots.append((index, item_index, standin))
                    items.append(standin)
                build_args.append(items)
            else:
                standin = standins.make(arg)
                if standin is not arg:
                    slots.append((index, None, standin))
                build_args.append(standin)
        prepared = _Prepared(self._build(*build_args), slots)
        cache[key] = prepared
        return prepared

    def queryset(self, *args: Any) -> QuerySet:
        """A queryset that runs the prepared SQL with `args` when iterated;
        only for iterating: filter(), count() or a repr() raise."""
        args = tuple(_padded(arg) for arg in args)
        prepared = self._prepared(args)
        if prepared.empty:
            return self._build(*args)
        base = prepared.queryset
        alias = base.db
        params = prepared.params_for(args)
        if getattr(settings, "SCLERO_CHECK_PREPARED", False):
            self._check(args, prepared, params)
        compiler = copy.copy(prepared.compiler)
        compiler.connection = connections[alias]
        sql = prepared.sql
        compiler.as_sql = lambda *a, **k: (sql, params)
        query: Any = _Run(base.query, compiler)
        run: Any = QuerySet(model=base.model, query=query, using=alias)
        old: Any = base
        run._iterable_class = old._iterable_class
        run._fields = old._fields
        run._prefetch_related_lookups = old._prefetch_related_lookups
        return run

    def __call__(self, *args: Any) -> list:
        return list(self.queryset(*args))

    def _check(self, args: tuple, prepared: _Prepared, params: tuple) -> None:
        fresh = self._build(*args)
        sql, fresh_params = fresh.query.get_compiler(using=fresh.db).as_sql()
        if sql != prepared.sql or tuple(fresh_params) != params:
            raise AssertionError(
                "A prepared query differs from its query built anew (a value"
                f" frozen at the first build?):\n{prepared.sql}\n{params}\n"
                f"!=\n{sql}\n{tuple(fresh_params)}"
            )
