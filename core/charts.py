"""Charts drawn on the server as inline SVG: lines over dates, and bars.

A chart is data first (`LineChart`, `BarChart`); `svg()` draws it and
`table()` gives the same numbers as rows for the accessible alternative
(templates/core/chart.html shows both: the drawing, then a <details> table).

The markup works the same in a browser and in WeasyPrint: colours and
strokes are SVG presentation attributes (fill, stroke, stroke-width), which
the site's CSP allows, never `style` attributes; there is no script. Every
drawing has role="img", a <title> and a <desc> it is labelled by; each
series has its own colour and marker shape (circle, square, diamond,
triangle) and dash pattern, so it can be told apart without colour too.
Every text is escaped (format_html).

Line charts may stack several panels sharing the date axis (one per
measure, each with its own y range): a leg's CEAP class, VCSS and symptom
score over time is one drawing of three panels.

This module is in the core layer: callers pass plain labels and numbers.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, fields, is_dataclass
from datetime import date, timedelta
from decimal import Decimal
from functools import wraps

from django.utils import timezone
from django.utils.formats import date_format, number_format
from django.utils.functional import Promise
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe

from core.fragments import cached_fragments

Number = int | float | Decimal

# Colours of the series, in order: each has >= 4.5:1 contrast on white.
PALETTE = ("#1f5fa8", "#b3261e", "#1b6e3a", "#6a3d9a", "#7a4a00", "#374151")
SHAPES = ("circle", "square", "diamond", "triangle")
DASHES = ("", "6 3", "2 2", "8 3 2 3")
TEXT = "#212529"
GRID = "#d0d5da"
AXIS = "#495057"
FONT = "DejaVu Sans, Helvetica, Arial, sans-serif"

_ID_RE = re.compile(r"^[A-Za-z][A-Za-z0-9_-]*$")


def _plain(value: object) -> object:
    """A chart's data as plain values for a fragment key: dataclasses as
    tuples of their fields, lazy translations as text."""
    if isinstance(value, Promise):
        return str(value)
    if is_dataclass(value) and not isinstance(value, type):
        return (
            type(value).__name__,
            tuple(_plain(getattr(value, f.name)) for f in fields(value)),
        )
    if isinstance(value, list | tuple):
        return tuple(_plain(v) for v in value)
    return value


def cached_drawing(draw: Callable[..., SafeString]) -> Callable[..., SafeString]:
    """Keep a chart's drawing in the fragment cache (core.fragments) under a
    key of all its data, and today's date (the range of an empty chart): the
    same chart is drawn once, any changed value draws it anew."""

    @wraps(draw)
    def drawing(chart: object) -> SafeString:
        parts = [(type(chart).__name__, _plain(chart), timezone.localdate())]
        return cached_fragments("chart", parts, lambda _n: draw(chart))[0]

    return drawing


def chart_figure(chart: object, *, table_open: bool = False) -> SafeString:
    """The chart as templates/core/chart.html shows it (title, drawing and
    the table of its numbers), kept in the fragment cache under a key of all
    its data and today's date, as its drawing is: the table's rows are worked
    out and rendered once, not at every page."""
    from django.template.loader import render_to_string

    parts = [(type(chart).__name__, _plain(chart), timezone.localdate(), table_open)]
    return cached_fragments(
        "chart-figure",
        parts,
        lambda _n: render_to_string(
            "core/chart.html", {"chart": chart, "table_open": table_open}
        ),
    )[0]


@dataclass(frozen=True)
class Point:
    """One value on a date; `text` is how it is shown ("C4a", "12")."""

    on: date
    value: Number | None
    text: str = ""

    def shown(self) -> str:
        if self.text:
            return self.text
        return "" if self.value is None else format_number(self.value)


@dataclass(frozen=True)
class Series:
    name: str
    points: Sequence[Point]


@dataclass(frozen=True)
class Panel:
    """One y axis and its series. `ticks` are (value, label) pairs; without
    them, about five round numbers between lo and hi."""

    label: str
    lo: float
    hi: float
    series: Sequence[Series]
    ticks: Sequence[tuple[float, str]] = ()

    def tick_marks(self) -> list[tuple[float, str]]:
        if self.ticks:
            return [(float(v), str(t)) for v, t in self.ticks]
        return [(v, format_number(v)) for v in nice_ticks(self.lo, self.hi)]


@dataclass(frozen=True)
class ChartTable:
    """The numbers of a chart as a table: column headers and rows."""

    caption: str
    row_header: str
    columns: list[str]
    rows: list[tuple[str, list[str]]]


def format_number(value: Number) -> str:
    """A number as the current language writes it, without trailing zeros."""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, Decimal):
        value = value.normalize()
        if value == value.to_integral():
            value = int(value)
    return str(number_format(value, use_l10n=True))


def nice_ticks(lo: float, hi: float, count: int = 5) -> list[float]:
    """Round tick values from lo to hi, about `count` of them."""
    if hi <= lo:
        hi = lo + 1
    raw = (hi - lo) / max(count - 1, 1)
    magnitude = 10 ** math.floor(math.log10(raw))
    step = magnitude
    for factor in (1, 2, 2.5, 5, 10):
        step = factor * magnitude
        if step >= raw:
            break
    start = math.ceil(lo / step) * step
    ticks = []
    value = start
    while value <= hi + step * 1e-9:
        ticks.append(round(value, 6))
        value += step
    return ticks


def _fmt(value: float) -> str:
    return f"{value:.1f}".rstrip("0").rstrip(".")


def _safe_id(prefix: str) -> str:
    return prefix if _ID_RE.match(prefix) else "chart"


def _marker(shape: str, x: float, y: float, colour: str, label: str) -> str:
    r = 3.5
    if shape == "square":
        body = format_html(
            '<rect x="{}" y="{}" width="{}" height="{}" fill="{}"/>',
            _fmt(x - r),
            _fmt(y - r),
            _fmt(2 * r),
            _fmt(2 * r),
            colour,
        )
    elif shape == "diamond":
        r += 1
        body = format_html(
            '<polygon points="{}" fill="{}"/>',
            f"{_fmt(x)},{_fmt(y - r)} {_fmt(x + r)},{_fmt(y)} "
            f"{_fmt(x)},{_fmt(y + r)} {_fmt(x - r)},{_fmt(y)}",
            colour,
        )
    elif shape == "triangle":
        r += 1
        body = format_html(
            '<polygon points="{}" fill="{}"/>',
            f"{_fmt(x)},{_fmt(y - r)} {_fmt(x + r)},{_fmt(y + r * 0.8)} "
            f"{_fmt(x - r)},{_fmt(y + r * 0.8)}",
            colour,
        )
    else:
        body = format_html(
            '<circle cx="{}" cy="{}" r="{}" fill="{}"/>',
            _fmt(x),
            _fmt(y),
            _fmt(r),
            colour,
        )
    return format_html('<g class="chart-point"><title>{}</title>{}</g>', label, body)


def _date_ticks(start: date, end: date) -> list[tuple[date, str]]:
    """Dates for the x axis: days, month starts or year starts, at most 6."""
    span = (end - start).days
    if span <= 62:
        step = max(1, math.ceil(span / 5))
        days = [start + timedelta(days=i) for i in range(0, span + 1, step)]
        return [(d, date_format(d, "j M")) for d in days]
    if span <= 3 * 366:
        months = (end.year - start.year) * 12 + end.month - start.month
        step = max(1, math.ceil(months / 5))
        ticks = []
        index = start.year * 12 + start.month - 1
        if start.day > 1:
            index += 1
        while index <= end.year * 12 + end.month - 1:
            day = date(index // 12, index % 12 + 1, 1)
            ticks.append((day, date_format(day, "M Y")))
            index += step
        return ticks
    first = start.year if date(start.year, 1, 1) >= start else start.year + 1
    step = max(1, math.ceil((end.year - first) / 5))
    return [(date(y, 1, 1), str(y)) for y in range(first, end.year + 1, step)]


@dataclass
class LineChart:
    """Values over dates, in one or more stacked panels sharing the dates.

    title: the drawing's accessible name (and the table's caption).
    description: a sentence for <desc>; by default, the series and ranges.
    start, end: the date range; by default the data's, padded.
    id_prefix: unique on the page (ids of the title and description).
    """

    title: str
    panels: Sequence[Panel]
    description: str = ""
    x_label: str = ""
    date_header: str = "Date"
    empty_text: str = ""
    start: date | None = None
    end: date | None = None
    id_prefix: str = "chart"
    width: int = 560
    panel_height: int = 120
    css_class: str = ""

    # --- layout ---------------------------------------------------------
    LEFT = 64
    RIGHT = 16
    TOP = 8
    GAP = 30
    BOTTOM = 38

    def dates(self) -> list[date]:
        found = {
            p.on
            for panel in self.panels
            for s in panel.series
            for p in s.points
            if p.value is not None
        }
        return sorted(found)

    def is_empty(self) -> bool:
        return not self.dates()

    def _range(self) -> tuple[date, date]:
        days = self.dates()
        start = self.start or (days[0] if days else timezone.localdate())
        end = self.end or (days[-1] if days else start)
        if end < start:
            start, end = end, start
        span = (end - start).days
        pad = max(7, span // 20)
        if self.start is None:
            start -= timedelta(days=pad)
        if self.end is None:
            end += timedelta(days=pad)
        return start, end

    def series_names(self) -> list[str]:
        names: list[str] = []
        for panel in self.panels:
            for s in panel.series:
                if s.name not in names:
                    names.append(s.name)
        return names

    def _style(self, name: str) -> tuple[str, str, str]:
        index = self.series_names().index(name)
        return (
            PALETTE[index % len(PALETTE)],
            SHAPES[index % len(SHAPES)],
            DASHES[index % len(DASHES)],
        )

    def default_description(self) -> str:
        parts = []
        for panel in self.panels:
            for s in panel.series:
                shown = [p for p in s.points if p.value is not None]
                if not shown:
                    continue
                parts.append(
                    f"{panel.label}, {s.name}: "
                    + ", ".join(
                        f"{date_format(p.on, 'SHORT_DATE_FORMAT')} {p.shown()}"
                        for p in shown
                    )
                )
        return "; ".join(parts)

    def has_legend(self) -> bool:
        """A legend only where a panel holds several series (otherwise the
        panel's axis label names its one series)."""
        return any(len(panel.series) > 1 for panel in self.panels)

    def height(self) -> int:
        legend = 22 if self.has_legend() else 0
        n = max(len(self.panels), 1)
        return (
            self.TOP + legend + n * self.panel_height + (n - 1) * self.GAP + self.BOTTOM
        )

    # --- drawing --------------------------------------------------------
    @cached_drawing
    def svg(self) -> SafeString:
        """The drawing: role="img", labelled by its <title> and <desc>."""
        prefix = _safe_id(self.id_prefix)
        start, end = self._range()
        span = max((end - start).days, 1)
        plot_w = self.width - self.LEFT - self.RIGHT
        height = self.height()
        names = self.series_names()
        legend_h = 22 if self.has_legend() else 0

        def x_of(day: date) -> float:
            return self.LEFT + plot_w * (day - start).days / span

        parts: list[str] = []
        # Legend: one swatch (marker and line) per series.
        if legend_h:
            x = float(self.LEFT)
            for name in names:
                colour, shape, dash = self._style(name)
                parts.append(
                    format_html(
                        '<line x1="{}" y1="{}" x2="{}" y2="{}" stroke="{}"'
                        ' stroke-width="2"{}/>',
                        _fmt(x),
                        _fmt(self.TOP + 8),
                        _fmt(x + 22),
                        _fmt(self.TOP + 8),
                        colour,
                        format_html(' stroke-dasharray="{}"', dash) if dash else "",
                    )
                )
                parts.append(_marker(shape, x + 11, self.TOP + 8, colour, name))
                parts.append(
                    format_html(
                        '<text x="{}" y="{}" font-size="11" fill="{}">{}</text>',
                        _fmt(x + 28),
                        _fmt(self.TOP + 12),
                        TEXT,
                        name,
                    )
                )
                x += 40 + 6.5 * len(name)
        ticks = _date_ticks(start, end)
        for index, panel in enumerate(self.panels):
            top = self.TOP + legend_h + index * (self.panel_height + self.GAP)
            bottom = top + self.panel_height
            lo, hi = float(panel.lo), float(panel.hi)
            if hi <= lo:
                hi = lo + 1

            def y_of(value: float, top: float = top, lo: float = lo, hi: float = hi):
                value = min(max(value, lo), hi)
                return top + self.panel_height * (1 - (value - lo) / (hi - lo))

            for value, label in panel.tick_marks():
                y = y_of(value)
                parts.append(
                    format_html(
                        '<line x1="{}" y1="{}" x2="{}" y2="{}" stroke="{}"'
                        ' stroke-width="0.5"/>'
                        '<text x="{}" y="{}" font-size="10" text-anchor="end"'
                        ' fill="{}">{}</text>',
                        self.LEFT,
                        _fmt(y),
                        self.width - self.RIGHT,
                        _fmt(y),
                        GRID,
                        self.LEFT - 5,
                        _fmt(y + 3.5),
                        TEXT,
                        label,
                    )
                )
            for day, _label in ticks:
                x = x_of(day)
                parts.append(
                    format_html(
                        '<line x1="{}" y1="{}" x2="{}" y2="{}" stroke="{}"'
                        ' stroke-width="0.5"/>',
                        _fmt(x),
                        top,
                        _fmt(x),
                        bottom,
                        GRID,
                    )
                )
            # Axes.
            parts.append(
                format_html(
                    '<polyline points="{},{} {},{} {},{}" fill="none" stroke="{}"'
                    ' stroke-width="1"/>',
                    self.LEFT,
                    top,
                    self.LEFT,
                    bottom,
                    self.width - self.RIGHT,
                    bottom,
                    AXIS,
                )
            )
            # The y axis label, turned along the axis.
            parts.append(
                format_html(
                    '<text x="0" y="0" font-size="10" text-anchor="middle" fill="{}"'
                    ' transform="translate({} {}) rotate(-90)">{}</text>',
                    TEXT,
                    12,
                    _fmt((top + bottom) / 2),
                    panel.label,
                )
            )
            for s in panel.series:
                colour, shape, dash = self._style(s.name)
                runs: list[list[tuple[float, float]]] = [[]]
                markers = []
                for p in sorted(s.points, key=lambda p: p.on):
                    if p.value is None:
                        runs.append([])
                        continue
                    xy = (x_of(p.on), y_of(float(p.value)))
                    runs[-1].append(xy)
                    markers.append(
                        _marker(
                            shape,
                            *xy,
                            colour,
                            f"{s.name}, {date_format(p.on, 'SHORT_DATE_FORMAT')}:"
                            f" {p.shown()}",
                        )
                    )
                for run in runs:
                    if len(run) > 1:
                        parts.append(
                            format_html(
                                '<polyline points="{}" fill="none" stroke="{}"'
                                ' stroke-width="2"{}/>',
                                " ".join(f"{_fmt(x)},{_fmt(y)}" for x, y in run),
                                colour,
                                format_html(' stroke-dasharray="{}"', dash)
                                if dash
                                else "",
                            )
                        )
                parts.extend(markers)
        # Date labels under the last panel.
        axis_y = height - self.BOTTOM
        for day, label in ticks:
            parts.append(
                format_html(
                    '<text x="{}" y="{}" font-size="10" text-anchor="middle"'
                    ' fill="{}">{}</text>',
                    _fmt(x_of(day)),
                    axis_y + 14,
                    TEXT,
                    label,
                )
            )
        if self.x_label:
            parts.append(
                format_html(
                    '<text x="{}" y="{}" font-size="10" text-anchor="middle"'
                    ' fill="{}">{}</text>',
                    _fmt(self.LEFT + plot_w / 2),
                    axis_y + 30,
                    TEXT,
                    self.x_label,
                )
            )
        if self.is_empty() and self.empty_text:
            parts.append(
                format_html(
                    '<text x="{}" y="{}" font-size="12" text-anchor="middle"'
                    ' fill="{}">{}</text>',
                    _fmt(self.LEFT + plot_w / 2),
                    _fmt(height / 2),
                    TEXT,
                    self.empty_text,
                )
            )
        return _frame(
            prefix,
            self.width,
            height,
            self.title,
            self.description or self.default_description() or self.empty_text,
            "".join(parts),
            self.css_class,
        )

    def table(self) -> ChartTable:
        """One row per date, one column per (panel, series)."""
        columns: list[str] = []
        values: list[dict[date, str]] = []
        for panel in self.panels:
            many = len(panel.series) > 1
            for s in panel.series:
                columns.append(f"{panel.label} – {s.name}" if many else panel.label)
                values.append(
                    {p.on: p.shown() for p in s.points if p.value is not None}
                )
        rows = [
            (
                date_format(day, "SHORT_DATE_FORMAT"),
                [column.get(day, "") for column in values],
            )
            for day in self.dates()
        ]
        return ChartTable(self.title, self.date_header, columns, rows)


@dataclass(frozen=True)
class Bar:
    label: str
    value: Number | None
    text: str = ""

    def shown(self) -> str:
        if self.text:
            return self.text
        return "" if self.value is None else format_number(self.value)


@dataclass
class BarChart:
    """Vertical bars, one per label, on one y axis from `lo` to `hi`."""

    title: str
    bars: Sequence[Bar]
    y_label: str = ""
    value_header: str = ""
    label_header: str = ""
    description: str = ""
    lo: float = 0
    hi: float | None = None
    id_prefix: str = "chart"
    width: int = 560
    height: int = 220
    css_class: str = ""

    LEFT = 56
    RIGHT = 12
    TOP = 12
    BOTTOM = 44

    def _hi(self) -> float:
        if self.hi is not None:
            return float(self.hi)
        top = max((float(b.value) for b in self.bars if b.value is not None), default=1)
        top = max(top, self.lo + 1)
        ticks = nice_ticks(self.lo, top)
        step = ticks[1] - ticks[0] if len(ticks) > 1 else 1.0
        return max(ticks[-1], math.ceil((top - self.lo) / step) * step + self.lo)

    @cached_drawing
    def svg(self) -> SafeString:
        prefix = _safe_id(self.id_prefix)
        lo, hi = float(self.lo), self._hi()
        plot_w = self.width - self.LEFT - self.RIGHT
        plot_h = self.height - self.TOP - self.BOTTOM
        bottom = self.TOP + plot_h

        def y_of(value: float) -> float:
            value = min(max(value, lo), hi)
            return self.TOP + plot_h * (1 - (value - lo) / (hi - lo))

        parts: list[str] = []
        for value in nice_ticks(lo, hi):
            y = y_of(value)
            parts.append(
                format_html(
                    '<line x1="{}" y1="{}" x2="{}" y2="{}" stroke="{}"'
                    ' stroke-width="0.5"/>'
                    '<text x="{}" y="{}" font-size="10" text-anchor="end"'
                    ' fill="{}">{}</text>',
                    self.LEFT,
                    _fmt(y),
                    self.width - self.RIGHT,
                    _fmt(y),
                    GRID,
                    self.LEFT - 5,
                    _fmt(y + 3.5),
                    TEXT,
                    format_number(value),
                )
            )
        n = max(len(self.bars), 1)
        slot = plot_w / n
        bar_w = min(slot * 0.7, 48)
        for index, bar in enumerate(self.bars):
            cx = self.LEFT + slot * (index + 0.5)
            if bar.value is not None:
                y = y_of(float(bar.value))
                parts.append(
                    format_html(
                        '<g class="chart-bar"><title>{}: {}</title>'
                        '<rect x="{}" y="{}" width="{}" height="{}" fill="{}"/></g>',
                        bar.label,
                        bar.shown(),
                        _fmt(cx - bar_w / 2),
                        _fmt(y),
                        _fmt(bar_w),
                        _fmt(max(bottom - y, 0)),
                        PALETTE[0],
                    )
                )
                parts.append(
                    format_html(
                        '<text x="{}" y="{}" font-size="10" text-anchor="middle"'
                        ' fill="{}">{}</text>',
                        _fmt(cx),
                        _fmt(y - 3),
                        TEXT,
                        bar.shown(),
                    )
                )
            parts.append(
                format_html(
                    '<text x="{}" y="{}" font-size="10" text-anchor="middle"'
                    ' fill="{}">{}</text>',
                    _fmt(cx),
                    bottom + 14,
                    TEXT,
                    bar.label,
                )
            )
        parts.append(
            format_html(
                '<polyline points="{},{} {},{} {},{}" fill="none" stroke="{}"'
                ' stroke-width="1"/>',
                self.LEFT,
                self.TOP,
                self.LEFT,
                _fmt(bottom),
                self.width - self.RIGHT,
                _fmt(bottom),
                AXIS,
            )
        )
        if self.y_label:
            parts.append(
                format_html(
                    '<text x="0" y="0" font-size="10" text-anchor="middle" fill="{}"'
                    ' transform="translate({} {}) rotate(-90)">{}</text>',
                    TEXT,
                    12,
                    _fmt(self.TOP + plot_h / 2),
                    self.y_label,
                )
            )
        description = self.description or "; ".join(
            f"{b.label}: {b.shown()}" for b in self.bars
        )
        return _frame(
            prefix,
            self.width,
            self.height,
            self.title,
            description,
            "".join(parts),
            self.css_class,
        )

    def table(self) -> ChartTable:
        return ChartTable(
            self.title,
            self.label_header,
            [self.value_header or self.y_label],
            [(b.label, [b.shown()]) for b in self.bars],
        )


def _frame(
    prefix: str,
    width: int,
    height: int,
    title: str,
    description: str,
    body: str,
    css_class: str = "",
) -> SafeString:
    classes = " ".join(c for c in ("chart", *css_class.split()) if _ID_RE.match(c))
    return format_html(
        '<svg xmlns="http://www.w3.org/2000/svg" class="{}" viewBox="0 0 {} {}"'
        ' width="{}" height="{}" role="img" aria-labelledby="{}-title {}-desc"'
        ' font-family="{}"><title id="{}-title">{}</title>'
        '<desc id="{}-desc">{}</desc>'
        '<rect width="{}" height="{}" fill="#ffffff"/>{}</svg>',
        classes,
        width,
        height,
        width,
        height,
        prefix,
        prefix,
        FONT,
        prefix,
        title,
        prefix,
        description,
        width,
        height,
        mark_safe(body),  # noqa: S308 - every part built by format_html
    )


__all__ = [
    "Bar",
    "BarChart",
    "ChartTable",
    "LineChart",
    "Panel",
    "Point",
    "Series",
    "format_number",
    "nice_ticks",
]
