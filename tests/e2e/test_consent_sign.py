"""Signing a consent on the tablet in a real browser: the patient draws on
the signature pad with the mouse, and the signed PDF is saved."""

from __future__ import annotations

import io

from django.urls import reverse
from PIL import Image
from pypdf import PdfReader

from consent.models import ConsentText, SignedConsent
from consent.services import text_add_version
from tests.conftest import make_patient
from tests.e2e.conftest import playwright_sync_api
from tests.e2e.test_csp import _violations, _watch

expect = playwright_sync_api().expect

BODY = (
    "Sclerotherapy closes small veins with an injection. Bruising and brown "
    "marks are common and fade; blood clots are rare. I agree to the treatment."
)


def _text(user) -> ConsentText:
    # The browser tests flush the database: the seeded texts may be gone.
    text = ConsentText.objects.active().filter(procedure="liquid", language="en")
    return text.first() or text_add_version(
        procedure="liquid",
        language="en",
        title="Consent to liquid sclerotherapy",
        body=BODY,
        user=user,
    )


def _draw(page, canvas) -> None:
    box = canvas.bounding_box()
    x, y = box["x"], box["y"]
    page.mouse.move(x + 30, y + box["height"] * 0.7)
    page.mouse.down()
    for step in range(1, 25):
        page.mouse.move(
            x + 30 + step * 12, y + box["height"] * (0.7 - 0.4 * (step % 2)), steps=3
        )
    page.mouse.up()


def test_the_patient_signs_on_the_pad_and_the_pdf_is_saved(page, log_in, clinician):
    text = _text(clinician)
    patient = make_patient(first_name="Giulia", last_name="Romano")
    # The pad and its script run under the Content-Security-Policy.
    csp_errors = _watch(page)
    log_in(clinician)
    page.set_viewport_size({"width": 820, "height": 1180})
    page.goto(reverse("consent:sign", args=[patient.code, "liquid"]))
    expect(page.get_by_role("heading", level=1)).to_have_text(text.title)
    canvas = page.locator("canvas[data-signature-pad]")
    expect(canvas).to_be_visible()

    # An empty pad is not sent: the page says so.
    page.get_by_label("Witness (member of staff)").select_option(str(clinician.pk))
    page.get_by_role("button", name="Save the signed consent").click()
    expect(page.locator("[data-signature-status]")).to_contain_text("empty")
    assert not SignedConsent.objects.exists()

    _draw(page, canvas)
    expect(page.locator("[data-signature-status]")).to_contain_text("Signed")
    assert not _violations(page) and not csp_errors, csp_errors
    page.get_by_role("button", name="Save the signed consent").click()
    expect(page.locator(".alert-success")).to_contain_text("signed consent is saved")
    assert page.url.endswith(reverse("consent:patient", args=[patient.code]))

    consent = SignedConsent.objects.get()
    assert consent.text == text and consent.witness == clinician
    signature = Image.open(io.BytesIO(bytes(consent.signature_png)))
    assert signature.format == "PNG"
    # The strokes drawn with the mouse are in the image.
    assert signature.convert("RGBA").getchannel("A").getbbox() is not None
    with consent.file.open("rb") as handle:
        reader = PdfReader(handle)
        pdf_text = " ".join(" ".join(p.extract_text() for p in reader.pages).split())
    assert "Giulia Romano" in pdf_text and "text version 1" in pdf_text

    # The list links the signed form, which opens as a PDF.
    link = page.get_by_role("link", name="Open the signed form")
    response = page.request.get(link.get_attribute("href"))
    assert response.ok and response.headers["content-type"] == "application/pdf"
