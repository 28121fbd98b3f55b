"""Photos: serving renditions (permission-checked, immutable URLs) and redaction rectangles."""

from flask import Blueprint, abort, current_app, redirect, request, send_file, url_for
from flask_babel import gettext
from flask_login import login_required

from walkapp.domain.errors import ValidationError
from walkapp.domain.photos import may_redact, parse_box, sees_unredacted
from walkapp.extensions import db
from walkapp.models import Photo
from walkapp.photos.processing import FORMATS
from walkapp.services import photos as photo_service
from walkapp.web import current_actor, render, wants_fragment
from walkapp.web.inputs import photo_settings, photo_store
from walkapp.web.urls import photo_url

bp = Blueprint("photos", __name__, url_prefix="/photos")


# --- serving ----------------------------------------------------------------------------------


@bp.get("/<token>/<variant>/<rendition>.<ext>")
def show(token: str, variant: str, rendition: str, ext: str):
    """Serve a rendition if the caller may see it; URLs are unguessable and never change."""
    if ext not in FORMATS:
        abort(404)
    photo = db.session.scalar(db.select(Photo).where(Photo.token == token))
    if photo is None:
        abort(404)
    actor = current_actor()
    if not photo_service.may_view(db.session, actor, photo, variant):
        abort(404)
    if rendition == "original" and not sees_unredacted(actor):
        abort(404)
    if rendition not in ("thumb", "display", "original"):
        abort(404)
    if variant == photo_service.PENDING or (photo.blur_pending and not sees_unredacted(actor)):
        # Detection has not run (or just ran): run it now if needed, then send the variant
        # this caller may see. Never the clean file to someone who must get it blurred.
        if not photo_service.blur_photo(db.session, photo, photo_store(), photo_settings()):
            return _placeholder(ext)
        current = photo_service.variant_for(actor, photo)
        resp = redirect(url_for("photos.show", token=token, variant=current,
                                rendition=rendition, ext=ext))
        resp.headers["Cache-Control"] = "private, no-store"
        return resp
    name = photo_service.served_name(photo, variant, rendition, ext)
    if name is None:
        if variant.startswith("r-") and rendition != "original":
            # The rectangles changed since this URL was made: send the current variant.
            current = photo_service.variant_for(actor, photo)
            resp = redirect(url_for("photos.show", token=token, variant=current,
                                    rendition=rendition, ext=ext))
            resp.headers["Cache-Control"] = "private, no-store"
            return resp
        abort(404)
    path = photo_store().path(photo.sha256, name)
    if not path.exists():
        abort(404)
    resp = send_file(path, mimetype=FORMATS[ext], max_age=31536000, conditional=True,
                     etag=True)
    resp.headers["Cache-Control"] = "private, max-age=31536000, immutable"
    return resp


def _placeholder(ext: str):
    """A plain grey image, never cached, for a photo whose blurring failed for now."""
    import io

    from PIL import Image

    buf = io.BytesIO()
    Image.new("RGB", (320, 240), (200, 200, 200)).save(buf, "WEBP" if ext == "webp" else "JPEG")
    resp = current_app.response_class(buf.getvalue(), mimetype=FORMATS[ext])
    resp.headers["Cache-Control"] = "private, no-store"
    resp.headers["Retry-After"] = "30"
    return resp


# --- redaction rectangles ---------------------------------------------------------------------


def _redaction_photo(photo_id: int) -> Photo:
    actor = current_actor()
    if not may_redact(actor):
        abort(403)
    return photo_service.get_photo(db.session, actor, photo_id)


def _redaction_page(photo: Photo, status: int = 200, error: str | None = None,
                    form: dict | None = None):
    return render("photos/redactions.html", "photos/_redactions.html", status=status,
                  photo=photo, error=error, form=form or {},
                  clean_url=photo_url(photo, photo_service.CLEAN, "display", "jpg"),
                  blurred_url=(photo_url(photo, "r-" + photo.redaction_key, "display", "jpg")
                               if photo.redaction_key else None))


@bp.get("/<int:photo_id>/redactions")
@login_required
def redactions(photo_id: int):
    """Show a photo unblurred with its rectangles; coordinators add and remove them here."""
    return _redaction_page(_redaction_photo(photo_id))


@bp.post("/<int:photo_id>/redactions")
@login_required
def add_redaction(photo_id: int):
    photo = _redaction_photo(photo_id)
    try:
        box = parse_box(request.form)
    except ValidationError as exc:
        return _redaction_page(photo, 422, gettext(exc.message, **exc.params), request.form)
    photo_service.add_redaction(db.session, current_actor(), photo, box, photo_store(),
                                photo_settings())
    return _after_change(photo)


@bp.post("/<int:photo_id>/redactions/<int:redaction_id>/remove")
@login_required
def remove_redaction(photo_id: int, redaction_id: int):
    photo = _redaction_photo(photo_id)
    photo_service.remove_redaction(db.session, current_actor(), photo, redaction_id,
                                   photo_store(), photo_settings())
    return _after_change(photo)


def _after_change(photo: Photo):
    if wants_fragment():
        resp = _redaction_page(photo)
        resp.headers["HX-Trigger"] = "photo-redacted"
        return resp
    return redirect(url_for("photos.redactions", photo_id=photo.id), 303)
