"""The leg map: both legs, front and back, drawn as inline SVG on the server.

One drawing (a fixed viewBox) holds four panels: right and left leg in the
front view, left and right leg in the back view (as the clinician sees the
patient). Each venous segment of the Doppler grid has one named region on
each leg, in the view where it is examined. Callers colour regions with CSS
classes ({(leg, segment): css_class}) and may add numbered markers placed in
percentages of the drawing (the same coordinates Injection.diagram_x_pct and
diagram_y_pct store). ``region_at`` finds the region under such a point.

The markup carries no style attributes (the site's CSP forbids inline
styles): static/css/legmap.css and static/css/pdf.css style the classes.
This module is in the core layer: segment codes are plain strings here and
labels come from the caller.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass

from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

WIDTH = 400.0
HEIGHT = 270.0
LEG_WIDTH = 60.0

RIGHT = "R"
LEFT = "L"
FRONT = "front"
BACK = "back"

Point = tuple[float, float]

# The leg outline in local coordinates: x = 0 lateral, x = 60 medial,
# y = 20 groin, y = 235 sole.
_OUTLINE: tuple[Point, ...] = (
    (0, 20),
    (60, 20),
    (54, 110),
    (52, 125),
    (56, 150),
    (50, 222),
    (50, 235),
    (14, 235),
    (18, 222),
    (6, 150),
    (8, 110),
)


def _octagon(cx: float, cy: float, r: float) -> tuple[Point, ...]:
    """A small circle-like region (perforators, junctions)."""
    k = 0.4142 * r
    return (
        (cx - k, cy - r),
        (cx + k, cy - r),
        (cx + r, cy - k),
        (cx + r, cy + k),
        (cx + k, cy + r),
        (cx - k, cy + r),
        (cx - r, cy + k),
        (cx - r, cy - k),
    )


def _rect(x0: float, y0: float, x1: float, y1: float) -> tuple[Point, ...]:
    return ((x0, y0), (x1, y0), (x1, y1), (x0, y1))


# Segment regions in local coordinates, per view. Each segment code of
# doppler.segments.Segment appears once per leg.
_FRONT_REGIONS: dict[str, tuple[Point, ...]] = {
    # Groin: the junction medially, the common femoral vein just lateral.
    "SFJ": _octagon(44, 29, 6),
    "CFV": _rect(28, 22, 36, 36),
    # Thigh: GSV on the medial side, AASV anterior and lateral to it,
    # the deep femoral laterally, the femoral vein in the middle.
    "GSVa": ((43, 37), (49, 37), (52, 112), (46, 112)),
    "AASV": _rect(36, 40, 41, 90),
    "DFV": _rect(18, 38, 24, 80),
    "FV": _rect(28, 40, 34, 110),
    "TPV": _octagon(40, 100, 4),
    # Leg: GSV medial down to the ankle, crural veins, non-saphenous laterally.
    "GSVb": ((46, 116), (52, 116), (46, 212), (41, 212)),
    "TIBV": _rect(24, 125, 30, 205),
    "NSV": _rect(12, 130, 17, 185),
}
_BACK_REGIONS: dict[str, tuple[Point, ...]] = {
    "PASV": _rect(40, 40, 46, 98),
    "POPV": _rect(20, 100, 40, 110),
    "SPJ": _octagon(30, 118, 6),
    "SSV": ((28, 126), (33, 126), (34, 215), (29, 215)),
    "CPV": _octagon(46, 170, 4),
}

# Panel order left to right: (view, leg, x origin, medial side on the right?)
_PANELS: tuple[tuple[str, str, float, bool], ...] = (
    (FRONT, RIGHT, 30.0, True),
    (FRONT, LEFT, 110.0, False),
    (BACK, LEFT, 230.0, True),
    (BACK, RIGHT, 310.0, False),
)

_CLASS_RE = re.compile(r"^[A-Za-z0-9_ -]*$")


@dataclass(frozen=True)
class Region:
    leg: str
    view: str
    segment: str
    points: tuple[Point, ...]  # in viewBox coordinates

    @property
    def centroid(self) -> Point:
        xs = [p[0] for p in self.points]
        ys = [p[1] for p in self.points]
        return (sum(xs) / len(xs), sum(ys) / len(ys))

    def element_id(self, prefix: str) -> str:
        return f"{prefix}-{self.leg}-{self.segment}"


def _place(
    points: Iterable[Point], origin: float, medial_right: bool
) -> tuple[Point, ...]:
    return tuple(
        (origin + (x if medial_right else LEG_WIDTH - x), y) for x, y in points
    )


def _build() -> tuple[
    tuple[tuple[str, str, tuple[Point, ...]], ...], tuple[Region, ...]
]:
    outlines = []
    regions = []
    for view, leg, origin, medial_right in _PANELS:
        outlines.append((view, leg, _place(_OUTLINE, origin, medial_right)))
        table = _FRONT_REGIONS if view == FRONT else _BACK_REGIONS
        for segment, pts in table.items():
            regions.append(
                Region(leg, view, segment, _place(pts, origin, medial_right))
            )
    return tuple(outlines), tuple(regions)


OUTLINES, REGIONS = _build()


def segments() -> frozenset[str]:
    """Every segment code the map draws (on each leg)."""
    return frozenset(r.segment for r in REGIONS)


def _inside(x: float, y: float, poly: Sequence[Point]) -> bool:
    """Even-odd ray casting."""
    inside = False
    n = len(poly)
    j = n - 1
    for i in range(n):
        xi, yi = poly[i]
        xj, yj = poly[j]
        if (yi > y) != (yj > y) and x < (xj - xi) * (y - yi) / (yj - yi) + xi:
            inside = not inside
        j = i
    return inside


def region_at(x_pct: float, y_pct: float) -> tuple[str, str, str | None] | None:
    """(leg, view, segment) under a point given in percent of the drawing.

    Inside a leg but off every segment gives (leg, view, None); outside the
    legs gives None.
    """
    try:
        x = float(x_pct) * WIDTH / 100
        y = float(y_pct) * HEIGHT / 100
    except (TypeError, ValueError):
        return None
    for region in REGIONS:
        if _inside(x, y, region.points):
            return (region.leg, region.view, region.segment)
    for view, leg, outline in OUTLINES:
        if _inside(x, y, outline):
            return (leg, view, None)
    return None


def _classes(*names: str) -> str:
    """Join CSS class names, dropping anything that is not a plain class."""
    return " ".join(n for n in names if n and _CLASS_RE.match(n)).strip()


def _pts(points: Iterable[Point]) -> str:
    return " ".join(f"{x:g},{y:g}" for x, y in points)


@dataclass(frozen=True)
class Marker:
    x_pct: float
    y_pct: float
    number: int | str
    css_class: str = ""
    label: str = ""


def render(
    classes: Mapping[tuple[str, str], str] | None = None,
    *,
    markers: Iterable[Marker | tuple[float, float, int | str, str, str]] = (),
    title: str = "",
    size: str = "md",
    id_prefix: str = "legmap",
    labels: Mapping[str, str] | None = None,
    href: Callable[[str, str], str | None] | None = None,
) -> SafeString:
    """The SVG markup of the leg map.

    classes: {(leg, segment): css class} colours the regions.
    markers: (x_pct, y_pct, number, css_class, label), drawn as numbered dots.
    labels: {segment: human name} for each region's tooltip/accessible name.
    href(leg, segment): a link for the region, or None for no link.
    """
    classes = classes or {}
    labels = labels or {}
    if not _CLASS_RE.match(id_prefix) or " " in id_prefix:
        id_prefix = "legmap"
    title_id = f"{id_prefix}-title"
    title = title or _("Leg map: both legs, front and back views")
    leg_names = {RIGHT: _("Right"), LEFT: _("Left")}
    view_names = {
        FRONT: pgettext("leg map view", "Front"),
        BACK: pgettext("leg map view", "Back"),
    }

    parts: list[str] = []
    linked = False
    for view, leg, outline in OUTLINES:
        parts.append(
            format_html(
                '<polygon class="legmap-outline" data-leg="{}" data-view="{}"'
                ' points="{}"/>',
                leg,
                view,
                _pts(outline),
            )
        )
        xs = [p[0] for p in outline]
        parts.append(
            format_html(
                '<text class="legmap-leg-label" x="{}" y="250"'
                ' text-anchor="middle">{}</text>',
                f"{(min(xs) + max(xs)) / 2:g}",
                leg_names[leg],
            )
        )
    for view, label_x in ((FRONT, 100), (BACK, 300)):
        parts.append(
            format_html(
                '<text class="legmap-view-label" x="{}" y="12"'
                ' text-anchor="middle">{}</text>',
                label_x,
                view_names[view],
            )
        )
    for region in REGIONS:
        name = labels.get(region.segment, region.segment)
        shape = format_html(
            '<polygon id="{}" class="{}" data-leg="{}" data-view="{}" data-segment="{}"'
            ' points="{}"><title>{}: {}</title></polygon>',
            region.element_id(id_prefix),
            _classes("legmap-region", classes.get((region.leg, region.segment), "")),
            region.leg,
            region.view,
            region.segment,
            _pts(region.points),
            leg_names[region.leg],
            name,
        )
        link = href(region.leg, region.segment) if href else None
        if link:
            shape = format_html('<a href="{}">{}</a>', link, shape)
            linked = True
        parts.append(shape)
    for marker in markers:
        m = marker if isinstance(marker, Marker) else Marker(*marker)
        try:
            x = min(max(float(m.x_pct), 0.0), 100.0) * WIDTH / 100
            y = min(max(float(m.y_pct), 0.0), 100.0) * HEIGHT / 100
        except (TypeError, ValueError):
            continue
        parts.append(
            format_html(
                '<g class="{}"><title>{}</title><circle cx="{}" cy="{}" r="5"/>'
                '<text x="{}" y="{}" text-anchor="middle">{}</text></g>',
                _classes("legmap-marker", m.css_class),
                m.label or str(m.number),
                f"{x:.1f}",
                f"{y:.1f}",
                f"{x:.1f}",
                f"{y + 2.5:.1f}",
                m.number,
            )
        )
    return format_html(
        '<svg xmlns="http://www.w3.org/2000/svg" class="{}" viewBox="0 0 {} {}"'
        ' role="{}" aria-labelledby="{}"><title id="{}">{}</title>{}</svg>',
        _classes("legmap", f"legmap-{size}"),
        f"{WIDTH:g}",
        f"{HEIGHT:g}",
        # An image may not hold links: with links the drawing is a group.
        "group" if linked else "img",
        title_id,
        title_id,
        title,
        mark_safe("".join(parts)),  # noqa: S308 - every part built by format_html
    )


__all__ = [
    "BACK",
    "FRONT",
    "HEIGHT",
    "LEFT",
    "OUTLINES",
    "REGIONS",
    "RIGHT",
    "WIDTH",
    "Marker",
    "Region",
    "region_at",
    "render",
    "segments",
]
