"""Text search that PostgreSQL answers from trigram indexes.

`fold()` writes a text as stored in a folded column (no accents, lower
case): the patients' names are searched that way, on indexes of plain
columns (see patients.models.Patient.save and patients' migration 0013).

On PostgreSQL a name is compared as `lower(sclero_unaccent(name))`, the
expression the trigram (pg_trgm) GIN indexes are built on (the patients app's
migration 0011 creates the function and the indexes), so that "Esposito"
finds "Espósito" and "nicolo" finds "Nicolò" without reading every row.
Other databases (SQLite) compare with plain icontains / istartswith.

Both lookups are used as expressions: `filter(FoldedContains(F("last_name"),
"ross"))`.
"""

from __future__ import annotations

import unicodedata
from typing import Any

from django.db.models import CharField, Func, Lookup
from django.db.models.lookups import IContains, IStartsWith

FOLDED = "lower(sclero_unaccent({}))"

# Letters NFKD does not take apart, as unaccent() writes them; and one kind
# of apostrophe ("D’Angelo" is "d'angelo").
_LETTERS = str.maketrans(
    {
        "ø": "o",
        "Ø": "O",
        "ł": "l",
        "Ł": "L",
        "đ": "d",
        "Đ": "D",
        "ß": "ss",
        "æ": "ae",
        "Æ": "AE",
        "œ": "oe",
        "Œ": "OE",
        "ı": "i",
        "’": "'",
        "‘": "'",
        "`": "'",
    }
)


def fold(text: str, length: int | None = None) -> str:
    """Return the text without accents, in lower case: what a stored folded
    column holds (patients' `last_name_folded`) and what a search for it is
    compared as, on every database. Cut to `length` characters if given."""
    decomposed = unicodedata.normalize("NFKD", (text or "").translate(_LETTERS))
    bare = "".join(char for char in decomposed if not unicodedata.combining(char))
    return bare.lower()[:length]


class _FoldedLike(Lookup):
    prepare_rhs = False
    fallback: type[Lookup] = IContains
    pattern = "%{}%"

    def as_sql(self, compiler: Any, connection: Any) -> tuple[str, Any]:
        return compiler.compile(self.fallback(self.lhs, self.rhs))

    def as_postgresql(self, compiler: Any, connection: Any) -> tuple[str, Any]:
        lhs_sql, lhs_params = compiler.compile(self.lhs)
        # The % and _ the user typed are matched as such, not as wildcards.
        value = self.pattern.format(connection.ops.prep_for_like_query(self.rhs))
        sql = f"{FOLDED.format(lhs_sql)} LIKE {FOLDED.format('%s')}"
        return sql, (*lhs_params, value)


class FoldedContains(_FoldedLike):
    """The text holds the value, without accents or case."""

    lookup_name = "folded_contains"


class FoldedStartsWith(_FoldedLike):
    """The text starts with the value, without accents or case. A trigram
    index answers it from the first character: pg_trgm pads the start."""

    lookup_name = "folded_startswith"
    fallback = IStartsWith
    pattern = "{}%"


class ByteOrder(Func):
    """A text column compared character code by character code (PostgreSQL's
    "C" collation), whatever the database's own collation.

    A B-tree index on it answers both a "starts with" (LIKE 'carr%' is a
    range of it) and the order of what it finds, so the first rows of a
    prefix come from the index however many rows start with it (a search's
    first page, patients.selectors). SQLite compares text that way already.
    """

    template = "%(expressions)s"
    output_field = CharField()

    def as_postgresql(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        return self.as_sql(
            compiler, connection, template='(%(expressions)s COLLATE "C")', **extra
        )
