"""The PDF of a consent signed on the tablet: the text version the patient
read, their name, the date and time, the signature and the witness."""

from __future__ import annotations

from typing import Any

from django.template.loader import render_to_string
from django.utils import translation

from core.models import Letterhead
from core.pdf import BASE_URL, static_url_fetcher

TEMPLATE = "consent/pdf/signed_consent.html"
# The one URL besides static files the PDF may load: the signature itself,
# handed over from memory (the static-only fetcher refuses data: URLs).
SIGNATURE_URL = "file:///consent-signature.png"


def _fetcher(signature_png: bytes) -> Any:
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    class ConsentFetcher(URLFetcher):
        def fetch(self, url: str, headers: Any = None) -> Any:
            if url == SIGNATURE_URL:
                return URLFetcherResponse(
                    url, signature_png, {"Content-Type": "image/png"}
                )
            return static_url_fetcher(url)

    return ConsentFetcher(allowed_protocols=("file",), fail_on_errors=False)


def render_consent_pdf(consent: Any, signature_png: bytes) -> bytes:
    """Return the PDF bytes of a consent signed on the tablet."""
    return _render(consent.text, consent.patient, consent, signature_png)


def render_blank_pdf(text: Any, patient: Any) -> bytes:
    """Return the PDF of the form to sign on paper: the text version and the
    patient's name, with empty lines for the date, signatures and witness."""
    return _render(text, patient, None, b"")


def _render(text: Any, patient: Any, consent: Any, signature_png: bytes) -> bytes:
    import weasyprint

    with translation.override(text.language):
        html = render_to_string(
            TEMPLATE,
            {
                "consent": consent,
                "text": text,
                "patient": patient,
                "letterhead": Letterhead.current(),
                "signature_url": SIGNATURE_URL,
            },
        )
    document = weasyprint.HTML(
        string=html, base_url=BASE_URL, url_fetcher=_fetcher(signature_png)
    )
    return document.write_pdf()
