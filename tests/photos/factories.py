"""Pictures built with Pillow, a photography consent, and stored photos."""

from __future__ import annotations

import io
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import ExifTags, Image

from consent.models import ConsentText, Method, Procedure, SignedConsent
from patients.models import Leg
from photos import imaging, services
from photos.models import ClinicalPhoto, Phase, View

RED = (220, 0, 0)
BLUE = (0, 0, 220)
# Where the "camera" was: a point in Rome, as a GPS EXIF block carries it.
GPS = {1: "N", 2: (41.0, 53.0, 24.0), 3: "E", 4: (12.0, 29.0, 32.0)}


def picture_bytes(
    fmt: str = "JPEG",
    size: tuple[int, int] = (40, 20),
    *,
    orientation: int | None = None,
    gps: bool = False,
) -> bytes:
    """A picture whose left half is red and right half blue, with EXIF if asked."""
    picture = Image.new("RGB", size, RED)
    picture.paste(BLUE, (size[0] // 2, 0, size[0], size[1]))
    exif = Image.Exif()
    if orientation is not None:
        exif[ExifTags.Base.Orientation] = orientation
    if gps:
        exif[ExifTags.Base.Make] = "TabletMaker"
        exif[ExifTags.IFD.GPSInfo] = GPS
    out = io.BytesIO()
    kwargs: dict[str, Any] = {"exif": exif.tobytes()} if len(exif) else {}
    picture.save(out, fmt, **kwargs)
    return out.getvalue()


def upload(
    data: bytes | None = None, name: str = "leg.jpg", content_type: str = "image/jpeg"
):
    return SimpleUploadedFile(name, data or picture_bytes(), content_type=content_type)


def make_photo_consent(patient, user, **overrides) -> SignedConsent:
    text = ConsentText.objects.filter(procedure=Procedure.PHOTOGRAPHY).first()
    if text is None:
        text = ConsentText.objects.create(
            procedure=Procedure.PHOTOGRAPHY,
            language="en",
            version=1,
            title="Clinical photography",
            body="Photos of the legs are taken before and after treatment.",
            created_by=user,
        )
    fields = {
        "patient": patient,
        "procedure": Procedure.PHOTOGRAPHY,
        "text": text,
        "language": text.language,
        "signed_at": timezone.now(),
        "method": Method.PAPER,
        "witness": user,
        "file": "consent/test/photography.pdf",
        "recorded_by": user,
    }
    fields.update(overrides)
    return SignedConsent.objects.create(**fields)


def make_photo(session, user, **overrides) -> ClinicalPhoto:
    """Store a photo of the session through the service (the patient's
    photography consent is made if missing)."""
    if not SignedConsent.objects.filter(
        patient=session.patient, procedure=Procedure.PHOTOGRAPHY
    ).exists():
        make_photo_consent(session.patient, user)
    data = overrides.pop("data", None) or picture_bytes()
    fields = {
        "phase": Phase.BEFORE,
        "leg": Leg.RIGHT,
        "view": View.FRONT,
        "taken_at": session.performed_at,
        "notes": "",
    }
    fields.update(overrides)
    return services.photo_add(
        session=session,
        user=user,
        photo=imaging.clean_photo(io.BytesIO(data), size=len(data)),
        **fields,
    )
