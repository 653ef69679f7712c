"""The leg map drawing: geometry, region lookup and safe markup."""

from __future__ import annotations

import re

import pytest

from core import legmap
from doppler.segments import Segment
from patients.models import Leg


def test_every_segment_has_a_region_on_each_leg():
    for leg in Leg.values:
        drawn = {r.segment for r in legmap.REGIONS if r.leg == leg}
        assert drawn == set(Segment.values)


def test_each_segment_appears_once_per_leg_in_one_view():
    keys = [(r.leg, r.segment) for r in legmap.REGIONS]
    assert len(keys) == len(set(keys))
    for region in legmap.REGIONS:
        assert region.view in (legmap.FRONT, legmap.BACK)


def test_anatomical_views():
    views = {(r.segment): r.view for r in legmap.REGIONS}
    assert views["SFJ"] == views["GSVa"] == views["GSVb"] == legmap.FRONT
    assert views["AASV"] == legmap.FRONT
    assert views["SSV"] == views["SPJ"] == legmap.BACK


def test_ids_unique():
    svg = str(legmap.render())
    ids = re.findall(r'\bid="([^"]+)"', svg)
    assert len(ids) == len(set(ids))
    assert len(ids) == len(legmap.REGIONS) + 1  # regions + title


def test_regions_lie_inside_their_leg_outline():
    outlines = {(leg, view): pts for view, leg, pts in legmap.OUTLINES}
    for region in legmap.REGIONS:
        for x, y in region.points:
            # a hair inside, so points on the edge count
            cx, cy = region.centroid
            px, py = x + (cx - x) * 0.01, y + (cy - y) * 0.01
            assert legmap._inside(px, py, outlines[(region.leg, region.view)]), (
                region.leg,
                region.segment,
            )


def test_region_at_centroids():
    for region in legmap.REGIONS:
        cx, cy = region.centroid
        hit = legmap.region_at(cx * 100 / legmap.WIDTH, cy * 100 / legmap.HEIGHT)
        assert hit == (region.leg, region.view, region.segment)


@pytest.mark.parametrize(
    "point", [(0, 0), (50, 50), (99, 99), (100, 0), (-5, 50), (50, 120)]
)
def test_region_at_outside_the_legs(point):
    assert legmap.region_at(*point) is None


def test_region_at_on_the_leg_off_the_segments():
    # Front view, right leg: the lateral knee at local (10, 112).
    x, y = 30 + 10, 112
    assert legmap.region_at(x * 100 / legmap.WIDTH, y * 100 / legmap.HEIGHT) == (
        "R",
        legmap.FRONT,
        None,
    )


def test_region_at_bad_input():
    assert legmap.region_at("x", None) is None  # type: ignore[arg-type]


def test_medial_side_faces_the_midline():
    gsv = {r.leg: r.centroid[0] for r in legmap.REGIONS if r.segment == "GSVa"}
    dfv = {r.leg: r.centroid[0] for r in legmap.REGIONS if r.segment == "DFV"}
    # Front view: right leg on the viewer's left, GSV towards the middle.
    assert dfv["R"] < gsv["R"] < 100 < gsv["L"] < dfv["L"]


def test_markup_accessible_and_without_style():
    svg = str(legmap.render(title="Doppler"))
    assert 'role="img"' in svg
    assert 'aria-labelledby="legmap-title"' in svg
    assert '<title id="legmap-title">Doppler</title>' in svg
    assert "style" not in svg
    assert svg.startswith("<svg") and svg.endswith("</svg>")


def test_classes_links_and_markers():
    svg = str(
        legmap.render(
            {("R", "GSVa"): "legmap-reflux", ("L", "SSV"): "legmap-competent"},
            markers=[(25, 40, 1, "legmap-marker-done", "Injection 1")],
            labels={"GSVa": "Great saphenous vein"},
            href=lambda leg, seg: f"#finding-{leg}-{seg}" if seg == "GSVa" else None,
            id_prefix="m1",
        )
    )
    assert re.search(
        r'<a href="#finding-R-GSVa"><polygon id="m1-R-GSVa"'
        r' class="legmap-region legmap-reflux"',
        svg,
    )
    assert (
        'class="legmap-region legmap-competent" data-leg="L" data-view="back"'
        ' data-segment="SSV"' in svg
    )
    assert svg.count("<a ") == 2
    assert 'role="group"' in svg  # an img role may not contain links
    assert "Great saphenous vein" in svg
    assert (
        '<g class="legmap-marker legmap-marker-done"><title>Injection 1</title>' in svg
    )
    assert 'cx="100.0" cy="108.0"' in svg


def test_markup_is_escaped():
    svg = str(
        legmap.render(
            {("R", "SFJ"): '"><script>x</script>'},
            markers=[(10, 10, "<b>1</b>", "a", "<img src=x onerror=alert(1)>")],
            title="<script>alert(1)</script>",
            labels={"SFJ": "<i>&</i>"},
            href=lambda leg, seg: 'javascript:"><x>',
            id_prefix='"><x',
        )
    )
    assert "<script" not in svg
    assert "<img" not in svg
    assert "<b>" not in svg and "<i>" not in svg
    assert "<x>" not in svg
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in svg
    assert 'id="legmap-title"' in svg
