"""Uploaded images: re-encoded (EXIF/GPS and other metadata gone), size and pixel limits, served
with the right content type. Cross-checks core/images.py from the signer-safety side."""

from __future__ import annotations

import io
import struct
import zlib
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from PIL import Image

from core import images


def jpeg_with_gps() -> bytes:
    image = Image.new("RGB", (800, 600), (200, 30, 30))
    exif = Image.Exif()
    exif[0x010F] = "SecretCam Maker"  # Make
    exif[0x0131] = "LeakyPhone 1.0"  # Software
    gps = {1: "S", 2: (12.0, 2.0, 44.5), 3: "W", 4: (77.0, 1.0, 42.0)}
    exif[0x8825] = gps
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", exif=exif.tobytes(), comment=b"taken at the protest")
    data = buffer.getvalue()
    assert b"SecretCam" in data
    return data


def test_gps_and_all_metadata_are_stripped(settings, tmp_path: Path) -> None:
    settings.MEDIA_ROOT = tmp_path
    renditions = images.process_upload(jpeg_with_gps(), "protest")
    assert renditions
    for rendition in renditions:
        stored = (tmp_path / rendition.name).read_bytes()
        for secret in (b"SecretCam", b"LeakyPhone", b"protest\x00", b"taken at the protest", b"GPS"):
            assert secret not in stored
        with Image.open(io.BytesIO(stored)) as reopened:
            assert reopened.format == "WEBP"
            assert not reopened.getexif()
            assert "exif" not in reopened.info and "xmp" not in reopened.info


def png_claiming(width: int, height: int) -> bytes:
    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"\x00"))
            + chunk(b"IEND", b""))


def test_pixel_bombs_oversized_and_non_images_are_refused() -> None:
    with pytest.raises(ValidationError):
        images.check_image(png_claiming(100_000, 100_000))
    with pytest.raises(ValidationError):
        images.check_image(b"\xff" * (images.MAX_UPLOAD_BYTES + 1))
    with pytest.raises(ValidationError):
        images.check_image(b"<svg xmlns='http://www.w3.org/2000/svg'><script>alert(1)</script></svg>")
    with pytest.raises(ValidationError):
        images.check_image(b"GIF89a<html><script>alert(1)</script>")


@pytest.mark.django_db
def test_media_is_served_as_images_only_with_nosniff(settings, tmp_path: Path, anon: Client) -> None:
    settings.MEDIA_ROOT = tmp_path
    name = images.process_upload(jpeg_with_gps(), "photo")[0].name
    response = anon.get(f"/media/{name}")
    assert response.status_code == 200
    assert response["Content-Type"] == "image/webp"
    assert response["X-Content-Type-Options"] == "nosniff"
    (tmp_path / "images" / "evil.html").write_text("<script>alert(1)</script>")
    assert anon.get("/media/images/evil.html").status_code == 404
    assert anon.get("/media/../undersigned.sqlite3").status_code == 404
