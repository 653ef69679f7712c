"""The lot of an injection in the browser: the row proposes the open lot of
its agent and concentration that expires first, follows a change of either,
and keeps the lot the user chose."""

from __future__ import annotations

import re
from decimal import Decimal

from django.urls import reverse

from tests.conftest import make_lot, make_patient
from tests.e2e.conftest import playwright_sync_api
from tests.helpers import in_days
from treatments.choices import Agent, VesselType
from treatments.models import Injection

expect = playwright_sync_api().expect

ROWS = "#injection-rows tr.injection-row"
SAVED_SESSION = re.compile(r".*/sessions/[0-9a-f-]{36}/$")


def _field(row, name: str):
    return row.locator(f'[name$="-{name}"]')


def test_each_row_proposes_its_lot_and_keeps_the_users_choice(page, log_in, clinician):
    later = make_lot(lot_number="P05-LATE", expiry_date=in_days(300))
    first = make_lot(lot_number="P05-FIRST", expiry_date=in_days(100))
    stronger = make_lot(lot_number="P1-ONLY", concentration_pct=Decimal("1"))
    make_lot(lot_number="STS-05", agent=Agent.STS)
    patient = make_patient(weight_kg=Decimal("60.0"))
    log_in(clinician)
    page.goto(reverse("treatments:session-create", args=[patient.code]))
    page.get_by_label("screening questions asked today").check()
    page.get_by_label("informed consent obtained").check()

    row = page.locator(ROWS).first
    lot = _field(row, "lot")
    expect(lot).to_have_value("")
    _field(row, "leg").select_option("R")
    _field(row, "site").fill("lateral thigh")
    # Blue telangiectasia: polidocanol 0.5 % is proposed, and its lot.
    _field(row, "vessel_type").select_option(VesselType.BLUE_TELANGIECTASIA)
    expect(_field(row, "concentration_pct")).to_have_value("0.5")
    expect(lot).to_have_value(str(first.pk))
    # The menu offers only the lots of that agent and strength.
    offered = lot.locator("option:not([hidden])").all_inner_texts()
    assert any("P05-LATE" in text for text in offered)
    assert not any("STS-05" in text or "P1-ONLY" in text for text in offered)

    # Another strength: its lot follows.
    _field(row, "concentration_pct").fill("1")
    _field(row, "concentration_pct").dispatch_event("change")
    expect(lot).to_have_value(str(stronger.pk))

    # Back to 0.5 %, the user takes the later lot: it stays.
    _field(row, "concentration_pct").fill("0,5")
    _field(row, "concentration_pct").dispatch_event("change")
    expect(lot).to_have_value(str(first.pk))
    lot.select_option(str(later.pk))
    _field(row, "volume_ml").fill("0.2")
    _field(row, "volume_ml").dispatch_event("change")
    expect(lot).to_have_value(str(later.pk))

    page.get_by_role("button", name="Save session").click()
    page.wait_for_url(SAVED_SESSION)
    assert Injection.objects.get().lot == later
    expect(page.locator("body")).to_contain_text("P05-LATE")
