"""Images: checked whole with Pillow (a truncated or corrupt file is refused) and shrunk to
a thumbnail at upload time. Blocking work: callers run it in a thread."""

from __future__ import annotations

import io
from typing import IO

from PIL import Image, ImageOps

from app.core.errors import Invalid

THUMBNAIL_SIZE = (480, 720)
THUMBNAIL_TYPE = "image/webp"
# Decoding costs memory by pixels, not bytes: a bound well below Pillow's bomb guard.
MAX_PIXELS = 50_000_000
_FORMATS = {"image/png": "PNG", "image/jpeg": "JPEG", "image/gif": "GIF", "image/webp": "WEBP"}


def _corrupt(reason: str) -> Invalid:
    return Invalid(f"The image cannot be read ({reason}).", field="body.file", code="corrupt_image")


def thumbnail(source: IO[bytes], content_type: str) -> bytes:
    """Verify the image in `source` (a seekable file) is whole and of `content_type`, and
    return a WebP thumbnail of it at most `THUMBNAIL_SIZE`."""
    try:
        with Image.open(source) as probe:
            if probe.format != _FORMATS[content_type]:
                raise _corrupt(f"it is {probe.format}, not {_FORMATS[content_type]}")
            if probe.width * probe.height > MAX_PIXELS:
                raise Invalid(
                    f"The image has more than {MAX_PIXELS:,} pixels.",
                    field="body.file",
                    code="image_too_large",
                )
            probe.verify()
        source.seek(0)
        with Image.open(source) as image:
            image.draft("RGB", THUMBNAIL_SIZE)  # JPEG: decode at a reduced scale
            image.load()  # a truncated file fails here
            small = ImageOps.exif_transpose(image)
            small.thumbnail(THUMBNAIL_SIZE)
            if small.mode not in ("RGB", "RGBA"):
                small = small.convert("RGBA" if small.has_transparency_data else "RGB")
            out = io.BytesIO()
            small.save(out, "WEBP", quality=80)
            return out.getvalue()
    except (OSError, SyntaxError, ValueError, Image.DecompressionBombError) as exc:
        raise _corrupt(str(exc) or type(exc).__name__) from exc
