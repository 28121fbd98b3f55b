"""The walk day: plan a walk, its page and QR code, walk mode on the phone, editing spots."""

import io

import qrcode
import qrcode.image.svg
from flask import Blueprint, current_app, redirect, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user

from walkapp.domain.errors import DomainError, PermissionDenied, ValidationError
from walkapp.extensions import db, login
from walkapp.maps.builder import add_area, add_route, base_map, parts
from walkapp.services import spots as spot_service
from walkapp.services import walk_day
from walkapp.services import walks as walk_service
from walkapp.web import current_actor, error_message, render, wants_fragment
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


def _walk_map(walk):
    from walkapp.geo.shapes import from_db

    m = base_map(current_app.config, bounds=from_db(walk.area.geom).bounds)
    add_area(m, walk.area)
    add_route(m, walk.route)
    return parts(m)


def _plan_map(areas):
    from shapely.ops import unary_union

    from walkapp.geo.shapes import from_db

    shapes = [from_db(a.geom) for a in areas]
    m = base_map(current_app.config, bounds=unary_union(shapes).bounds if shapes else None, zoom=13)
    for a in areas:
        add_area(m, a)
    return parts(m)


def _render_form(walk, values: dict, errors: dict, status: int = 200):
    areas, leaders = walk_day.plan_choices(db.session)
    return render(
        "walks/form.html",
        "walks/_walk_form.html",
        status=status,
        walk=walk,
        values=values,
        errors=errors,
        areas=areas,
        leaders=leaders,
        areas_json=walk_day.areas_geojson(areas),
        map=_plan_map(areas),
    )


def _form_values(walk=None) -> dict:
    if request.method == "POST":
        values = {k: request.form.get(k, "") for k in FORM_FIELDS}
        uploaded = request.files.get("route_file")
        values["route_file_name"] = uploaded.filename if uploaded else ""
        return values
    if walk is None:
        return {"light": "moerke"}
    day, clock = walk_day.utc_to_local(walk.starts_at, _tz())
    return {
        "title": walk.title,
        "area_id": str(walk.area_id),
        "date": day,
        "time": clock,
        "light": walk.light,
        "leader_id": str(walk.leader_id or ""),
        "route": walk_day.route_geojson(walk),
        "notes": walk.notes,
    }


def _save_walk(walk=None):
    """Create or update a walk from the posted form; 422 re-renders it naming the field."""
    upload = request.files.get("route_file")
    try:
        data = walk_day.parse_walk_form(request.form, upload.read() if upload else None, _tz())
        if walk is None:
            walk = walk_service.plan_walk(db.session, current_actor(), data)
        else:
            walk = walk_service.update_walk(db.session, current_actor(), walk, data)
    except ValidationError as exc:
        db.session.rollback()
        return _render_form(walk, _form_values(walk), _errors(exc, FORM_FIELDS), 422)
    db.session.commit()
    return redirect(url_for("walks.show", walk_id=walk.id))


@bp.route("/new", methods=["GET", "POST"])
def new():
    if (resp := _require_planner()) is not None:
        return resp
    if request.method == "POST":
        return _save_walk()
    return _render_form(None, _form_values(), {})


@bp.route("/<int:walk_id>/edit", methods=["GET", "POST"])
def edit(walk_id: int):
    if (resp := _require_planner()) is not None:
        return resp
    walk = _walk(walk_id)
    if request.method == "POST":
        return _save_walk(walk)
    return _render_form(walk, _form_values(walk), {})


def _status_context(walk) -> dict:
    actor = current_actor()
    return {
        "walk": walk,
        "counts": walk_day.participant_counts(db.session, walk),
        "is_leader": walk_service.is_leader(actor, walk),
        "in_walk_mode": walk_day.may_run_walk_mode(db.session, actor, walk),
    }


@bp.get("/<int:walk_id>")
def show(walk_id: int):
    if (resp := _login_first()) is not None:
        return resp
    walk = _walk(walk_id)
    walk_day.may_view_walk(db.session, current_actor(), walk)
    join_url = url_for("join.show", code=walk.join_code, _external=True)
    return render(
        "walks/show.html",
        "walks/_walk_status.html",
        map=_walk_map(walk),
        join_url=join_url,
        **_status_context(walk),
    )


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
    walk = _walk(walk_id)
    walk_day.may_view_walk(db.session, current_actor(), walk)
    svg = _qr_svg(url_for("join.show", code=walk.join_code, _external=True))
    resp = current_app.response_class(svg, mimetype="image/svg+xml")
    resp.headers["Cache-Control"] = "private, max-age=3600"
    return resp


@bp.get("/<int:walk_id>/print")
def print_page(walk_id: int):
    if (resp := _login_first()) is not None:
        return resp
    walk = _walk(walk_id)
    walk_day.may_view_walk(db.session, current_actor(), walk)
    return render(
        "walks/print.html",
        walk=walk,
        join_url=url_for("join.show", code=walk.join_code, _external=True),
    )


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
        "role_beboer": _("resident"),
        "role_boligselskab": _("housing company"),
        "role_kommune": _("municipality"),
        "role_politi": _("police"),
        "role_andet": _("other"),
    }


@bp.get("/<int:walk_id>/mode")
def mode(walk_id: int):
    walk = _walk(walk_id)
    actor = current_actor()
    if not walk_day.may_run_walk_mode(db.session, actor, walk):
        if actor.is_user and walk.status != "afsluttet":
            return redirect(url_for("join.show", code=walk.join_code))
        if not actor.is_user and not actor.guest_participations:
            return login.unauthorized()
        raise PermissionDenied(_("You are not a participant of this walk."))
    categories = walk_day.active_categories(db.session)
    cfg = current_app.config
    config = {
        "walkId": walk.id,
        "mapId": None,
        "createUrl": url_for("api.create_spot", walk_id=walk.id),
        "spotsUrl": url_for("api.spots_geojson", walk=walk.id),
        "spotUrl": url_for("api.get_spot", spot_id=0),
        "hideUrl": url_for("api.hide_spot", spot_id=0),
        "editUrl": url_for("walks.edit_spot", walk_id=walk.id, spot_id=0),
        "pollSeconds": cfg["LIVE_POLL_SECONDS"],
        "warnAccuracy": cfg["GPS_WARN_ACCURACY_M"],
        "maxAccuracy": cfg["GPS_MAX_ACCURACY_M"],
        "isLeader": walk_service.is_leader(actor, walk),
        "ended": walk.status == "afsluttet",
        "timeZone": _tz(),
        "categories": _category_names(categories),
        "t": _mode_strings(),
    }
    walk_map = _walk_map(walk)
    config["mapId"] = walk_map.name
    return render(
        "walks/mode.html",
        walk=walk,
        map=walk_map,
        config=config,
        categories=categories,
        spots=walk_day.walk_spots(db.session, actor, walk),
        category_names=config["categories"],
        is_leader=config["isLeader"],
    )


@bp.get("/<int:walk_id>/spots")
def spots(walk_id: int):
    """The spots of a walk as a list: the map's alternative for keyboard and screen readers."""
    if (resp := _login_first()) is not None:
        return resp
    walk = _walk(walk_id)
    actor = current_actor()
    walk_day.may_view_walk(db.session, actor, walk)
    categories = walk_day.active_categories(db.session)
    return render(
        "walks/spots.html",
        "walks/_spot_list.html",
        walk=walk,
        spots=walk_day.walk_spots(db.session, actor, walk),
        category_names=_category_names(categories),
        is_leader=walk_service.is_leader(actor, walk),
    )


def _spot_values(spot, posted: bool = False) -> dict:
    from walkapp.geo.shapes import from_db

    if posted:
        values = {k: request.form.get(k, "") for k in SPOT_FIELDS if k != "categories"}
        values["categories"] = request.form.getlist("categories")
        values["version"] = request.form.get("version", "")
        return values
    pt = from_db(spot.geom)
    return {
        "lat": f"{pt.y:.7f}",
        "lon": f"{pt.x:.7f}",
        "kind": spot.kind,
        "categories": spot.category_codes,
        "feeling": str(spot.feeling or ""),
        "note": spot.note,
        "visibility": spot.visibility,
        "version": str(spot.version),
    }


def _render_spot_form(walk, spot, values, errors, status=200):
    from walkapp.geo.shapes import from_db

    categories = walk_day.active_categories(db.session)
    m = base_map(current_app.config, bounds=from_db(walk.area.geom).bounds)
    add_area(m, walk.area)
    add_route(m, walk.route)
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
        map=parts(m),
        is_leader=walk_service.is_leader(current_actor(), walk),
    )


@bp.route("/<int:walk_id>/spots/<int:spot_id>/edit", methods=["GET", "POST"])
def edit_spot(walk_id: int, spot_id: int):
    if (resp := _login_first()) is not None:
        return resp
    walk = _walk(walk_id)
    actor = current_actor()
    spot = walk_day.get_walk_spot(db.session, actor, walk, spot_id)
    if not walk_day.may_edit_spot(db.session, actor, spot):
        raise PermissionDenied(_("You can only change your own spots."))
    if request.method == "GET":
        return _render_spot_form(walk, spot, _spot_values(spot), {})

    try:
        form = request.form.to_dict()
        form["location_source"] = request.form.get("location_source") or spot.location_source
        data = spot_service.parse_spot_input(
            form,
            request.form.getlist("categories"),
            spot_service.known_categories(db.session),
            spot_limits(),
            partial=True,
        )
        version = request.form.get("version", "")
        spot_service.update_spot(
            db.session,
            actor,
            spot,
            data,
            spot_limits(),
            version=int(version) if version.isdigit() else None,
        )
        db.session.commit()
    except DomainError as exc:
        db.session.rollback()
        if exc.status not in (409, 422):
            raise
        spot = walk_day.get_walk_spot(db.session, actor, walk, spot_id)
        # A conflict shows the spot as it is now (with its new version); a 422 keeps the input.
        return _render_spot_form(
            walk,
            spot,
            _spot_values(spot, posted=exc.status == 422),
            _errors(exc, SPOT_FIELDS),
            exc.status,
        )
    return redirect(url_for("walks.mode", walk_id=walk.id, _anchor=f"spot-{spot.id}"))


@bp.post("/<int:walk_id>/spots/<int:spot_id>/hide")
def hide_spot(walk_id: int, spot_id: int):
    walk = _walk(walk_id)
    actor = current_actor()
    spot = walk_day.get_walk_spot(db.session, actor, walk, spot_id)
    spot_service.set_hidden(db.session, actor, spot, request.form.get("hidden", "1") == "1")
    db.session.commit()
    if wants_fragment():
        return spots(walk_id)
    return redirect(
        request.form.get("next")
        if (request.form.get("next") or "").startswith("/walks/")
        else url_for("walks.mode", walk_id=walk.id)
    )
