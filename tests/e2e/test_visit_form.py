"""The booking form in a real browser: the duration follows the purpose until
one is typed, the end time follows, and the banner follows the clinician."""

from __future__ import annotations

from datetime import time

import pytest
from django.urls import reverse

from clinics.models import WorkingHours, default_site_pk
from tests.conftest import make_patient
from tests.e2e.conftest import playwright_sync_api
from tests.helpers import in_days
from visits.models import FollowUpVisit, VisitType

expect = playwright_sync_api().expect

pytestmark = pytest.mark.date_dependent


def test_duration_end_time_and_banner_follow_the_form(
    page, log_in, frontdesk, clinician, colleague
):
    VisitType.objects.update_or_create(
        purpose="treatment", defaults={"default_duration_min": 45}
    )
    VisitType.objects.update_or_create(
        purpose="check", defaults={"default_duration_min": 20}
    )
    site_pk = default_site_pk()
    for weekday in range(7):
        WorkingHours.objects.create(
            clinician=colleague,
            site_id=site_pk,
            weekday=weekday,
            starts=time(8),
            ends=time(20),
        )
    patient = make_patient(first_name="Lucia", last_name="Ferrari")
    log_in(frontdesk)
    page.goto(
        reverse("visits:create", args=[patient.code])
        + f"?clinician={clinician.pk}&date={in_days(1)}&time=10:00&purpose=check"
    )
    duration = page.locator("[name=duration_min]")
    ends = page.locator("#visit-ends")
    banner = page.locator("#hours-banner")
    expect(duration).to_have_value("20")
    expect(ends).to_have_text("Ends at 10:20")
    expect(banner).to_be_visible()
    expect(banner).to_contain_text("Working hours are not set for Dr")

    page.locator("[name=purpose]").select_option("treatment")
    expect(duration).to_have_value("45")
    expect(ends).to_have_text("Ends at 10:45")

    page.locator("[name=clinician]").select_option(str(colleague.pk))
    expect(banner).to_be_hidden()
    page.locator("[name=clinician]").select_option(str(clinician.pk))
    expect(banner).to_be_visible()

    # A duration typed by hand is kept when the purpose changes.
    duration.fill("35")
    page.locator("[name=purpose]").select_option("check")
    expect(duration).to_have_value("35")
    expect(ends).to_have_text("Ends at 10:35")
    page.locator("[name=time]").fill("11:50")
    expect(ends).to_have_text("Ends at 12:25")

    page.get_by_role("button", name="Book visit").click()
    page.wait_for_load_state()
    visit = FollowUpVisit.objects.get(patient=patient)
    assert visit.duration_min == 35 and visit.clinician == clinician
