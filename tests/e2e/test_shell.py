"""The page shell in a real browser: skip link, navbar menu, focus ring, zoom.

- The first Tab reaches "Skip to main content", shown on focus; following it
  puts the focus on <main>.
- At tablet width (820 px) the navbar is one line with a labelled menu button
  that opens and closes the links (Bootstrap's collapse, allowed by the
  Content-Security-Policy).
- Every focusable control shows a 3 px ring with at least 3:1 contrast
  against the colour around it (the page, a card, the navbar's blue).
- At 200 % zoom on a 1366 px laptop (a 683 px wide CSS viewport) the main
  pages do not scroll sideways.
"""

from __future__ import annotations

import re

import pytest
from django.urls import reverse
from django.utils import timezone, translation

from tests.conftest import (
    PASSWORD,
    make_doppler,
    make_injection,
    make_patient,
    make_session,
)
from tests.e2e.conftest import TIMEOUT_MS, playwright_sync_api

expect = playwright_sync_api().expect

# Dated records around the frozen clock (last week's session, today's agenda).
pytestmark = pytest.mark.date_dependent

TABLET = {"width": 820, "height": 1180}

# The contrast ratio (WCAG) between an element's focus outline and the first
# opaque background behind it; the outline's width and style with it.
FOCUS_RING = """el => {
  const rgb = c => c.match(/[\\d.]+/g).map(Number);
  const lum = ([r, g, b]) => {
    const f = v => {
      v /= 255;
      return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4;
    };
    return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b);
  };
  const style = getComputedStyle(el);
  let node = el.parentElement, background = 'rgb(255, 255, 255)';
  while (node) {
    const c = getComputedStyle(node).backgroundColor;
    const parts = rgb(c);
    if (parts.length < 4 || parts[3] === 1) { background = c; break; }
    node = node.parentElement;
  }
  const [a, b] = [lum(rgb(style.outlineColor)), lum(rgb(background))];
  return {
    width: parseFloat(style.outlineWidth), style: style.outlineStyle,
    ratio: (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05),
  };
}"""


@pytest.fixture
def chart(clinician):
    """A patient with a Doppler and a session of two injections."""
    patient = make_patient(first_name="Lucia", last_name="Ferrari")
    make_doppler(patient, clinician)
    session = make_session(patient, clinician)
    make_injection(session)
    make_injection(session, leg="L", volume_ml="0.5", site="posterior calf")
    return {"patient": patient, "session": session}


@pytest.fixture
def open_as(browser, live_server, transactional_db):
    """A logged-in page for `user` in the browser language `locale`, at
    `viewport` (CSS pixels) and `scale` device pixels per CSS pixel."""
    contexts = []

    def _open(user, *, locale="en-GB", viewport=None, scale=1):
        context = browser.new_context(
            base_url=live_server.url,
            viewport=viewport or {"width": 1366, "height": 900},
            device_scale_factor=scale,
            locale=locale,
            timezone_id=timezone.get_default_timezone_name(),
        )
        contexts.append(context)
        context.set_default_timeout(TIMEOUT_MS)
        context.clock.set_system_time(timezone.now())
        page = context.new_page()
        page.goto(reverse("login"))
        page.fill("#id_username", user.username)
        page.fill("#id_password", PASSWORD)
        page.click("form button[type=submit]")
        page.wait_for_load_state()
        assert "/login/" not in page.url, "login failed"
        return page

    yield _open
    for context in contexts:
        context.close()


@pytest.mark.parametrize("locale", ["en-GB", "it-IT"])
def test_the_skip_link_is_the_first_stop_and_moves_the_focus_to_main(
    open_as, clinician, chart, locale
):
    page = open_as(clinician, locale=locale)
    page.goto(reverse("records:patient", args=[chart["patient"].code]))
    with translation.override(locale[:2]):
        name = translation.gettext("Skip to main content")
    skip = page.get_by_role("link", name=name)
    expect(skip).not_to_be_in_viewport()
    page.keyboard.press("Tab")
    expect(skip).to_be_focused()
    expect(skip).to_be_in_viewport()
    box = skip.bounding_box()
    assert box is not None and box["y"] >= 0 and box["height"] > 20
    page.keyboard.press("Enter")
    expect(page.locator("main#main")).to_be_focused()
    # The next Tab goes into the page's content, past the navbar.
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.closest('main') !== null")


@pytest.mark.parametrize("user", ["clinician", "manager"])
def test_at_tablet_width_the_navbar_is_one_line_with_a_menu_button(
    page, log_in, user, request
):
    log_in(request.getfixturevalue(user))
    page.set_viewport_size(TABLET)
    page.goto(reverse("patients:list"))
    navbar = page.locator("nav.navbar")
    assert navbar.bounding_box()["height"] < 70
    links = page.locator("#nav")
    expect(links).to_be_hidden()
    toggler = page.get_by_role("button", name="Menu")
    expect(toggler).to_have_attribute("aria-expanded", "false")
    toggler.click()
    expect(links).to_have_class(re.compile(r"\bshow\b"))
    expect(toggler).to_have_attribute("aria-expanded", "true")
    expect(page.get_by_role("link", name="Agenda")).to_be_visible()
    assert page.evaluate(
        "document.documentElement.scrollWidth <= document.documentElement.clientWidth"
    )
    toggler.click()
    expect(links).to_be_hidden()


@pytest.mark.parametrize("width", [1200, 1366])
@pytest.mark.parametrize("locale", ["en-GB", "it-IT"])
def test_on_a_laptop_the_managers_navbar_is_one_line(open_as, manager, width, locale):
    page = open_as(manager, locale=locale, viewport={"width": width, "height": 800})
    page.goto(reverse("patients:list"))
    expect(page.locator("#nav")).to_be_visible()
    assert page.locator("nav.navbar").bounding_box()["height"] < 70
    # The manager's pages are in one menu.
    page.locator("#manage-menu").click()
    menu = page.locator("#manage-menu + .dropdown-menu")
    expect(menu).to_be_visible()
    hrefs = menu.locator("a").evaluate_all("links => links.map(a => a.pathname)")
    assert {reverse("accesslog:list"), reverse("records:audit")} <= set(hrefs)


def test_fields_and_checkboxes_have_a_3_to_1_outline(page, log_in, clinician, chart):
    """Their border against the card's white (WCAG 1.4.11, non-text contrast)."""
    log_in(clinician)
    page.goto(reverse("doppler:create", args=[chart["patient"].code]))
    ratios = page.evaluate(
        """() => {
      const rgb = c => c.match(/[\\d.]+/g).map(Number);
      const lum = ([r, g, b]) => {
        const f = v => {
          v /= 255;
          return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4;
        };
        return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b);
      };
      const ratio = el => {
        const border = lum(rgb(getComputedStyle(el).borderTopColor));
        return 1.05 / (border + 0.05);
      };
      const pick = s => document.querySelector('main ' + s);
      return {
        text: ratio(pick('input.form-control:not([type=hidden]):not(:disabled)')),
        select: ratio(pick('select.form-select:not(:disabled)')),
        checkbox: ratio(pick('.form-check-input:not(:checked):not(:disabled)')),
      };
    }"""
    )
    assert all(value >= 3 for value in ratios.values()), ratios


def _ring(page, locator) -> dict:
    locator.focus()
    return locator.evaluate(FOCUS_RING)


def test_the_focus_ring_is_3px_with_3_to_1_contrast(page, log_in, clinician, chart):
    log_in(clinician)
    patient = chart["patient"]
    pages = {
        reverse("records:patient", args=[patient.code]): {
            "skip link": ".skip-link",
            "navbar link": "nav.navbar .nav-link",
            "navbar brand": ".navbar-brand",
            "account menu": "#account-menu",
            "primary button": "main a.btn-primary",
            "outline button": "main a.btn-outline-primary",
            "text link in a card": "main .card a:not(.btn)",
        },
        reverse("patients:list"): {"search field": "main input.form-control"},
        reverse("doppler:create", args=[patient.code]): {
            "select": "main select.form-select",
            "checkbox": "main .form-check-input",
            "text area": "main textarea",
            "submit button": "main button[type=submit]",
        },
    }
    found = {}
    for url, targets in pages.items():
        page.goto(url)
        # A first key press, so focus() shows the keyboard's ring (focus-visible).
        page.keyboard.press("Tab")
        for name, selector in targets.items():
            found[name] = _ring(page, page.locator(selector).first)
    bad = {
        name: ring
        for name, ring in found.items()
        if ring["style"] == "none" or ring["width"] < 3 or ring["ratio"] < 3
    }
    assert not bad, bad


def test_at_tablet_width_the_menu_links_show_the_light_ring(page, log_in, clinician):
    log_in(clinician)
    page.set_viewport_size(TABLET)
    page.goto(reverse("patients:list"))
    page.keyboard.press("Tab")
    toggler = page.get_by_role("button", name="Menu")
    ring = _ring(page, toggler)
    assert ring["width"] >= 3 and ring["ratio"] >= 3, ring
    page.keyboard.press("Enter")
    page.keyboard.press("Tab")
    ring = page.evaluate_handle("document.activeElement").evaluate(FOCUS_RING)
    assert ring["width"] >= 3 and ring["ratio"] >= 3, ring


@pytest.mark.parametrize("locale", ["en-GB", "it-IT"])
def test_at_200_percent_zoom_the_main_pages_do_not_scroll_sideways(
    open_as, clinician, chart, locale
):
    """1366 px at 200 % zoom is a 683 px CSS viewport at 2 device pixels each."""
    page = open_as(
        clinician, locale=locale, viewport={"width": 683, "height": 384}, scale=2
    )
    patient = chart["patient"]
    wide = []
    for url in [
        reverse("patients:list"),
        reverse("records:patient", args=[patient.code]),
        reverse("treatments:session-detail", args=[chart["session"].code]),
        reverse("printing:aftercare-print", args=[chart["session"].code]),
        reverse("treatments:session-create", args=[patient.code]),
        reverse("doppler:create", args=[patient.code]),
        reverse("visits:agenda-day"),
        reverse("visits:agenda-week"),
        reverse("patients:create"),
    ]:
        response = page.goto(url)
        assert response is not None and response.status == 200, url
        widths = page.evaluate(
            "[document.documentElement.scrollWidth,"
            " document.documentElement.clientWidth]"
        )
        if widths[0] > widths[1]:
            wide.append((url, widths))
    assert not wide, f"pages wider than the window at 200 % zoom: {wide}"
