"""Photos: storing processed uploads, who sees which variant, what a rendition URL serves
(serve()), redactions, store checks.

The one photo pipeline, for spot photos and for other owners (remedy before/after photos,
``services.remedies.photos``)::

    processed = [process(data, settings) for data in uploads]      # 413/415/422 on bad files
    with staged(store) as writes:                                    # files removed on failure
        rows = photo_service.store_photos(session, processed, writes, owner_kind="remedy",
                                          uploaded_by=actor.user_id)
        ... link rows to the owner ...
        session.commit()

and register who may see them with ``register_access("remedy", fn(session, actor, photo))``.
"""

import io
import logging
import secrets
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple

import sqlalchemy as sa
from PIL import Image

from walkapp.domain.actor import Actor
from walkapp.domain.errors import N_, NotFound, PermissionDenied
from walkapp.domain.photos import ClientPhotoMeta, may_redact, sees_unredacted
from walkapp.models import Photo, PhotoRedaction, Spot
from walkapp.models.types import utcnow
from walkapp.photos import processing, redact
from walkapp.photos.processing import FORMATS, SIZES, ProcessedPhoto, Settings, file_name
from walkapp.photos.store import PhotoStore, StagedWrites, staged
from walkapp.services import audit
from walkapp.services.visibility import visible_clause

log = logging.getLogger(__name__)
CLEAN = "c"  # URL variant of the unblurred renditions
PENDING = "p"  # URL variant while detection has not run: blurred on first request, never clean
AccessCheck = Callable[[object, Actor, Photo], bool]
_ACCESS: dict[str, AccessCheck] = {}


def register_access(owner_kind: str, check: AccessCheck) -> None:
    """Let an owner of photos (owner_kind) decide who may see them."""
    _ACCESS[owner_kind] = check


# --- storing ----------------------------------------------------------------------------------


def apply_client_meta(photo: ProcessedPhoto, meta: ClientPhotoMeta) -> ProcessedPhoto:
    """Fill position and time the page read before shrinking, where the file has none."""
    if not photo.has_gps and meta.lat is not None:
        photo.gps_lat, photo.gps_lon = meta.lat, meta.lon
        photo.notes.append("position from the page (photo_lat/photo_lon)")
    if photo.taken_at is None and meta.taken_at is not None:
        photo.taken_at = meta.taken_at
    return photo


def save_files(photo: ProcessedPhoto, writes: StagedWrites) -> None:
    for name, blob in photo.files.items():
        writes.save(photo.sha256, name, blob)


def new_row(photo: ProcessedPhoto, *, owner_kind: str = "spot",
            uploaded_by: int | None = None) -> Photo:
    row = Photo(sha256=photo.sha256, token=secrets.token_urlsafe(32), width=photo.width,
                height=photo.height, source_format=photo.source_format[:10],
                byte_size=photo.byte_size, has_original=photo.has_original,
                taken_at=photo.taken_at, gps_lat=photo.gps_lat, gps_lon=photo.gps_lon,
                gps_alt=photo.gps_alt, gps_direction=photo.gps_direction,
                redaction_key=photo.redaction_key, owner_kind=owner_kind,
                uploaded_by_id=uploaded_by, blur_pending=photo.blur_pending)
    row.redactions = [PhotoRedaction(x=b.x, y=b.y, w=b.w, h=b.h, source=b.source)
                      for b in photo.boxes]
    return row


def store_photos(session, photos: Iterable[ProcessedPhoto], writes: StagedWrites, *,
                 owner_kind: str = "spot", uploaded_by: int | None = None) -> list[Photo]:
    """Write the files of *photos* and return their new rows (added to *session*)."""
    rows = []
    for ph in photos:
        save_files(ph, writes)
        row = new_row(ph, owner_kind=owner_kind, uploaded_by=uploaded_by)
        session.add(row)
        rows.append(row)
    return rows


# --- who sees what ----------------------------------------------------------------------------


def is_pending(photo) -> bool:
    """True while automatic detection has not run (rows without the column count as pending)."""
    return bool(getattr(photo, "blur_pending", True))


def variant_for(actor: Actor | None, photo: Photo) -> str:
    """Return the URL variant *actor* gets: unblurred (CLEAN), the current blurred set, or
    PENDING while detection has not run (its URL blurs first, then redirects)."""
    if sees_unredacted(actor):
        return CLEAN
    if is_pending(photo):
        return PENDING
    if photo.redaction_key is None:
        return CLEAN
    return "r-" + photo.redaction_key


def served_name(photo: Photo, variant: str, rendition: str, ext: str) -> str | None:
    """Return the store name behind a URL, or None if the URL names nothing current."""
    if ext not in FORMATS or rendition not in (*SIZES, "original"):
        return None
    if rendition == "original":
        return "original.jpg" if variant == CLEAN and ext == "jpg" and photo.has_original \
            else None
    if variant == CLEAN:
        return file_name(rendition, ext)
    if photo.redaction_key and variant == "r-" + photo.redaction_key:
        return file_name(rendition, ext, photo.redaction_key)
    return None


def may_view(session, actor: Actor, photo: Photo, variant: str = CLEAN) -> bool:
    """True if *actor* may see *photo* in *variant* (blurred variants: anyone who sees it)."""
    if variant == CLEAN and (photo.redaction_key or is_pending(photo)) \
            and not sees_unredacted(actor):
        return False
    if photo.spot_id is not None:
        return session.scalar(sa.select(Spot.id).where(
            Spot.id == photo.spot_id, visible_clause(actor))) is not None
    check = _ACCESS.get(photo.owner_kind)
    if check is not None:
        return bool(check(session, actor, photo))
    return actor.reads_all or sees_unredacted(actor)


class Rendition(NamedTuple):
    """A file to send, or why there is none: 404 nothing current, 503 withheld for now."""

    path: Path | None
    status: int = 200


def _existing(store: PhotoStore, photo: Photo, variant: str, rendition: str) -> Path | None:
    name = served_name(photo, variant, rendition, "jpg")
    path = store.path(photo.sha256, name) if name else None
    return path if path is not None and path.exists() else None


def jpeg_for(session, actor: Actor, photo: Photo, rendition: str, store: PhotoStore,
             settings: Settings, *, blurred: bool = False) -> Rendition:
    """The JPEG of *rendition* that *actor* gets: blurred for everyone but those who see photos
    unredacted (coordinators, administrators, police); *blurred* asks for the blurred set even
    then (the publishable report). A pending photo is blurred first, or withheld (503); never
    falls back to the clean file."""
    blur = blurred or not sees_unredacted(actor)
    if blur and is_pending(photo) and not blur_photo(session, photo, store, settings):
        return Rendition(None, 503)  # detection failed for now; the photo stays withheld
    variant = variant_for(actor, photo)
    if blur and photo.redaction_key:
        variant = "r-" + photo.redaction_key
    if variant == PENDING:
        return Rendition(None, 503)
    path = _existing(store, photo, variant, rendition)
    return Rendition(path) if path else Rendition(None, 404)


def report_file(session, actor: Actor, photo: Photo, rendition: str, store: PhotoStore,
                settings: Settings, public: bool) -> Path | None:
    """The JPEG the walk report's PDF embeds for *actor*: the same access decision as every
    other rendition (jpeg_for), the blurred set in the publishable version; None when the
    photo is withheld for now (a pending photo whose detection failed)."""
    return jpeg_for(session, actor, photo, rendition, store, settings, blurred=public).path


def shows_clean(actor: Actor | None, photo: Photo, blurred: bool = False) -> bool:
    """True if *actor* gets an unblurred file of a photo others get blurred (or that is still
    waiting for detection): what the audit log records as a clean photo view."""
    return not blurred and sees_unredacted(actor) and bool(photo.redaction_key
                                                           or is_pending(photo))


def photo_entry(photo: Photo, actor: Actor | None, url: Callable[..., str]) -> dict:
    """Return the API description of *photo* for *actor*; url(photo, variant, rendition, ext)."""
    variant = variant_for(actor, photo)
    entry = {
        "id": photo.id,
        "width": photo.width,
        "height": photo.height,
        "thumb": url(photo, variant, "thumb", "jpg"),
        "display": url(photo, variant, "display", "jpg"),
        "thumb_webp": url(photo, variant, "thumb", "webp"),
        "display_webp": url(photo, variant, "display", "webp"),
        "redacted": variant != CLEAN,
        "taken_at": photo.taken_at.isoformat() if photo.taken_at else None,
    }
    if sees_unredacted(actor):
        entry["original"] = url(photo, CLEAN, "original", "jpg") if photo.has_original else None
        active = getattr(photo, "active_redactions", None)  # absent on plain rows
        if active is not None:
            entry["redactions"] = len(active)
        if photo.redaction_key:
            key = "r-" + photo.redaction_key
            entry["display_redacted"] = url(photo, key, "display", "jpg")
        entry["detection_pending"] = is_pending(photo)
        entry["position"] = (
            {"lat": photo.gps_lat, "lon": photo.gps_lon, "alt": photo.gps_alt,
             "direction": photo.gps_direction} if photo.gps_lat is not None else None)
    return entry


def get_photo(session, actor: Actor, photo_id: int) -> Photo:
    photo = session.get(Photo, photo_id)
    if photo is None or not may_view(session, actor, photo, "any"):
        raise NotFound(N_("No such photo."))
    return photo


# --- serving a rendition's URL ----------------------------------------------------------------


@dataclass(frozen=True)
class Serve:
    """Send this file: the URL names a current rendition the caller may see."""

    path: Path
    mimetype: str


@dataclass(frozen=True)
class Redirect:
    """Send the caller to the same rendition in *variant* (never cached)."""

    variant: str


@dataclass(frozen=True)
class Placeholder:
    """Send a plain grey image, never cached: blurring failed for now."""

    body: bytes
    mimetype: str


@dataclass(frozen=True)
class Missing:
    """404: no such photo, rendition or file, or not for this caller."""


Served = Serve | Redirect | Placeholder | Missing
RENDITIONS = ("thumb", "display", "original")


def placeholder_image(ext: str) -> Placeholder:
    buf = io.BytesIO()
    Image.new("RGB", (320, 240), (200, 200, 200)).save(buf, "WEBP" if ext == "webp" else "JPEG")
    return Placeholder(buf.getvalue(), FORMATS[ext])


def serve(session, actor: Actor, token: str, variant: str, rendition: str, ext: str,
          store: PhotoStore, settings: Settings) -> Served:
    """Decide what the URL /photos/<token>/<variant>/<rendition>.<ext> gives *actor*.

    Detection that has not run (or just ran) runs now if needed, then the caller is sent to
    the variant it may see: never the clean file to someone who must get it blurred. A URL
    whose rectangles changed since it was made sends the current variant.
    """
    if ext not in FORMATS:
        return Missing()
    photo = session.scalar(sa.select(Photo).where(Photo.token == token))
    if photo is None or not may_view(session, actor, photo, variant):
        return Missing()
    if rendition not in RENDITIONS or (rendition == "original" and not sees_unredacted(actor)):
        return Missing()
    if variant == PENDING or (photo.blur_pending and not sees_unredacted(actor)):
        if not blur_photo(session, photo, store, settings):
            return placeholder_image(ext)
        return Redirect(variant_for(actor, photo))
    name = served_name(photo, variant, rendition, ext)
    if name is None:
        if variant.startswith("r-") and rendition != "original":
            return Redirect(variant_for(actor, photo))
        return Missing()
    path = store.path(photo.sha256, name)
    if not path.exists():
        return Missing()
    if variant == CLEAN and shows_clean(actor, photo):
        audit.clean_photo(session, actor, photo, rendition)
    return Serve(path, FORMATS[ext])


# --- redactions -------------------------------------------------------------------------------


def _source_image(photo: Photo, store: PhotoStore, longest: int | None = None):
    """Return the best stored upright source of *photo*'s pixels (original, else display);
    with *longest*, JPEGs are decoded only as large as needed for that size."""
    for name in ("original.jpg", "display.jpg", "display.webp"):
        if store.exists(photo.sha256, name):
            return processing.decode_upright(store.read(photo.sha256, name), longest)
    return None


def render_redacted(photo: Photo, store: PhotoStore, writes: StagedWrites,
                    settings: Settings) -> None:
    """Write the blurred renditions for the photo's current rectangles if they are missing."""
    key = photo.redaction_key
    if not key:
        return
    names = [file_name(s, e, key) for s in SIZES for e in FORMATS]
    if all(store.exists(photo.sha256, n) for n in names):
        return
    img = _source_image(photo, store, settings.display_px)
    if img is None:
        raise NotFound(N_("The photo's files are missing."))
    display = processing.resize(img, settings.display_px)
    boxes = [redact.Box(r.x, r.y, r.w, r.h) for r in photo.active_redactions]
    for name, blob in processing.render_sizes(display, settings, boxes, key).items():
        writes.save(photo.sha256, name, blob)


def _rekey(session, photo: Photo, store: PhotoStore, settings: Settings) -> None:
    old = photo.redaction_key
    boxes = [redact.Box(r.x, r.y, r.w, r.h) for r in photo.active_redactions]
    photo.redaction_key = redact.redaction_key(photo.sha256, boxes)
    with staged(store) as writes:
        render_redacted(photo, store, writes, settings)
        session.commit()
    if old and old != photo.redaction_key:
        _drop_unused_variant(session, store, photo.sha256, old)


def _drop_unused_variant(session, store: PhotoStore, sha256: str, key: str) -> None:
    in_use = session.scalar(sa.select(sa.func.count(Photo.id)).where(
        Photo.sha256 == sha256, Photo.redaction_key == key))
    if not in_use:
        for s in SIZES:
            for e in FORMATS:
                store.delete(sha256, file_name(s, e, key))


def add_redaction(session, actor: Actor, photo: Photo, box: tuple[float, float, float, float],
                  store: PhotoStore, settings: Settings) -> PhotoRedaction:
    """Blur one more rectangle of *photo* for everyone but coordinators and police; commit."""
    if not may_redact(actor):
        raise PermissionDenied(N_("Only coordinators can change what is blurred."))
    x, y, w, h = box
    row = PhotoRedaction(x=x, y=y, w=w, h=h, source="manual", created_by_id=actor.user_id)
    photo.redactions.append(row)
    session.flush()
    _rekey(session, photo, store, settings)
    log.info("redaction %s added to photo %s by user %s", row.id, photo.id, actor.user_id)
    return row


def remove_redaction(session, actor: Actor, photo: Photo, redaction_id: int, store: PhotoStore,
                     settings: Settings) -> PhotoRedaction:
    """Stop blurring one rectangle (the row stays, as the log of who removed it and when)."""
    if not may_redact(actor):
        raise PermissionDenied(N_("Only coordinators can change what is blurred."))
    row = next((r for r in photo.redactions if r.id == redaction_id), None)
    if row is None or row.removed_at is not None:
        raise NotFound(N_("No such rectangle."))
    row.removed_at, row.removed_by_id = utcnow(), actor.user_id
    session.flush()
    _rekey(session, photo, store, settings)
    log.info("redaction %s removed from photo %s by user %s", row.id, photo.id, actor.user_id)
    return row


# --- deferred detection ------------------------------------------------------------------------

_LOCKS = [threading.Lock() for _ in range(64)]  # per photo id (striped), within one process


def blur_photo(session, photo: Photo, store: PhotoStore, settings: Settings) -> bool:
    """Run automatic detection for *photo* if it is pending, store its blurred renditions and
    commit; return True when the photo is no longer pending.

    Idempotent and safe to run from several requests, workers and the photos-blur command at
    once: detection runs outside any transaction, then one UPDATE claims the photo (only the
    winner adds the rectangles); the blurred files are content-addressed, so racing writers
    write the same bytes. On failure the photo stays pending (and keeps being withheld).
    """
    if not photo.blur_pending:
        return True
    with _LOCKS[photo.id % len(_LOCKS)]:
        session.refresh(photo)
        if not photo.blur_pending:
            return True
        try:
            img = _source_image(photo, store, settings.display_px)
            if img is None:
                log.warning("photo %s: no file to detect faces and plates in", photo.id)
                return False
            display = processing.resize(img, settings.display_px)
            found = redact.detect(display) if settings.auto_redact else []
        except Exception as exc:  # noqa: BLE001 - stays pending, so nothing unblurred leaks
            log.warning("photo %s: detection failed, still pending: %r", photo.id, exc)
            return False
        claimed = session.execute(
            sa.update(Photo).where(Photo.id == photo.id, Photo.blur_pending.is_(True))
            .values(blur_pending=False).execution_options(synchronize_session=False)).rowcount
        if not claimed:  # someone else finished it meanwhile
            session.rollback()
            session.refresh(photo)
            return not photo.blur_pending
        photo.blur_pending = False
        for b in found:
            photo.redactions.append(PhotoRedaction(x=b.x, y=b.y, w=b.w, h=b.h, source=b.source))
        session.flush()
        old = photo.redaction_key
        boxes = [redact.Box(r.x, r.y, r.w, r.h) for r in photo.active_redactions]
        photo.redaction_key = redact.redaction_key(photo.sha256, boxes)
        with staged(store) as writes:
            if photo.redaction_key:
                for name, blob in processing.render_sizes(display, settings, boxes,
                                                          photo.redaction_key).items():
                    writes.save(photo.sha256, name, blob)
            session.commit()
        if old and old != photo.redaction_key:
            _drop_unused_variant(session, store, photo.sha256, old)
        log.info("photo %s: %d faces/plates found", photo.id, len(found))
        return True


def pending_ids(session) -> list[int]:
    return list(session.scalars(sa.select(Photo.id).where(Photo.blur_pending.is_(True))
                                .order_by(Photo.id)))


def blur_pending(session, store: PhotoStore, settings: Settings) -> tuple[int, int]:
    """Detect and blur every pending photo; return (done, failed)."""
    done = failed = 0
    for photo_id in pending_ids(session):
        photo = session.get(Photo, photo_id)
        if photo is None:
            continue
        try:
            ok = blur_photo(session, photo, store, settings)
        except Exception:  # noqa: BLE001 - one bad photo must not stop the others
            session.rollback()
            log.exception("photo %s: blurring failed", photo_id)
            ok = False
        done, failed = (done + 1, failed) if ok else (done, failed + 1)
    return done, failed


# --- checking the store -----------------------------------------------------------------------


def expected_names(photo: Photo) -> set[str]:
    names = {file_name(s, e) for s in SIZES for e in FORMATS}
    if photo.has_original:
        names.add("original.jpg")
    if photo.redaction_key:
        names |= {file_name(s, e, photo.redaction_key) for s in SIZES for e in FORMATS}
    return names


@dataclass
class CheckReport:
    photos: int = 0
    files: int = 0
    orphan_files: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    repaired: list[str] = field(default_factory=list)
    removed_rows: list[int] = field(default_factory=list)
    temp_files: int = 0

    @property
    def problems(self) -> int:
        return len(self.orphan_files) + len(self.missing) + self.temp_files


def check_store(session, store: PhotoStore, settings: Settings, repair: bool = False,
                grace_s: float = 3600) -> CheckReport:
    """Find files without rows and rows without files; with *repair*, fix what can be fixed.

    Files younger than *grace_s* are left alone: an upload may be writing them right now.
    Missing renditions are rebuilt from any surviving one; a photo with no file left loses its
    row (there is nothing to show).
    """
    report = CheckReport()
    rows = session.scalars(sa.select(Photo)).all()
    report.photos = len(rows)
    wanted: dict[str, set[str]] = {}
    for p in rows:
        wanted.setdefault(p.sha256, set()).update(expected_names(p))
    now = time.time()
    for sha in list(store.shas()):
        for name in sorted(store.names(sha)):
            report.files += 1
            if name in wanted.get(sha, ()):
                continue
            if now - store.mtime(sha, name) < grace_s:
                continue
            report.orphan_files.append(f"{sha}/{name}")
            if repair:
                store.delete(sha, name)
    temps = store.stale_temp_files(grace_s) if hasattr(store, "stale_temp_files") else []
    report.temp_files = len(temps)
    if repair:
        for t in temps:
            t.unlink(missing_ok=True)
    for p in rows:
        have = store.names(p.sha256)
        missing = sorted(expected_names(p) - have)
        if not missing:
            continue
        report.missing += [f"photo {p.id}: {n}" for n in missing]
        if repair:
            _repair(session, store, settings, p, missing, report)
    if repair:
        session.commit()
    return report


def _repair(session, store: PhotoStore, settings: Settings, photo: Photo, missing: list[str],
            report: CheckReport) -> None:
    img = _source_image(photo, store)
    if img is None:
        report.removed_rows.append(photo.id)
        session.delete(photo)
        log.warning("photo %s removed: none of its files is left", photo.id)
        return
    writes = StagedWrites(store)
    if "original.jpg" in missing:
        photo.has_original = False  # never rebuild an "original" from a smaller rendition
    display = processing.resize(img, settings.display_px)
    for name, blob in processing.render_sizes(display, settings).items():
        if name in missing:
            writes.save(photo.sha256, name, blob)
    if photo.redaction_key:
        render_redacted(photo, store, writes, settings)
    report.repaired += [f"photo {photo.id}: {n}" for n in missing]
