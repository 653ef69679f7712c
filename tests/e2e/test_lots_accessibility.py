"""axe-core on the sclerosant lot pages, in English and Italian: the stock
list, a lot's form (with its field messages), who received a lot and its
print view."""

from __future__ import annotations

from django.urls import reverse

from tests.conftest import make_injection, make_lot, make_patient, make_session
from tests.e2e.test_accessibility import (  # noqa: F401 - the fixtures, reused
    _assert_clean,
    _check,
    language,
    page,
)
from tests.helpers import at, in_days


def test_lot_pages(page, log_in, manager, clinician):  # noqa: F811
    lot = make_lot(lot_number="AX-1")
    make_lot(lot_number="AX-OLD", received_on=in_days(-400), expiry_date=in_days(-1))
    patient = make_patient(phone="+39 333 1", email="anna@example.org")
    session = make_session(patient, clinician, performed_at=at(-2, 9))
    make_injection(session, lot=lot)
    log_in(manager)
    _assert_clean(
        page,
        [
            reverse("treatments:lot-list"),
            reverse("treatments:lot-add"),
            reverse("treatments:lot-edit", args=[lot.code]),
            reverse("treatments:lot-recipients", args=[lot.code]),
            reverse("treatments:lot-recipients-print", args=[lot.code]),
        ],
    )
    # A refused lot: the field messages.
    page.goto(reverse("treatments:lot-add"))
    page.locator("#lot-form button[type=submit]").click()
    page.wait_for_selector(".invalid-feedback")
    found = _check(page, "lot form with errors")
    assert not found, "axe-core found accessibility violations:\n" + "\n".join(found)
