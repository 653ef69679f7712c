"""Entering a session at the chair, on a tablet (820 x 1180), as a user would.

The reference session of the clinic: two polidocanol 0.5 % liquid injections
on blue telangiectasias, one 1 % liquid on a reticular vein, two 3 % foam
injections on medium varices, a bandage for 2 days then a stocking. The test
counts what the user does (each click or tap, each choice in a list, each
field typed in: one action; waiting for the page is not one), prints the
number and holds it to the clinic's target of 25.
"""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from core import legmap as drawing
from tests.conftest import PASSWORD, make_patient
from tests.e2e.conftest import TIMEOUT_MS, playwright_sync_api
from tests.e2e.test_accessibility import _check as check_accessibility
from treatments.choices import Compression, Form, Gas, VesselType
from treatments.models import TreatmentSession

expect = playwright_sync_api().expect

ROWS = "#injection-rows tr.injection-row"
SAVED_SESSION = re.compile(r".*/sessions/[0-9a-f-]{36}/$")
TABLET = {"width": 820, "height": 1180}
MAX_ACTIONS = 25


class Actions:
    """The user's actions, counted: a click or tap, a choice in a list, a
    field typed in. Every value on the page gets there through these."""

    def __init__(self) -> None:
        self.count = 0

    def click(self, locator) -> None:
        self.count += 1
        locator.click()

    def check(self, locator) -> None:
        self.count += 1
        locator.check()

    def choose(self, locator, value: str) -> None:
        self.count += 1
        locator.select_option(value)

    def type(self, locator, value: str) -> None:
        self.count += 1
        locator.fill(value)


def _field(row, name: str):
    return row.locator(f'[name$="-{name}"]')


def _copy(page, actions: Actions, row, expected_rows: int):
    """Copy a row; wait until the copy shows the same site (nothing to count)."""
    site = _field(row, "site").input_value()
    # As a person would: after the last copy's row and totals have come back
    # (htmx marks an element waiting for its answer with "htmx-request").
    expect(page.locator(".htmx-request")).to_have_count(0)
    actions.click(row.locator("[data-copy-row]"))
    expect(page.locator(ROWS)).to_have_count(expected_rows)
    copy = page.locator(ROWS).nth(expected_rows - 1)
    expect(_field(copy, "site")).to_have_value(site)
    return copy


def test_the_reference_session_at_tablet_width(page, log_in, clinician):
    patient = make_patient(weight_kg=Decimal("60.0"))
    page.set_viewport_size(TABLET)
    log_in(clinician)
    page.goto(reverse("records:patient", args=[patient.code]))
    actions = Actions()

    actions.click(page.get_by_role("link", name="New session"))
    expect(page.locator(ROWS)).to_have_count(1)
    actions.check(page.get_by_label("screening questions asked today"))
    actions.check(page.get_by_label("informed consent obtained"))

    # 1. Blue telangiectasia: the vessel type proposes polidocanol 0.5 % liquid.
    row = page.locator(ROWS).first
    actions.choose(_field(row, "leg"), "R")
    actions.type(_field(row, "site"), "lateral thigh")
    actions.choose(_field(row, "vessel_type"), VesselType.BLUE_TELANGIECTASIA)
    expect(_field(row, "agent")).to_have_value("polidocanol")
    expect(_field(row, "concentration_pct")).to_have_value("0.5")
    expect(_field(row, "form")).to_have_value("liquid")
    expect(_field(row, "volume_ml")).to_have_attribute("placeholder", "≤ 0.2")
    actions.type(_field(row, "volume_ml"), "0.2")

    # 2. The same again, a little lower.
    row = _copy(page, actions, row, 2)
    expect(_field(row, "concentration_pct")).to_have_value("0.5")
    expect(_field(row, "volume_ml")).to_have_value("0.2")
    actions.type(_field(row, "site"), "lateral knee")

    # 3. A reticular vein: the copy's proposals follow the new vessel type.
    row = _copy(page, actions, row, 3)
    actions.choose(_field(row, "vessel_type"), VesselType.RETICULAR)
    expect(_field(row, "concentration_pct")).to_have_value("1")
    expect(_field(row, "form")).to_have_value("liquid")
    actions.type(_field(row, "site"), "popliteal fossa")
    actions.type(_field(row, "volume_ml"), "0.5")

    # 4. A medium varix: foam with room air 1+4; the clinician wants 3 %.
    row = _copy(page, actions, row, 4)
    actions.choose(_field(row, "vessel_type"), VesselType.MEDIUM_VARICOSE)
    expect(_field(row, "form")).to_have_value("foam")
    expect(_field(row, "gas")).to_be_enabled()
    expect(_field(row, "gas")).to_have_value("air")
    expect(_field(row, "gas_parts")).to_have_value("4")
    actions.type(_field(row, "concentration_pct"), "3")
    actions.type(_field(row, "site"), "medial calf")
    actions.type(_field(row, "volume_ml"), "2")

    # 5. The same varix, a hand's breadth lower.
    row = _copy(page, actions, row, 5)
    expect(_field(row, "concentration_pct")).to_have_value("3")
    actions.type(_field(row, "site"), "medial calf, lower third")

    # The totals card proposes a bandage, then a stocking, after foam, and the
    # form takes it while the clinician has not chosen otherwise.
    totals = page.locator("#totals-card")
    expect(totals).to_contain_text("5 injections")
    expect(page.locator('input[name="compression"][value="bandage"]')).to_be_checked()
    expect(page.locator('input[name="bandage_days"]')).to_have_value("2")

    actions.click(page.get_by_role("button", name="Save session"))
    page.wait_for_url(SAVED_SESSION)

    print(f"reference session: {actions.count} user actions")
    assert actions.count <= MAX_ACTIONS

    session = TreatmentSession.objects.get(patient=patient)
    assert (session.compression, session.bandage_days) == (
        Compression.BANDAGE_THEN_STOCKING,
        2,
    )
    assert (session.stocking_class, session.stocking_days) == ("2", 14)
    saved = [
        (
            i.site,
            i.vessel_type,
            i.agent,
            i.concentration_pct,
            i.form,
            i.gas,
            i.gas_parts,
            i.volume_ml,
        )
        for i in session.injections.order_by("id")
    ]
    tel, ret, med = (
        VesselType.BLUE_TELANGIECTASIA,
        VesselType.RETICULAR,
        VesselType.MEDIUM_VARICOSE,
    )
    liquid, foam, air = Form.LIQUID, Form.FOAM, Gas.AIR
    d = Decimal
    assert saved == [
        ("lateral thigh", tel, "polidocanol", d("0.5"), liquid, "", None, d("0.2")),
        ("lateral knee", tel, "polidocanol", d("0.5"), liquid, "", None, d("0.2")),
        ("popliteal fossa", ret, "polidocanol", d("1"), liquid, "", None, d("0.5")),
        ("medial calf", med, "polidocanol", d("3"), foam, air, d("4"), d("2")),
        (
            "medial calf, lower third",
            med,
            "polidocanol",
            d("3"),
            foam,
            air,
            d("4"),
            d("2"),
        ),
    ]
    assert {i.leg for i in session.injections.all()} == {"R"}
    # 2 x 1 mg + 5 mg + 2 x 12 mg (foam 2 mL at 1+4 is 0.4 mL of liquid).
    assert session.totals().polidocanol_mg == Decimal("31.00")


@pytest.fixture
def page_in(browser, live_server, transactional_db):
    """A page whose browser speaks the given language (Accept-Language),
    logged in as the user, at the given width; axe-core can be added."""
    contexts = []

    def _open(user, language: str, width: int):
        context = browser.new_context(
            base_url=live_server.url,
            viewport={"width": width, "height": TABLET["height"]},
            locale={"en": "en-GB", "it": "it-IT"}[language],
            timezone_id=timezone.get_default_timezone_name(),
            # Lets axe-core be injected past script-src 'self'; the form's
            # own scripts run under the policy in test_session_form.py.
            bypass_csp=True,
        )
        contexts.append(context)
        context.set_default_timeout(TIMEOUT_MS)
        context.clock.set_system_time(timezone.now())
        tab = context.new_page()
        tab.goto("/login/")
        tab.fill("#id_username", user.username)
        tab.fill("#id_password", PASSWORD)
        tab.click("form button[type=submit]")
        tab.wait_for_load_state()
        assert "/login/" not in tab.url, "login failed"
        return tab

    yield _open
    for context in contexts:
        context.close()


def _five_rows(page):
    """The session form of a new patient with five rows, entered by copies."""
    patient = make_patient(weight_kg=Decimal("60.0"))
    page.goto(reverse("treatments:session-create", args=[patient.code]))
    row = page.locator(ROWS).first
    _field(row, "leg").select_option("L")
    _field(row, "segment").select_option("GSVb")
    _field(row, "site").fill("medial calf, a long description of the site")
    _field(row, "vessel_type").select_option(VesselType.MEDIUM_VARICOSE)
    _field(row, "volume_ml").fill("1.5")
    counter = Actions()
    for n in range(2, 6):
        row = _copy(page, counter, row, n)
    # "5 injections" / "5 iniezioni"
    expect(page.locator("#totals-card .small").first).to_contain_text("5 ")
    return patient


def _no_sideways_scroll(page) -> None:
    widths = page.evaluate(
        "() => [document.documentElement.scrollWidth,"
        " document.documentElement.clientWidth]"
    )
    assert widths[0] <= widths[1], f"the page scrolls sideways: {widths}"


@pytest.mark.parametrize(
    ("width", "language"), [(820, "en"), (820, "it"), (1366, "en"), (1366, "it")]
)
def test_below_the_tables_width_each_injection_is_a_two_line_card(
    page_in, clinician, width, language
):
    page = page_in(clinician, language, width)
    _five_rows(page)
    _no_sideways_scroll(page)
    page.screenshot(path=f"/tmp/session_form_{width}_{language}.png", full_page=True)
    expect(page.locator(".injection-table thead")).to_be_hidden()
    body = page.locator("#injection-rows").bounding_box()
    for n in range(5):
        row = page.locator(ROWS).nth(n)
        box = row.bounding_box()
        # Inside the card, not wider than it.
        assert box["x"] >= body["x"] - 1
        assert box["x"] + box["width"] <= body["x"] + body["width"] + 1
        # Two lines: the row's fields and buttons sit on two lines.
        bottoms = row.locator(
            "select, input:not([type=hidden]):not([type=checkbox]), button"
        ).evaluate_all(
            "els => els.map(e => Math.round(e.getBoundingClientRect().bottom))"
        )
        lines: list[int] = []
        for bottom in sorted(bottoms):
            if not lines or bottom - lines[-1] > 12:
                lines.append(bottom)
        assert len(lines) == 2, f"row {n + 1} is not two lines: {bottoms}"
        # Every field and button big enough to tap.
        for el in row.locator(
            "select, input:not([type=hidden]):not([type=checkbox]), button"
        ).all():
            assert el.bounding_box()["height"] >= 44
        # Each field has its label, shown above it.
        expect(row.locator(".cell-volume_ml label")).to_be_visible()
    # The volume and the dose are on screen, not off to the right.
    last = page.locator(ROWS).nth(4)
    for name in ("volume_ml", "concentration_pct"):
        box = _field(last, name).bounding_box()
        assert box["x"] + box["width"] <= width
    expect(last.locator(".cell-derived")).to_be_in_viewport(ratio=0.5)
    # Every field of the cards has its label; axe-core finds nothing.
    found = check_accessibility(page, f"session form, {width} px, {language}")
    assert not found, "\n".join(found)


@pytest.mark.parametrize("language", ["en", "it"])
def test_a_wide_screen_keeps_the_table_without_sideways_scroll(
    page_in, clinician, language
):
    page = page_in(clinician, language, 1440)
    _five_rows(page)
    _no_sideways_scroll(page)
    expect(page.locator(".injection-table thead")).to_be_visible()
    site = _field(page.locator(ROWS).first, "site").bounding_box()
    assert site["width"] >= 100, "the site field is wide enough to read"
    page.screenshot(path=f"/tmp/session_form_1440_{language}.png", full_page=True)


def _tap_map(page, leg: str, segment: str, shift: float = 0.0) -> None:
    """Tap the leg map on a segment (its centre, moved down by `shift` of the
    drawing's height); the point is taken when the map holds still."""
    region = next(r for r in drawing.REGIONS if (r.leg, r.segment) == (leg, segment))
    x, y = region.centroid
    svg = page.locator("#session-map svg.legmap")
    box = svg.bounding_box()
    svg.click(
        position={
            "x": box["width"] * x / drawing.WIDTH,
            "y": box["height"] * (y / drawing.HEIGHT + shift),
        }
    )


def test_the_reference_session_by_taps_on_the_leg_map(page, log_in, clinician):
    """The same session, each injection placed by a tap on the leg map (leg
    and segment from the point), then its vessel type and volume."""
    patient = make_patient(weight_kg=Decimal("60.0"))
    page.set_viewport_size(TABLET)
    log_in(clinician)
    page.goto(reverse("records:patient", args=[patient.code]))
    actions = Actions()
    actions.click(page.get_by_role("link", name="New session"))
    actions.check(page.get_by_label("screening questions asked today"))
    actions.check(page.get_by_label("informed consent obtained"))

    plan = [
        ("R", "NSV", -0.05, VesselType.BLUE_TELANGIECTASIA, None, "0.2"),
        ("R", "NSV", 0.05, VesselType.BLUE_TELANGIECTASIA, None, "0.2"),
        ("R", "GSVa", 0.0, VesselType.RETICULAR, None, "0.5"),
        ("L", "GSVb", -0.05, VesselType.MEDIUM_VARICOSE, "3", "2"),
        ("L", "GSVb", 0.05, VesselType.MEDIUM_VARICOSE, "3", "2"),
    ]
    for n, (leg, segment, shift, vessel, strength, volume) in enumerate(plan, 2):
        actions.count += 1  # a tap on the map
        _tap_map(page, leg, segment, shift)
        expect(page.locator(ROWS)).to_have_count(n)
        row = page.locator(ROWS).nth(n - 1)
        expect(_field(row, "segment")).to_have_value(segment)
        actions.choose(_field(row, "vessel_type"), vessel)
        if strength:
            actions.type(_field(row, "concentration_pct"), strength)
        actions.type(_field(row, "volume_ml"), volume)
    expect(page.locator("#totals-card")).to_contain_text("5 injections")
    expect(page.locator('input[name="compression"][value="bandage"]')).to_be_checked()
    expect(page.locator('input[name="stocking_days"]')).to_have_value("14")
    actions.click(page.get_by_role("button", name="Save session"))
    page.wait_for_url(SAVED_SESSION)

    print(f"reference session by map taps: {actions.count} user actions")
    assert actions.count <= MAX_ACTIONS
    session = TreatmentSession.objects.get(patient=patient)
    saved = list(session.injections.order_by("id"))
    assert [(i.leg, i.segment) for i in saved] == [
        (leg, segment) for leg, segment, *_ in plan
    ]
    assert all(i.diagram_x_pct is not None for i in saved)
    assert [(i.concentration_pct, i.form) for i in saved] == [
        (Decimal("0.5"), Form.LIQUID),
        (Decimal("0.5"), Form.LIQUID),
        (Decimal("1"), Form.LIQUID),
        (Decimal("3"), Form.FOAM),
        (Decimal("3"), Form.FOAM),
    ]
    assert session.totals().polidocanol_mg == Decimal("31.00")
    assert (session.compression, session.bandage_days) == (
        Compression.BANDAGE_THEN_STOCKING,
        2,
    )


def test_copies_tapped_while_rows_are_on_their_way_are_all_kept(
    page, log_in, clinician
):
    """Three copies tapped in a row, each before the rows asked for earlier
    have come back: each copy arrives with the values of the row it copied,
    none is lost and no row comes back empty."""
    patient = make_patient(weight_kg=Decimal("60.0"))
    page.set_viewport_size(TABLET)
    log_in(clinician)
    page.goto(reverse("treatments:session-create", args=[patient.code]))
    first = page.locator(ROWS).first
    _field(first, "leg").select_option("R")
    _field(first, "site").fill("lateral thigh")
    _field(first, "vessel_type").select_option(VesselType.BLUE_TELANGIECTASIA)
    _field(first, "volume_ml").fill("0.2")

    # Three taps in one moment: the first row's request is on its way while
    # htmx queues the other two (hx-sync "queue all").
    page.evaluate(
        """() => {
        const copy = document.querySelector('#injection-rows [data-copy-row]');
        copy.click(); copy.click(); copy.click();
    }"""
    )
    expect(page.locator(ROWS)).to_have_count(4)
    for n in range(1, 4):
        row = page.locator(ROWS).nth(n)
        expect(_field(row, "site")).to_have_value("lateral thigh")
        expect(_field(row, "leg")).to_have_value("R")
        expect(_field(row, "volume_ml")).to_have_value("0.2")
    names = page.locator(f"{ROWS} [name$='-site']").evaluate_all(
        "els => els.map(e => e.name)"
    )
    assert len(set(names)) == 4, names
