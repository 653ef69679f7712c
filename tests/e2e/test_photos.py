"""Clinical photos in a real browser: taken from the session page, shown as
thumbnails through the authenticated file view under the Content-Security-
Policy, compared side by side; axe-core finds no WCAG 2.1 A/AA violation on
the photo pages in English and Italian."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import timezone

from tests.conftest import make_session
from tests.e2e.conftest import TIMEOUT_MS, playwright_sync_api
from tests.e2e.test_accessibility import LOCALES, _violations
from tests.helpers import at
from tests.photos.factories import make_photo, make_photo_consent, picture_bytes

playwright_sync_api()

pytestmark = pytest.mark.date_dependent

LOADED = "img => img.complete && img.naturalWidth > 0"


def _wait_loaded(page, image) -> None:
    """Wait until the picture came from the file view and was decoded (a
    refused or broken one never gets a width)."""
    image.scroll_into_view_if_needed()
    page.wait_for_function(LOADED, arg=image.element_handle())


def test_a_photo_is_taken_on_the_session_page_and_compared(
    page, log_in, clinician, patient
):
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    earlier = make_session(patient, clinician, performed_at=at(-40, 10))
    make_photo(earlier, clinician, phase="before")
    session = make_session(patient, clinician)
    make_photo_consent(patient, clinician)
    log_in(clinician)

    page.goto(reverse("treatments:session-detail", args=[session.code]))
    page.get_by_role("link", name="Add photos").click()
    page.set_input_files(
        "#id_image",
        files=[
            {
                "name": "leg.jpg",
                "mimeType": "image/jpeg",
                "buffer": picture_bytes(size=(600, 300), orientation=6, gps=True),
            }
        ],
    )
    page.get_by_label("After treatment").check()
    page.get_by_label("Right").check()
    page.get_by_label("Front").check()
    page.get_by_role("button", name="Save photo").click()
    page.wait_for_load_state()
    assert "Photo saved" in page.content()
    thumbs = page.locator(".photo-grid img")
    assert thumbs.count() == 1
    _wait_loaded(page, thumbs.first)

    page.get_by_role("link", name="Done").click()
    page.wait_for_load_state()
    card = page.locator("#session-photos")
    _wait_loaded(page, card.locator("img").first)
    card.get_by_role("link", name="Compare photos").click()
    page.wait_for_load_state()
    pictures = page.locator(".photo-compare img")
    assert pictures.count() == 2
    for index in range(2):
        _wait_loaded(page, pictures.nth(index))
    # The stored photo is upright: taller than wide.
    size = pictures.nth(1).evaluate("img => [img.naturalWidth, img.naturalHeight]")
    assert size == [300, 600]
    assert not errors, errors


@pytest.fixture(params=sorted(LOCALES))
def language(request) -> str:
    return request.param


@pytest.fixture
def axe_page(browser, live_server, transactional_db, language):
    """A page in English or Italian that lets axe.min.js in past the CSP."""
    context = browser.new_context(
        base_url=live_server.url,
        viewport={"width": 1400, "height": 1000},
        locale=LOCALES[language],
        timezone_id=timezone.get_default_timezone_name(),
        bypass_csp=True,
    )
    context.set_default_timeout(TIMEOUT_MS)
    context.clock.set_system_time(timezone.now())
    tab = context.new_page()
    yield tab
    context.close()


def test_the_photo_pages_have_no_accessibility_violation(
    axe_page, live_server, clinician, patient
):
    from tests.conftest import PASSWORD

    session = make_session(patient, clinician)
    make_photo(session, clinician, phase="before", notes="Lateral thigh")
    make_photo(session, clinician, phase="after", leg="L", view="inner")
    axe_page.goto("/login/")
    axe_page.fill("#id_username", clinician.username)
    axe_page.fill("#id_password", PASSWORD)
    axe_page.click("form button[type=submit]")
    axe_page.wait_for_load_state()
    found: list[str] = []
    for url in (
        reverse("photos:upload", args=[session.code]),
        reverse("treatments:session-detail", args=[session.code]),
        reverse("photos:compare", args=[patient.code]),
    ):
        found.extend(_violations(axe_page, url))
    assert not found, "axe-core found accessibility violations:\n" + "\n".join(found)
