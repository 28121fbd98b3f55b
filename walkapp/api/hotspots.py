from flask import current_app, jsonify, request
from flask_login import login_required

from walkapp.api.blueprint import bp
from walkapp.extensions import db
from walkapp.services import hotspots as svc
from walkapp.web import current_actor


@bp.get("/hotspots.geojson")
@login_required
def hotspots_geojson():
    actor = current_actor()
    svc.check_analyst(actor)
    method = request.args.get("method", "gi")
    known = [c.code for c in svc.choices(db.session)["categories"]]
    f = svc.parse_filter(request.args, known)
    s = svc.parse_settings(request.args, svc.Settings.from_config(current_app.config))
    if method not in svc.METHODS:
        svc.hotspots_geojson(None, method)  # raises the ValidationError naming the field
    a = svc.analyse(db.session, actor, f, s, methods=(method,))
    resp = jsonify(svc.hotspots_geojson(a, method))
    resp.headers["Cache-Control"] = "private, no-store"
    return resp
