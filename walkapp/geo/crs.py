"""WGS84 <-> ETRS89 / UTM 32N (EPSG:25832): metric work happens in 25832."""

from functools import lru_cache

import shapely
from pyproj import Transformer
from shapely.geometry.base import BaseGeometry

WGS84 = "EPSG:4326"
UTM32 = "EPSG:25832"


@lru_cache(maxsize=4)
def _transformer(src: str, dst: str) -> Transformer:
    return Transformer.from_crs(src, dst, always_xy=True)


def to_metric(geom: BaseGeometry) -> BaseGeometry:
    return shapely.transform(geom, _transformer(WGS84, UTM32).transform, interleaved=False)


def to_wgs84(geom: BaseGeometry) -> BaseGeometry:
    return shapely.transform(geom, _transformer(UTM32, WGS84).transform, interleaved=False)


def lonlat_to_metric(lon, lat):
    """Transform coordinate arrays (or scalars) to EPSG:25832 metres."""
    return _transformer(WGS84, UTM32).transform(lon, lat)


def distance_m(a: BaseGeometry, b: BaseGeometry) -> float:
    """Return the distance in metres between two lon/lat geometries."""
    return to_metric(a).distance(to_metric(b))
