"""The agenda's time grid in a real browser: book from a free slot, and drag
a visit onto another slot; screenshots at desktop and tablet widths."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from django.urls import reverse
from django.utils import timezone

from tests.conftest import PASSWORD, make_patient, make_visit
from tests.e2e.conftest import playwright_sync_api
from tests.helpers import rome
from visits.models import FollowUpVisit

expect = playwright_sync_api().expect

pytestmark = pytest.mark.date_dependent

SHOTS = Path("/tmp/shots")


def _tomorrow():
    return timezone.localdate() + timedelta(days=1)


def test_front_desk_books_a_free_slot_and_sees_it_in_the_grid(
    page, log_in, frontdesk, clinician
):
    day = _tomorrow()
    patient = make_patient(first_name="Giulia", last_name="Marchetti")
    log_in(frontdesk)
    page.goto(reverse("visits:agenda-day") + f"?date={day.isoformat()}")
    page.get_by_role("link", name="Free 11:00").first.click()
    page.wait_for_load_state()
    expect(page.locator("#slot-summary")).to_contain_text("11:00")
    page.get_by_label("Patient: name, chart number or phone").fill("Marchetti")
    page.get_by_role("button", name="Search").click()
    page.wait_for_load_state()
    page.locator("#book-slot-results a", has_text="Marchetti, Giulia").click()
    page.wait_for_load_state()
    expect(page.locator("#id_time")).to_have_value("11:00")
    expect(page.locator("#id_date")).to_have_value(day.isoformat())
    page.get_by_role("button", name="Book visit").click()
    page.wait_for_load_state()
    visit = FollowUpVisit.objects.get(patient=patient)
    assert timezone.localtime(visit.starts_at) == rome(day, 11)

    page.goto(reverse("visits:agenda-day") + f"?date={day.isoformat()}")
    block = page.locator(f'.ag-block[data-visit="{visit.code}"]')
    expect(block).to_contain_text("11:00")
    expect(block).to_contain_text("Marchetti, Giulia")
    # The 11:00 slot is taken now; the block sits on its row.
    expect(page.get_by_role("link", name="Free 11:00")).to_have_count(0)
    label = page.locator(".ag-time", has_text="11:00")
    assert abs(block.bounding_box()["y"] - label.bounding_box()["y"]) < 4


def test_dragging_a_visit_opens_the_prefilled_move_form(
    page, log_in, frontdesk, clinician
):
    day = _tomorrow()
    visit = make_visit(
        make_patient(last_name="Greco"), clinician, starts_at=rome(day, 9)
    )
    log_in(frontdesk)
    page.goto(reverse("visits:agenda-day") + f"?date={day.isoformat()}")
    block = page.locator(f'.ag-block[data-visit="{visit.code}"]')
    block.drag_to(page.get_by_role("link", name="Free 10:30").first)
    page.wait_for_url("**/reschedule/**")
    expect(page.locator("#id_time")).to_have_value("10:30")
    page.locator("#id_reason").fill("Patient asked for the afternoon")
    page.get_by_role("button", name="Move visit").click()
    page.wait_for_load_state()
    visit.refresh_from_db()
    assert timezone.localtime(visit.starts_at) == rome(day, 10, 30)


@pytest.mark.parametrize("locale", ["en-GB", "it-IT"])
def test_screenshots_of_the_grid(
    browser, live_server, transactional_db, frontdesk, clinician, colleague, locale
):
    day = _tomorrow()
    for n, (who, hh, mm) in enumerate(
        [(clinician, 9, 0), (clinician, 10, 30), (colleague, 9, 15), (colleague, 12, 0)]
    ):
        make_visit(
            make_patient(last_name=f"Paziente{n}"),
            who,
            starts_at=rome(day, hh, mm),
            duration_min=30,
        )
    # The browser's language is the page's (LocaleMiddleware, Accept-Language).
    context = browser.new_context(
        base_url=live_server.url,
        locale=locale,
        timezone_id=timezone.get_default_timezone_name(),
    )
    context.clock.set_system_time(timezone.now())
    page = context.new_page()
    try:
        page.goto("/login/")
        page.fill("#id_username", frontdesk.username)
        page.fill("#id_password", PASSWORD)
        page.click("form button[type=submit]")
        page.wait_for_load_state()
        language = locale[:2]
        assert page.evaluate("document.documentElement.lang") == language
        SHOTS.mkdir(parents=True, exist_ok=True)
        for width in (1366, 820):
            page.set_viewport_size({"width": width, "height": 900})
            for name in ("agenda-day", "agenda-week"):
                page.goto(reverse(f"visits:{name}") + f"?date={day.isoformat()}")
                # The page never scrolls sideways; a wide grid scrolls inside.
                assert page.evaluate(
                    "document.documentElement.scrollWidth <= window.innerWidth"
                ), (name, width)
                page.screenshot(path=str(SHOTS / f"{name}-{language}-{width}.png"))
            # One clinician's week, with the free slots.
            page.goto(
                reverse("visits:agenda-week")
                + f"?date={day.isoformat()}&clinician={clinician.pk}"
            )
            assert page.evaluate(
                "document.documentElement.scrollWidth <= window.innerWidth"
            ), ("week-free", width)
            page.screenshot(
                path=str(SHOTS / f"agenda-week-free-{language}-{width}.png")
            )
            # A free slot of the week is a 44 px touch target too.
            box = page.locator(".ag-free").first.bounding_box()
            assert box["height"] >= 44 and box["width"] >= 44
        # A free slot is a 44 px touch target on the tablet.
        page.goto(reverse("visits:agenda-day") + f"?date={day.isoformat()}")
        box = page.locator(".ag-free").first.bounding_box()
        assert box["height"] >= 44
    finally:
        context.close()


def test_week_of_one_clinician_books_a_free_slot_and_drags_a_visit(
    page, log_in, frontdesk, clinician
):
    day = _tomorrow()
    visit = make_visit(
        make_patient(last_name="Greco"), clinician, starts_at=rome(day, 9)
    )
    log_in(frontdesk)
    week = (
        reverse("visits:agenda-week")
        + f"?date={day.isoformat()}&clinician={clinician.pk}"
    )
    page.goto(week)
    expect(page.locator("#week-free-hint")).to_have_count(0)

    def slot(at: str):
        return page.locator(
            f'.ag-free[data-date="{day.isoformat()}"][data-time="{at}"]'
        )

    # Nothing is offered over the booked visit (09:00-09:20).
    expect(slot("09:00")).to_have_count(0)
    expect(slot("11:00")).to_contain_text("Free 11:00")
    slot("11:00").click()
    page.wait_for_load_state()
    expect(page.locator("#slot-summary")).to_contain_text("11:00")

    page.goto(week)
    block = page.locator(f'.ag-week-block[data-visit="{visit.code}"]')
    block.drag_to(slot("10:30"))
    page.wait_for_url("**/reschedule/**")
    expect(page.locator("#id_time")).to_have_value("10:30")
    expect(page.locator("#id_date")).to_have_value(day.isoformat())
