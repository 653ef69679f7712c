"""Session form in a real browser: htmx rows, live totals, compression fields."""

from __future__ import annotations

import re
from datetime import timedelta
from decimal import Decimal

from django.urls import reverse
from django.utils import timezone

from tests.conftest import make_injection, make_patient
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

    # Each change refreshes the totals card above the choice: a person taps
    # the next choice once it has come back and the form stopped moving
    # (htmx marks an element waiting for its answer with "htmx-request").
    expect(page.locator(".htmx-request")).to_have_count(0)
    page.locator('input[name="compression"][value="bandage"]').check()
    expect(bandage_days).to_be_visible()
    expect(bandage_days).to_be_enabled()
    bandage_days.fill("3")

    # Changing one's mind: the details typed above are hidden, disabled and
    # not sent, so the session saves without "leave empty" errors.
    expect(page.locator(".htmx-request")).to_have_count(0)
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


# --- fast entry: proposals, copies, Enter, leaving, a refused save ------------------


def _field(row, name):
    return row.locator(f'[name$="-{name}"]')


def test_the_vessel_type_proposes_what_the_user_has_not_set(page, log_in, clinician):
    _open_new_session(page, log_in, clinician)
    row = page.locator(ROWS).first
    _field(row, "vessel_type").select_option("tel_blue")
    expect(_field(row, "agent")).to_have_value("polidocanol")
    expect(_field(row, "concentration_pct")).to_have_value("0.5")
    expect(_field(row, "form")).to_have_value("liquid")
    expect(_field(row, "gas")).to_be_disabled()

    # Another vessel type: the proposal follows while the user has set nothing.
    _field(row, "vessel_type").select_option("reticular")
    expect(_field(row, "concentration_pct")).to_have_value("1")
    expect(_field(row, "volume_ml")).to_have_attribute("placeholder", "≤ 0.5")

    # Set by hand, a value stays whatever vessel type comes next.
    _field(row, "concentration_pct").fill("0.75")
    _field(row, "vessel_type").select_option("var_medium")
    expect(_field(row, "form")).to_have_value("foam")
    expect(_field(row, "gas")).to_have_value("air")
    expect(_field(row, "gas_parts")).to_have_value("4")
    expect(_field(row, "concentration_pct")).to_have_value("0.75")

    # Another agent: its own usual strength, unless the strength was typed.
    _field(row, "vessel_type").select_option("tel_blue")
    expect(_field(row, "form")).to_have_value("liquid")
    expect(_field(row, "gas")).to_have_value("")
    _field(row, "agent").select_option("sts")
    expect(_field(row, "concentration_pct")).to_have_value("0.75")
    row2 = _add_row(page, 2)
    _field(row2, "vessel_type").select_option("reticular")
    _field(row2, "agent").select_option("sts")
    expect(_field(row2, "concentration_pct")).to_have_value("0.5")

    # A trunk under ultrasound, and the form changed by hand stays so.
    _field(row2, "form").select_option("liquid")
    _field(row2, "vessel_type").select_option("trunk")
    expect(_field(row2, "ultrasound_guided")).to_be_checked()
    expect(_field(row2, "form")).to_have_value("liquid")


def test_copy_row_makes_a_new_injection_with_the_same_values(page, log_in, clinician):
    patient = _open_new_session(page, log_in, clinician)
    _fill_row(
        page.locator(ROWS).first,
        leg="L",
        site="medial calf",
        vessel="var_medium",
        concentration="3",
        volume="2",
        foam=("air", "4"),
    )
    page.locator(ROWS).first.get_by_role("button", name="Copy this injection").click()
    expect(page.locator(ROWS)).to_have_count(2)
    copy = page.locator(ROWS).nth(1)
    expect(_field(copy, "site")).to_have_value("medial calf")
    expect(copy.locator(".row-number")).to_have_text("2")
    for name, value in (
        ("leg", "L"),
        ("vessel_type", "var_medium"),
        ("agent", "polidocanol"),
        ("concentration_pct", "3"),
        ("form", "foam"),
        ("gas", "air"),
        ("gas_parts", "4"),
        ("volume_ml", "2"),
    ):
        expect(_field(copy, name)).to_have_value(value)
    # A new injection, not the first one again.
    expect(copy).to_have_attribute("data-saved", "0")
    # The copy takes the focus where it differs most often: the site.
    expect(_field(copy, "site")).to_be_focused()
    _field(copy, "site").fill("medial calf, lower")
    expect(page.locator("#totals-card")).to_contain_text("2 injections")
    page.get_by_role("button", name="Save session").click()
    page.wait_for_url(SAVED_SESSION)
    sites = TreatmentSession.objects.get(patient=patient).injections.order_by("id")
    assert [i.site for i in sites] == ["medial calf", "medial calf, lower"]
    assert {i.concentration_pct for i in sites} == {Decimal("3")}


def test_enter_in_a_field_moves_on_and_never_saves(page, log_in, clinician):
    patient = _open_new_session(page, log_in, clinician)
    row = page.locator(ROWS).first
    _field(row, "leg").select_option("R")
    _field(row, "vessel_type").select_option("reticular")
    _field(row, "site").fill("lateral thigh")
    _field(row, "site").press("Enter")
    expect(_field(row, "vessel_type")).to_be_focused()
    _field(row, "volume_ml").fill("1")
    _field(row, "volume_ml").press("Enter")
    page.get_by_label("weight on the day (kg)").press("Enter")
    page.get_by_label("screening questions asked today").press("Enter")
    page.wait_for_timeout(500)
    assert "/sessions/new/" in page.url
    assert not TreatmentSession.objects.filter(patient=patient).exists()
    # The save button still saves, by click or by Enter on it.
    page.get_by_role("button", name="Save session").press("Enter")
    page.wait_for_url(SAVED_SESSION)
    assert TreatmentSession.objects.filter(patient=patient).count() == 1


def test_leaving_with_unsaved_changes_asks_first(page, log_in, clinician):
    _open_new_session(page, log_in, clinician)
    dialogs = []

    def stay(dialog):
        dialogs.append(dialog.type)
        dialog.dismiss()

    page.on("dialog", stay)
    _field(page.locator(ROWS).first, "site").fill("lateral thigh")
    page.get_by_role("link", name="Cancel").click()
    page.wait_for_timeout(500)
    assert dialogs == ["beforeunload"]
    assert "/sessions/new/" in page.url
    expect(_field(page.locator(ROWS).first, "site")).to_have_value("lateral thigh")

    page.remove_listener("dialog", stay)
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("link", name="Cancel").click()
    page.wait_for_url(re.compile(r".*/patients/[0-9a-f-]{36}/$"))


def test_an_untouched_form_and_a_save_leave_without_asking(page, log_in, clinician):
    patient = _open_new_session(page, log_in, clinician)
    dialogs = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.type), dialog.accept()))
    _fill_row(
        page.locator(ROWS).first,
        leg="R",
        site="lateral thigh",
        vessel="reticular",
        concentration="1",
        volume="0.5",
    )
    page.get_by_role("button", name="Save session").click()
    page.wait_for_url(SAVED_SESSION)
    page.goto(reverse("treatments:session-create", args=[patient.code]))
    page.get_by_role("link", name="Cancel").click()
    page.wait_for_url(re.compile(r".*/patients/[0-9a-f-]{36}/$"))
    assert dialogs == []


def test_a_refused_save_focuses_the_first_field_to_correct(page, log_in, clinician):
    patient = _open_new_session(page, log_in, clinician)
    page.set_viewport_size({"width": 820, "height": 1180})
    row = page.locator(ROWS).first
    _field(row, "leg").select_option("R")
    _field(row, "site").fill("lateral thigh")
    _field(row, "vessel_type").select_option("reticular")
    _field(row, "volume_ml").fill("0.5")
    row2 = _add_row(page, 2)
    _field(row2, "leg").select_option("R")
    _field(row2, "site").fill("knee")
    _field(row2, "vessel_type").select_option("reticular")
    # Polidocanol is given up to 3 %: refused, with a message on the field.
    _field(row2, "concentration_pct").fill("5")
    _field(row2, "volume_ml").fill("0.5")
    page.get_by_role("button", name="Save session").click()
    page.wait_for_load_state()

    alert = page.locator("#not-saved")
    expect(alert).to_have_attribute("role", "alert")
    expect(alert).to_have_text("Nothing was saved: correct the fields marked below.")
    refused = _field(page.locator(ROWS).nth(1), "concentration_pct")
    expect(refused).to_be_focused()
    expect(refused).to_be_in_viewport()
    expect(page.locator(ROWS).nth(1)).to_contain_text("out of range")
    assert not TreatmentSession.objects.filter(patient=patient).exists()

    # What is on the page is still unsaved: leaving asks.
    dialogs = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.type), dialog.dismiss()))
    page.get_by_role("link", name="Cancel").click()
    page.wait_for_timeout(500)
    assert dialogs == ["beforeunload"]

    refused.fill("1")
    page.get_by_role("button", name="Save session").click()
    page.wait_for_url(SAVED_SESSION)
    assert TreatmentSession.objects.get(patient=patient).injections.count() == 2


def test_repeat_last_sessions_plan(page, log_in, clinician):
    patient = make_patient(weight_kg=Decimal("60.0"))
    earlier = TreatmentSession.objects.create(
        patient=patient,
        clinician=clinician,
        created_by=clinician,
        performed_at=timezone.now() - timedelta(days=14),
        weight_kg=Decimal("60.0"),
        screening_confirmed=True,
        consent_obtained=True,
        compression=Compression.BANDAGE_THEN_STOCKING,
        bandage_days=3,
        stocking_class="2",
        stocking_days=21,
    )
    make_injection(earlier, site="popliteal fossa", concentration_pct=Decimal("1"))
    make_injection(
        earlier,
        site="medial calf",
        vessel_type="var_medium",
        form=Form.FOAM,
        gas="air",
        gas_parts=Decimal("4"),
        concentration_pct=Decimal("3"),
        volume_ml=Decimal("2"),
    )
    log_in(clinician)
    page.goto(reverse("treatments:session-create", args=[patient.code]))
    page.get_by_role("link", name="Repeat last session's plan").click()
    expect(page.locator(ROWS)).to_have_count(2)
    expect(page.locator("#repeated-notice")).to_be_visible()
    expect(_field(page.locator(ROWS).nth(1), "concentration_pct")).to_have_value("3")
    totals = page.locator("#totals-card")
    expect(totals).to_contain_text("2 injections")
    # The plan's compression stays: the proposal does not replace it.
    expect(page.locator('input[name="bandage_days"]')).to_have_value("3")
    expect(page.locator('input[name="stocking_days"]')).to_have_value("21")
    # Its rows are the user's: another vessel type changes nothing else.
    _field(page.locator(ROWS).first, "vessel_type").select_option("tel_blue")
    expect(_field(page.locator(ROWS).first, "concentration_pct")).to_have_value("1")
    page.get_by_label("screening questions asked today").check()
    page.get_by_label("informed consent obtained").check()
    page.get_by_role("button", name="Save session").click()
    page.wait_for_url(SAVED_SESSION)
    new = TreatmentSession.objects.exclude(pk=earlier.pk).get(patient=patient)
    assert (new.bandage_days, new.stocking_days) == (3, 21)
    assert [i.site for i in new.injections.order_by("id")] == [
        "popliteal fossa",
        "medial calf",
    ]
