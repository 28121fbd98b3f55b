"""URLs that depend on who asks: a photo's rendition URLs for the current user."""

from flask import url_for

from walkapp.domain.photos import may_redact
from walkapp.models import Photo
from walkapp.services import photos as photo_service
from walkapp.web.actor import current_actor


def photo_url(photo, variant: str, rendition: str | None = None, ext: str = "jpg") -> str:
    """Return the URL of a rendition: photo_url(photo, variant, rendition, ext).

    The short form photo_url(photo, "thumb") picks the variant the current user may see.
    """
    if rendition is None:
        variant, rendition = photo_service.variant_for(current_actor(), photo), variant
    return url_for("photos.show", token=photo.token, variant=variant, rendition=rendition,
                   ext=ext)


def photo_sources(photo) -> dict:
    """The current user's URLs of *photo* (thumb/display in WebP and JPEG) for templates."""
    entry = photo_service.photo_entry(photo, current_actor(), photo_url)
    if may_redact(current_actor()) and isinstance(photo, Photo):
        entry["redact_url"] = url_for("photos.redactions", photo_id=photo.id)
    return entry
