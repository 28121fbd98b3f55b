import orjson
from flask import Response, jsonify, request, url_for
from flask_babel import gettext as _

from walkapp.api.blueprint import bp
from walkapp.extensions import db
from walkapp.services import audit
from walkapp.services import privacy as privacy_service
from walkapp.services import spots as spot_service
from walkapp.services import walks as walk_service
from walkapp.web import current_actor
from walkapp.web.inputs import photo_store, position_from_photo, read_photos, spot_limits
from walkapp.web.urls import photo_url


@bp.post("/walks/<int:walk_id>/spots")
def create_spot(walk_id: int):
    """Add a spot; photos may come shrunk by the page (with photo_lat/photo_lon/photo_taken_at)
    or full-size from any other client. Without lat/lon the photo's position is used."""
    actor = current_actor()
    walk = walk_service.get_walk(db.session, walk_id)
    spot_service.may_add(db.session, actor, walk)
    form = request.form.to_dict()
    existing = spot_service.find_by_client_uuid(db.session, (form.get("client_uuid") or "").strip())
    photos = [] if existing else read_photos(request.files.getlist("photo"), request.form)
    data = spot_service.parse_spot_input(
        position_from_photo(form, photos), request.form.getlist("categories"),
        spot_service.known_categories(db.session), spot_limits())
    result = spot_service.add_spot(db.session, actor, walk, data, photos, photo_store(),
                                   spot_limits())
    body = spot_service.spot_feature(result.spot, photo_url, current_actor())
    body["privacy_warning"] = _privacy_warning(privacy_service.note_findings(result.spot))
    resp = jsonify(body)
    resp.status_code = 201 if result.created else 200
    if result.created:
        resp.headers["Location"] = url_for("api.get_spot", spot_id=result.spot.id)
    return resp


@bp.get("/spots/<int:spot_id>")
def get_spot(spot_id: int):
    actor = current_actor()
    spot = spot_service.get_spot(db.session, actor, spot_id)
    body = spot_service.spot_feature(spot, photo_url, actor)
    audit.police_spot(db.session, actor, spot)
    return jsonify(body)


@bp.get("/spots.geojson")
def spots_geojson():
    actor = current_actor()
    # The category list is only needed to check a category filter.
    known = spot_service.known_categories(db.session) if request.args.get("category") else ()
    f = spot_service.parse_filter(request.args, known)
    features = spot_service.spot_features(db.session, actor, f, photo_url)
    audit.export(db.session, actor,
                 ((ft["id"], ft["properties"]["visibility"]) for ft in features))
    # orjson: this answer can hold thousands of features, and it encodes them ~4x faster.
    body = orjson.dumps({"type": "FeatureCollection", "features": features,
                         "numberReturned": len(features)})
    resp = Response(body, mimetype="application/geo+json")
    resp.headers["Cache-Control"] = "private, no-store"
    return resp


@bp.post("/spots/<int:spot_id>")
def update_spot(spot_id: int):
    """Edit a spot (own spots, or any spot for the walk leader); ``version`` guards conflicts."""
    actor = current_actor()
    spot = spot_service.get_spot(db.session, actor, spot_id)
    spot_service.edit_spot(db.session, actor, spot, request.form.to_dict(),
                           request.form.getlist("categories"), spot_limits())
    db.session.commit()
    body = spot_service.spot_feature(spot, photo_url, actor)
    body["privacy_warning"] = _privacy_warning(privacy_service.note_findings(spot))
    return jsonify(body)


@bp.post("/spots/<int:spot_id>/hide")
def hide_spot(spot_id: int):
    """Hide (``hidden=1``, the default) or show again (``hidden=0``) a spot: walk leaders only."""
    actor = current_actor()
    spot = spot_service.get_spot(db.session, actor, spot_id)
    spot_service.set_hidden(db.session, actor, spot, request.form.get("hidden", "1") != "0")
    db.session.commit()
    return jsonify(spot_service.spot_feature(spot, photo_url, actor))


def _privacy_warning(findings) -> dict | None:
    """The warning for a note that looks like it names a person: message and findings."""
    if not findings:
        return None
    return {"message": _(privacy_service.NOTE_WARNING),
            "findings": [{"kind": f.kind, "label": _(privacy_service.KIND_LABELS[f.kind]),
                          "text": f.text} for f in findings]}


@bp.post("/notes/check")
def check_note():
    """What in a note (form or JSON field ``note``) looks like it names a person: walk mode
    asks before it saves a spot. ``{"findings": [...], "warning": {...} | null}``."""
    body = request.get_json(silent=True) if request.is_json else None
    raw = body.get("note") if isinstance(body, dict) else request.form.get("note")
    note = raw if isinstance(raw, str) else ""
    findings = privacy_service.check_note(note, spot_limits().note_max_chars)
    warning = _privacy_warning(findings)
    return jsonify({"findings": warning["findings"] if warning else [], "warning": warning})
