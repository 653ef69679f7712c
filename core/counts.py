"""Counting a row's children in the row's own query, cheaply.

`child_count(Session, "addenda")` is a correlated subquery written out
("SELECT COUNT(*) FROM <child> WHERE <fk> = <parent>.<pk>"), to annotate a
queryset of the parent model with. The ORM's ways to say the same, a
`Count()` (a GROUP BY over every selected column) or a `Subquery`, took
longer to compile, at each request, than the database took to answer: about
a millisecond each on the patient page.

Only for the parent model's own queryset (not one used inside another
query, where its table would be renamed).
"""

from __future__ import annotations

from typing import Any

from django.db import connection
from django.db.models import IntegerField
from django.db.models.expressions import RawSQL


def child_count(parent: Any, accessor: str, *, null: tuple[str, ...] = ()) -> RawSQL:
    """COUNT(*) of `parent`'s `accessor` rows (a reverse foreign key), only
    those whose `null` fields are empty (e.g. not voided)."""
    relation = parent._meta.get_field(accessor)
    child = relation.related_model
    quote = connection.ops.quote_name
    sql = (
        f"SELECT COUNT(*) FROM {quote(child._meta.db_table)} child"
        f" WHERE child.{quote(relation.field.column)}"
        f" = {quote(parent._meta.db_table)}.{quote(parent._meta.pk.column)}"
    )
    for name in null:
        sql += f" AND child.{quote(child._meta.get_field(name).column)} IS NULL"
    return RawSQL(sql, [], output_field=IntegerField())
