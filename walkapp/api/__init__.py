"""JSON and GeoJSON API."""

from flask import Blueprint

bp = Blueprint("api", __name__, url_prefix="/api")

from walkapp.api import spots  # noqa: E402,F401  (routes register on bp)
from walkapp.api import remedies  # noqa: E402,F401
from walkapp.api import hotspots  # noqa: E402,F401
