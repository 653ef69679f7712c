"""Sites in a real browser: the manager closes the site on a day with a
booked visit, and the site's page lists it to move, with a link to it."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import timezone

from clinics.models import Site
from tests.conftest import make_patient, make_visit
from tests.e2e.conftest import playwright_sync_api
from tests.helpers import at

expect = playwright_sync_api().expect

pytestmark = pytest.mark.date_dependent


def test_a_closure_lists_the_visits_to_move(page, log_in, manager, clinician):
    site = Site.objects.create(name="Monza")
    visit = make_visit(
        make_patient(first_name="Lucia", last_name="Ferrari"),
        clinician,
        site=site,
        starts_at=at(7, 9),
    )
    day = timezone.localtime(visit.starts_at).date().isoformat()

    log_in(manager)
    page.set_viewport_size({"width": 820, "height": 1180})
    page.goto(reverse("clinics:site-detail", args=[site.pk]))
    expect(page.locator("#visits-to-move-list")).to_have_count(0)
    page.get_by_role("link", name="+ Add a closure").click()
    page.get_by_label("First day").fill(day)
    page.get_by_label("Last day").fill(day)
    page.get_by_label("Reason").fill("Patron saint")
    page.get_by_role("button", name="Add closure").click()
    page.wait_for_load_state()

    expect(page.locator("#closures")).to_contain_text("Patron saint")
    listed = page.locator("#visits-to-move-list")
    expect(listed).to_contain_text("Lucia Ferrari")
    expect(listed).to_contain_text("09:00")
    expect(listed).to_contain_text("Patron saint")
    # At tablet width, nothing scrolls sideways.
    assert page.evaluate(
        "document.documentElement.scrollWidth <= document.documentElement.clientWidth"
    )
    listed.get_by_role("link", name="Move the visit of Lucia Ferrari").click()
    page.wait_for_load_state()
    assert page.url.endswith(reverse("visits:reschedule", args=[visit.code]))
    visit.refresh_from_db()
    assert visit.status == "scheduled"
