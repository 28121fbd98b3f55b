"""walkapp.geo.shapes: parsing and repairing users' geometry within bounds (issue 12, point 13).
The web half (a 422 on the focus-area form, nothing saved) is tests/web/test_planner_security."""

import json
import math
import time

import pytest
from shapely.geometry import GeometryCollection, LineString, MultiPolygon, Point, Polygon

from walkapp.domain.errors import ValidationError
from walkapp.geo import shapes
from walkapp.geo.shapes import (
    GeometryError,
    GeometryLimits,
    GeometryTooComplex,
    as_linestring,
    as_multipolygon,
    count_crossings,
    parse_geojson,
)

BOWTIE = Polygon([(12.35, 55.65), (12.36, 55.66), (12.36, 55.65), (12.35, 55.66)])
SQUARE = Polygon([(12.35, 55.65), (12.36, 55.65), (12.36, 55.66), (12.35, 55.66)])


def star(n: int) -> Polygon:
    k = n // 2 - 1
    while math.gcd(n, k) != 1:
        k -= 1
    return Polygon([(12.36 + 0.004 * math.cos(2 * math.pi * i * k / n),
                     55.655 + 0.004 * math.sin(2 * math.pi * i * k / n)) for i in range(n)])


@pytest.fixture
def small_limits():
    before = shapes.limits()
    shapes.set_limits(GeometryLimits(max_bytes=2000, max_vertices=50, max_depth=8,
                                     max_crossings=3))
    yield shapes.limits()
    shapes.set_limits(before)


def test_limits_come_from_the_config_and_default_otherwise():
    lim = GeometryLimits.from_config({"GEOMETRY_MAX_VERTICES": "99", "GEOMETRY_MAX_DEPTH": 7})
    assert (lim.max_vertices, lim.max_depth) == (99, 7)
    assert lim.max_bytes == GeometryLimits().max_bytes
    assert lim.max_crossings == GeometryLimits().max_crossings


def test_counting_crossings_stops_past_the_cap_and_ignores_neighbouring_segments():
    assert count_crossings(SQUARE, 10) == 0
    assert count_crossings(BOWTIE, 10) == 1
    repeated = Polygon([(12.35, 55.65), (12.36, 55.65), (12.36, 55.65), (12.36, 55.66),
                        (12.35, 55.66)])
    assert count_crossings(repeated, 10) == 0  # a repeated point is no crossing
    big = star(20_001)  # about 10**8 crossings
    started = time.perf_counter()
    assert count_crossings(big, 10) > 10
    assert time.perf_counter() - started < 5  # generous: it is milliseconds


def test_a_self_crossing_outline_is_repaired_to_what_it_encloses():
    multi = as_multipolygon(BOWTIE)
    assert multi.is_valid and len(multi.geoms) == 2
    assert math.isclose(multi.area, SQUARE.area / 2)
    overlapping = MultiPolygon([SQUARE, Polygon([(12.355, 55.655), (12.365, 55.655),
                                                 (12.365, 55.665), (12.355, 55.665)])])
    assert as_multipolygon(overlapping).is_valid  # parts overlapping each other are joined


def test_an_outline_crossing_itself_too_often_is_refused(small_limits):
    with pytest.raises(GeometryTooComplex) as exc:
        as_multipolygon(star(9))
    assert isinstance(exc.value, ValidationError) and exc.value.field == "geometry"
    assert exc.value.params == {"n": 3}


def test_too_many_points_bytes_or_levels_are_refused(small_limits):
    ring = [[12.35 + 0.0001 * i, 55.65 + 0.00001 * i * i] for i in range(60)]
    line = {"type": "LineString", "coordinates": ring}
    with pytest.raises(GeometryTooComplex, match="points"):
        parse_geojson(line)
    with pytest.raises(GeometryTooComplex, match="points"):
        as_linestring(LineString(ring))
    with pytest.raises(GeometryTooComplex, match="points"):
        as_multipolygon(star(51))
    with pytest.raises(GeometryTooComplex, match="kB"):
        parse_geojson(json.dumps(line) + " " * 2000)
    nested = {"type": "GeometryCollection", "geometries": []}
    for _ in range(8):
        nested = {"type": "GeometryCollection", "geometries": [nested]}
    with pytest.raises(GeometryTooComplex, match="levels"):
        parse_geojson(nested)
    with pytest.raises(GeometryTooComplex, match="levels"):
        parse_geojson('{"type": "Polygon", "coordinates": ' + "[" * 900 + "]" * 900 + "}")


def test_deep_properties_are_not_counted(small_limits):
    props: dict = {}
    for _ in range(20):
        props = {"x": props}
    feature = {"type": "Feature", "properties": props, "geometry": json.loads(
        json.dumps(SQUARE.__geo_interface__))}
    assert parse_geojson(feature).equals(SQUARE)


def test_json_nested_past_the_interpreters_recursion_is_refused_not_a_crash():
    with pytest.raises(GeometryTooComplex):
        parse_geojson("[" * 100_000 + "]" * 100_000)


@pytest.mark.parametrize("text", [
    '{"type": "Point", "coordinates": [NaN, 55.65]}',
    '{"type": "Point", "coordinates": [12.35, -Infinity]}',
    '{"type": "Point", "coordinates": [1e400, 55.65]}',
    '{"type": "Point", "coordinates": [' + "9" * 5000 + ', 55.65]}',
    '{"type": "Polygon", "coordinates": {"a": 1}}',
    '{"type": "Polygon", "coordinates": [[[12.35, 55.65], [12.36, "x"], [12.35, 55.65]]]}',
    '{"type": "FeatureCollection", "features": 3}',
    '{"type": "Polygon", "coordinates": []}',
    "[1, 2]",
])
def test_unusable_input_is_a_geometry_error(text):
    with pytest.raises(GeometryError):
        as_multipolygon(parse_geojson(text))


def test_nan_in_already_parsed_geojson_is_refused():
    with pytest.raises(GeometryError, match="finite"):
        parse_geojson({"type": "Point", "coordinates": [float("nan"), 55.65]})


def test_only_polygons_make_an_area():
    for geom in (LineString([(12.35, 55.65), (12.36, 55.66)]), Point(12.35, 55.65),
                 Polygon([(12.35, 55.65), (12.36, 55.65), (12.37, 55.65)])):
        with pytest.raises(GeometryError, match="polygon"):
            as_multipolygon(geom)
    mixed = GeometryCollection([BOWTIE, LineString([(12.35, 55.65), (12.36, 55.66)])])
    assert as_multipolygon(mixed).is_valid
