"""Consent helpers: a signature PNG, its data URL and a signed consent.

Private files of the test run go to a folder of its own (settings_test).
"""

from __future__ import annotations

import base64
import io

from django.core.files.base import ContentFile
from django.utils import timezone
from PIL import Image, ImageDraw

from consent.models import ConsentText, Method, SignedConsent


def signature_png(*, blank: bool = False, size=(600, 200)) -> bytes:
    image = Image.new("RGBA", size, (255, 255, 255, 0))
    if not blank:
        draw = ImageDraw.Draw(image)
        draw.line(
            [(40, 150), (150, 40), (260, 160), (420, 50), (560, 140)],
            fill=(0, 0, 0, 255),
            width=4,
        )
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


def data_url(png: bytes) -> str:
    return "data:image/png;base64," + base64.b64encode(png).decode()


def make_consent(patient, user, procedure="liquid", **overrides) -> SignedConsent:
    text = ConsentText.objects.get(procedure=procedure, language="en", active=True)
    values = {
        "patient": patient,
        "procedure": procedure,
        "text": text,
        "language": "en",
        "signed_at": timezone.now(),
        "method": Method.PAPER,
        "witness": user,
        "recorded_by": user,
    }
    values.update(overrides)
    consent = SignedConsent(**values)
    consent.file.save("scan.pdf", ContentFile(b"%PDF-1.4\n%%EOF\n"), save=False)
    consent.save()
    return consent
