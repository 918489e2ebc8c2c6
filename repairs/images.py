"""Photos and drawn signatures checked with Pillow: what is not an image, or is too big,
is refused with a clear message; what is kept is re-encoded (no EXIF, no hidden payload)
and small enough for a slow phone connection."""

from __future__ import annotations

import io
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.utils.translation import gettext as _

from casework.permissions import CaseError

from . import policy

if TYPE_CHECKING:
    from PIL import Image

# Refuse decompression bombs before they are decoded: no side of a phone's photo is
# longer (a 100-megapixel camera: 12,000 px), and Pillow's own limit stays as a backstop.
PHOTO_MAX_PIXELS_SIDE = 12_000
MAX_IMAGE_PIXELS = 60_000_000


def _pillow():
    """Pillow, imported when a picture is checked: ~4 MB every web worker would hold."""
    from PIL import Image

    Image.MAX_IMAGE_PIXELS = MAX_IMAGE_PIXELS
    return Image


@dataclass(frozen=True)
class Picture:
    data: bytes
    width: int
    height: int


def _open(
    data: bytes, formats: tuple[str, ...], refusal: str, most: tuple[int, int], too_large: str
) -> Image.Image:
    """The image, refused before it is decoded when it claims more pixels than ``most``."""
    from PIL import UnidentifiedImageError

    Image = _pillow()  # noqa: N806 - the module, as Pillow names it
    try:
        img = Image.open(io.BytesIO(data), formats=formats)
    except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError):
        raise CaseError(refusal) from None
    if img.width > most[0] or img.height > most[1]:
        raise CaseError(too_large)
    try:
        img.load()
    except (OSError, ValueError, Image.DecompressionBombError):
        raise CaseError(refusal) from None
    return img


def photo_too_big(size: int) -> str | None:
    """Why a photo of ``size`` bytes is refused, or None."""
    if size <= policy.PHOTO_MAX_BYTES:
        return None
    return _("The photo is %(mb).1f MB: at most %(max)d MB, please.") % {
        "mb": size / 1024 / 1024,
        "max": policy.PHOTO_MAX_BYTES // 1024 // 1024,
    }


def checked_photo(data: bytes) -> Picture:
    """A JPEG, PNG or WebP of at most ``PHOTO_MAX_BYTES``, kept as a JPEG whose longer
    side is at most ``PHOTO_MAX_SIDE``, turned upright."""
    too_big = photo_too_big(len(data))
    if too_big:
        raise CaseError(too_big)
    if not data:
        raise CaseError(_("Choose a photo."))
    img = _open(
        data,
        ("JPEG", "PNG", "WEBP"),
        _("This file is not a photo (JPEG, PNG or WebP)."),
        (PHOTO_MAX_PIXELS_SIDE, PHOTO_MAX_PIXELS_SIDE),
        _("The photo has too many pixels: take it again at a normal size."),
    )
    from PIL import ImageOps

    img = ImageOps.exif_transpose(img)
    img.thumbnail((policy.PHOTO_MAX_SIDE, policy.PHOTO_MAX_SIDE))
    out = io.BytesIO()
    img.convert("RGB").save(out, "JPEG", quality=80, optimize=True)
    return Picture(out.getvalue(), img.width, img.height)


def checked_signature(data: bytes) -> bytes:
    """A PNG drawn on the screen, kept as a PNG."""
    if len(data) > policy.SIGNATURE_MAX_BYTES:
        raise CaseError(_("The signature image is too large."))
    odd = _("The signature image has an odd size: sign again, please.")
    img = _open(
        data,
        ("PNG",),
        _("The signature did not arrive as a drawing: sign again."),
        (2000, 1000),
        odd,
    )
    if img.width < 50 or img.height < 20:
        raise CaseError(odd)
    # Flattened on white: a transparent PNG prints black on black in some viewers.
    canvas = _pillow().new("RGB", img.size, "white")
    rgba = img.convert("RGBA")
    canvas.paste(rgba, mask=rgba.getchannel("A"))
    darkest, _lightest = canvas.convert("L").getextrema()
    if isinstance(darkest, int) and darkest > 200:
        raise CaseError(_("The signature is empty: the resident signs in the box."))
    out = io.BytesIO()
    canvas.convert("L").save(out, "PNG", optimize=True)
    return out.getvalue()
