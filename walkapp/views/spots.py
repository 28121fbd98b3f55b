"""The spot overview: a map and a list of every walk's spots, with filters in the URL."""

import json
from urllib.parse import urlencode

import folium
from flask import Blueprint, current_app, request, url_for
from flask_babel import get_locale
from flask_login import login_required
from shapely.ops import unary_union

from walkapp.extensions import db
from walkapp.geo.shapes import from_db
from walkapp.maps import builder
from walkapp.services import overview as overview_service
from walkapp.services import spots as spot_service
from walkapp.web import current_actor, error_message, render, wants_fragment
from walkapp.web.urls import photo_url

bp = Blueprint("spots", __name__, url_prefix="/spots")


def _overview_map(areas):
    """Return the map parts and the areas' extent; overview.js fits the view once it has spots."""
    bounds = unary_union([from_db(a.geom) for a in areas]).bounds if areas else None
    center = ((bounds[1] + bounds[3]) / 2, (bounds[0] + bounds[2]) / 2) if bounds else None
    m = builder.base_map(current_app.config, center=center, zoom=13)
    for area in areas:
        builder.add_area(m, area)
    return builder.parts(m), bounds


@bp.get("/")
@login_required
def index():
    result = overview_service.overview(db.session, current_actor(), request.args)
    query = urlencode(overview_service.filter_query(request.args))
    ctx = {"result": result, "query": query,
           "error": error_message(result.error) if result.error else None,
           "error_field": result.error.field if result.error else None}
    if not wants_fragment():
        ctx["parts"], ctx["bounds"] = _overview_map(overview_service.outline_areas(db.session))
        ctx["category_names"] = {c.code: c.name_da if get_locale().language == "da" else c.name_en
                                 for c in result.categories}
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
    spot = overview_service.spot_detail(db.session, current_actor(), spot_id)
    parts = None
    if not wants_fragment():
        m = builder.base_map(current_app.config, center=_latlon(spot), zoom=17)
        builder.add_area(m, spot.walk.area)
        _add_marker(m, spot)
        parts = builder.parts(m)
    # The photos' URLs as the API hands them out (one place builds them).
    photos = spot_service.spot_properties(spot, photo_url)["photos"]
    return render("spots/show.html", "spots/_detail.html", spot=spot, photos=photos, parts=parts)


def _latlon(spot) -> tuple[float, float]:
    pt = from_db(spot.geom)
    return pt.y, pt.x


def _add_marker(m, spot) -> None:
    folium.CircleMarker(_latlon(spot), radius=10, weight=3, color="#fff", fill=True,
                        fill_color="#c2410c" if spot.kind == "utryg" else "#15803d",
                        fill_opacity=0.95).add_to(m)

