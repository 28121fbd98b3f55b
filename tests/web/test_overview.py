"""The spot overview (/spots/): full page vs fragment, filters, list = map, details, access."""

import json
import re
from datetime import UTC, datetime

import pytest

from tests.factories import HYLDE, add_spot, make_area, make_user, make_walk
from walkapp.extensions import db
from walkapp.models import Participant, Spot
from walkapp.services import spots as spot_service

HX = {"HX-Request": "true"}


EVENING = datetime(2026, 10, 29, 18, 0, tzinfo=UTC)


def _spot(session, walk, kind, cats, when=EVENING, light="moerke", **fields) -> int:
    feeling = 2 if kind == "utryg" else 4
    return add_spot(session, walk, cats=cats, kind=kind, feeling=feeling, light=light,
                    observed_at=when, **fields).id


@pytest.fixture
def data(app):
    """Two walks in two areas with five spots; a user of each role that matters here."""
    with app.app_context():
        s = db.session
        users = {r: make_user(s, r, email=f"{r}@example.dk").get_id()  # "id:token"
                 for r in ("admin", "koordinator", "planlaegger", "deltager", "inspektoer")}
        hylde = make_area(s)
        galge = make_area(s, "Galgebakken", HYLDE)
        w1 = make_walk(s, area=hylde, title="Aftenvandring Hyldespjældet")
        w2 = make_walk(s, area=galge, title="Dagvandring Galgebakken", light="dagslys")
        ids = {
            "dark_lys": _spot(s, w1, "utryg", ("LYS",), note="To lamper er gået ud"),
            "dark_bev": _spot(s, w1, "utryg", ("BEV", "OVB"), note="Høje buske"),
            "dark_good": _spot(s, w1, "tryg", ("GOD",), note="Godt oplyst torv"),
            "day_gra": _spot(s, w2, "utryg", ("GRA",), light="dagslys",
                             when=datetime(2026, 5, 2, 10, 0, tzinfo=UTC)),
            "police": _spot(s, w2, "utryg", ("ADF",), light="dagslys", visibility="politi",
                            when=datetime(2026, 5, 2, 10, 5, tzinfo=UTC)),
        }
        s.commit()
        out = {"users": users, "spots": ids, "walks": (w1.id, w2.id),
               "areas": (hylde.id, galge.id)}
        db.session.remove()
    return out


def listed(html: str) -> set[int]:
    return {int(x) for x in re.findall(r'id="spot-row-(\d+)"', html)}


@pytest.fixture
def koordinator(client, auth, data):
    auth.enter(data["users"]["koordinator"])
    return client


def test_full_page_has_map_filters_and_list(koordinator, data):
    resp = koordinator.get("/spots/")
    html = resp.get_data(as_text=True)
    assert resp.status_code == 200
    assert "HX-Request" in resp.headers["Vary"]
    assert html.startswith("<!doctype html>")
    assert 'id="spot-filter"' in html and 'class="folium-map"' in html
    assert "walkappMap" in html and "js/overview.js" in html
    # Both areas are outlined server-side, so the map is useful without tiles.
    assert html.count("Hyldespjældet") >= 1 and "Galgebakken" in html
    assert listed(html) == {v for k, v in data["spots"].items()}


def test_htmx_request_gets_only_the_results_fragment(koordinator):
    resp = koordinator.get("/spots/?kind=utryg&walk=", headers=HX)
    html = resp.get_data(as_text=True)
    assert resp.status_code == 200
    assert "HX-Request" in resp.headers["Vary"]
    assert html.lstrip().startswith('<div id="spot-results"')
    assert "<html" not in html and "folium-map" not in html
    trigger = json.loads(resp.headers["HX-Trigger"])
    assert trigger == {"spots-filtered": {"query": "kind=utryg"}}
    assert resp.headers["HX-Push-Url"] == "/spots/?kind=utryg"


def test_boosted_and_history_requests_get_the_full_page(koordinator):
    for headers in ({**HX, "HX-Boosted": "true"}, {**HX, "HX-History-Restore-Request": "true"}):
        html = koordinator.get("/spots/", headers=headers).get_data(as_text=True)
        assert html.startswith("<!doctype html>")


@pytest.mark.parametrize("query,expected", [
    ("kind=utryg", {"dark_lys", "dark_bev", "day_gra", "police"}),
    ("kind=tryg", {"dark_good"}),
    ("category=BEV", {"dark_bev"}),
    ("light=dagslys", {"day_gra", "police"}),
    ("from=2026-10-01&to=2026-10-31", {"dark_lys", "dark_bev", "dark_good"}),
    ("to=2026-05-02", {"day_gra", "police"}),
    ("walk={w2}", {"day_gra", "police"}),
    ("area={a1}", {"dark_lys", "dark_bev", "dark_good"}),
    ("kind=utryg&light=moerke&category=LYS", {"dark_lys"}),
])
def test_filters_select_the_same_spots_as_the_api(koordinator, data, query, expected):
    query = query.format(w2=data["walks"][1], a1=data["areas"][0])
    html = koordinator.get(f"/spots/?{query}", headers=HX).get_data(as_text=True)
    want = {data["spots"][k] for k in expected}
    assert listed(html) == want
    api = koordinator.get(f"/api/spots.geojson?{query}").get_json()
    assert {f["id"] for f in api["features"]} == want


def test_planner_does_not_see_police_only_spots(client, auth, data):
    auth.enter(data["users"]["planlaegger"])
    html = client.get("/spots/").get_data(as_text=True)
    assert data["spots"]["police"] not in listed(html)
    assert len(listed(html)) == 4
    assert client.get(f"/spots/{data['spots']['police']}").status_code == 404


@pytest.mark.parametrize("query,field", [("from=yesterday", "from"), ("kind=maybe", "kind"),
                                         ("category=NOPE", "category"), ("walk=abc", "walk")])
def test_bad_filter_is_422_with_the_message_in_the_page_and_fragment(koordinator, query, field):
    page = koordinator.get(f"/spots/?{query}")
    html = page.get_data(as_text=True)
    assert page.status_code == 422
    assert f'id="{field}-error"' in html and 'aria-invalid="true"' in html
    frag = koordinator.get(f"/spots/?{query}", headers=HX)
    assert frag.status_code == 422
    assert 'role="alert"' in frag.get_data(as_text=True)


def test_list_shows_the_facts_of_each_spot(koordinator, data):
    html = koordinator.get(f"/spots/?walk={data['walks'][0]}").get_data(as_text=True)
    row = html[html.index(f'id="spot-row-{data["spots"]["dark_bev"]}"'):]
    row = row[:row.index("</li>")]
    assert "Utryg" in row  # Danish by default
    assert "Bevoksning og skjulesteder" in row and "Oversigt og udsyn" in row
    assert "2/5" in row and "Høje buske" in row and "Aftenvandring Hyldespjældet" in row
    assert f'href="/spots/{data["spots"]["dark_bev"]}"' in row
    assert f'hx-get="/spots/{data["spots"]["dark_bev"]}"' in row


def test_english_labels(koordinator):
    html = koordinator.get("/spots/?lang=en").get_data(as_text=True)
    assert "Unsafe" in html and "Lighting" in html and "Map of spots" in html


def test_spot_detail_full_page_and_fragment(koordinator, data):
    sid = data["spots"]["dark_lys"]
    page = koordinator.get(f"/spots/{sid}")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "HX-Request" in page.headers["Vary"]
    assert html.startswith("<!doctype html>") and "folium-map" in html
    assert "To lamper er gået ud" in html and "Belysning" in html
    frag = koordinator.get(f"/spots/{sid}", headers=HX)
    body = frag.get_data(as_text=True)
    assert body.lstrip().startswith('<article id="spot-detail"')
    assert "<html" not in body and "To lamper er gået ud" in body
    assert koordinator.get("/spots/999999").status_code == 404


def test_detail_shows_photos(app, client):
    """A spot added through the API shows its photos' thumbnails in the panel."""
    from tests.web.test_permissions import build_world

    with app.app_context():
        world = build_world(app, db.session)
        db.session.remove()
    world.act_as(client, "koordinator")
    html = client.get(f"/spots/{world.url_args['spot_id']}", headers=HX).get_data(as_text=True)
    thumbs = re.findall(r"<img src=\"(/photos/[^\"]+)\"", html)
    assert len(thumbs) == 1
    assert 'alt="Foto 1 af sted' in html


@pytest.mark.parametrize("role", ["deltager", "inspektoer"])
def test_roles_that_do_not_read_everything_get_403(client, auth, data, role):
    auth.enter(data["users"][role])
    assert client.get("/spots/").status_code == 403
    assert client.get(f"/spots/{data['spots']['dark_lys']}").status_code == 403


def test_anonymous_is_sent_to_login(client, data):
    resp = client.get("/spots/?kind=utryg")
    assert resp.status_code == 302
    assert "/login" in resp.headers["Location"]


def test_admin_and_planner_may_read(client, auth, data):
    for role in ("admin", "planlaegger"):
        auth.enter(data["users"][role])
        assert client.get("/spots/").status_code == 200


def test_list_is_capped_and_says_so(app, koordinator, data, monkeypatch):
    monkeypatch.setattr(spot_service, "LIST_LIMIT", 2)
    html = koordinator.get("/spots/").get_data(as_text=True)
    assert len(listed(html)) == 2
    assert "Viser de første 2 steder" in html


@pytest.mark.parametrize("role, shown", [("boligselskab", "Boligselskab"), ("andet", "Andet"),
                                         ("beboer", "Beboer")])
def test_detail_names_the_authors_role(app, koordinator, data, role, shown):
    with app.app_context():
        spot = db.session.get(Spot, data["spots"]["dark_lys"])
        participant = Participant(walk_id=spot.walk_id, role_label=role)
        db.session.add(participant)
        db.session.flush()
        spot.participant_id = participant.id
        db.session.commit()
        db.session.remove()
    html = koordinator.get(f"/spots/{data['spots']['dark_lys']}", headers=HX)
    assert f"<dt>Markeret af</dt><dd>{shown}</dd>" in html.get_data(as_text=True)
