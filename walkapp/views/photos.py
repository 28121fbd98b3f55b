import sqlalchemy as sa
from flask import Blueprint, abort, current_app, send_file

from walkapp.extensions import db
from walkapp.models import Photo, Spot
from walkapp.photos.processing import RENDITIONS
from walkapp.photos.store import FileStore
from walkapp.services.spots import visible_clause
from walkapp.web import current_actor

bp = Blueprint("photos", __name__, url_prefix="/photos")


@bp.get("/<token>/<rendition>.jpg")
def show(token: str, rendition: str):
    """Serve a rendition if the caller may see its spot; URLs are unguessable and immutable."""
    if rendition not in RENDITIONS:
        abort(404)
    photo = db.session.scalar(
        sa.select(Photo).join(Spot).where(Photo.token == token, visible_clause(current_actor()))
    )
    if photo is None:
        abort(404)
    path = FileStore(current_app.config["PHOTO_DIR"]).path(photo.sha256, rendition)
    if not path.exists():
        abort(404)
    resp = send_file(path, mimetype="image/jpeg", max_age=31536000, conditional=True)
    resp.headers["Cache-Control"] = "private, max-age=31536000, immutable"
    return resp
