"""Keyset ("seek") paging: a page starts after (or ends before) a given row.

A page is read with `WHERE (a, b, id) > (the cursor row's a, b, id) ORDER BY
a, b, id LIMIT size + 1`, which an index on the order answers however deep
the page is: no OFFSET, no count of the whole table. The cursor row is named
by a unique column (a public code) and read in the same query, so the URL
carries no names.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from django.db.models import (
    BooleanField,
    CharField,
    Expression,
    F,
    Func,
    Model,
    QuerySet,
    Subquery,
)

T = TypeVar("T", bound=Model)

AFTER = "after"
BEFORE = "before"


class RowCompare(Expression):
    """`(left...) > (right...)` (or `<`): a row comparison, which PostgreSQL
    answers with an index on the left's columns and SQLite evaluates too."""

    conditional = True
    output_field = BooleanField()

    def __init__(
        self, left: Sequence[Any], operator: str, right: Sequence[Any]
    ) -> None:
        if operator not in {">", "<"} or len(left) != len(right):
            raise ValueError("a row comparison needs > or < and rows of one length")
        super().__init__()
        self.left = list(left)
        self.operator = operator
        self.right = list(right)

    def get_source_expressions(self) -> list[Any]:
        return [*self.left, *self.right]

    def set_source_expressions(self, exprs: Sequence[Any]) -> None:
        self.left = list(exprs[: len(self.left)])
        self.right = list(exprs[len(self.left) :])

    def as_sql(self, compiler: Any, connection: Any) -> tuple[str, list[Any]]:
        params: list[Any] = []
        sides = []
        for side in (self.left, self.right):
            parts = []
            for expression in side:
                sql, part_params = compiler.compile(expression)
                parts.append(sql)
                params.extend(part_params)
            sides.append(", ".join(parts))
        return f"({sides[0]}) {self.operator} ({sides[1]})", params


@dataclass
class KeysetPage(Generic[T]):
    """The rows of one page, in order, and whether there are more either side."""

    rows: list[T]
    has_previous: bool
    has_next: bool

    def __iter__(self) -> Iterator[T]:
        return iter(self.rows)

    def __len__(self) -> int:
        return len(self.rows)

    @property
    def has_other_pages(self) -> bool:
        return self.has_previous or self.has_next


def keyset_page(
    queryset: QuerySet[T],
    *,
    order: Sequence[str],
    size: int,
    direction: str = AFTER,
    cursor: QuerySet[T] | None = None,
) -> KeysetPage[T]:
    """Return the page of `queryset` (in `order`, ascending, whose last column
    is unique) after the cursor's row, or before it, in one query. `cursor`
    selects that one row, e.g. `Patient.objects.filter(code=...)`; without one
    the page is the first. A cursor that names no row gives an empty page."""
    if direction not in {AFTER, BEFORE}:
        raise ValueError(f"direction is {AFTER!r} or {BEFORE!r}")
    backwards = cursor is not None and direction == BEFORE
    rows = queryset
    if cursor is not None:
        cursor = cursor.order_by()
        values = [Subquery(cursor.values(name)[:1]) for name in order]
        rows = rows.filter(
            RowCompare([F(name) for name in order], "<" if backwards else ">", values)
        )
    ordering = [f"-{name}" for name in order] if backwards else list(order)
    fetched = list(rows.order_by(*ordering)[: size + 1])
    more = len(fetched) > size
    fetched = fetched[:size]
    if backwards:
        fetched.reverse()
        return KeysetPage(fetched, has_previous=more, has_next=True)
    return KeysetPage(fetched, has_previous=cursor is not None, has_next=more)


def cursor_of(params: Mapping[str, str]) -> tuple[str, uuid.UUID | None]:
    """Return the direction and the public code of the row a page starts
    after (or ends before), read from a request's query (?after= or
    ?before=); a missing or garbled code gives the first page."""
    for direction in (AFTER, BEFORE):
        value = params.get(direction)
        if value:
            try:
                return direction, uuid.UUID(value)
            except ValueError:
                break
    return AFTER, None


def count_up_to(queryset: QuerySet[Any], cap: int) -> int:
    """Return how many rows there are, but at most cap + 1: counting stops
    there ("more than 500"), so it never reads the whole table."""
    return queryset.order_by()[: cap + 1].count()


class NotFromIndex(Func):
    """A text column as it is, in a form no index covers.

    Ordering a search's matches by it makes PostgreSQL collect them from the
    search's own indexes and sort them (a cost that grows with the matches),
    instead of walking the list order's index until enough match, which it
    does when it takes the matches to be spread evenly along the order: a
    surname near Z was read past almost every row. The order is the same.
    """

    template = "(%(expressions)s || '')"
    output_field = CharField()
