"""Remedies as GeoJSON, and their lifecycle transitions."""

from flask import jsonify, request

from walkapp.api.blueprint import bp
from walkapp.domain import params as parse
from walkapp.extensions import db
from walkapp.services.remedies import access as remedy_access
from walkapp.services.remedies import lifecycle
from walkapp.services.remedies import queries as remedy_queries
from walkapp.web import current_actor, error_message
from walkapp.web.inputs import photo_store, remedy_photo_upload


@bp.get("/remedies.geojson")
def remedies_geojson():
    who = remedy_access.who_of(current_actor())
    f = remedy_queries.parse_filter(request.args)
    remedies = remedy_queries.query_remedies(db.session, who, f)
    features = [remedy_queries.remedy_feature(r) for r in remedies]
    resp = jsonify({"type": "FeatureCollection", "features": features,
                    "numberReturned": len(features)})
    resp.headers["Cache-Control"] = "private, no-store"
    return resp


@bp.post("/remedies/<int:remedy_id>/transitions")
def transition(remedy_id: int):
    actor = current_actor()
    who = remedy_access.who_of(actor)
    data = lifecycle.transition_input(request.get_json(silent=True) if request.is_json
                                      else request.form)
    refusal = lifecycle.attempt(db.session, who, remedy_id, lambda: lifecycle.actor_transition(
        db.session, actor, remedy_id, str(data.get("to") or ""), str(data.get("comment") or ""),
        lifecycle.parse_version(data.get("version")), photo=remedy_photo_upload(request.files),
        store=photo_store(), new_owner_org_id=parse.optional_id(data, "owner_org_id")),
        refuse=(lifecycle.StaleRemedy,))  # invalid input: 422 by the error handler
    if refusal:
        return jsonify({"error": error_message(refusal.error), "status": 409, "field": "version",
                        "current": remedy_queries.remedy_state(refusal.remedy)}), 409
    return jsonify(remedy_queries.remedy_state(lifecycle.get_remedy(db.session, who, remedy_id)))
