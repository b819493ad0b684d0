"""Uploaded images: re-encoded by Pillow (which drops metadata such as GPS), bounded in size,
and resized to a few widths for ``srcset``.

Pillow is imported on first use (``pillow``), here and wherever the site draws (the logo,
the share image): loaded at start it took 8 MB of every app process's memory for the few
requests that handle an image (docs/benchmarks.md, round 20)."""

from __future__ import annotations

import hashlib
import io
from dataclasses import dataclass
from types import ModuleType
from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.utils.translation import gettext as _

if TYPE_CHECKING:
    from PIL import Image

RENDITION_WIDTHS = (480, 960, 1600)
MAX_UPLOAD_BYTES = 15 * 1024 * 1024
MAX_PIXELS = 40_000_000
ALLOWED_FORMATS = {"JPEG", "PNG", "WEBP", "GIF"}


def pillow() -> ModuleType:
    """``PIL.Image``, imported now and bounded to MAX_PIXELS (its decompression-bomb guard)."""
    from PIL import Image

    Image.MAX_IMAGE_PIXELS = MAX_PIXELS
    return Image


@dataclass(frozen=True)
class Rendition:
    width: int
    height: int
    name: str


def open_checked(data: bytes) -> Image.Image:
    """Open an upload after checking its size and format; writes nothing."""
    if len(data) > MAX_UPLOAD_BYTES:
        raise ValidationError(_("The image is larger than 15 MB."))
    Image = pillow()  # noqa: N806 (the module, named as everywhere else)
    try:
        with Image.open(io.BytesIO(data)) as probe:
            if probe.format not in ALLOWED_FORMATS:
                raise ValidationError(_("Upload a JPEG, PNG, WebP or GIF image."))
            probe.verify()
        image = Image.open(io.BytesIO(data))
        image.load()
    except (Image.UnidentifiedImageError, OSError, Image.DecompressionBombError) as exc:
        raise ValidationError(_("This file is not an image we can read.")) from exc
    return image


def open_upright(data: bytes) -> Image.Image:
    """``open_checked``, turned as its EXIF orientation says and in RGB(A): what every stored
    rendition (photos, the logo) starts from."""
    from PIL import ImageOps

    image = ImageOps.exif_transpose(open_checked(data))
    return image.convert("RGBA" if image.mode in ("RGBA", "LA", "P") else "RGB")


def check_image(data: bytes) -> None:
    """Raise ValidationError unless ``data`` is an image ``process_upload`` accepts."""
    open_checked(data).close()


def process_upload(data: bytes, stem: str) -> list[Rendition]:
    """Check, strip and resize an uploaded image; returns the stored renditions, widest last."""
    image = open_upright(data)
    lanczos = pillow().Resampling.LANCZOS
    digest = hashlib.sha256(data).hexdigest()[:12]
    widths = [w for w in RENDITION_WIDTHS if w < image.width] + [min(image.width, 2400)]
    renditions = []
    for width in sorted(set(widths)):
        height = max(1, round(image.height * width / image.width))
        resized = image if width == image.width else image.resize(
            (width, height), lanczos)
        buffer = io.BytesIO()
        # A fresh encode carries no EXIF, XMP or GPS data from the original.
        resized.save(buffer, "WEBP", quality=80, method=4)
        name = default_storage.save(f"images/{stem}-{digest}-{width}.webp",
                                    ContentFile(buffer.getvalue()))
        renditions.append(Rendition(width, height, name))
    return renditions
