"""photos.imaging: what is refused, and what a stored photo keeps (pixels only)."""

from __future__ import annotations

import io

import pytest
from django.core.exceptions import ValidationError
from PIL import Image

from photos import imaging
from tests.photos.factories import BLUE, RED, picture_bytes


def _clean(data: bytes) -> imaging.CleanPhoto:
    return imaging.clean_photo(io.BytesIO(data), size=len(data))


def _close(pixel, colour) -> bool:
    return all(abs(a - b) < 40 for a, b in zip(pixel, colour, strict=True))


def test_gps_and_every_exif_tag_are_gone_and_the_photo_is_turned_upright():
    source = picture_bytes(orientation=6, gps=True)
    assert Image.open(io.BytesIO(source)).getexif().get_ifd(0x8825)  # GPS there

    clean = _clean(source)

    stored = Image.open(io.BytesIO(clean.image))
    assert stored.format == "JPEG"
    assert not stored.getexif()
    assert b"Exif" not in clean.image and b"TabletMaker" not in clean.image
    assert "exif" not in stored.info and "xmp" not in stored.info
    # Orientation 6: the 40 × 20 picture is shown turned a quarter clockwise,
    # so its left (red) half is on top.
    assert (clean.width, clean.height) == (20, 40) == stored.size
    assert _close(stored.getpixel((10, 5)), RED)
    assert _close(stored.getpixel((10, 35)), BLUE)


def test_the_thumbnail_is_small_and_has_no_metadata_either():
    clean = _clean(picture_bytes(size=(1600, 800), gps=True))
    thumb = Image.open(io.BytesIO(clean.thumbnail))
    assert thumb.size == (imaging.THUMBNAIL_SIDE, imaging.THUMBNAIL_SIDE // 2)
    assert not thumb.getexif()


def test_the_hash_is_the_stored_files():
    import hashlib

    clean = _clean(picture_bytes())
    assert clean.sha256 == hashlib.sha256(clean.image).hexdigest()


@pytest.mark.parametrize("fmt", ["PNG", "WEBP"])
def test_png_and_webp_are_taken_and_stored_as_jpeg(fmt):
    clean = _clean(picture_bytes(fmt))
    assert Image.open(io.BytesIO(clean.image)).format == "JPEG"


def test_a_transparent_png_gets_a_white_background():
    picture = Image.new("RGBA", (10, 10), (0, 0, 0, 0))
    out = io.BytesIO()
    picture.save(out, "PNG")
    stored = Image.open(io.BytesIO(_clean(out.getvalue()).image))
    assert _close(stored.getpixel((5, 5)), (255, 255, 255))


def _refused(data: bytes, size: int | None = None) -> ValidationError:
    with pytest.raises(ValidationError) as caught:
        imaging.clean_photo(io.BytesIO(data), size=size or len(data))
    return caught.value


def test_a_text_file_is_not_an_image():
    error = _refused(b"%PDF-1.4 not a photo at all")
    assert error.code == "not_an_image"
    assert "not a picture" in error.messages[0]


def test_a_truncated_jpeg_is_not_an_image():
    assert _refused(picture_bytes(size=(200, 200))[:300]).code == "not_an_image"


def test_a_gif_is_a_type_not_taken():
    out = io.BytesIO()
    Image.new("RGB", (4, 4)).save(out, "GIF")
    error = _refused(out.getvalue())
    assert error.code == "type"
    assert "GIF" in error.messages[0]


def test_a_heic_file_gets_a_message_about_heic():
    header = b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic" + b"\x00" * 64
    error = _refused(header)
    assert error.code == "heic"
    assert "HEIC" in error.messages[0]


def test_a_file_over_the_limit_is_refused_before_it_is_read():
    error = _refused(b"", size=imaging.MAX_UPLOAD_BYTES + 1)
    assert error.code == "too_large"
    assert "15 MB" in error.messages[0]


def test_a_decompression_bomb_is_refused_before_it_is_decoded():
    """A tiny PNG that claims 20,000 × 20,000 pixels."""
    out = io.BytesIO()
    Image.new("1", (20000, 20000)).save(out, "PNG")
    assert len(out.getvalue()) < 100_000
    error = _refused(out.getvalue())
    assert error.code == "too_many_pixels"


def test_a_picture_between_the_limit_and_pillows_own_is_refused_too(monkeypatch):
    monkeypatch.setattr(imaging, "MAX_PIXELS", 100)
    assert _refused(picture_bytes(size=(20, 10))).code == "too_many_pixels"
