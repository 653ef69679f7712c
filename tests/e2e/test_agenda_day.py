"""Day agenda in a real browser: the front desk marks a patient as arrived."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import timezone

from tests.conftest import make_patient, make_visit
from tests.e2e.conftest import playwright_sync_api
from visits.models import VisitStatus

# Skipped, with the reason, where the package is missing (see conftest.py).
expect = playwright_sync_api().expect

# "Today's agenda" is the frozen clock's today, in the server and in the page.
pytestmark = pytest.mark.date_dependent


def test_front_desk_marks_todays_visit_arrived(page, log_in, frontdesk, clinician):
    # Starts now (clinic time): it is on today's agenda and can be marked arrived.
    starts_at = timezone.now().replace(second=0, microsecond=0)
    patient = make_patient(first_name="Lucia", last_name="Ferrari")
    visit = make_visit(patient, clinician, starts_at=starts_at)

    log_in(frontdesk)
    page.goto(reverse("visits:agenda-day"))
    browser_now = page.evaluate("Date.now()") / 1000
    assert abs(browser_now - timezone.now().timestamp()) < 60, (
        "the page's clock is not frozen"
    )
    block = page.locator(f'.ag-block[data-visit="{visit.code}"]')
    expect(block).to_have_count(1)
    expect(block.locator(".badge")).to_have_text("Scheduled")
    slip = block.get_by_role("link", name="Print slip")
    expect(slip).to_be_visible()
    pdf = page.request.get(slip.get_attribute("href"))
    assert pdf.ok and pdf.headers["content-type"] == "application/pdf"

    # The block leads to the visit's page, where its status actions are.
    block.get_by_role("link", name="Ferrari, Lucia").click()
    page.wait_for_load_state()
    page.get_by_role("button", name="Arrived").click()
    page.wait_for_load_state()
    expect(page.locator(".alert-success")).to_contain_text("Lucia Ferrari")
    expect(page.locator(".alert-success")).to_contain_text("has arrived")

    page.goto(reverse("visits:agenda-day"))
    block = page.locator(f'.ag-block[data-visit="{visit.code}"]')
    expect(block.locator(".badge")).to_have_text("Arrived")
    # Once arrived, the block offers neither a slip nor moving any more.
    expect(block.get_by_role("link", name="Print slip")).to_have_count(0)
    expect(block.get_by_role("link", name="Move")).to_have_count(0)
    visit.refresh_from_db()
    assert visit.status == VisitStatus.ARRIVED
    assert visit.arrived_at is not None
