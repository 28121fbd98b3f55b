"""JSON and GeoJSON API."""

from flask import Blueprint

bp = Blueprint("api", __name__, url_prefix="/api")

from walkapp.api import hotspots, remedies, spots  # noqa: E402,F401  (routes register on bp)
