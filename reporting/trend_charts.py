"""Small horizontal bar charts of the clinic trends, drawn as inline SVG.

Colours are SVG presentation attributes (the CSP allows no style), the
drawing has role="img" with a <title> it is labelled by, and every text is
escaped. The page shows the same numbers in a table beside each chart.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from decimal import Decimal

from django.utils.formats import number_format
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

BAR = "#1f5fa8"  # 6.9:1 on white
TEXT = "#212529"
LABEL_WIDTH = 220
BAR_WIDTH = 300
ROW = 24

_ids = itertools.count(1)


@dataclass(frozen=True)
class BarValue:
    label: str
    value: Decimal | int | None


def _shown(value: Decimal | int | None) -> str:
    if value is None:
        return "–"
    return number_format(value)


def bar_chart(
    title: str, bars: list[BarValue], *, largest: Decimal | int | None = None
) -> SafeString:
    """Return an SVG of one bar per value (an empty value draws no bar)."""
    chart_id = f"trend-chart-{next(_ids)}"
    values = [abs(float(b.value)) for b in bars if b.value is not None]
    top = float(largest) if largest is not None else max(values, default=0.0)
    height = ROW * max(len(bars), 1) + 8
    width = LABEL_WIDTH + BAR_WIDTH + 70
    rows = []
    for index, bar in enumerate(bars):
        y = 4 + index * ROW
        length = 0.0
        if bar.value is not None and top:
            length = abs(float(bar.value)) * BAR_WIDTH / top
        rows.append(
            (
                LABEL_WIDTH - 6,
                y + 16,
                TEXT,
                bar.label,
                LABEL_WIDTH,
                y + 4,
                f"{length:.1f}",
                BAR,
                LABEL_WIDTH + length + 6,
                y + 16,
                TEXT,
                _shown(bar.value),
            )
        )
    body = format_html_join(
        "",
        '<text x="{}" y="{}" fill="{}" text-anchor="end" font-size="12">{}</text>'
        '<rect x="{}" y="{}" width="{}" height="16" fill="{}"></rect>'
        '<text x="{}" y="{}" fill="{}" font-size="12">{}</text>',
        rows,
    )
    return format_html(
        '<svg xmlns="http://www.w3.org/2000/svg" class="trend-chart" role="img" '
        'aria-labelledby="{}" viewBox="0 0 {} {}" width="100%" '
        'preserveAspectRatio="xMinYMin meet" font-family="DejaVu Sans, Arial, '
        'sans-serif"><title id="{}">{}</title>{}</svg>',
        chart_id,
        width,
        height,
        chart_id,
        title,
        body,
    )
