"""The session form's leg map in a real browser: a tap adds a row filled in
from the point, the marker drags and is removed with its row, totals follow."""

from __future__ import annotations

from decimal import Decimal

from django.urls import reverse

from core import legmap as drawing
from doppler.models import DopplerFinding
from patients.models import Leg
from tests.conftest import make_doppler, make_injection, make_patient, make_session
from tests.e2e.conftest import playwright_sync_api
from tests.helpers import in_days

expect = playwright_sync_api().expect

ROWS = "#injection-rows .injection-row"
MAP = "#session-map svg.legmap"
MARKERS = "#session-map .legmap-marker"


def _centre(leg: str, segment: str) -> tuple[float, float]:
    region = next(r for r in drawing.REGIONS if (r.leg, r.segment) == (leg, segment))
    x, y = region.centroid
    return x * 100 / drawing.WIDTH, y * 100 / drawing.HEIGHT


def _at(page, x_pct: float, y_pct: float) -> tuple[float, float]:
    """The page coordinates of a point given in percent of the drawing."""
    page.locator(MAP).scroll_into_view_if_needed()
    box = page.locator(MAP).bounding_box()
    return box["x"] + box["width"] * x_pct / 100, box["y"] + box["height"] * y_pct / 100


def test_tap_adds_a_prefilled_row_drag_moves_it_remove_takes_it_away(
    page, log_in, clinician
):
    patient = make_patient(weight_kg=Decimal("60.0"))
    log_in(clinician)
    page.goto(reverse("treatments:session-create", args=[patient.code]))
    # Start from no rows: the form's empty first row is removed.
    for button in page.locator(f"{ROWS} [data-remove-row]").all():
        button.click()
    expect(page.locator(ROWS)).to_have_count(0)
    expect(page.locator(MARKERS)).to_have_count(0)

    # Tap the left leg's great saphenous vein below the knee.
    page.mouse.click(*_at(page, *_centre(Leg.LEFT, "GSVb")))
    expect(page.locator(ROWS)).to_have_count(1)
    row = page.locator(ROWS).first
    expect(row.locator('select[name$="-leg"]')).to_have_value("L")
    expect(row.locator('select[name$="-segment"]')).to_have_value("GSVb")
    expect(page.locator(MARKERS)).to_have_count(1)
    expect(page.locator(MARKERS).first).to_have_text("1")
    expect(page.locator("#session-map-selected")).to_have_text("Injection added 1")
    x_input = row.locator('input[name$="-diagram_x_pct"]')
    y_input = row.locator('input[name$="-diagram_y_pct"]')
    first_x = x_input.input_value()
    assert abs(float(first_x) - _centre(Leg.LEFT, "GSVb")[0]) < 1.5

    # Give it a volume: the totals follow.
    row.locator('select[name$="-vessel_type"]').select_option("reticular")
    row.locator('select[name$="-agent"]').select_option("polidocanol")
    row.locator('input[name$="-concentration_pct"]').fill("0.5")
    volume = row.locator('input[name$="-volume_ml"]')
    volume.fill("2")
    volume.press("Tab")
    totals = page.locator("#session-totals")
    expect(totals).to_contain_text("1 injection")
    expect(totals).to_contain_text("10.00")
    expect(page.locator(MARKERS).first).to_have_attribute(
        "class", "legmap-marker legmap-marker--polidocanol-liquid"
    )

    # Drag the marker to the right leg's small saphenous vein (back view).
    marker = page.locator(MARKERS).first.locator("circle").nth(1)
    box = marker.bounding_box()
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.mouse.down()
    target = _at(page, *_centre(Leg.RIGHT, "SSV"))
    page.mouse.move(target[0], target[1], steps=8)
    page.mouse.up()
    expect(x_input).not_to_have_value(first_x)
    assert abs(float(x_input.input_value()) - _centre(Leg.RIGHT, "SSV")[0]) < 1.5
    assert abs(float(y_input.input_value()) - _centre(Leg.RIGHT, "SSV")[1]) < 1.5
    expect(row.locator('select[name$="-leg"]')).to_have_value("R")
    expect(row.locator('select[name$="-segment"]')).to_have_value("SSV")
    expect(page.locator(MARKERS)).to_have_count(1)

    # The marker moved is the one selected; Remove takes it and its row away.
    remove = page.locator("#session-map-remove")
    expect(page.locator(MARKERS).first).to_have_attribute(
        "class",
        "legmap-marker legmap-marker--polidocanol-liquid legmap-marker--selected",
    )
    expect(remove).to_be_enabled()
    remove.click()
    expect(page.locator(ROWS)).to_have_count(0)
    expect(page.locator(MARKERS)).to_have_count(0)
    expect(totals).to_contain_text("0 injections")


def test_a_saved_rows_marker_is_voided_with_its_row_and_comes_back_on_undo(
    page, log_in, clinician
):
    patient = make_patient(weight_kg=Decimal("60.0"))
    session = make_session(patient, clinician)
    make_injection(session)  # entered by keyboard: row 1, no marker
    make_injection(
        session, diagram_x_pct=Decimal("19.4"), diagram_y_pct=Decimal("27.6")
    )
    log_in(clinician)
    page.goto(reverse("treatments:session-edit", args=[session.code]))
    expect(page.locator(MARKERS)).to_have_count(1)
    expect(page.locator(MARKERS).first).to_have_text("2")

    remove = page.locator("#session-map-remove")
    expect(remove).to_be_disabled()
    page.locator(MARKERS).first.locator("circle").nth(1).click()  # a tap selects
    expect(remove).to_be_enabled()
    remove.click()
    second = page.locator(ROWS).nth(1)
    expect(second).to_have_class("injection-row row-voided")
    expect(second.locator('input[name$="-void"]')).to_have_value("1")
    expect(page.locator(MARKERS)).to_have_count(0)

    second.locator("[data-remove-row]").click()  # Undo in the row
    expect(page.locator(MARKERS)).to_have_count(1)


def test_the_printed_session_record_shows_the_map_in_colour(page, log_in, clinician):
    patient = make_patient()
    session = make_session(patient, clinician)
    make_injection(
        session, diagram_x_pct=Decimal("19.4"), diagram_y_pct=Decimal("27.6")
    )
    log_in(clinician)
    page.goto(session.get_absolute_url())
    page.emulate_media(media="print")
    drawing = page.locator(".session-map-card svg.legmap")
    expect(drawing).to_be_visible()
    dot = drawing.locator(".legmap-marker circle").first
    expect(dot).to_be_visible()
    fill = dot.evaluate("el => getComputedStyle(el).fill")
    assert fill == "rgb(10, 88, 202)"  # polidocanol, liquid
    width = drawing.evaluate("el => el.getBoundingClientRect().width")
    assert 200 < width <= 16 / 2.54 * 96 + 1  # at most 16 cm on paper


def test_the_underlay_follows_the_doppler_chosen(page, log_in, clinician):
    patient = make_patient()
    older = make_doppler(patient, clinician, assessed_on=in_days(-90))
    DopplerFinding.objects.create(
        assessment=older, leg=Leg.LEFT, segment="SSV", reflux_s=Decimal("2")
    )
    latest = make_doppler(patient, clinician, assessed_on=in_days(-10))
    DopplerFinding.objects.create(
        assessment=latest, leg=Leg.RIGHT, segment="GSVa", reflux_s=Decimal("1.5")
    )
    log_in(clinician)
    page.goto(reverse("treatments:session-create", args=[patient.code]))
    faint = page.locator("#session-map .legmap-underlay-reflux")
    expect(faint).to_have_count(1)
    expect(faint).to_have_attribute("data-segment", "GSVa")
    page.locator('select[name="doppler"]').select_option(str(older.pk))
    expect(faint).to_have_count(1)
    expect(faint).to_have_attribute("data-segment", "SSV")
    expect(faint).to_have_attribute("data-leg", "L")
    page.locator('select[name="doppler"]').select_option("")  # none: the latest
    expect(faint).to_have_attribute("data-segment", "GSVa")
