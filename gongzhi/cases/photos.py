"""Photo intake: checked by content (not by name), size-limited, re-encoded without EXIF."""

from __future__ import annotations

import io
import uuid
from typing import Any

from django.core.files.base import ContentFile
from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

from gongzhi.core.errors import LimitExceeded, ValidationFailed

MAX_PHOTOS = 5
MAX_BYTES = 8 * 1024 * 1024
MAX_PIXELS = 40_000_000
ALLOWED_FORMATS = {"JPEG", "PNG", "WEBP", "GIF", "MPO"}


def _read(upload: Any) -> tuple[str, bytes]:
    name = str(getattr(upload, "name", "") or "photo")
    size = getattr(upload, "size", None)
    if size is not None and size > MAX_BYTES:
        raise LimitExceeded(
            _("“%(name)s” is larger than 8 MB. Please send a smaller photo.") % {"name": name},
            field="photos",
        )
    if hasattr(upload, "seek"):
        upload.seek(0)
    data = upload.read(MAX_BYTES + 1)
    if len(data) > MAX_BYTES:
        raise LimitExceeded(
            _("“%(name)s” is larger than 8 MB. Please send a smaller photo.") % {"name": name},
            field="photos",
        )
    return name, data


def clean_photo(upload: Any) -> tuple[ContentFile[bytes], int, int]:
    """Return a re-encoded copy (JPEG, or PNG when transparent) with no metadata, and its size."""
    name, data = _read(upload)
    bad = ValidationFailed(
        _(
            "“%(name)s” is not a complete photo (JPEG, PNG, WebP or GIF). Please choose another file."
        )
        % {"name": name},
        field="photos",
    )
    if not data:
        raise bad
    try:
        with Image.open(io.BytesIO(data)) as probe:
            if probe.format not in ALLOWED_FORMATS:
                raise bad
            probe.verify()
        with Image.open(io.BytesIO(data)) as img:
            if img.width * img.height > MAX_PIXELS:
                raise LimitExceeded(
                    _("“%(name)s” has too many pixels.") % {"name": name}, field="photos"
                )
            img.load()
            upright: Image.Image = ImageOps.exif_transpose(img)
            has_alpha = upright.mode in ("RGBA", "LA") or (
                upright.mode == "P" and "transparency" in upright.info
            )
            out = io.BytesIO()
            if has_alpha:
                clean = upright.convert("RGBA")
                clean.save(out, format="PNG", optimize=True)
                ext = "png"
            else:
                clean = upright.convert("RGB")
                clean.save(out, format="JPEG", quality=85, optimize=True)
                ext = "jpg"
            width, height = clean.size
    except (
        UnidentifiedImageError,
        OSError,
        SyntaxError,
        ValueError,
        Image.DecompressionBombError,
    ) as exc:
        raise bad from exc
    return ContentFile(out.getvalue(), name=f"{uuid.uuid4().hex}.{ext}"), width, height


def clean_photos(uploads: Any) -> list[tuple[ContentFile[bytes], int, int]]:
    items = list(uploads or ())
    if len(items) > MAX_PHOTOS:
        raise LimitExceeded(_("At most 5 photos, please."), field="photos")
    return [clean_photo(u) for u in items]
