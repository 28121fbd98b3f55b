import json
import re
from datetime import UTC, date, datetime, timedelta

import numpy as np
import pytest
from pyproj import Transformer
from shapely.geometry import box

from tests.conftest import AuthActions
from tests.factories import make_area, make_user
from walkapp.services.imports import import_spots

ALBERTSLUND = box(12.30, 55.64, 12.40, 55.69)
TO_LL = Transformer.from_crs("EPSG:25832", "EPSG:4326", always_xy=True)


def synthetic_csv(n_random=300, seed=1, planted=True, year=2024) -> str:
    """Random unsafe spots over Albertslund plus one planted 3x3-cell cluster, as CSV."""
    rng = np.random.default_rng(seed)
    x = rng.uniform(707700, 713700, n_random)
    y = rng.uniform(6171600, 6176200, n_random)
    if planted:
        x = np.r_[x, rng.uniform(710000, 710300, 60)]
        y = np.r_[y, rng.uniform(6173000, 6173300, 60)]
    lon, lat = TO_LL.transform(x, y)
    lines = ["lat,lon,kind,categories,feeling,observed_at,note"]
    for i, (a, b) in enumerate(zip(lat, lon, strict=True)):
        cat = "LYS;BEV" if i % 2 else "GRA"
        lines.append(f"{a:.6f},{b:.6f},utryg,{cat},2,{year}-11-{1 + i % 28:02d}T19:00:00,")
    return "\n".join(lines) + "\n"


@pytest.fixture
def world(session):
    area = make_area(session, "Albertslund", ALBERTSLUND)
    planner = make_user(session, "planlaegger")
    participant = make_user(session, "deltager")
    inspector = make_user(session, "inspektoer", org="Boligselskabet", org_kind="boligselskab")
    session.commit()
    import_spots(session, synthetic_csv(), "history.csv")
    return {"area": area, "planner": planner, "participant": participant,
            "inspector": inspector}


def test_planner_map_page_renders_layers_legend_and_explanations(client, auth, world):
    auth.login(world["planner"])
    resp = client.get("/planner/")
    assert resp.status_code == 200
    html = resp.get_data(as_text=True)
    assert "Vary" in resp.headers and "HX-Request" in resp.headers["Vary"]
    assert "Getis" in html or "Gi*" in html
    assert "leaflet.js" in html and "planner.js" in html
    assert not re.search(r'(src|href)="https?://', html), "no off-site assets"
    assert "150 m" in html  # stated density bandwidth
    # the no-JS page (?sync=1) lists the hot cells next to the map (list alternative)
    sync = client.get("/planner/?sync=1").get_data(as_text=True)
    assert "100m_" in sync and 'id="hot-cells"' not in sync


def test_first_html_does_not_wait_for_gi_or_dbscan(client, auth, world, monkeypatch):
    from walkapp.domain import hotspots as hs
    from walkapp.services.hotspots import analysis

    def boom(*_a, **_k):
        raise AssertionError("the page must not run this analysis before rendering")

    analysis.clear_cache()
    monkeypatch.setattr(hs, "getis_ord", boom)
    monkeypatch.setattr(hs, "dbscan_labels", boom)
    auth.login(world["planner"])
    resp = client.get("/planner/?category=LYS&band=300")
    assert resp.status_code == 200
    html = resp.get_data(as_text=True)
    assert "100m_" not in html and 'id="hot-cells"' in html and 'id="cluster-list"' in html
    assert 'aria-live="polite"' in html and "data-deferred-status" in html
    box = re.search(r"data-planner='([^']*)'", html).group(1)
    wiring = json.loads(box.replace("&#34;", '"').replace("&amp;", "&"))
    gi_url, db_url = wiring["deferred"]["gi"], wiring["deferred"]["clusters"]
    assert "method=gi" in gi_url and "category=LYS" in gi_url and "band=300" in gi_url
    assert "method=dbscan" in db_url and "category=LYS" in db_url
    assert "sync=1" in wiring["sync_url"] and "sync=1" in html  # no-JS link
    monkeypatch.undo()
    fc = client.get(gi_url).get_json()  # what planner.js fetches after load
    assert fc["parameters"]["band_m"] == 300 and fc["parameters"]["category"] == ["LYS"]


def test_too_few_data_page_does_not_fetch_gi(client, auth, world):
    auth.login(world["planner"])
    html = client.get("/planner/?from=2030-01-01").get_data(as_text=True)
    # In Danish (the default) and, on request, in English: the message is translated.
    assert '<strong class="too-few">For få data: der skal mindst være ' in html
    assert "Too few data" not in html
    english = client.get("/planner/?from=2030-01-01&lang=en").get_data(as_text=True)
    assert '<strong class="too-few">Too few data: at least ' in english
    box = re.search(r"data-planner='([^']*)'", html).group(1)
    # neither Gi* nor clusters are fetched or announced beside "too few data" (issue 14)
    assert "deferred" not in box
    assert "Gi*-hotspots og klynger er vist" not in html and "data-deferred-status" not in html


def test_roles_other_than_planners_get_403(client, auth, world):
    auth.login(world["participant"])
    assert client.get("/planner/").status_code == 403
    assert client.get("/api/hotspots.geojson").status_code == 403
    auth.logout()
    auth.login(world["inspector"])
    assert client.get("/planner/statistics").status_code == 403


def test_anonymous_is_sent_to_login(client, world):
    resp = client.get("/planner/")
    assert resp.status_code == 302 and "/login" in resp.headers["Location"]
    assert client.get("/api/hotspots.geojson").status_code == 401


def test_api_gi_returns_cells_with_statistics(client, auth, world):
    auth.login(world["planner"])
    fc = client.get("/api/hotspots.geojson?method=gi").get_json()
    assert fc["type"] == "FeatureCollection"
    assert fc["parameters"]["band_m"] == 200 and fc["parameters"]["permutations"] == 999
    props = fc["features"][0]["properties"]
    assert {"cell_id", "count", "z", "p", "p_fdr", "class"} <= set(props)
    hot = {f["properties"]["cell_id"] for f in fc["features"]
           if f["properties"]["class"] in ("hot95", "hot99")}
    planted = {f"100m_{n}_{e}" for n in (61730, 61731, 61732) for e in (7100, 7101, 7102)}
    assert len(hot & planted) >= 8


def test_api_says_too_few_data(client, auth, world):
    auth.login(world["planner"])
    fc = client.get("/api/hotspots.geojson?method=gi&from=2030-01-01").get_json()
    assert fc["too_few_data"] is True and fc["features"] == []
    assert fc["message"].startswith("For få data: ")  # in the caller's language


def test_api_kde_and_dbscan(client, auth, world):
    auth.login(world["planner"])
    kde = client.get("/api/hotspots.geojson?method=kde&bandwidth=200").get_json()
    assert kde["parameters"]["bandwidth_m"] == 200 and kde["features"]
    db = client.get("/api/hotspots.geojson?method=dbscan&eps=80").get_json()
    assert db["parameters"]["eps_m"] == 80
    assert db["features"], "the planted cluster is found"
    biggest = max(db["features"], key=lambda f: f["properties"]["count"])
    assert biggest["properties"]["count"] >= 60
    assert set(biggest["properties"]["categories"]) & {"LYS", "BEV", "GRA"}


@pytest.mark.parametrize("query,field", [
    ("method=heat", "method"), ("from=2024-13-01", "from"), ("category=XYZ", "category"),
    ("darkness=maybe", "darkness"), ("area=abc", "area"), ("band=10", "band"),
])
def test_api_bad_parameters_are_422_with_field(client, auth, world, query, field):
    auth.login(world["planner"])
    resp = client.get(f"/api/hotspots.geojson?{query}")
    assert resp.status_code == 422
    assert resp.get_json()["field"] == field


def test_filters_narrow_the_selection(client, auth, world):
    auth.login(world["planner"])
    all_ = client.get("/api/hotspots.geojson?method=gi").get_json()["n_spots"]
    gra = client.get("/api/hotspots.geojson?method=gi&category=GRA").get_json()["n_spots"]
    dark = client.get("/api/hotspots.geojson?method=gi&darkness=dagslys").get_json()["n_spots"]
    assert all_ == 360 and 0 < gra < all_ and dark == 0


def test_statistics_page_and_csv(client, auth, world):
    auth.login(world["planner"])
    page = client.get("/planner/statistics")
    assert page.status_code == 200 and '<ol class="bars"' in page.get_data(as_text=True)
    csv_resp = client.get("/planner/statistics/categories.csv")
    assert csv_resp.status_code == 200 and csv_resp.mimetype == "text/csv"
    text = csv_resp.get_data(as_text=True)
    assert "LYS" in text and "GRA" in text
    assert client.get("/planner/statistics/nope.csv").status_code == 404


def test_over_time_page(client, auth, world):
    auth.login(world["planner"])
    resp = client.get("/planner/over-time?a_from=2023-01-01&a_to=2023-12-31"
                      "&b_from=2024-01-01&b_to=2024-12-31")
    assert resp.status_code == 200
    html = resp.get_data(as_text=True)
    assert "A: 0" in html  # period A has no spots: too few data, said plainly


def test_focus_area_create_show_and_validation(client, auth, world):
    token = auth.login(world["planner"])
    geom = json.dumps({"type": "Polygon", "coordinates": [[[12.345, 55.66], [12.36, 55.66],
                                                           [12.36, 55.67], [12.345, 55.67],
                                                           [12.345, 55.66]]]})
    bad = client.post("/planner/focus", data={"name": "", "geometry": geom, "csrf_token": token})
    assert bad.status_code == 422
    nogeom = client.post("/planner/focus", data={"name": "X", "geometry": "",
                                                 "csrf_token": token})
    assert nogeom.status_code == 422
    ok = client.post("/planner/focus", data={"name": "Stationsområdet", "geometry": geom,
                                             "notes": "Se på belysning", "csrf_token": token})
    assert ok.status_code == 302
    page = client.get(ok.headers["Location"])
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "Stationsområdet" in html and "Se på belysning" in html
    assert "Stationsområdet" in client.get("/planner/focus").get_data(as_text=True)


def test_url_state_round_trips_in_links(client, auth, world):
    auth.login(world["planner"])
    html = client.get("/planner/?category=LYS&darkness=moerke&layers=gi,density"
                      "&c=55.66,12.35,15").get_data(as_text=True)
    assert 'value="density,gi"' in html
    assert "category=LYS" in html and "darkness=moerke" in html


@pytest.fixture
def remedies(session, world):
    """A verified remedy at the planted cluster (its walk re-walked a year later), an overdue
    one of another owner, and one without a point of its own (placed at its spot)."""
    import sqlalchemy as sa

    from walkapp.models import Remedy, RemedyEvent, Spot, Walk
    from walkapp.services import accounts

    first = session.scalar(sa.select(Walk).order_by(Walk.id))
    import_spots(session, synthetic_csv(n_random=100, seed=2, year=2025), "rewalk.csv")
    rewalk = session.scalar(sa.select(Walk).order_by(Walk.id.desc()))
    rewalk.previous_walk_id = first.id
    lon, lat = TO_LL.transform(710150, 6173150)
    org = accounts.get_or_create_organisation(session, "AB Galgebakken", "boligselskab")
    spot = session.scalar(sa.select(Spot).where(Spot.walk_id == first.id).order_by(Spot.id))
    created = datetime(2024, 11, 20, tzinfo=UTC)
    made = {}
    for title, status, deadline, owner, at in (
            ("Ny belysning", "verificeret", None, None, (lat, lon)),
            ("Beskær buskene", "tildelt", date(2024, 1, 5), org.id, (55.662, 12.352)),
            ("Fjern graffiti", "udfoert", date(2030, 1, 5), None, (None, None))):
        r = Remedy(walk_id=first.id, area_id=world["area"].id, title=title, status=status,
                   deadline=deadline, owner_org_id=owner, lat=at[0], lon=at[1],
                   created_at=created, spots=[spot])
        session.add(r)
        made[status] = r
    session.flush()
    session.add(RemedyEvent(remedy_id=made["verificeret"].id, to_status="verificeret",
                            at=created + timedelta(days=12)))
    session.commit()
    return made


def test_remedies_on_the_map_over_time_and_per_owner(client, world, remedies):
    AuthActions(client).login(world["planner"])
    html = client.get("/planner/?sync=1").get_data(as_text=True)
    rows = dict(re.findall(r"<tr[^>]*><td>([^<]+)</td><td>([^<]+)", html))
    assert rows["Ny belysning"] == "verificeret" and rows["Fjern graffiti"] == "udført"
    assert '<tr class="overdue"><td>Beskær buskene</td>' in html  # past deadline, not done
    assert html.count('class="overdue"') == 1
    assert "Fjern graffiti (udført) · deadline" in html  # at its spot: it has no point

    page = client.get("/planner/over-time?radius=100").get_data(as_text=True)
    effect = re.search(r"<td>Ny belysning</td><td>2\. dec\. 2024</td>\s*<td>Import: history.csv"
                       r"</td><td>(\d+)</td>\s*<td>Import: rewalk.csv</td><td>(\d+)</td>", page)
    assert effect and int(effect[1]) >= 10 and int(effect[2]) >= 10  # the planted cluster

    text = client.get("/planner/statistics/remedies.csv").get_data(as_text=True)
    assert text.splitlines()[1:] == ["-,0,0,1,1,12.0", "AB Galgebakken,1,1,0,0,"]


# --- issue 14: a compact hotspot on imported data, the study region, PAI ---------------------

TO_M = Transformer.from_crs("EPSG:4326", "EPSG:25832", always_xy=True)
HOTSPOTS_LL = ((12.335, 55.655), (12.36, 55.67), (12.385, 55.66))


def compact_csv(n_background=1500, per_hotspot=70, radius_m=45.0, seed=14, year=2024) -> str:
    """The issue's case: three hotspots of *per_hotspot* utryg findings within *radius_m* of a
    point, on *n_background* utryg findings scattered over the kommune."""
    rng = np.random.default_rng(seed)
    lon = list(rng.uniform(12.30, 12.40, n_background))
    lat = list(rng.uniform(55.64, 55.69, n_background))
    for clon, clat in HOTSPOTS_LL:
        cx, cy = TO_M.transform(clon, clat)
        r = radius_m * np.sqrt(rng.random(per_hotspot))
        t = rng.uniform(0, 2 * np.pi, per_hotspot)
        hl, ht = TO_LL.transform(cx + r * np.cos(t), cy + r * np.sin(t))
        lon += list(hl)
        lat += list(ht)
    lines = ["lat,lon,kind,categories,feeling,observed_at"]
    lines += [f"{b:.6f},{a:.6f},utryg,LYS,2,{year}-{1 + i % 12:02d}-{1 + i % 28:02d}T19:00:00"
              for i, (a, b) in enumerate(zip(lon, lat, strict=True))]
    return "\n".join(lines) + "\n"


def hotspot_cells() -> set[str]:
    out = set()
    for clon, clat in HOTSPOTS_LL:
        cx, cy = TO_M.transform(clon, clat)
        out.add(f"100m_{int(cy // 100)}_{int(cx // 100)}")
    return out


@pytest.fixture
def kommune_import(session):
    from walkapp.services.areas import save_area

    save_area(session, "Albertslund Kommune", ALBERTSLUND, "kommune")
    planner = make_user(session, "planlaegger")
    session.commit()
    import_spots(session, compact_csv(), "kommune.csv")
    return {"planner": planner}


def test_compact_imported_hotspots_are_significant_on_the_planner(client, auth, kommune_import):
    auth.login(kommune_import["planner"])
    fc = client.get("/api/hotspots.geojson?method=gi").get_json()
    hot = {f["properties"]["cell_id"] for f in fc["features"]
           if f["properties"]["class"] in ("hot95", "hot99")}
    assert hotspot_cells() <= hot
    # the region is the kommune, empty cells included, and it is stated
    region = fc["study_region"]
    assert region["kind"] == "imported" and region["areas"] == ["Albertslund Kommune"]
    assert region["cells"] > 3000 and region["band_m"] >= 200 and region["empty_cells_count"]
    assert "binomial" in fc["parameters"]["inference"]
    # no cell far from the planted hotspots is hot (1,500 scattered findings are noise)
    centres = [TO_M.transform(*ll) for ll in HOTSPOTS_LL]
    for cid in hot:
        _size, north, east = (int(v) for v in cid.replace("m", "").split("_"))
        d = min(np.hypot((east + .5) * 100 - cx, (north + .5) * 100 - cy) for cx, cy in centres)
        assert d <= region["band_m"] + 100
    sync = client.get("/planner/?sync=1").get_data(as_text=True)
    assert all(cid in sync for cid in hotspot_cells())
    assert "data-study-region" in sync and "Albertslund Kommune" in sync


def test_gi_cells_say_when_they_hold_few_findings(client, auth, session):
    from walkapp.services.areas import save_area

    save_area(session, "Albertslund Kommune", ALBERTSLUND, "kommune")
    planner = make_user(session, "planlaegger")
    session.commit()
    import_spots(session, compact_csv(n_background=40, per_hotspot=0), "sparse.csv")
    auth.login(planner)
    fc = client.get("/api/hotspots.geojson?method=gi&min_spots=30").get_json()
    assert fc["features"] and all(f["properties"]["few"] for f in fc["features"])


def test_permutation_inference_is_an_option_refused_on_a_large_region(client, auth,
                                                                      kommune_import):
    auth.login(kommune_import["planner"])
    resp = client.get("/api/hotspots.geojson?method=gi&inference=permutation")
    assert resp.status_code == 422 and "1000" in resp.get_data(as_text=True)
    assert client.get("/api/hotspots.geojson?method=gi&inference=magic").status_code == 422


def test_over_time_reports_the_prediction_accuracy_index(client, auth, session):
    from walkapp.services.areas import save_area

    save_area(session, "Albertslund Kommune", ALBERTSLUND, "kommune")
    planner = make_user(session, "planlaegger")
    session.commit()
    import_spots(session, compact_csv(seed=1, year=2023), "2023.csv")
    import_spots(session, compact_csv(seed=2, year=2024), "2024.csv")
    auth.login(planner)
    html = client.get("/planner/over-time?a_from=2023-01-01&a_to=2023-12-31"
                      "&b_from=2024-01-01&b_to=2024-12-31&lang=en").get_data(as_text=True)
    row = re.search(r"<tr data-pai>(.*?)</tr>", html, re.S).group(1)
    cells = re.findall(r"<td>(.*?)</td>", row)
    captured, total = (int(v) for v in cells[1].split(" / "))
    assert total == 1710 and captured >= 150
    assert float(cells[4]) > 5  # persistent hotspots: far better than chance
