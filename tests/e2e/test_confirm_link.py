"""A reminder's link in a real browser: the patient confirms without a login,
and the front desk sees the answer on the visit's page. The page is looked at
on a phone (390 px) and a tablet (820 px): screenshots in /tmp/shots."""

from __future__ import annotations

from pathlib import Path

from django.utils import timezone

from clinics.models import Site
from tests.conftest import make_patient, make_visit
from tests.e2e.conftest import playwright_sync_api
from tests.helpers import at
from visits.links import confirm_url
from visits.models import Confirmation

# Skipped, with the reason, where the package is missing (see conftest.py).
expect = playwright_sync_api().expect

SHOTS = Path("/tmp/shots")


def _shot(page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def test_the_patient_confirms_and_the_front_desk_sees_it(
    page, log_in, settings, live_server, frontdesk, clinician
):
    settings.SCLERO_SITE_URL = live_server.url
    site = Site.objects.create(
        name="Sede Città Studi",
        address="Via Giuseppe Colombo 81\n20133 Milano",
        phone="+39 02 555 0100",
    )
    patient = make_patient(first_name="Lucia", last_name="Ferrari")
    visit = make_visit(patient, clinician, site=site, starts_at=at(2, 9, 40))
    url = confirm_url(visit)
    assert url.startswith(live_server.url + "/r/")

    for width, name in ((390, "phone"), (820, "tablet")):
        page.set_viewport_size({"width": width, "height": 900})
        page.goto(url)
        expect(page.get_by_role("heading", name="Your appointment")).to_be_visible()
        when = page.locator("#visit-when")
        expect(when).to_contain_text("09:40")
        expect(when).to_contain_text("Sede Città Studi")
        expect(when).to_contain_text("Via Giuseppe Colombo 81")
        body = page.locator("body").inner_text()
        assert "Ferrari" not in body and "Lucia" not in body
        assert "Clinician" not in body
        # Nothing runs off the screen, and the buttons are big enough to tap.
        assert page.evaluate(
            "document.documentElement.scrollWidth <= window.innerWidth"
        ), name
        for label in ("I will come", "I need to cancel"):
            box = page.get_by_role("button", name=label).bounding_box()
            assert box is not None and box["height"] >= 44, (name, label)
        _shot(page, f"confirm-link-{name}")

    page.get_by_role("button", name="I will come").click()
    page.wait_for_load_state()
    expect(page.locator("#answer-recorded")).to_contain_text(
        "you told us you will come"
    )
    expect(page.get_by_role("button", name="I will come")).to_have_count(0)
    expect(page.get_by_role("button", name="I need to cancel")).to_be_visible()
    _shot(page, "confirm-link-answered")
    visit.refresh_from_db()
    assert visit.confirmation == Confirmation.CONFIRMED
    assert visit.confirmation_at is not None
    assert abs((visit.confirmation_at - timezone.now()).total_seconds()) < 120

    page.context.clear_cookies()
    page.set_viewport_size({"width": 1400, "height": 1000})
    log_in(frontdesk)
    page.goto(visit.get_absolute_url())
    expect(page.locator("#visit-confirmation")).to_contain_text(
        "Confirmed by the patient"
    )


def test_a_tampered_link_says_only_that_it_is_not_valid(page, live_server, settings):
    response = page.goto("/r/not-a-real-token/")
    assert response is not None and response.status == 404
    expect(page.locator("#link-problem")).to_have_text("This link is not valid.")
    expect(page.get_by_role("button")).to_have_count(0)


def test_a_clinician_makes_and_replaces_the_calendar_address(
    page, log_in, settings, live_server, clinician
):
    settings.SCLERO_SITE_URL = live_server.url
    make_visit(make_patient(last_name="Ferrari"), clinician, starts_at=at(2, 9))
    log_in(clinician)
    page.get_by_role("button", name="clinician").click()
    page.get_by_role("link", name="My visits in my calendar app").click()
    page.wait_for_load_state()
    page.get_by_role("button", name="Make my calendar address").click()
    page.wait_for_load_state()
    first = page.locator("#feed-url").input_value()
    assert first.startswith(f"{live_server.url}/calendar/")
    feed = page.request.get(first)
    assert feed.ok and "BEGIN:VEVENT" in feed.text()
    assert "Ferrari" not in feed.text()

    page.get_by_role("button", name="Replace the address").click()
    page.wait_for_load_state()
    second = page.locator("#feed-url").input_value()
    assert second != first
    assert page.request.get(first).status == 404
    assert page.request.get(second).ok
