"""The agenda grid's repeated markup, rendered once and cached: each visit
block, and each column's cells (core.fragments).

A busy day is hundreds of blocks and cells, and rendering them, not reading
them, was what the page cost. Each key holds everything the fragment shows
or depends on: for a block, the visit's id, version and last change, its
time, status, purpose, the patient's answer and any unknown reminder, the
patient's name and version, the allergy flag's text for a clinical viewer
(a viewer without clinical detail has no flag in the key and `clinical`
false, so never gets a clinician's fragment), the viewer's rights that add
links, and where the block sits (row, span, grid column). For a column's
cells, every cell's state, note and time, the slot the links carry and the
viewer's right to book.
"""

from __future__ import annotations

from typing import Any

from django.template.loader import get_template
from django.utils.safestring import mark_safe

from core.fragments import cached_fragments
from core.roles import clinician_label
from visits.agenda_grid import Block, Column, Grid

DAY_BLOCK = "visits/_grid_day_block.html"
DAY_CELLS = "visits/_grid_day_cells.html"
WEEK_BLOCK = "visits/_grid_week_block.html"
WEEK_CELLS = "visits/_grid_week_cells.html"


def _visit_parts(block: Block, clinical: bool) -> tuple:
    visit = block.visit
    patient = visit.patient
    return (
        visit.pk,
        str(visit.code),
        visit.version,
        visit.updated_at,
        visit.status,
        visit.starts_at,
        visit.duration_min,
        visit.purpose,
        visit.confirmation,
        block.unknown_reminder,
        patient.pk,
        str(patient.code),
        patient.version,
        patient.last_name,
        patient.first_name,
        clinical,
        tuple(block.flag) if clinical else (),
        block.row,
        block.span,
        block.lane,
    )


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
    clinical = shared["clinical"]
    placed = [(column, block) for column in grid.columns for block in column.blocks]
    block_template = get_template(block_name)

    labels: dict[int, str] = {}
    for _column, block in placed:
        if block.visit.clinician_id not in labels:
            labels[block.visit.clinician_id] = clinician_label(block.visit.clinician)

    def one_block(n: int) -> str:
        column, block = placed[n]
        return block_template.render(
            {
                **shared,
                "column": column,
                "block": block,
                "visit": block.visit,
                "clinician_label": labels[block.visit.clinician_id],
            }
        )

    parts = [
        (
            page,
            column.start,
            column.day,
            labels[block.visit.clinician_id],
            _visit_parts(block, clinical),
        )
        for column, block in placed
    ]
    for (_column, block), html in zip(
        placed, cached_fragments(kind + "-block", parts, one_block), strict=True
    ):
        block.html = html
    for column in grid.columns:
        column.blocks_html = mark_safe("".join(b.html for b in column.blocks))  # noqa: S308

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
