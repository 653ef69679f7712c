"""Reading an uploaded photo safely, and re-encoding it without metadata.

Every check gives a ValidationError with a message for the file field:
too large, not an image, a type the clinic does not take, a picture so large
it could exhaust the server's memory (a "decompression bomb": a small file
that claims billions of pixels). A photo that passes is turned upright by its
EXIF orientation, its pixels are copied into a new image (so no EXIF, GPS,
XMP, maker note or comment survives) and saved as JPEG with a thumbnail.
"""

from __future__ import annotations

import hashlib
import io
import warnings
from dataclasses import dataclass
from typing import IO

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from PIL import Image, ImageCms, ImageOps, UnidentifiedImageError

MAX_UPLOAD_BYTES = 15 * 1024 * 1024
# 64 megapixels: more than a tablet or phone camera takes (a 48 MP sensor
# gives 8000 × 6000), far less than would exhaust memory when decoded.
MAX_PIXELS = 64_000_000
ALLOWED_FORMATS = {"JPEG": "JPEG", "PNG": "PNG", "WEBP": "WebP", "MPO": "JPEG"}
JPEG_QUALITY = 88
THUMBNAIL_SIDE = 320
THUMBNAIL_QUALITY = 80
# The ISO base media "ftyp" brands of HEIC/HEIF pictures (iPhone, iPad).
_HEIF_BRANDS = (b"heic", b"heix", b"hevc", b"heim", b"heis", b"mif1", b"msf1")


@dataclass(frozen=True)
class CleanPhoto:
    """A photo ready to store: JPEG bytes without metadata, and its thumbnail."""

    image: bytes
    thumbnail: bytes
    width: int
    height: int
    sha256: str


def _too_large() -> ValidationError:
    return ValidationError(
        _("The file is larger than %(mb)d MB. Take the photo again at a lower size.")
        % {"mb": MAX_UPLOAD_BYTES // (1024 * 1024)},
        code="too_large",
    )


def _bomb() -> ValidationError:
    return ValidationError(
        _(
            "The picture is too large (more than %(mp)d megapixels). Take it "
            "again at a lower resolution."
        )
        % {"mp": MAX_PIXELS // 1_000_000},
        code="too_many_pixels",
    )


def _not_an_image(head: bytes) -> ValidationError:
    if head[4:8] == b"ftyp" and head[8:12] in _HEIF_BRANDS:
        return ValidationError(
            _(
                "HEIC photos cannot be read here. Set the camera to JPEG "
                '("Most compatible") or share the photo as JPEG, then upload it again.'
            ),
            code="heic",
        )
    return ValidationError(
        _("The file is not a picture that can be read (JPEG, PNG or WebP)."),
        code="not_an_image",
    )


def _open(upload: IO[bytes]) -> Image.Image:
    """Return the decoded picture, or raise a ValidationError that says why not."""
    upload.seek(0)
    head = upload.read(32)
    upload.seek(0)
    with warnings.catch_warnings():
        # Pillow warns past MAX_IMAGE_PIXELS and refuses past twice that; both
        # are refused here, and MAX_PIXELS is checked before any decoding.
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            picture = Image.open(upload)
            if picture.format not in ALLOWED_FORMATS:
                raise ValidationError(
                    _("Photos are taken as JPEG, PNG or WebP; this file is %(kind)s.")
                    % {"kind": picture.format or _("of another kind")},
                    code="type",
                )
            width, height = picture.size
            if width < 1 or height < 1:
                raise _not_an_image(head)
            if width * height > MAX_PIXELS:
                raise _bomb()
            picture.load()
        except (Image.DecompressionBombError, Image.DecompressionBombWarning):
            raise _bomb() from None
        except ValidationError:
            raise
        except (UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError):
            raise _not_an_image(head) from None
        except Exception:  # noqa: BLE001 - a broken file, whatever the decoder raises
            raise _not_an_image(head) from None
    return picture


def _to_srgb(picture: Image.Image) -> Image.Image:
    """Return the picture in RGB; colours in a camera's profile (Display P3,
    Adobe RGB) are converted to sRGB, so the profile need not be kept."""
    profile = picture.info.get("icc_profile")
    if picture.mode in ("RGBA", "LA") or (
        picture.mode == "P" and "transparency" in picture.info
    ):
        rgba = picture.convert("RGBA")
        background = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        picture = Image.alpha_composite(background, rgba)
    rgb = picture.convert("RGB")
    if profile:
        try:
            source = ImageCms.ImageCmsProfile(io.BytesIO(profile))
            converted = ImageCms.profileToProfile(
                rgb, source, ImageCms.createProfile("sRGB"), outputMode="RGB"
            )
            if converted is not None:
                rgb = converted
        except (ImageCms.PyCMSError, OSError, ValueError, TypeError):
            pass  # a broken profile: keep the pixels as they are
    return rgb


def _jpeg(picture: Image.Image, quality: int) -> bytes:
    out = io.BytesIO()
    picture.save(out, "JPEG", quality=quality, optimize=True)
    return out.getvalue()


def clean_photo(upload: IO[bytes], size: int | None = None) -> CleanPhoto:
    """Check an uploaded photo and return it re-encoded without metadata.

    Raise ValidationError (for the file field) when it is too large, not a
    picture, of a type not taken, or claims too many pixels.
    """
    if size is not None and size > MAX_UPLOAD_BYTES:
        raise _too_large()
    picture = _open(upload)
    try:
        upright = ImageOps.exif_transpose(picture) or picture
        rgb = _to_srgb(upright)
        # Copy the pixels into a new image: nothing of the file's metadata
        # (EXIF with GPS, XMP, comments, maker notes) comes along.
        clean = Image.new("RGB", rgb.size)
        clean.paste(rgb)
        image = _jpeg(clean, JPEG_QUALITY)
        small = clean.copy()
        small.thumbnail((THUMBNAIL_SIDE, THUMBNAIL_SIDE))
        thumbnail = _jpeg(small, THUMBNAIL_QUALITY)
    except (OSError, ValueError, SyntaxError) as error:
        raise _not_an_image(b"") from error
    finally:
        picture.close()
    return CleanPhoto(
        image=image,
        thumbnail=thumbnail,
        width=clean.width,
        height=clean.height,
        sha256=hashlib.sha256(image).hexdigest(),
    )
