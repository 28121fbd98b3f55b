"""Shapely <-> database <-> GeoJSON conversions; the only place Python meets geometry columns.

Every geometry a user sends (focus areas, areas, routes) passes parse_geojson() and then
as_multipolygon() or as_linestring(). They bound the input (bytes, nesting, points: see
GeometryLimits, set from walkapp.config's GEOMETRY_* at app creation) and the work of repairing
an outline that crosses itself (GEOMETRY_MAX_CROSSINGS), so no request computes for minutes or
hands SpatiaLite millions of points while the database is locked. Input over a limit raises
GeometryTooComplex, a ValidationError with a translatable message; unusable input raises
GeometryError, whose text callers put into their own message.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import shapely
from geoalchemy2.elements import WKBElement, WKTElement
from geoalchemy2.shape import from_shape, to_shape
from shapely.errors import ShapelyError
from shapely.geometry import LineString, MultiPolygon, Point, Polygon, mapping, shape
from shapely.geometry.base import BaseGeometry

from walkapp.domain.errors import N_, ValidationError

SRID = 4326


class GeometryError(ValueError):
    """Raised for geometry input that cannot be used."""


class GeometryTooComplex(ValidationError):
    """Raised for geometry input over one of the GeometryLimits (a 422 in the user's language)."""

    def __init__(self, message: str, **params):
        super().__init__(message, "geometry", **params)


@dataclass(frozen=True)
class GeometryLimits:
    max_bytes: int = 5 * 1024 * 1024  # of GeoJSON text
    max_vertices: int = 20_000  # points of one geometry (all its parts)
    max_depth: int = 20  # nesting of JSON arrays and objects, properties not counted
    max_crossings: int = 1_000  # self-intersections an outline may have to be repaired

    @classmethod
    def from_config(cls, config) -> GeometryLimits:
        default = cls()
        return cls(**{name: int(config.get(f"GEOMETRY_{name.upper()}", getattr(default, name)))
                      for name in ("max_bytes", "max_vertices", "max_depth", "max_crossings")})


_limits = GeometryLimits()


def set_limits(limits: GeometryLimits) -> None:
    """Use *limits* for every geometry parsed from now on (create_app sets the configured)."""
    global _limits
    _limits = limits


def limits() -> GeometryLimits:
    return _limits


def to_db(geom: BaseGeometry) -> WKBElement:
    return from_shape(geom, srid=SRID)


def from_db(value: WKBElement | WKTElement | None) -> BaseGeometry | None:
    return None if value is None else to_shape(value)


def point(lon: float, lat: float) -> Point:
    return Point(lon, lat)


def to_geojson(geom: BaseGeometry | None) -> dict | None:
    return None if geom is None else mapping(geom)


def feature(geom: BaseGeometry | None, properties: dict[str, Any], fid: Any = None) -> dict:
    out = {"type": "Feature", "geometry": to_geojson(geom), "properties": properties}
    if fid is not None:
        out["id"] = fid
    return out


def feature_collection(features: list[dict], **members: Any) -> dict:
    return {"type": "FeatureCollection", "features": features, **members}


def _too_deep(lim: GeometryLimits) -> GeometryTooComplex:
    return GeometryTooComplex(N_("The geometry is nested more than %(n)s levels deep."),
                              n=lim.max_depth)


def _too_many_points(lim: GeometryLimits) -> GeometryTooComplex:
    return GeometryTooComplex(N_("The geometry has more than %(n)s points; simplify it."),
                              n=lim.max_vertices)


def _not_finite(constant: str):
    raise GeometryError(f"coordinates must be finite numbers, not {constant}")


def _load(text: str | bytes, lim: GeometryLimits) -> Any:
    size = len(text) if isinstance(text, bytes) else len(text.encode("utf-8", "surrogatepass"))
    if size > lim.max_bytes:
        raise GeometryTooComplex(N_("The geometry is larger than %(kb)s kB; simplify it."),
                                 kb=lim.max_bytes // 1024)
    try:
        return json.loads(text, parse_constant=_not_finite)
    except GeometryError:
        raise
    except RecursionError as exc:
        raise _too_deep(lim) from exc
    except ValueError as exc:  # JSONDecodeError, and integers of thousands of digits
        raise GeometryError("not valid JSON") from exc


def load_geojson(text: str | bytes, max_bytes: int | None = None) -> Any:
    """Parse GeoJSON text as parse_geojson() does: NaN/Infinity and integers of thousands of
    digits raise GeometryError, nesting past recursion GeometryTooComplex; at most *max_bytes*
    (the configured geometry limit when None; a file of many features may allow more)."""
    lim = _limits if max_bytes is None else replace(_limits, max_bytes=max_bytes)
    return _load(text, lim)


def _is_number(value) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _check_structure(data: Any, lim: GeometryLimits) -> None:
    """Walk parsed GeoJSON without recursion: nesting, number of points, finite coordinates.
    Properties are not walked (they are never turned into geometry)."""
    stack = [(data, 1)]
    points = 0
    while stack:
        node, depth = stack.pop()
        if depth > lim.max_depth:
            raise _too_deep(lim)
        if isinstance(node, dict):
            stack.extend((v, depth + 1) for k, v in node.items() if k != "properties")
        elif isinstance(node, list | tuple):
            if node and _is_number(node[0]):  # a position
                if not all(_is_number(v) and math.isfinite(v) for v in node):
                    raise GeometryError("coordinates must be finite numbers")
                points += 1
                if points > lim.max_vertices:
                    raise _too_many_points(lim)
            else:
                stack.extend((v, depth + 1) for v in node)


def _check_points(geom: BaseGeometry, lim: GeometryLimits) -> None:
    if shapely.get_num_coordinates(geom) > lim.max_vertices:
        raise _too_many_points(lim)


def parse_geojson(text: str | dict) -> BaseGeometry:
    """Return the geometry of a GeoJSON geometry, Feature or FeatureCollection (union of all).

    Raises GeometryTooComplex for input over the limits, GeometryError for unusable input.
    """
    lim = _limits
    data = _load(text, lim) if isinstance(text, str | bytes) else text
    if not isinstance(data, dict) or "type" not in data:
        raise GeometryError("not a GeoJSON object")
    _check_structure(data, lim)
    try:
        if data["type"] == "FeatureCollection":
            features = data.get("features") or []
            if not isinstance(features, list):
                raise GeometryError("the features are not a list")
            geoms = [shape(f["geometry"]) for f in features if f.get("geometry")]
            if not geoms:
                raise GeometryError("the FeatureCollection has no geometries")
            if len(geoms) == 1:
                return geoms[0]
            # Union repairs nothing: an outline that crosses itself is repaired (bounded) first.
            return shapely.unary_union([_repaired(g, lim) if _polygonal(g) and not g.is_valid
                                        else g for g in geoms])
        if data["type"] == "Feature":
            if not data.get("geometry"):
                raise GeometryError("the Feature has no geometry")
            return shape(data["geometry"])
        return shape(data)
    except (KeyError, TypeError, ValueError, AttributeError, ShapelyError) as exc:
        if isinstance(exc, GeometryError):
            raise
        raise GeometryError(f"not a GeoJSON geometry: {exc}") from exc


def _polygonal(geom: BaseGeometry) -> bool:
    return geom.geom_type in ("Polygon", "MultiPolygon")


def _ring_segments(geom: BaseGeometry) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The segments of every ring of *geom* (repeated points dropped), with each segment's
    ring number and its position in the ring."""
    segs, rings, positions = [], [], []
    for poly in getattr(geom, "geoms", [geom]):
        for ring in (poly.exterior, *poly.interiors):
            c = np.asarray(ring.coords)[:, :2]
            if len(c) == 0:
                continue
            c = c[np.r_[True, np.any(np.diff(c, axis=0) != 0, axis=1)]]
            if len(c) < 2:
                continue
            segs.append(np.stack([c[:-1], c[1:]], axis=1))
            rings.append(np.full(len(c) - 1, len(rings)))
            positions.append(np.arange(len(c) - 1))
    if not segs:
        return np.empty((0, 2, 2)), np.empty(0, int), np.empty(0, int)
    return np.concatenate(segs), np.concatenate(rings), np.concatenate(positions)


def count_crossings(geom: BaseGeometry, cap: int) -> int:
    """The number of places where the rings of polygonal *geom* cross or touch each other or
    themselves (neighbouring segments of a ring excepted); counting stops once over *cap*, so
    an outline crossing itself millions of times costs no more than one crossing it *cap*
    times."""
    segs, ring, pos = _ring_segments(geom)
    if len(segs) < 2:
        return 0
    ring_len = np.bincount(ring)[ring]
    lines = shapely.linestrings(segs)
    tree = shapely.STRtree(lines)
    count, start, chunk = 0, 0, 8
    while start < len(lines) and count <= cap:
        a, b = tree.query(lines[start:start + chunk], predicate="intersects")
        a = a + start
        a, b = a[a < b], b[a < b]
        same = ring[a] == ring[b]
        neighbours = same & ((b - a == 1) | ((pos[a] == 0) & (pos[b] == ring_len[b] - 1)))
        count += int(np.count_nonzero(~neighbours))
        start += chunk
        chunk = min(chunk * 2, 1024)
    return count


def _repaired(geom: BaseGeometry, lim: GeometryLimits) -> BaseGeometry:
    """*geom* made valid, refused when it crosses itself too often to repair quickly.

    The "structure" repair keeps what the outline encloses (a lasso drawn over itself stays
    one area); the default "linework" repair grew with the square of the crossings (7 s for a
    101-point star) where "structure" stays near linear in them."""
    if count_crossings(geom, lim.max_crossings) > lim.max_crossings:
        raise GeometryTooComplex(
            N_("The outline crosses itself in more than %(n)s places; draw it without "
               "crossings."), n=lim.max_crossings)
    try:
        return shapely.make_valid(geom, method="structure", keep_collapsed=False)
    except ShapelyError as exc:
        raise GeometryError(f"the outline cannot be repaired: {exc}") from exc


def _check_lonlat(geom: BaseGeometry) -> None:
    if geom.is_empty:
        raise GeometryError("the geometry is empty")
    minx, miny, maxx, maxy = geom.bounds
    if not (
        -180 <= minx <= 180 and -180 <= maxx <= 180 and -90 <= miny <= 90 and -90 <= maxy <= 90
    ):
        raise GeometryError("coordinates are not longitude/latitude (WGS84)")


def as_multipolygon(geom: BaseGeometry) -> MultiPolygon:
    """Return *geom* as a valid MultiPolygon in lon/lat, or raise GeometryError (or
    GeometryTooComplex: see GeometryLimits)."""
    lim = _limits
    _check_points(geom, lim)
    _check_lonlat(geom)
    if not _polygonal(geom):  # a collection: its polygons (a route or a point is no area)
        parts = getattr(geom, "geoms", [])
        polys = [p for g in parts if _polygonal(g) for p in getattr(g, "geoms", [g])]
        if not polys:
            raise GeometryError("an area must be a polygon")
        geom = MultiPolygon(polys)
    if not geom.is_valid:
        geom = _repaired(geom, lim)
    if isinstance(geom, Polygon) and not geom.is_empty:
        return MultiPolygon([geom])
    if isinstance(geom, MultiPolygon) and not geom.is_empty:
        return geom
    polys = [p for g in getattr(geom, "geoms", []) if _polygonal(g)
             for p in getattr(g, "geoms", [g]) if not p.is_empty]
    if not polys:
        raise GeometryError("an area must be a polygon")
    return MultiPolygon(polys)


def as_linestring(geom: BaseGeometry) -> LineString:
    """Return *geom* as a LineString in lon/lat, or raise GeometryError (or GeometryTooComplex)."""
    _check_points(geom, _limits)
    _check_lonlat(geom)
    if isinstance(geom, LineString):
        if len(geom.coords) < 2:
            raise GeometryError("a route needs at least two points")
        return geom
    if geom.geom_type == "MultiLineString":
        from shapely.ops import linemerge

        merged = linemerge(geom)
        if isinstance(merged, LineString):
            return merged
        return LineString([c for line in geom.geoms for c in line.coords])
    raise GeometryError("a route must be a line")
