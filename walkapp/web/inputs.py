"""Request inputs that need the app's configuration: uploaded photos, the photo store, and the
limits a spot is checked against. Plain values (ints, dates, lists, bboxes) are parsed by
``walkapp.domain.params``."""

from flask import current_app

from walkapp.domain.errors import N_, ValidationError
from walkapp.domain.photos import parse_client_meta
from walkapp.photos.processing import ProcessedPhoto, Settings, process
from walkapp.photos.store import FileStore
from walkapp.services import photos as photo_service
from walkapp.services import spots as spot_service
from walkapp.services.remedies import photos as remedy_photos


def photo_settings() -> Settings:
    return Settings.from_config(current_app.config)


def photo_store() -> FileStore:
    return FileStore(current_app.config["PHOTO_DIR"])


def spot_limits() -> spot_service.Limits:
    cfg = current_app.config
    return spot_service.Limits(max_distance_m=cfg["SPOT_MAX_DISTANCE_FROM_AREA_M"],
                               note_max_chars=cfg["NOTE_MAX_CHARS"],
                               photos_per_spot=cfg["PHOTOS_PER_SPOT"])


def read_uploads(files, max_count: int | None = None, meta_from=None) -> list[ProcessedPhoto]:
    """Process every uploaded file before anything is saved; one bad file rejects them all.

    *meta_from* (a form) may carry photo_lat/photo_lon/photo_taken_at, read by the page from
    the photo before it shrank it; they fill in what the (metadata-free) file lacks.
    """
    cfg = current_app.config
    settings = photo_settings()
    uploads = [f for f in files if f is not None and (f.filename or f.content_length)]
    max_count = cfg["PHOTOS_PER_SPOT"] if max_count is None else max_count
    if len(uploads) > max_count:
        raise ValidationError(N_("At most %(n)s photos per spot."), "photo", n=max_count)
    meta = None
    if meta_from is not None:
        meta = parse_client_meta(meta_from, cfg.get("BABEL_DEFAULT_TIMEZONE", "Europe/Copenhagen"))
    out = []
    for f in uploads:
        data = f.read(settings.max_bytes + 1)
        if not data and not f.filename:
            continue
        photo = process(data, settings)
        if meta is not None:
            photo_service.apply_client_meta(photo, meta)
        out.append(photo)
    return out


def read_photos(files, form=None) -> list[ProcessedPhoto]:
    """A spot's photos: every one processed before anything is saved; any bad one rejects all."""
    return read_uploads(files, current_app.config["PHOTOS_PER_SPOT"], form)


def position_from_photo(form: dict, photos) -> dict:
    """Without a position from the device, place the spot where its photo was taken."""
    if (form.get("lat") or "").strip() or (form.get("lon") or "").strip():
        return form
    located = next((p for p in photos if p.has_gps), None)
    if located is not None:
        form = dict(form, lat=repr(located.gps_lat), lon=repr(located.gps_lon),
                    location_source="photo")
        form.pop("accuracy_m", None)
    return form


def remedy_photo_upload(files) -> remedy_photos.PhotoUpload | None:
    """Read the uploaded "photo" field (capped) for the service, or None when absent."""
    f = files.get("photo")
    if f is None or (not f.filename and not f.content_length):
        return None
    settings = photo_settings()
    return remedy_photos.PhotoUpload(f.read(settings.max_bytes + 1), settings)
