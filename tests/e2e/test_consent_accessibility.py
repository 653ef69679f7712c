"""axe-core on the consent pages, in English and Italian, for each role that
opens them: the texts, a patient's consents, signing, a scan, withdrawal."""

from __future__ import annotations

import pytest
from django.urls import reverse

from consent.models import ConsentText
from consent.services import text_add_version
from tests.conftest import make_patient
from tests.consent.conftest import make_consent
from tests.e2e import test_accessibility as a11y

# The accessibility tests' page (English and Italian, axe-core injected).
language = a11y.language
page = a11y.page
_assert_clean = a11y._assert_clean
_check = a11y._check

BODY = (
    "Sclerotherapy closes small veins with an injection. Bruising and brown "
    "marks are common and fade; blood clots are rare. I agree to the treatment."
)


@pytest.fixture
def consent_records(clinician):
    # The browser tests flush the database: the seeded texts may be gone.
    for procedure in ("liquid", "foam", "photography"):
        for lang in ("en", "it"):
            if not ConsentText.objects.filter(procedure=procedure, language=lang):
                text_add_version(
                    procedure=procedure,
                    language=lang,
                    title=f"Consent ({procedure}, {lang})",
                    body=BODY,
                    user=clinician,
                )
    patient = make_patient(first_name="Lucia", last_name="Ferrari")
    consent = make_consent(patient, clinician, procedure="liquid")
    return {"patient": patient, "consent": consent}


def test_consent_pages_for_the_clinician(page, log_in, clinician, consent_records):
    log_in(clinician)
    patient, consent = consent_records["patient"], consent_records["consent"]
    _assert_clean(
        page,
        [
            reverse("consent:texts"),
            reverse("consent:text", args=[consent.text.code]),
            reverse("consent:patient", args=[patient.code]),
            reverse("consent:sign", args=[patient.code, "liquid"]),
            reverse("consent:paper", args=[patient.code]),
            reverse("consent:withdraw", args=[consent.code]),
            reverse("consent:void", args=[consent.code]),
        ],
    )
    # Forms sent back with their errors.
    found: list[str] = []
    for url in [
        reverse("consent:paper", args=[patient.code]),
        reverse("consent:withdraw", args=[consent.code]),
    ]:
        page.goto(url)
        page.locator("main form[method=post] [type=submit]").last.click()
        page.wait_for_load_state()
        found.extend(_check(page, f"{url} refused"))
    assert not found, "axe-core found accessibility violations:\n" + "\n".join(found)


def test_consent_pages_for_front_desk_and_manager(
    page, log_in, frontdesk, manager, consent_records
):
    patient = consent_records["patient"]
    log_in(frontdesk)
    _assert_clean(
        page,
        [
            reverse("consent:patient", args=[patient.code]),
            reverse("consent:paper", args=[patient.code]),
        ],
    )
    page.context.clear_cookies()
    log_in(manager)
    _assert_clean(page, [reverse("consent:texts"), reverse("consent:text-add")])
