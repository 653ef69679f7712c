"""The agenda grid's repeated markup, rendered once and cached: each
column's visit blocks, and each column's cells (core.fragments).

A busy day is hundreds of blocks and cells, and rendering them, not reading
them, was what the page cost. Each key holds everything the fragment shows
or depends on: for a column's blocks, the rows its visits were read from
(visits.agenda_grid.grid_visits: the visit's id, code, version and last
change, time, status, purpose, the patient's answer and any unknown
reminder, the clinician's names, the patient's code, version and names and,
for a clinical viewer only, the screening answers and allergy notes the
allergy flag comes from), where each block sits (row, span, lane, the
column's first grid line), and the viewer's rights that add links (a viewer
without clinical detail reads no answers and has `clinical` false in the
key, so never gets a clinician's fragment). For a column's cells, every
cell's state, note and time, the slot the links carry and the viewer's
right to book.
"""

from __future__ import annotations

import hashlib
import pickle
from typing import Any

from django.template.loader import get_template

from core.fragments import cached_fragments
from core.roles import clinician_label
from visits.agenda_grid import Column, Grid

DAY_BLOCK = "visits/_grid_day_block.html"
DAY_CELLS = "visits/_grid_day_cells.html"
WEEK_BLOCK = "visits/_grid_week_block.html"
WEEK_CELLS = "visits/_grid_week_cells.html"


def _digest(rows: tuple) -> str:
    """A digest of a column's rows of values (ints, strings, booleans, dates
    and times) for its fragment's key: pickled, half the time repr takes on
    a busy week. Unequal rows never give equal bytes; rows read alike give
    the same bytes (pickle's memo only shortens a repeat of one object)."""
    return hashlib.blake2b(pickle.dumps(rows, protocol=5), digest_size=20).hexdigest()


def _cell_parts(column: Column) -> tuple:
    return (
        column.key,
        column.label,
        column.start,
        column.lanes,
        column.day,
        tuple((c.row, c.at, c.state, c.note, c.slot_at) for c in column.cells),
    )


def render_day(grid: Grid, context: dict[str, Any]) -> None:
    """Put the markup of the day grid's blocks and cells on them."""
    move = context.get("move")
    viewer = (
        context["clinical"],
        context["is_clinician"],
        context["can_move"],
        context["can_book"],
    )
    shared = {
        "day": context["day"],
        "keep": context["keep"],
        "site": context["site"],
        "sites_many": len(context["sites"]) > 1,
        "duration": context["duration"],
        "purpose": context["purpose"],
        "move": move,
        "clinical": context["clinical"],
        "is_clinician": context["is_clinician"],
        "can_move": context["can_move"],
        "can_book": context["can_book"],
    }
    page = (
        viewer,
        context["day"],
        context["keep"],
        context["site"].pk,
        shared["sites_many"],
        context["duration"],
        context["purpose"],
        str(move.code) if move else "",
    )
    _render(grid, DAY_BLOCK, DAY_CELLS, "agenda-day", page, shared)


def render_week(grid: Grid, context: dict[str, Any]) -> None:
    """Put the markup of the week grid's blocks and cells on them."""
    selected = context["selected"]
    shared = {
        "site": context["site"],
        "selected": selected,
        "duration": context["duration"],
        "purpose": context["purpose"],
        "clinical": context["clinical"],
        "can_move": context["can_move"],
        "can_book": context["can_book"],
    }
    page = (
        context["clinical"],
        context["can_move"],
        context["can_book"],
        context["site"].pk,
        selected.pk if selected else None,
        context["duration"],
        context["purpose"],
    )
    _render(grid, WEEK_BLOCK, WEEK_CELLS, "agenda-week", page, shared)


def _render(grid: Grid, block_name, cells_name, kind, page, shared) -> None:
    block_template = get_template(block_name)
    labels: dict[int, str] = {}

    def label(visit) -> str:
        if visit.clinician_id not in labels:
            labels[visit.clinician_id] = clinician_label(visit.clinician)
        return labels[visit.clinician_id]

    def one_column_blocks(n: int) -> str:
        column = grid.columns[n]
        return "".join(
            block_template.render(
                {
                    **shared,
                    "column": column,
                    "block": block,
                    "visit": block.visit,
                    "clinician_label": label(block.visit),
                }
            )
            for block in column.blocks
        )

    # A column's blocks are one fragment, keyed on the rows its visits were
    # read from (every value shown, see visits.agenda_grid.grid_visits) and
    # where each sits: a busy column is read from the cache in one piece.
    parts = [
        (
            page,
            column.start,
            column.day,
            column.key,
            _digest(tuple((b.visit.row, b.row, b.span, b.lane) for b in column.blocks)),
        )
        for column in grid.columns
    ]
    for column, html in zip(
        grid.columns,
        cached_fragments(kind + "-blocks", parts, one_column_blocks),
        strict=True,
    ):
        column.blocks_html = html

    cells_template = get_template(cells_name)

    def one_column(n: int) -> str:
        return cells_template.render({**shared, "column": grid.columns[n]})

    cell_parts = [(page, _cell_parts(column)) for column in grid.columns]
    for column, html in zip(
        grid.columns,
        cached_fragments(kind + "-cells", cell_parts, one_column),
        strict=True,
    ):
        column.cells_html = html
