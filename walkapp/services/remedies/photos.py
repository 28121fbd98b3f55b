"""Before and after photos of remedies."""

import secrets
from dataclasses import dataclass

from walkapp.domain.errors import N_, ValidationError
from walkapp.models import Remedy, RemedyPhoto
from walkapp.photos.processing import process


def photo_file(store, sha256: str, rendition: str, redaction_key: str | None = None):
    """Return the JPEG file of a stored rendition (spot or remedy photo), or None.

    With *redaction_key*, the blurred rendition ("r-<key>-display.jpg") comes first.
    """
    names = [f"r-{redaction_key}-{rendition}.jpg"] if redaction_key else []
    for name in (*names, f"{rendition}.jpg"):
        try:
            path = store.path(sha256, name)
        except ValueError:
            continue
        if path.exists():
            return path
    return None


@dataclass
class PhotoUpload:
    """Raw bytes of an uploaded photo and the limits it must meet."""

    data: bytes
    max_bytes: int
    max_pixels: int


def store_photo(session, remedy: Remedy, upload: PhotoUpload, store, kind: str = "after"):
    """Process and store a remedy photo; the one call site of the photo component."""
    processed = process(upload.data, max_bytes=upload.max_bytes, max_pixels=upload.max_pixels)
    files, key = processed.files, processed.redaction_key
    for name in ("thumb", "display"):
        # Store a JPEG per rendition, the blurred one ("r-<key>-display.jpg") when there is one.
        blob = (files.get(f"r-{key}-{name}.jpg") if key else None) or files.get(f"{name}.jpg")
        if blob is None:
            raise ValidationError(N_("The photo is broken or incomplete."), "photo")
        store.save(processed.sha256, f"{name}.jpg", blob)
    photo = RemedyPhoto(kind=kind, sha256=processed.sha256, token=secrets.token_urlsafe(32),
                        width=processed.width, height=processed.height)
    remedy.photos.append(photo)
    return photo
