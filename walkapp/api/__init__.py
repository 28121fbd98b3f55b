"""JSON and GeoJSON endpoints under /api, on one blueprint; each module adds its routes.

Like views, the API imports ``web/``, ``services/`` and ``domain/`` only.
"""

from walkapp.api import hotspots, remedies, spots  # noqa: F401,I001  (their routes register on bp)
from walkapp.api.blueprint import bp

__all__ = ["bp"]
