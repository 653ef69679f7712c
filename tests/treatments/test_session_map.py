"""The session's leg map: the row a tapped point starts, positions saved with
the rows, markers on the form and the session page."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import translation

from core import legmap as drawing
from doppler.models import DopplerFinding
from doppler.segments import Segment
from patients.models import Leg
from tests.conftest import make_doppler, make_injection, make_session
from tests.helpers import in_days
from tests.treatments.test_views import form_data
from treatments import legmap
from treatments.choices import Agent, Form
from treatments.forms import TREATABLE_SEGMENTS
from treatments.models import TreatmentSession

pytestmark = pytest.mark.django_db


def _centre(leg: str, segment: str) -> tuple[float, float]:
    """The middle of a segment's region, in percent of the drawing."""
    region = next(r for r in drawing.REGIONS if (r.leg, r.segment) == (leg, segment))
    x, y = region.centroid
    return round(x * 100 / drawing.WIDTH, 1), round(y * 100 / drawing.HEIGHT, 1)


def _row(client, **params) -> str:
    url = reverse("treatments:injection-row")
    response = client.get(url, {"index": 3, **params})
    assert response.status_code == 200
    return response.content.decode()


def _selected(html: str, name: str) -> str:
    select = re.search(
        rf'<select name="injections-3-{name}".*?</select>', html, flags=re.S
    )
    assert select, name
    chosen = re.search(r'<option value="([^"]*)"[^>]*selected', select.group(0))
    return chosen.group(1) if chosen else ""


def _value(html: str, name: str) -> str:
    tag = re.search(rf'<input[^>]*name="injections-3-{name}"[^>]*>', html)
    assert tag, name
    value = re.search(r'value="([^"]*)"', tag.group(0))
    return value.group(1) if value else ""


# --- the row a tapped point starts ------------------------------------------------


def test_a_point_on_a_treatable_segment_fills_leg_segment_and_position(
    clinician_client,
):
    x, y = _centre(Leg.LEFT, Segment.GSV_B)
    html = _row(clinician_client, x=x, y=y)
    assert _selected(html, "leg") == "L"
    assert _selected(html, "segment") == "GSVb"
    assert _value(html, "site") == ""
    assert _value(html, "diagram_x_pct") == f"{x:.1f}"
    assert _value(html, "diagram_y_pct") == f"{y:.1f}"
    assert 'type="hidden" name="injections-3-diagram_x_pct"' in html


def test_a_point_on_the_back_finds_the_small_saphenous_vein(clinician_client):
    x, y = _centre(Leg.RIGHT, Segment.SSV)
    html = _row(clinician_client, x=x, y=y)
    assert (_selected(html, "leg"), _selected(html, "segment")) == ("R", "SSV")


def test_a_junction_goes_into_the_site_by_name(clinician_client):
    x, y = _centre(Leg.RIGHT, Segment.SFJ)
    html = _row(clinician_client, x=x, y=y)
    assert _selected(html, "leg") == "R"
    assert _selected(html, "segment") == ""
    assert _value(html, "site") == "Saphenofemoral junction"


def test_a_deep_vein_is_never_the_segment_the_site_names_the_skin_over_it(
    clinician_client,
):
    x, y = _centre(Leg.LEFT, Segment.FV)
    html = _row(clinician_client, x=x, y=y)
    assert _selected(html, "segment") == ""
    assert _value(html, "site") == "thigh, front, over the femoral vein"


def test_a_point_off_the_segments_gets_the_part_of_the_leg_and_the_view(
    clinician_client,
):
    # The outer calf of the right leg seen from behind: inside the outline,
    # on no segment.
    x, y = _outer_point(Leg.RIGHT, drawing.BACK, 170)
    assert drawing.region_at(x, y) == (Leg.RIGHT, drawing.BACK, None)
    html = _row(clinician_client, x=x, y=y)
    assert _selected(html, "leg") == "R"
    assert _value(html, "site") == "calf"
    x, y = _outer_point(Leg.LEFT, drawing.FRONT, 60)
    assert _value(_row(clinician_client, x=x, y=y), "site") == "thigh, front"


def _outer_point(leg: str, view: str, y: float) -> tuple[float, float]:
    """A point inside a leg's outline at height y that no segment covers."""
    outline = next(o for v, lg, o in drawing.OUTLINES if (v, lg) == (view, leg))
    xs = [p[0] for p in outline]
    for step in range(int(min(xs)), int(max(xs))):
        x_pct, y_pct = step * 100 / drawing.WIDTH, y * 100 / drawing.HEIGHT
        if drawing.region_at(x_pct, y_pct) == (leg, view, None):
            return round(x_pct, 1), round(y_pct, 1)
    raise AssertionError("no free point")


def test_the_site_is_in_the_users_language(clinician_client):
    x, y = _outer_point(Leg.LEFT, drawing.FRONT, 60)
    clinician_client.cookies["django_language"] = "it"
    with translation.override("it"):
        html = _row(clinician_client, x=x, y=y)
    assert _value(html, "site") == "coscia, faccia anteriore"


@pytest.mark.parametrize(
    "params",
    [
        {"x": "abc", "y": "10"},
        {"x": "150", "y": "10"},
        {"x": "-1", "y": "10"},
        {"x": "nan", "y": "inf"},
        {"x": "1e9", "y": "1"},
        {"x": "20"},
        {"x": "<script>", "y": "'"},
    ],
)
def test_a_bad_point_is_ignored(clinician_client, params):
    html = _row(clinician_client, **params)
    assert _selected(html, "leg") == ""
    assert _value(html, "diagram_x_pct") == ""


def test_a_point_outside_the_legs_keeps_only_the_position(clinician_client):
    html = _row(clinician_client, x="50", y="2")
    assert _selected(html, "leg") == "" and _value(html, "diagram_x_pct") == "50.0"


def test_only_segments_the_form_takes_are_proposed():
    for region in drawing.REGIONS:
        x, y = region.centroid
        prefill = legmap.point_prefill(
            x * 100 / drawing.WIDTH, y * 100 / drawing.HEIGHT, TREATABLE_SEGMENTS
        )
        assert prefill is not None and prefill.leg == region.leg
        assert prefill.segment in {"", *TREATABLE_SEGMENTS}
        assert prefill.segment or prefill.site


# --- positions saved with the rows --------------------------------------------------


def test_positions_round_trip_and_rows_without_one_still_save(
    clinician_client, patient
):
    url = reverse("treatments:session-create", args=[patient.code])
    rows = [
        {"diagram_x_pct": "18.5", "diagram_y_pct": "40.2"},
        {"site": "medial calf"},  # entered by keyboard: no position
    ]
    response = clinician_client.post(url, form_data(rows))
    assert response.status_code == 302
    session = TreatmentSession.objects.get()
    first, second = session.injections.order_by("id")
    assert (first.diagram_x_pct, first.diagram_y_pct) == (
        Decimal("18.5"),
        Decimal("40.2"),
    )
    assert second.diagram_x_pct is None and second.diagram_y_pct is None

    edit = clinician_client.get(reverse("treatments:session-edit", args=[session.code]))
    html = edit.content.decode()
    assert 'name="injections-0-diagram_x_pct" value="18.5"' in html
    # The form's map shows the saved row's marker, numbered as its row.
    assert re.search(
        r'class="legmap-marker legmap-marker--polidocanol-liquid">'
        r"<title>1</title>",
        html,
    )


def test_a_bad_position_is_a_message_on_the_row_not_an_error(clinician_client, patient):
    url = reverse("treatments:session-create", args=[patient.code])
    response = clinician_client.post(
        url, form_data([{"diagram_x_pct": "250", "diagram_y_pct": "x"}])
    )
    assert response.status_code == 200
    assert not TreatmentSession.objects.exists()
    assert "invalid-feedback" in response.content.decode()


def test_the_form_map_shows_the_last_dopplers_reflux_faintly(
    clinician_client, patient, clinician
):
    older = make_doppler(patient, clinician)
    DopplerFinding.objects.create(
        assessment=older, leg=Leg.LEFT, segment=Segment.SSV, reflux_s=Decimal("2")
    )
    latest = make_doppler(patient, clinician, assessed_on=in_days(-10))
    DopplerFinding.objects.create(
        assessment=latest, leg=Leg.RIGHT, segment=Segment.GSV_A, reflux_s=Decimal("1.5")
    )
    html = clinician_client.get(
        reverse("treatments:session-create", args=[patient.code])
    ).content.decode()
    card = html[html.index('id="session-map"') :]
    assert 'id="sessionmap-R-GSVa" class="legmap-region legmap-underlay-reflux"' in card
    # A competent finding (the fixture's SFJ, 0.3 s) is no underlay.
    assert 'id="sessionmap-R-SFJ" class="legmap-region"' in card
    assert "Pathological reflux on the last Doppler" in card
    # Every Doppler's reflux is there for the script when the choice changes.
    assert f'"{older.pk}": [["L", "SSV"]]' in card
    assert 'src="/static/js/session_legmap.js"' in html
    assert 'id="session-map-hint"' in html and "visually-hidden" in html


# --- the session page ---------------------------------------------------------------


def test_session_page_shows_numbered_markers_and_the_key(
    clinician_client, patient, clinician
):
    session = make_session(patient, clinician)
    make_injection(
        session,
        site="",
        segment="GSVa",
        diagram_x_pct=Decimal("19.4"),
        diagram_y_pct=Decimal("27.6"),
    )
    make_injection(session, site="ankle")  # no position: numbered, not drawn
    make_injection(
        session,
        leg=Leg.LEFT,
        site="",
        segment="SSV",
        agent=Agent.POLIDOCANOL,
        concentration_pct=Decimal("1"),
        form=Form.FOAM,
        gas="air",
        gas_parts=Decimal("4"),
        volume_ml=Decimal("2"),
        diagram_x_pct=Decimal("68.8"),
        diagram_y_pct=Decimal("63.0"),
    )
    html = clinician_client.get(session.get_absolute_url()).content.decode()
    section = html[html.index('id="session-map-heading"') :]
    assert section.count('class="legmap-marker ') == 2
    assert "legmap-marker--polidocanol-foam" in section
    assert re.search(r"<text[^>]*>3</text>", section)
    key = section[section.index('legmap-key"') :]
    assert "Great saphenous vein, above knee" in key
    assert "Small saphenous vein" in key and "2.00 mL" in key
    assert "not on the map" in key


def test_front_desk_sees_no_session_map(frontdesk_client, patient, clinician):
    session = make_session(patient, clinician)
    make_injection(session, diagram_x_pct=Decimal("19"), diagram_y_pct=Decimal("27"))
    html = frontdesk_client.get(session.get_absolute_url()).content.decode()
    assert "legmap" not in html


def test_the_signed_view_keeps_the_map(clinician_client, patient, clinician):
    session = make_session(patient, clinician)
    make_injection(session, diagram_x_pct=Decimal("19"), diagram_y_pct=Decimal("27"))
    html = clinician_client.get(
        session.get_absolute_url() + "?as_signed=1"
    ).content.decode()
    assert 'id="session-map-heading"' in html and "legmap-marker" in html
