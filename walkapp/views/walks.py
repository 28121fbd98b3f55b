"""The walk day: plan a walk, its page and QR code, walk mode on the phone, editing spots."""

import io

import qrcode
import qrcode.image.svg
from flask import Blueprint, current_app, redirect, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user

from walkapp.domain.errors import DomainError, PermissionDenied, ValidationError
from walkapp.domain.walks import PARTICIPANT_ROLE_LABELS
from walkapp.extensions import db, login
from walkapp.maps.walks import plan_map, walk_map
from walkapp.services import privacy as privacy_service
from walkapp.services import spots as spot_service
from walkapp.services import walks as walk_service
from walkapp.services.walks import ModeAccess
from walkapp.web import current_actor, error_message, render, safe_next, wants_fragment
from walkapp.web.inputs import spot_limits

bp = Blueprint("walks", __name__, url_prefix="/walks")

FORM_FIELDS = ("title", "area_id", "date", "time", "light", "leader_id", "route", "notes")
SPOT_FIELDS = ("lat", "lon", "kind", "categories", "feeling", "note", "visibility")


def _walk(walk_id: int):
    return walk_service.get_walk(db.session, walk_id)


def _login_first():
    """Send visitors without an account or a guest pass to the login page."""
    actor = current_actor()
    if not actor.is_user and not actor.guest_participations:
        return login.unauthorized()
    return None


def _viewable_walk(walk_id: int):
    """Return the walk if the caller may open its pages (raises otherwise)."""
    walk = _walk(walk_id)
    walk_service.may_view_walk(db.session, current_actor(), walk)
    return walk


def _require_planner():
    if not current_user.is_authenticated:
        return login.unauthorized()
    if not current_actor().plans_walks:
        raise PermissionDenied(_("Only coordinators can plan walks."))
    return None


def _errors(exc: DomainError, fields) -> dict[str, str]:
    key = exc.field if exc.field in fields else "_form"
    return {key: error_message(exc)}


def _tz() -> str:
    return current_app.config["BABEL_DEFAULT_TIMEZONE"]


def _join_url(walk) -> str:
    return url_for("join.show", code=walk.join_code, _external=True)


def _render_form(walk, values: dict, errors: dict, status: int = 200):
    areas, leaders = walk_service.plan_choices(db.session)
    return render(
        "walks/form.html",
        "walks/_walk_form.html",
        status=status,
        walk=walk,
        values=values,
        errors=errors,
        areas=areas,
        leaders=leaders,
        areas_json=walk_service.areas_geojson(areas),
        map=plan_map(current_app.config, areas),
    )


def _posted_form_values() -> dict:
    values = {k: request.form.get(k, "") for k in FORM_FIELDS}
    uploaded = request.files.get("route_file")
    values["route_file_name"] = uploaded.filename if uploaded else ""
    return values


def _save_walk(walk=None):
    """Create or update a walk from the posted form; 422 re-renders it naming the field."""
    upload = request.files.get("route_file")
    try:
        walk = walk_service.save_walk(db.session, current_actor(), walk, request.form,
                                      upload.read() if upload else None, _tz())
    except ValidationError as exc:
        db.session.rollback()
        return _render_form(walk, _posted_form_values(), _errors(exc, FORM_FIELDS), 422)
    db.session.commit()
    return redirect(url_for("walks.show", walk_id=walk.id))


@bp.route("/new", methods=["GET", "POST"])
def new():
    if (resp := _require_planner()) is not None:
        return resp
    if request.method == "POST":
        return _save_walk()
    return _render_form(None, walk_service.plan_form_values(None, _tz()), {})


@bp.route("/<int:walk_id>/edit", methods=["GET", "POST"])
def edit(walk_id: int):
    if (resp := _require_planner()) is not None:
        return resp
    walk = _walk(walk_id)
    if request.method == "POST":
        return _save_walk(walk)
    return _render_form(walk, walk_service.plan_form_values(walk, _tz()), {})


def _status_context(walk) -> dict:
    return walk_service.walk_status(db.session, current_actor(), walk)._asdict()


@bp.get("/<int:walk_id>")
def show(walk_id: int):
    if (resp := _login_first()) is not None:
        return resp
    walk = _viewable_walk(walk_id)
    return render("walks/show.html", "walks/_walk_status.html",
                  map=walk_map(current_app.config, walk), join_url=_join_url(walk),
                  **_status_context(walk))


@bp.post("/<int:walk_id>/status")
def set_status(walk_id: int):
    walk = _walk(walk_id)
    walk_service.set_status(db.session, current_actor(), walk, request.form.get("status", ""))
    db.session.commit()
    if wants_fragment():
        return render("walks/_walk_status.html", **_status_context(walk))
    return redirect(url_for("walks.show", walk_id=walk.id))


def _qr_svg(data: str) -> bytes:
    img = qrcode.make(
        data,
        image_factory=qrcode.image.svg.SvgPathImage,
        border=2,
        error_correction=qrcode.constants.ERROR_CORRECT_M,
    )
    buf = io.BytesIO()
    img.save(buf)
    return buf.getvalue()


@bp.get("/<int:walk_id>/qr.svg")
def qr(walk_id: int):
    if (resp := _login_first()) is not None:
        return resp
    svg = _qr_svg(_join_url(_viewable_walk(walk_id)))
    resp = current_app.response_class(svg, mimetype="image/svg+xml")
    resp.headers["Cache-Control"] = "private, max-age=3600"
    return resp


@bp.get("/<int:walk_id>/print")
def print_page(walk_id: int):
    if (resp := _login_first()) is not None:
        return resp
    walk = _viewable_walk(walk_id)
    return render("walks/print.html", walk=walk, join_url=_join_url(walk))


def _category_names(categories) -> dict[str, str]:
    english = str(get_locale() or "da").startswith("en")
    return {c.code: (c.name_en if english else c.name_da) for c in categories}


def _mode_strings() -> dict[str, str]:
    """Texts walk-mode.js shows; translated here so the script carries no language."""
    return {
        "locating": _("Finding your position…"),
        "gps_ok": _("GPS ±%(m)s m"),
        "gps_weak": _("Weak GPS (±%(m)s m). Check the pin before you save."),
        "gps_bad": _("GPS too inaccurate (±%(m)s m). Tap the map to place the pin."),
        "gps_none": _("No position from the phone. Tap the map to place the pin."),
        "place_pin": _("Tap the map where the spot is, or drag the pin."),
        "pin_manual": _("Pin placed by hand."),
        "pin_device": _("Pin at your position (±%(m)s m). Drag it if it is off."),
        "pin_photo": _("Pin where the photo was taken. Drag it if it is off."),
        "saving": _("Saving…"),
        "saved": _("Saved."),
        "retrying": _("No connection. Trying again in %(s)s s…"),
        "error": _("Could not save."),
        "need_pin": _("Place the pin on the map first."),
        "no_spots": _("No spots yet."),
        "tryg": _("Safe"),
        "utryg": _("Unsafe"),
        "own": _("Yours"),
        "hidden": _("Hidden"),
        "feeling": _("Feeling of safety"),
        "edit": _("Edit"),
        "hide": _("Hide"),
        "unhide": _("Show again"),
        "by": _("Marked by"),
        "photo_alt": _("Photo of the spot"),
        "remove_photo": _("Remove photo"),
        **{f"role_{code}": _(label) for code, label in PARTICIPANT_ROLE_LABELS.items()},
    }


def _mode_config(walk, walk_map_parts, is_leader: bool, category_names: dict) -> dict:
    """walk-mode.js's configuration: its URLs, GPS limits and texts."""
    cfg = current_app.config
    return {
        "walkId": walk.id,
        "mapId": walk_map_parts.name,
        "createUrl": url_for("api.create_spot", walk_id=walk.id),
        "checkNoteUrl": url_for("api.check_note"),
        "spotsUrl": url_for("api.spots_geojson", walk=walk.id),
        "spotUrl": url_for("api.get_spot", spot_id=0),
        "hideUrl": url_for("api.hide_spot", spot_id=0),
        "editUrl": url_for("walks.edit_spot", walk_id=walk.id, spot_id=0),
        "pollSeconds": cfg["LIVE_POLL_SECONDS"],
        "warnAccuracy": cfg["GPS_WARN_ACCURACY_M"],
        "maxAccuracy": cfg["GPS_MAX_ACCURACY_M"],
        "isLeader": is_leader,
        "ended": walk.status == "afsluttet",
        "timeZone": _tz(),
        "categories": category_names,
        "t": _mode_strings(),
    }


def _refuse_walk_mode(access: ModeAccess, walk):
    if access is ModeAccess.LOGIN:
        return login.unauthorized()
    raise PermissionDenied(_("You are not a participant of this walk."))


def _spot_list_context(walk) -> dict:
    """What walks/_spot_list.html needs: the walk's spots and which ones the caller may edit."""
    actor = current_actor()
    categories = spot_service.active_categories(db.session)
    spots = spot_service.walk_spots(db.session, actor, walk)
    return {"walk": walk, "spots": spots, "categories": categories,
            "category_names": _category_names(categories),
            "editable": spot_service.editable_ids(actor, walk, spots),
            "is_leader": walk_service.is_leader(actor, walk)}


@bp.get("/<int:walk_id>/mode")
def mode(walk_id: int):
    walk = _walk(walk_id)
    access = walk_service.walk_mode_access(db.session, current_actor(), walk)
    if access is not ModeAccess.OPEN:
        return _refuse_walk_mode(access, walk)
    ctx = _spot_list_context(walk)
    walk_map_parts = walk_map(current_app.config, walk)
    config = _mode_config(walk, walk_map_parts, ctx["is_leader"], ctx["category_names"])
    return render("walks/mode.html", map=walk_map_parts, config=config, **ctx)


@bp.get("/<int:walk_id>/spots")
def spots(walk_id: int):
    """The spots of a walk as a list: the map's alternative for keyboard and screen readers."""
    if (resp := _login_first()) is not None:
        return resp
    walk = _viewable_walk(walk_id)
    ctx = _spot_list_context(walk)
    del ctx["categories"]
    return render("walks/spots.html", "walks/_spot_list.html", **ctx)


def _posted_spot_values() -> dict:
    values = {k: request.form.get(k, "") for k in SPOT_FIELDS if k != "categories"}
    values["categories"] = request.form.getlist("categories")
    values["version"] = request.form.get("version", "")
    return values


def _render_spot_form(walk, spot, values, errors, status=200, privacy_findings=()):
    categories = spot_service.active_categories(db.session)
    return render(
        "walks/spot_edit.html",
        "walks/_spot_form.html",
        status=status,
        walk=walk,
        spot=spot,
        values=values,
        errors=errors,
        categories=categories,
        category_names=_category_names(categories),
        map=walk_map(current_app.config, walk),
        is_leader=walk_service.is_leader(current_actor(), walk),
        privacy_findings=privacy_findings,
        kind_labels=privacy_service.KIND_LABELS,
    )


def _spot_form_failed(walk, spot_id: int, exc: DomainError):
    """Re-render the edit form: a conflict shows the spot as it is now (with its new
    version); a 422 keeps the input."""
    db.session.rollback()
    if exc.status not in (409, 422):
        raise exc
    spot = spot_service.get_walk_spot(db.session, current_actor(), walk, spot_id)
    values = _posted_spot_values() if exc.status == 422 else spot_service.form_values(spot)
    return _render_spot_form(walk, spot, values, _errors(exc, SPOT_FIELDS), exc.status,
                             getattr(exc, "findings", ()))


@bp.route("/<int:walk_id>/spots/<int:spot_id>/edit", methods=["GET", "POST"])
def edit_spot(walk_id: int, spot_id: int):
    if (resp := _login_first()) is not None:
        return resp
    walk, actor = _walk(walk_id), current_actor()
    spot = spot_service.get_walk_spot(db.session, actor, walk, spot_id)
    spot_service.may_edit(db.session, actor, spot)
    if request.method == "GET":
        return _render_spot_form(walk, spot, spot_service.form_values(spot), {})
    try:  # a note that names a person is saved only when confirmed ("Gem alligevel")
        privacy_service.confirm_note(request.form.get("note", ""),
                                     request.form.get("privacy_ack") == "1")
        spot_service.edit_spot(db.session, actor, spot, request.form.to_dict(),
                               request.form.getlist("categories"), spot_limits())
        db.session.commit()
    except DomainError as exc:
        return _spot_form_failed(walk, spot_id, exc)
    return redirect(url_for("walks.mode", walk_id=walk.id, _anchor=f"spot-{spot.id}"))


@bp.post("/<int:walk_id>/spots/<int:spot_id>/hide")
def hide_spot(walk_id: int, spot_id: int):
    walk = _walk(walk_id)
    actor = current_actor()
    spot = spot_service.get_walk_spot(db.session, actor, walk, spot_id)
    spot_service.set_hidden(db.session, actor, spot, request.form.get("hidden", "1") == "1")
    db.session.commit()
    if wants_fragment():
        return spots(walk_id)
    back = url_for("walks.mode", walk_id=walk.id)
    nxt = safe_next(request.form.get("next"), back)
    return redirect(nxt if nxt.startswith("/walks/") else back)
