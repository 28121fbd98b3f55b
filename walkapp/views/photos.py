"""Photos: serving renditions (permission-checked, immutable URLs) and redaction rectangles."""

from flask import Blueprint, abort, current_app, redirect, request, send_file, url_for
from flask_babel import gettext
from flask_login import login_required

from walkapp.domain.errors import ValidationError
from walkapp.domain.photos import may_redact, parse_box
from walkapp.extensions import db
from walkapp.services import photos as photo_service
from walkapp.services.photos import Placeholder, Redirect, Serve
from walkapp.web import current_actor, render, wants_fragment
from walkapp.web.inputs import photo_settings, photo_store
from walkapp.web.urls import photo_url

bp = Blueprint("photos", __name__, url_prefix="/photos")
NO_STORE = "private, no-store"


# --- serving ----------------------------------------------------------------------------------


@bp.get("/<token>/<variant>/<rendition>.<ext>")
def show(token: str, variant: str, rendition: str, ext: str):
    """Serve a rendition if the caller may see it; URLs are unguessable and never change."""
    served = photo_service.serve(db.session, current_actor(), token, variant, rendition, ext,
                                 photo_store(), photo_settings())
    if isinstance(served, Serve):
        resp = send_file(served.path, mimetype=served.mimetype, max_age=31536000,
                         conditional=True, etag=True)
        resp.headers["Cache-Control"] = "private, max-age=31536000, immutable"
    elif isinstance(served, Redirect):
        resp = redirect(url_for("photos.show", token=token, variant=served.variant,
                                rendition=rendition, ext=ext))
        resp.headers["Cache-Control"] = NO_STORE
    elif isinstance(served, Placeholder):
        resp = current_app.response_class(served.body, mimetype=served.mimetype)
        resp.headers["Cache-Control"] = NO_STORE
        resp.headers["Retry-After"] = "30"
    else:
        abort(404)
    return resp


# --- redaction rectangles ---------------------------------------------------------------------


def _redaction_photo(photo_id: int):
    actor = current_actor()
    if not may_redact(actor):
        abort(403)
    return photo_service.get_photo(db.session, actor, photo_id)


def _redaction_page(photo, status: int = 200, error: str | None = None,
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


def _after_change(photo):
    if wants_fragment():
        resp = _redaction_page(photo)
        resp.headers["HX-Trigger"] = "photo-redacted"
        return resp
    return redirect(url_for("photos.redactions", photo_id=photo.id), 303)
