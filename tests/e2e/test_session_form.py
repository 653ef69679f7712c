"""Session form in a real browser: htmx rows, live totals, compression fields."""

from __future__ import annotations

import re
from decimal import Decimal

from django.urls import reverse

from tests.conftest import make_patient
from tests.e2e.conftest import playwright_sync_api
from treatments.choices import Compression, Form
from treatments.models import TreatmentSession

# Skipped, with the reason, where the package is missing (see conftest.py).
expect = playwright_sync_api().expect

ROWS = "#injection-rows tr.injection-row"
# The session page after a save; a glob like "**/sessions/*/" would also match
# the form's own URL (".../sessions/new/") and not wait for the save at all.
SAVED_SESSION = re.compile(r".*/sessions/[0-9a-f-]{36}/$")


def _open_new_session(page, log_in, clinician):
    # 60 kg: the polidocanol limit of the day is 120 mg.
    patient = make_patient(weight_kg=Decimal("60.0"))
    log_in(clinician)
    page.goto(reverse("treatments:session-create", args=[patient.code]))
    expect(page.locator(ROWS)).to_have_count(1)
    page.get_by_label("screening questions asked today").check()
    page.get_by_label("informed consent obtained").check()
    return patient


def _fill_row(row, *, leg, site, vessel, concentration, volume, foam=None):
    row.locator('select[name$="-leg"]').select_option(leg)
    row.locator('input[name$="-site"]').fill(site)
    row.locator('select[name$="-vessel_type"]').select_option(vessel)
    row.locator('select[name$="-agent"]').select_option("polidocanol")
    row.locator('input[name$="-concentration_pct"]').fill(concentration)
    gas = row.locator('select[name$="-gas"]')
    if foam:
        row.locator('select[name$="-form"]').select_option("foam")
        expect(gas).to_be_enabled()
        gas.select_option(foam[0])
        row.locator('input[name$="-gas_parts"]').fill(foam[1])
    else:
        # Liquid: the foam-only fields stay disabled.
        expect(gas).to_be_disabled()
    volume_input = row.locator('input[name$="-volume_ml"]')
    volume_input.fill(volume)
    # Leaving the field fires `change`, which asks the server for new totals.
    volume_input.press("Tab")


def _add_row(page, expected_rows):
    page.get_by_role("button", name="+ Add injection").click()
    expect(page.locator(ROWS)).to_have_count(expected_rows)
    return page.locator(ROWS).nth(expected_rows - 1)


def test_rows_added_in_place_update_the_live_totals_and_save(page, log_in, clinician):
    patient = _open_new_session(page, log_in, clinician)
    totals = page.locator("#totals-card")
    expect(totals).to_contain_text("0.00 / 120.00 mg")

    # Row 1: liquid polidocanol 0.5 %, 2 mL -> 10 mg.
    _fill_row(
        page.locator(ROWS).first,
        leg="R",
        site="lateral thigh",
        vessel="reticular",
        concentration="0.5",
        volume="2",
    )
    expect(totals).to_contain_text("1 injection")
    expect(totals).to_contain_text("10.00 / 120.00 mg")
    expect(totals).to_contain_text("0.00 / 10.00 mL")

    # Row 2, added in place by htmx: foam 1 % with air 1+4, 5 mL
    # -> 1 mL liquid -> 10 mg; foam total 5 mL.
    row2 = _add_row(page, 2)
    assert page.locator(ROWS).first.locator('input[name$="-site"]').input_value() == (
        "lateral thigh"
    ), "adding a row must keep what was typed in the first one"
    expect(row2.locator(".row-number")).to_have_text("2")
    _fill_row(
        row2,
        leg="L",
        site="medial calf",
        vessel="var_small",
        concentration="1",
        volume="5",
        foam=("air", "4"),
    )
    expect(totals).to_contain_text("2 injections")
    expect(totals).to_contain_text("20.00 / 120.00 mg")
    expect(totals).to_contain_text("5.00 / 10.00 mL")
    expect(row2.locator(".cell-derived")).to_contain_text("1.00 mL")
    expect(row2.locator(".cell-derived")).to_contain_text("10.00 mg")

    # Row 3: liquid 1 %, 3 mL -> 30 mg; then removed again.
    row3 = _add_row(page, 3)
    _fill_row(
        row3, leg="L", site="knee", vessel="reticular", concentration="1", volume="3"
    )
    expect(totals).to_contain_text("3 injections")
    expect(totals).to_contain_text("50.00 / 120.00 mg")
    row3.locator("[data-remove-row]").click()
    expect(page.locator(ROWS)).to_have_count(2)
    expect(totals).to_contain_text("2 injections")
    expect(totals).to_contain_text("20.00 / 120.00 mg")
    expect(totals).to_contain_text("5.00 / 10.00 mL")

    page.get_by_role("button", name="Save session").click()
    page.wait_for_url(SAVED_SESSION)
    session = TreatmentSession.objects.get(patient=patient)
    assert page.url.endswith(session.get_absolute_url())
    totals_saved = session.totals()
    assert totals_saved.injections == 2
    assert totals_saved.polidocanol_mg == Decimal("20.00")
    assert totals_saved.foam_ml == Decimal("5.00")
    foam = session.injections.get(form=Form.FOAM)
    assert (foam.gas, foam.gas_parts) == ("air", Decimal("4"))
    assert foam.volume_ml == Decimal("5")
    detail = page.locator("main")
    expect(detail).to_contain_text("Total Polidocanol")
    expect(detail).to_contain_text("20.00 mg")
    expect(detail.locator("tfoot")).to_contain_text("Foam total")
    expect(detail.locator("tfoot")).to_contain_text("5.00 mL")
    expect(detail.locator("table").first.locator("tbody tr")).to_have_count(2)


def test_no_compression_hides_and_drops_the_stocking_fields(page, log_in, clinician):
    patient = _open_new_session(page, log_in, clinician)
    _fill_row(
        page.locator(ROWS).first,
        leg="R",
        site="lateral thigh",
        vessel="reticular",
        concentration="0.5",
        volume="1",
    )
    stocking_class = page.locator('select[name="stocking_class"]')
    stocking_days = page.locator('input[name="stocking_days"]')
    bandage_days = page.locator('input[name="bandage_days"]')

    # The injections entered propose their compression: a stocking after
    # a reticular vein (the clinic's practice), filled in until changed.
    expect(page.locator('input[name="compression"][value="stocking"]')).to_be_checked()
    expect(page.locator("#totals-card")).to_contain_text("Compression proposed")
    expect(stocking_class).to_have_value("2")
    expect(bandage_days).to_be_hidden()

    page.locator('input[name="compression"][value="stocking"]').check()
    expect(stocking_class).to_be_visible()
    expect(stocking_class).to_be_enabled()
    expect(bandage_days).to_be_hidden()
    stocking_class.select_option("2")
    stocking_days.fill("14")

    page.locator('input[name="compression"][value="bandage"]').check()
    expect(bandage_days).to_be_visible()
    expect(bandage_days).to_be_enabled()
    bandage_days.fill("3")

    # Changing one's mind: the details typed above are hidden, disabled and
    # not sent, so the session saves without "leave empty" errors.
    page.locator('input[name="compression"][value="none"]').check()
    for field in (stocking_class, stocking_days, bandage_days):
        expect(field).to_be_hidden()
        expect(field).to_be_disabled()

    page.get_by_role("button", name="Save session").click()
    page.wait_for_url(SAVED_SESSION)
    session = TreatmentSession.objects.get(patient=patient)
    assert session.compression == Compression.NONE
    assert session.stocking_class == ""
    assert (session.stocking_days, session.bandage_days) == (None, None)
    expect(page.locator("main")).to_contain_text("No compression")


def test_typing_a_comma_decimal_gives_three_tenths(page, log_in, clinician):
    patient = _open_new_session(page, log_in, clinician)
    _fill_row(
        page.locator(ROWS).first,
        leg="R",
        site="lateral thigh",
        vessel="reticular",
        concentration="0,3",
        volume="1,5",
    )
    # 0.3 % x 10 x 1.5 mL = 4.5 mg (0,3 must never become 3 %).
    expect(page.locator("#totals-card")).to_contain_text("4.50 / 120.00 mg")
    page.get_by_role("button", name="Save session").click()
    page.wait_for_url(SAVED_SESSION)
    injection = TreatmentSession.objects.get(patient=patient).injections.get()
    assert injection.concentration_pct == Decimal("0.3")
    assert injection.volume_ml == Decimal("1.5")
    expect(page.locator("main table").first).to_contain_text("0.3")


def test_stocking_fields_are_saved_when_compression_is_chosen(page, log_in, clinician):
    patient = _open_new_session(page, log_in, clinician)
    _fill_row(
        page.locator(ROWS).first,
        leg="R",
        site="lateral thigh",
        vessel="reticular",
        concentration="0.5",
        volume="1",
    )
    page.locator('input[name="compression"][value="stocking"]').check()
    page.locator('select[name="stocking_class"]').select_option("2")
    page.locator('select[name="stocking_length"]').select_option("thigh")
    page.locator('input[name="stocking_days"]').fill("14")
    page.get_by_role("button", name="Save session").click()
    page.wait_for_url(SAVED_SESSION)
    session = TreatmentSession.objects.get(patient=patient)
    assert (session.compression, session.stocking_class, session.stocking_days) == (
        Compression.STOCKING,
        "2",
        14,
    )
    assert session.bandage_days is None
    expect(page.locator("main")).to_contain_text("thigh-high stocking for 14 days")
