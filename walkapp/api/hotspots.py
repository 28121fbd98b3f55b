"""Hotspot layers as GeoJSON (the planner map's deferred layers and the download links)."""

from flask import current_app, jsonify, request
from flask_babel import gettext
from flask_login import login_required

from walkapp.api.blueprint import bp
from walkapp.extensions import db
from walkapp.services.hotspots import analysis, features, filters
from walkapp.services.hotspots.access import check_analyst
from walkapp.web import current_actor


@bp.get("/hotspots.geojson")
@login_required
def hotspots_geojson():
    actor = current_actor()
    check_analyst(actor)
    method = request.args.get("method", "gi")
    f, s = filters.page_state(db.session, request.args, current_app.config)
    analysis.check_method(method)
    a = analysis.analyse(db.session, actor, f, s, methods=(method,))
    fc = features.hotspots_geojson(a, method)
    if "message" in fc:  # an English msgid and its parameters: in the caller's language
        fc["message"] = gettext(fc["message"], **fc.pop("message_params", {}))
    resp = jsonify(fc)
    resp.headers["Cache-Control"] = "private, no-store"
    return resp
