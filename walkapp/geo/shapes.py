"""Shapely <-> database <-> GeoJSON conversions; the only place Python meets geometry columns."""

import json
from typing import Any

from geoalchemy2.elements import WKBElement, WKTElement
from geoalchemy2.shape import from_shape, to_shape
from shapely.geometry import LineString, MultiPolygon, Point, Polygon, mapping, shape
from shapely.geometry.base import BaseGeometry
from shapely.validation import make_valid

SRID = 4326


class GeometryError(ValueError):
    """Raised for geometry input that cannot be used."""


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


def parse_geojson(text: str | dict) -> BaseGeometry:
    """Return the geometry of a GeoJSON geometry, Feature or FeatureCollection (union of all)."""
    try:
        data = json.loads(text) if isinstance(text, str) else text
    except json.JSONDecodeError as exc:
        raise GeometryError("not valid JSON") from exc
    if not isinstance(data, dict) or "type" not in data:
        raise GeometryError("not a GeoJSON object")
    try:
        if data["type"] == "FeatureCollection":
            geoms = [shape(f["geometry"]) for f in data.get("features", []) if f.get("geometry")]
            if not geoms:
                raise GeometryError("the FeatureCollection has no geometries")
            if len(geoms) == 1:
                return geoms[0]
            from shapely.ops import unary_union

            return unary_union(geoms)
        if data["type"] == "Feature":
            if not data.get("geometry"):
                raise GeometryError("the Feature has no geometry")
            return shape(data["geometry"])
        return shape(data)
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        if isinstance(exc, GeometryError):
            raise
        raise GeometryError(f"not a GeoJSON geometry: {exc}") from exc


def _check_lonlat(geom: BaseGeometry) -> None:
    minx, miny, maxx, maxy = geom.bounds
    if not (
        -180 <= minx <= 180 and -180 <= maxx <= 180 and -90 <= miny <= 90 and -90 <= maxy <= 90
    ):
        raise GeometryError("coordinates are not longitude/latitude (WGS84)")


def as_multipolygon(geom: BaseGeometry) -> MultiPolygon:
    """Return *geom* as a valid MultiPolygon in lon/lat, or raise GeometryError."""
    _check_lonlat(geom)
    if not geom.is_valid:
        geom = make_valid(geom)
    if isinstance(geom, Polygon):
        return MultiPolygon([geom])
    if isinstance(geom, MultiPolygon):
        return geom
    polys = [g for g in getattr(geom, "geoms", []) if isinstance(g, Polygon)]
    polys += [p for g in getattr(geom, "geoms", []) if isinstance(g, MultiPolygon) for p in g.geoms]
    if not polys:
        raise GeometryError("an area must be a polygon")
    return MultiPolygon(polys)


def as_linestring(geom: BaseGeometry) -> LineString:
    """Return *geom* as a LineString in lon/lat, or raise GeometryError."""
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
