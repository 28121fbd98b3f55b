"""The spot overview: a map and a list of every walk's spots, with filters in the URL."""

import json
from urllib.parse import urlencode

from flask import Blueprint, current_app, request, url_for
from flask_babel import get_locale
from flask_login import login_required

from walkapp.extensions import db
from walkapp.maps.walks import overview_map, spot_map
from walkapp.services import areas as area_service
from walkapp.services import audit
from walkapp.services import spots as spot_service
from walkapp.web import current_actor, error_message, render, wants_fragment
from walkapp.web.urls import photo_url

bp = Blueprint("spots", __name__, url_prefix="/spots")


def _page_context(result) -> dict:
    """What the full page adds to the results: the map and the categories' names."""
    areas = area_service.outline_areas(db.session)
    map_parts, bounds = overview_map(current_app.config, areas)
    names = {c.code: c.name_da if get_locale().language == "da" else c.name_en
             for c in result.categories}
    return {"map": map_parts, "bounds": bounds, "category_names": names}


@bp.get("/")
@login_required
def index():
    result = spot_service.search(db.session, current_actor(), request.args)
    query = urlencode(spot_service.filter_query(request.args))
    ctx = {"result": result, "query": query,
           "error": error_message(result.error) if result.error else None,
           "error_field": result.error.field if result.error else None}
    if not wants_fragment():
        ctx.update(_page_context(result))
    resp = render("spots/index.html", "spots/_results.html",
                  status=422 if result.error else 200, **ctx)
    if wants_fragment():
        # overview.js reloads the map layer with the same filter; the URL keeps the state.
        resp.headers["HX-Trigger"] = json.dumps({"spots-filtered": {"query": query}})
        resp.headers["HX-Push-Url"] = url_for("spots.index") + (f"?{query}" if query else "")
    return resp


@bp.get("/<int:spot_id>")
@login_required
def show(spot_id: int):
    spot = spot_service.get_spot_for_reader(db.session, current_actor(), spot_id)
    map_parts = None if wants_fragment() else spot_map(current_app.config, spot)
    # The photos' URLs as the API hands them out (one place builds them).
    photos = spot_service.spot_properties(spot, photo_url)["photos"]
    resp = render("spots/show.html", "spots/_detail.html", spot=spot, photos=photos,
                  map=map_parts)
    audit.police_spot(db.session, current_actor(), spot)
    return resp
