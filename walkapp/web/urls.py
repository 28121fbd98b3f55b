"""URLs: a photo's rendition URLs for the current user, the ids a URL may hold, and where a
``next`` parameter may send the browser."""

from urllib.parse import unquote, urlsplit

from flask import url_for
from werkzeug.routing import IntegerConverter

from walkapp.domain.params import MAX_INT
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


class IdConverter(IntegerConverter):
    """``<int:...>`` for database ids: a number beyond an id column (MAX_INT) matches no route
    (404), where Werkzeug's converter would pass it on and the database would overflow (500)."""

    def __init__(self, url_map, fixed_digits=0, min=None, max=MAX_INT, signed=False):
        super().__init__(url_map, fixed_digits=fixed_digits, min=min, max=max, signed=signed)


def safe_next(target: str | None, fallback: str | None = None) -> str:
    """Return *target* if it is a path on this site, else *fallback* (the start page).

    Every ``next`` (login, language switch, forms) goes through here. Refused: anything with
    a scheme or host, ``//`` or a backslash (browsers read ``/\\host`` as ``//host``), and any
    control or invisible character (browsers drop tabs and newlines from URLs, so
    ``/<TAB>/host`` becomes ``//host``; CR/LF would not even fit in a header), also when
    percent-encoded (a proxy may decode ``/%2F/host`` once more).
    """
    fallback = fallback or url_for("main.index")
    if not target or not all(_same_site_path(t) for t in (target, unquote(target))):
        return fallback
    return target


def _same_site_path(target: str) -> bool:
    if not target.isprintable() or "\\" in target:
        return False
    if not target.startswith("/") or target.startswith("//"):
        return False
    parts = urlsplit(target)
    return not (parts.scheme or parts.netloc)
