"""Checks on what a consent form brings in: the signature pad's PNG and a scan.

Both come from the browser, so nothing is trusted: the data URL is parsed
by hand, the PNG is opened with Pillow within size limits, and a scan is
recognised by its first bytes, not by its name or the browser's type.
"""

from __future__ import annotations

import base64
import binascii
import io
import warnings

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from PIL import Image, ImageOps

DATA_URL_PREFIX = "data:image/png;base64,"
# A signature pad PNG is a few tens of kilobytes; this leaves room for a
# large tablet screen at twice its pixel density.
MAX_SIGNATURE_BYTES = 1024 * 1024
MAX_SIGNATURE_PIXELS = 4000 * 2000
# The least ink a signature has: pixels drawn and the width they span.
MIN_INK_PIXELS = 150
MIN_INK_SPAN_PX = 40

MAX_SCAN_BYTES = 15 * 1024 * 1024
MAX_SCAN_PIXELS = 12000 * 12000
SCAN_TYPES = {
    b"%PDF-": ("pdf", "application/pdf"),
    b"\x89PNG\r\n\x1a\n": ("png", "image/png"),
    b"\xff\xd8\xff": ("jpg", "image/jpeg"),
}


def signature_from_data_url(value: str) -> bytes:
    """Return the PNG bytes of the pad's data URL, or raise ValidationError."""
    text = (value or "").strip()
    if not text:
        raise ValidationError(
            _("The patient has not signed yet: sign in the box."), code="missing"
        )
    if not text.startswith(DATA_URL_PREFIX):
        raise ValidationError(
            _("The signature could not be read; clear it and sign again."),
            code="not_png",
        )
    encoded = text[len(DATA_URL_PREFIX) :]
    if len(encoded) > MAX_SIGNATURE_BYTES * 4 // 3 + 4:
        raise ValidationError(
            _("The signature image is too large; clear it and sign again."),
            code="too_large",
        )
    try:
        png = base64.b64decode(encoded, validate=True)
    except (binascii.Error, ValueError) as error:
        raise ValidationError(
            _("The signature could not be read; clear it and sign again."),
            code="bad_base64",
        ) from error
    image = _open_image(png, max_pixels=MAX_SIGNATURE_PIXELS, kind="PNG")
    if image is None:
        raise ValidationError(
            _("The signature could not be read; clear it and sign again."),
            code="not_png",
        )
    if _is_blank(image):
        raise ValidationError(
            _("The signature box is empty or has only a dot: sign in the box."),
            code="blank",
        )
    return png


def _open_image(data: bytes, *, max_pixels: int, kind: str) -> Image.Image | None:
    """Return the decoded image if `data` is a `kind` image within limits."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data))
            if image.format != kind:
                return None
            width, height = image.size
            if width * height > max_pixels:
                return None
            image.load()
    except (
        OSError,
        ValueError,
        SyntaxError,
        Image.DecompressionBombError,
        Image.DecompressionBombWarning,
    ):
        return None
    return image


def _is_blank(image: Image.Image) -> bool:
    """True when the image has too little ink to be a signature.

    Ink is any pixel that is opaque and not near white (the pad draws dark
    strokes on a transparent or white background).
    """
    rgba = image.convert("RGBA")
    opaque = rgba.getchannel("A").point(lambda v: 255 if v > 128 else 0)
    dark = rgba.convert("L").point(lambda v: 255 if v < 160 else 0)
    mask = Image.composite(opaque, Image.new("L", rgba.size, 0), dark)
    count = sum(mask.histogram()[255:])
    box = mask.getbbox()
    if box is None:
        return True
    span = max(box[2] - box[0], box[3] - box[1])
    return count < MIN_INK_PIXELS or span < MIN_INK_SPAN_PX


def check_scan(upload) -> tuple[str, str]:
    """Return (extension, content type) of an uploaded scan, or raise
    ValidationError: a PDF, JPEG or PNG file of at most MAX_SCAN_BYTES."""
    if upload is None:
        raise ValidationError(_("Choose the scanned form."), code="missing")
    if upload.size > MAX_SCAN_BYTES:
        raise ValidationError(
            _("The file is larger than %(mb)d MB: scan it at a lower resolution.")
            % {"mb": MAX_SCAN_BYTES // (1024 * 1024)},
            code="too_large",
        )
    upload.seek(0)
    data = upload.read()
    upload.seek(0)
    if not data:
        raise ValidationError(_("The file is empty."), code="empty")
    found = next(
        (kind for magic, kind in SCAN_TYPES.items() if data.startswith(magic)), None
    )
    if found is None:
        raise ValidationError(
            _("Upload the scan as a PDF, JPEG or PNG file."), code="bad_type"
        )
    extension, content_type = found
    if extension == "pdf":
        if b"%%EOF" not in data[-2048:]:
            raise ValidationError(
                _("This PDF file is incomplete or damaged; scan the form again."),
                code="bad_pdf",
            )
    else:
        kind = "PNG" if extension == "png" else "JPEG"
        if _open_image(data, max_pixels=MAX_SCAN_PIXELS, kind=kind) is None:
            raise ValidationError(
                _(
                    "This image could not be read, or is too large; scan the form "
                    "again as a PDF, JPEG or PNG file."
                ),
                code="bad_image",
            )
    return extension, content_type


def scan_without_metadata(data: bytes, extension: str) -> bytes:
    """Return an image scan upright and without its metadata (a phone's
    camera writes where it was); a PDF comes back as it is."""
    if extension not in ("jpg", "png"):
        return data
    image = ImageOps.exif_transpose(Image.open(io.BytesIO(data)))
    out = io.BytesIO()
    if extension == "jpg":
        image.convert("RGB").save(out, "JPEG", quality=92)
    else:
        image.save(out, "PNG")
    return out.getvalue()
