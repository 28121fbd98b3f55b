"""Walk day pages: planning, the walk page and QR, walk mode, spot lists, editing and hiding."""

import io
import json
import re
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa

from tests.conftest import AuthActions, csrf_from, post_spot
from tests.factories import actor_for, make_area, make_guest, make_user, make_walk, spot_form
from walkapp.geo.shapes import from_db
from walkapp.models import Spot, Walk
from walkapp.photos.store import FileStore
from walkapp.services import spots as spot_service

ROUTE = {"type": "LineString", "coordinates": [[12.356, 55.653], [12.36, 55.6545]]}


@pytest.fixture
def guest_spot(client, session):
    """A walk, the test client joined to it as a guest, and the guest's first spot (GeoJSON)."""
    walk = make_walk(session)
    session.commit()
    token = join_as_guest(client, walk)
    return walk, token, post_spot(client, walk.id, token, expect=201).get_json()


def edit_form(token, **fields) -> dict:
    """The spot edit page's form: a position inside the area, an unsafe spot, and *fields*."""
    return {"csrf_token": token, "lat": "55.6545", "lon": "12.36", "kind": "utryg", **fields}


def join_as_guest(client, walk, role="beboer") -> str:
    token = csrf_from(client.get(f"/j/{walk.join_code}").get_data(as_text=True))
    resp = client.post(
        f"/j/{walk.join_code}",
        data={"display_name": "Gæst", "role_label": role, "csrf_token": token},
    )
    assert resp.status_code == 302
    return token


def plan_form(area, token, **overrides):
    form = {
        "csrf_token": token,
        "title": "Aftenvandring i Hyldespjældet",
        "area_id": str(area),
        "date": "2026-01-15",
        "time": "19:30",
        "light": "moerke",
        "leader_id": "",
        "route": "",
        "notes": "Mød op ved Hyldespjældet 1.",
    }
    form.update(overrides)
    return form


@pytest.fixture
def coordinator(session):
    user = make_user(session, "koordinator")
    session.commit()
    return user


@pytest.fixture
def outsider(session):
    """A housing company's participant on no walk."""
    user = make_user(session, "deltager", org="Boligselskabet", org_kind="boligselskab")
    session.commit()
    return user


# ---------- planning ----------


def test_coordinator_plans_a_walk_in_local_time(client, auth, session, coordinator):
    area = make_area(session)
    leader = make_user(session, "vandringsleder", org="Politiet", org_kind="politi")
    session.commit()
    token = auth.login(coordinator)
    assert client.get("/walks/new").status_code == 200
    resp = client.post("/walks/new", data=plan_form(area.id, token, leader_id=str(leader.id)))
    assert resp.status_code == 302
    walk = session.scalar(sa.select(Walk))
    assert resp.headers["Location"].endswith(f"/walks/{walk.id}")
    # 19:30 in Copenhagen in January (CET, UTC+1) is 18:30 UTC
    assert walk.starts_at == datetime(2026, 1, 15, 18, 30, tzinfo=UTC)
    assert walk.leader_id == leader.id and walk.light == "moerke"
    assert walk.notes == "Mød op ved Hyldespjældet 1."


def test_summer_time_is_converted_too(client, auth, session, coordinator):
    area = make_area(session)
    session.commit()
    token = auth.login(coordinator)
    client.post("/walks/new", data=plan_form(area.id, token, date="2026-06-15", time="21:00"))
    walk = session.scalar(sa.select(Walk))
    assert walk.starts_at == datetime(2026, 6, 15, 19, 0, tzinfo=UTC)


def test_drawn_route_is_saved(client, auth, session, coordinator):
    area = make_area(session)
    session.commit()
    token = auth.login(coordinator)
    client.post("/walks/new", data=plan_form(area.id, token, route=json.dumps(ROUTE)))
    walk = session.scalar(sa.select(Walk))
    assert walk.route is not None


def test_uploaded_route_file_wins_over_the_drawn_one(client, auth, session, coordinator):
    area = make_area(session)
    session.commit()
    token = auth.login(coordinator)
    upload = {
        "type": "Feature",
        "properties": {},
        "geometry": {
            "type": "LineString",
            "coordinates": [[12.357, 55.6531], [12.358, 55.654], [12.359, 55.655]],
        },
    }
    form = plan_form(area.id, token, route=json.dumps(ROUTE))
    form["route_file"] = (io.BytesIO(json.dumps(upload).encode()), "rute.geojson")
    resp = client.post("/walks/new", data=form, content_type="multipart/form-data")
    assert resp.status_code == 302

    walk = session.scalar(sa.select(Walk))
    assert len(from_db(walk.route).coords) == 3


@pytest.mark.parametrize(
    "overrides,field",
    [
        ({"title": "  "}, "title"),
        ({"area_id": ""}, "area_id"),
        ({"area_id": "99999"}, "area_id"),
        ({"date": "15-01-2026"}, "date"),
        ({"time": "halv otte"}, "time"),
        ({"light": "tusmørke"}, "light"),
        ({"route": '{"type": "Point", "coordinates": [12.3, 55.6]}'}, "route"),
    ],
)
def test_bad_plan_rerenders_422_naming_the_field(client, auth, session, coordinator, overrides,
                                                 field):
    area = make_area(session)
    session.commit()
    token = auth.login(coordinator)
    resp = client.post("/walks/new", data=plan_form(area.id, token, **overrides))
    assert resp.status_code == 422
    html = resp.get_data(as_text=True)
    error = re.search(rf'<p class="field-error" id="{field}-error">([^<]+)</p>', html)
    assert error and error.group(1).strip(), f"no message next to {field}"
    assert session.scalar(sa.select(sa.func.count(Walk.id))) == 0
    # what the coordinator typed is kept
    if field != "title":
        assert "Aftenvandring i Hyldespjældet" in html


def test_leader_must_be_able_to_lead(client, auth, session, coordinator):
    area = make_area(session)
    resident = make_user(session, "deltager", org="Boligselskabet", org_kind="boligselskab")
    session.commit()
    token = auth.login(coordinator)
    resp = client.post("/walks/new", data=plan_form(area.id, token, leader_id=str(resident.id)))
    assert resp.status_code == 422
    assert (
        'id="leader_id" name="leader_id" aria-describedby="leader_id-error" aria-invalid="true"'
        in resp.get_data(as_text=True)
    )


def test_broken_route_file_is_422(client, auth, session, coordinator):
    area = make_area(session)
    session.commit()
    token = auth.login(coordinator)
    form = plan_form(area.id, token)
    form["route_file"] = (io.BytesIO(b"\xff\xfe not json"), "rute.geojson")
    resp = client.post("/walks/new", data=form, content_type="multipart/form-data")
    assert resp.status_code == 422
    assert re.search(r'id="route-error">[^<]+<', resp.get_data(as_text=True))


@pytest.mark.parametrize("role", ["vandringsleder", "deltager", "inspektoer", "planlaegger"])
def test_only_coordinators_and_admins_plan(client, auth, session, role):
    user = make_user(session, role)
    walk = make_walk(session)
    session.commit()
    token = auth.login(user)
    assert client.get("/walks/new").status_code == 403
    assert client.get(f"/walks/{walk.id}/edit").status_code == 403
    resp = client.post("/walks/new", data=plan_form(walk.area_id, token))
    assert resp.status_code == 403
    assert session.scalar(sa.select(sa.func.count(Walk.id))) == 1


def test_admin_may_plan(client, auth, session):
    admin = make_user(session, "admin")
    session.commit()
    auth.login(admin)
    assert client.get("/walks/new").status_code == 200


def test_anonymous_planner_is_sent_to_login(client):
    resp = client.get("/walks/new")
    assert resp.status_code == 302 and "/login" in resp.headers["Location"]


def test_edit_shows_local_time_and_saves(client, auth, session, coordinator):
    walk = make_walk(
        session,
        coordinator,
        starts_at=datetime(2026, 3, 10, 18, 0, tzinfo=UTC),
        route_geojson=json.dumps(ROUTE),
    )
    session.commit()
    token = auth.login(coordinator)
    html = client.get(f"/walks/{walk.id}/edit").get_data(as_text=True)
    assert 'value="2026-03-10"' in html and 'value="19:00"' in html
    assert "LineString" in html  # the existing route is in the hidden field
    resp = client.post(
        f"/walks/{walk.id}/edit", data=plan_form(walk.area_id, token, title="Ny titel", route="")
    )
    assert resp.status_code == 302
    session.expire_all()
    walk = session.get(Walk, walk.id)
    assert walk.title == "Ny titel" and walk.route is None


def test_planning_page_embeds_the_areas_map_without_cdn(client, auth, session, coordinator):
    make_area(session)
    session.commit()
    auth.login(coordinator)
    html = client.get("/walks/new").get_data(as_text=True)
    assert "walkappMap" in html and "Hyldespjældet" in html
    assert "leaflet.draw.js" in html
    assert not re.search(r'(src|href)="(https?:)?//', html.replace('href="http://localhost', ""))


# ---------- the walk page ----------


def test_walk_page_full_and_fragment(client, auth, session, coordinator):
    walk = make_walk(session, coordinator)
    session.commit()
    auth.login(coordinator)
    full = client.get(f"/walks/{walk.id}")
    assert full.status_code == 200
    assert "HX-Request" in full.headers["Vary"]
    html = full.get_data(as_text=True)
    assert "<html" in html and f"/j/{walk.join_code}" in html and f"/walks/{walk.id}/qr.svg" in html
    frag = client.get(f"/walks/{walk.id}", headers={"HX-Request": "true"})
    assert "HX-Request" in frag.headers["Vary"]
    body = frag.get_data(as_text=True)
    assert "<html" not in body and body.strip().startswith(
        '<section class="card walk-status" id="walk-status"'
    )
    boosted = client.get(f"/walks/{walk.id}", headers={"HX-Request": "true", "HX-Boosted": "true"})
    assert "<html" in boosted.get_data(as_text=True)


def test_walk_page_counts_participants_by_role(client, auth, session, coordinator):
    walk = make_walk(session, coordinator)
    make_guest(session, walk, role_label="beboer")
    make_guest(session, walk, role_label="beboer")
    make_guest(session, walk, role_label="politi")
    session.commit()
    auth.login(coordinator)
    html = client.get(f"/walks/{walk.id}", headers={"HX-Request": "true"}).get_data(as_text=True)
    counts = dict(re.findall(r"<li><span>([^<]+)</span> <strong>(\d+)</strong></li>", html))
    assert list(counts.values()) == ["2", "0", "0", "1", "0"]


def test_qr_code_is_an_svg_of_the_join_link(client, auth, session, coordinator):
    walk = make_walk(session, coordinator)
    session.commit()
    auth.login(coordinator)
    resp = client.get(f"/walks/{walk.id}/qr.svg")
    assert resp.status_code == 200 and resp.mimetype == "image/svg+xml"
    assert resp.get_data(as_text=True).lstrip().startswith("<?xml") or b"<svg" in resp.data
    assert b"<path" in resp.data


def test_print_page_has_big_qr_and_instructions(client, auth, session, coordinator):
    walk = make_walk(session, coordinator, title="Genvandring Galgebakken")
    session.commit()
    auth.login(coordinator)
    html = client.get(f"/walks/{walk.id}/print").get_data(as_text=True)
    assert "Genvandring Galgebakken" in html and 'class="poster-qr"' in html
    assert "poster-steps" in html and f"/j/{walk.join_code}" in html


def test_print_page_is_danish_by_default(client, auth, session, coordinator):
    walk = make_walk(session, coordinator)
    session.commit()
    auth.login(coordinator)
    html = client.get(f"/walks/{walk.id}/print", headers={"Accept-Language": "da"}).get_data(
        as_text=True
    )
    assert "Scan koden" in html


def test_outsider_may_not_see_a_walk(client, auth, session, outsider):
    walk = make_walk(session)
    session.commit()
    auth.login(outsider)
    assert client.get(f"/walks/{walk.id}").status_code == 403
    assert client.get(f"/walks/{walk.id}/qr.svg").status_code == 403
    assert client.get(f"/walks/{walk.id}/spots").status_code == 403


def test_anonymous_walk_page_goes_to_login(client, session):
    walk = make_walk(session)
    session.commit()
    resp = client.get(f"/walks/{walk.id}")
    assert resp.status_code == 302 and "/login" in resp.headers["Location"]


def test_guest_participant_sees_the_walk_page(client, session):
    walk = make_walk(session)
    session.commit()
    join_as_guest(client, walk)
    assert client.get(f"/walks/{walk.id}").status_code == 200


def test_unknown_walk_is_404(client, auth, session, coordinator):
    auth.login(coordinator)
    assert client.get("/walks/9999").status_code == 404


# ---------- start / end ----------


def test_leader_starts_and_ends_the_walk(client, auth, session, coordinator):
    leader = make_user(session, "vandringsleder", org="Politiet", org_kind="politi")
    walk = make_walk(session, coordinator, leader_id=leader.id)
    session.commit()
    token = auth.login(leader)
    resp = client.post(
        f"/walks/{walk.id}/status",
        data={"status": "igang", "csrf_token": token},
        headers={"HX-Request": "true"},
    )
    assert resp.status_code == 200 and "HX-Request" in resp.headers["Vary"]
    assert "badge status-igang" in resp.get_data(as_text=True)
    resp = client.post(
        f"/walks/{walk.id}/status", data={"status": "afsluttet", "csrf_token": token}
    )
    assert resp.status_code == 302
    session.expire_all()
    walk = session.get(Walk, walk.id)
    assert walk.status == "afsluttet" and walk.ended_at is not None


def test_participant_cannot_end_the_walk(client, session):
    walk = make_walk(session)
    session.commit()
    token = join_as_guest(client, walk)
    resp = client.post(
        f"/walks/{walk.id}/status", data={"status": "afsluttet", "csrf_token": token}
    )
    assert resp.status_code == 403
    session.expire_all()
    assert session.get(Walk, walk.id).status == "planlagt"


def test_status_without_csrf_is_refused(client, auth, session, coordinator):
    walk = make_walk(session, coordinator)
    session.commit()
    auth.login(coordinator)
    assert client.post(f"/walks/{walk.id}/status", data={"status": "igang"}).status_code == 400


# ---------- walk mode ----------


def test_guest_opens_walk_mode_with_live_config(client, session, app):
    walk = make_walk(session)
    session.commit()
    join_as_guest(client, walk)
    resp = client.get(f"/walks/{walk.id}/mode")
    assert resp.status_code == 200
    html = resp.get_data(as_text=True)
    raw = re.search(
        r'<script type="application/json" id="walk-mode-config">(.*?)</script>', html, re.S
    ).group(1)
    config = json.loads(raw)
    assert config["pollSeconds"] == app.config["LIVE_POLL_SECONDS"]
    assert config["warnAccuracy"] == 25 and config["maxAccuracy"] == 100
    assert config["createUrl"] == f"/api/walks/{walk.id}/spots"
    assert config["isLeader"] is False
    assert 'name="categories" value="LYS"' in html and 'capture="environment"' in html
    assert 'accept="image/*" multiple' in html


def test_walk_mode_category_names_follow_the_language(client, session):
    walk = make_walk(session)
    session.commit()
    join_as_guest(client, walk)
    da = client.get(f"/walks/{walk.id}/mode?lang=da").get_data(as_text=True)
    assert "Belysning" in da
    en = client.get(f"/walks/{walk.id}/mode?lang=en").get_data(as_text=True)
    assert "<span>Lighting</span>" in en


def test_logged_in_non_participant_gets_403_without_the_join_code(client, auth, session, outsider):
    walk = make_walk(session)
    session.commit()
    auth.login(outsider)
    resp = client.get(f"/walks/{walk.id}/mode")
    assert resp.status_code == 403 and "Location" not in resp.headers
    assert walk.join_code not in resp.get_data(as_text=True)


def test_guest_of_another_walk_gets_403_in_walk_mode(client, session):
    walk_a = make_walk(session)
    walk_b = make_walk(session, area=walk_a.area)
    session.commit()
    join_as_guest(client, walk_a)
    assert client.get(f"/walks/{walk_b.id}/mode").status_code == 403


def test_logged_in_non_participant_of_an_ended_walk_gets_403(client, session):
    walk = make_walk(session)
    user = make_user(session, "deltager", org="Boligselskabet", org_kind="boligselskab")
    walk.status = "afsluttet"
    session.commit()
    AuthActions(client).login(user)
    assert client.get(f"/walks/{walk.id}/mode").status_code == 403


def test_every_participant_role_is_named_in_danish(client, session):
    walk = make_walk(session)
    session.commit()
    join_page = client.get(f"/j/{walk.join_code}").get_data(as_text=True)
    names = ("beboer", "boligselskab", "kommune", "politi", "andet")
    assert all(f"<span>{n}</span>" in join_page for n in names)
    post_spot(client, walk.id, join_as_guest(client, walk, role="andet"), expect=201)
    mode = client.get(f"/walks/{walk.id}/mode").get_data(as_text=True)
    raw = re.search(
        r'<script type="application/json" id="walk-mode-config">(.*?)</script>', mode, re.S
    ).group(1)
    assert [json.loads(raw)["t"][f"role_{n}"] for n in names] == list(names)
    # the spot list names the author's role
    assert re.search(r'<p class="meta">andet\s', mode)


def test_anonymous_walk_mode_goes_to_login(client, session):
    walk = make_walk(session)
    session.commit()
    resp = client.get(f"/walks/{walk.id}/mode")
    assert resp.status_code == 302 and "/login" in resp.headers["Location"]


def test_coordinator_uses_walk_mode_as_leader(client, auth, session, coordinator):
    walk = make_walk(session, coordinator)
    session.commit()
    auth.login(coordinator)
    html = client.get(f"/walks/{walk.id}/mode").get_data(as_text=True)
    assert '"isLeader": true' in html


# ---------- spot list ----------


def test_spot_list_full_and_fragment(client, session):
    walk = make_walk(session)
    session.commit()
    token = join_as_guest(client, walk)
    feat = post_spot(client, walk.id, token, spot_form(note="Mørk sti ved garagerne"),
                     expect=201).get_json()
    full = client.get(f"/walks/{walk.id}/spots")
    assert "<html" in full.get_data(as_text=True) and "HX-Request" in full.headers["Vary"]
    frag = client.get(f"/walks/{walk.id}/spots", headers={"HX-Request": "true"})
    body = frag.get_data(as_text=True)
    assert body.strip().startswith('<div id="spot-list"') and "<html" not in body
    assert f'id="spot-{feat["id"]}"' in body and "Mørk sti ved garagerne" in body
    assert f"/walks/{walk.id}/spots/{feat['id']}/edit" in body  # own spot: editable


def test_other_guests_spot_is_listed_but_not_editable(app, session):
    walk = make_walk(session)
    session.commit()
    anna, bo = app.test_client(), app.test_client()
    feat = post_spot(anna, walk.id, join_as_guest(anna, walk), expect=201).get_json()
    join_as_guest(bo, walk)
    body = bo.get(f"/walks/{walk.id}/spots", headers={"HX-Request": "true"}).get_data(as_text=True)
    assert f'id="spot-{feat["id"]}"' in body
    assert f"/spots/{feat['id']}/edit" not in body


# ---------- editing and hiding ----------


def test_participant_edits_own_spot(client, session, guest_spot):
    walk, token, feat = guest_spot
    page = client.get(f"/walks/{walk.id}/spots/{feat['id']}/edit")
    assert page.status_code == 200
    form = {
        "csrf_token": token,
        "version": str(feat["properties"]["version"]),
        "lat": "55.6546",
        "lon": "12.3601",
        "kind": "tryg",
        "categories": ["GOD"],
        "feeling": "4",
        "note": "Godt lys nu",
        "visibility": "offentlig",
        "location_source": "manual",
    }
    resp = client.post(f"/walks/{walk.id}/spots/{feat['id']}/edit", data=form)
    assert resp.status_code == 302 and f"/walks/{walk.id}/mode" in resp.headers["Location"]
    spot = session.get(Spot, feat["id"])
    session.refresh(spot)
    assert (spot.kind, spot.feeling, spot.note, spot.category_codes) == (
        "tryg",
        4,
        "Godt lys nu",
        ["GOD"],
    )


def test_stale_version_is_a_409_conflict(client, session, guest_spot):
    walk, token, feat = guest_spot
    form = edit_form(token, version="1", feeling="2", note="første")
    assert client.post(f"/walks/{walk.id}/spots/{feat['id']}/edit", data=form).status_code == 302
    resp = client.post(f"/walks/{walk.id}/spots/{feat['id']}/edit", data=dict(form, note="anden"))
    assert resp.status_code == 409
    assert re.search(r'class="notice bad" role="alert">[^<]+<', resp.get_data(as_text=True))
    assert session.get(Spot, feat["id"]).note == "første"


def test_bad_edit_is_422_naming_the_field(client, session, guest_spot):
    walk, token, feat = guest_spot
    form = edit_form(token, feeling="9", note="x")
    resp = client.post(f"/walks/{walk.id}/spots/{feat['id']}/edit", data=form)
    assert resp.status_code == 422
    assert re.search(r'id="feeling-error">[^<]+<', resp.get_data(as_text=True))


def test_non_numeric_version_is_422_on_the_page_as_in_the_api(client, session):
    walk = make_walk(session)
    session.commit()
    token = join_as_guest(client, walk)
    feat = post_spot(client, walk.id, token, expect=201).get_json()
    form = {"csrf_token": token, "version": "abc", "lat": "55.6545", "lon": "12.36",
            "kind": "tryg", "note": "ændret"}
    page = client.post(f"/walks/{walk.id}/spots/{feat['id']}/edit", data=form)
    assert page.status_code == 422
    # the posted input is kept, and the error is shown above the form
    body = page.get_data(as_text=True)
    assert "ændret" in body and re.search(r'class="notice bad" role="alert">[^<]+<', body)
    api = client.post(f"/api/spots/{feat['id']}", data=form, headers={"X-CSRFToken": token})
    assert api.status_code == 422 and api.get_json()["field"] == "version"
    assert session.get(Spot, feat["id"]).note != "ændret"


def test_spot_json_says_who_may_edit(app, session, coordinator):
    walk = make_walk(session, coordinator)
    session.commit()
    anna, bo = app.test_client(), app.test_client()
    feat = post_spot(anna, walk.id, join_as_guest(anna, walk), expect=201).get_json()
    assert feat["properties"]["may_edit"] is True
    join_as_guest(bo, walk)
    assert bo.get(f"/api/spots/{feat['id']}").get_json()["properties"]["may_edit"] is False
    listed = bo.get(f"/api/spots.geojson?walk={walk.id}").get_json()["features"]
    assert [f["properties"]["may_edit"] for f in listed] == [False]
    w = session.get(Walk, walk.id)
    w.status = "afsluttet"
    session.commit()
    ended = anna.get(f"/api/spots.geojson?walk={walk.id}").get_json()["features"]
    assert [f["properties"]["may_edit"] for f in ended] == [False]
    lc = app.test_client()
    AuthActions(lc).login(coordinator)
    led = lc.get(f"/api/spots.geojson?walk={walk.id}").get_json()["features"]
    assert [f["properties"]["may_edit"] for f in led] == [True]


def test_participant_cannot_edit_another_participants_spot(app, session):
    walk = make_walk(session)
    session.commit()
    anna, bo = app.test_client(), app.test_client()
    feat = post_spot(anna, walk.id, join_as_guest(anna, walk), expect=201).get_json()
    token = join_as_guest(bo, walk)
    assert bo.get(f"/walks/{walk.id}/spots/{feat['id']}/edit").status_code == 403
    form = edit_form(token, kind="tryg", note="x")
    assert bo.post(f"/walks/{walk.id}/spots/{feat['id']}/edit", data=form).status_code == 403
    api = bo.post(f"/api/spots/{feat['id']}", data=form, headers={"X-CSRFToken": token})
    assert api.status_code == 403
    assert session.get(Spot, feat["id"]).kind == "utryg"


def test_leader_edits_and_hides_any_spot(app, session, coordinator):
    leader = make_user(session, "vandringsleder", org="Politiet", org_kind="politi")
    walk = make_walk(session, coordinator, leader_id=leader.id)
    session.commit()
    guest = app.test_client()
    feat = post_spot(guest, walk.id, join_as_guest(guest, walk), expect=201).get_json()
    lc = app.test_client()
    token = AuthActions(lc).login(leader)
    assert lc.get(f"/walks/{walk.id}/spots/{feat['id']}/edit").status_code == 200
    resp = lc.post(
        f"/walks/{walk.id}/spots/{feat['id']}/hide", data={"csrf_token": token, "hidden": "1"}
    )
    assert resp.status_code == 302
    # the guest no longer sees it; the leader still does, marked hidden
    assert guest.get(f"/api/spots.geojson?walk={walk.id}").get_json()["features"] == []
    lead_list = lc.get(f"/walks/{walk.id}/spots", headers={"HX-Request": "true"})
    assert 'class="badge hidden"' in lead_list.get_data(as_text=True)
    api = lc.post(
        f"/api/spots/{feat['id']}/hide", data={"hidden": "0"}, headers={"X-CSRFToken": token}
    )
    assert api.status_code == 200 and api.get_json()["properties"]["hidden"] is False


def test_participant_cannot_hide(client, session, guest_spot):
    walk, token, feat = guest_spot
    resp = client.post(
        f"/walks/{walk.id}/spots/{feat['id']}/hide", data={"csrf_token": token, "hidden": "1"}
    )
    assert resp.status_code == 403
    api = client.post(f"/api/spots/{feat['id']}/hide", headers={"X-CSRFToken": token})
    assert api.status_code == 403 and api.get_json()["status"] == 403
    assert session.get(Spot, feat["id"]).hidden is False


def test_api_edit_with_stale_version_is_409(client, session, guest_spot):
    walk, token, feat = guest_spot
    form = {"lat": "55.6545", "lon": "12.36", "kind": "tryg", "note": "ok", "version": "1"}
    first = client.post(f"/api/spots/{feat['id']}", data=form, headers={"X-CSRFToken": token})
    # the version moves on (by more than one: update_spot autoflushes before its last flush)
    assert first.status_code == 200 and first.get_json()["properties"]["version"] > 1
    second = client.post(f"/api/spots/{feat['id']}", data=form, headers={"X-CSRFToken": token})
    assert second.status_code == 409


def test_participant_cannot_edit_after_the_walk_ended(client, session, guest_spot):
    walk, token, feat = guest_spot
    w = session.get(Walk, walk.id)
    w.status, w.ended_at = "afsluttet", datetime.now(UTC)
    session.commit()
    assert client.get(f"/walks/{walk.id}/spots/{feat['id']}/edit").status_code == 403


def test_spot_of_another_walk_is_404_here(client, auth, session, coordinator):
    walk_a = make_walk(session, coordinator)
    walk_b = make_walk(session, coordinator, area=walk_a.area)
    _, guest = make_guest(session, walk_a)
    data = spot_service.parse_spot_input(
        {k: v for k, v in spot_form().items() if k != "categories"},
        ["LYS"],
        ["LYS"],
        spot_service.Limits(),
    )

    spot = spot_service.add_spot(
        session, guest, walk_a, data, [], FileStore("/tmp/unused"), spot_service.Limits()
    ).spot
    auth.login(coordinator)
    assert client.get(f"/walks/{walk_b.id}/spots/{spot.id}/edit").status_code == 404
    assert actor_for(coordinator).plans_walks


# ---------- the front page ----------


def test_front_page_lists_walks_and_offers_planning_to_coordinators(client, auth, session,
                                                                   coordinator):
    make_walk(session, coordinator, title="Vandring i Galgebakken")
    session.commit()
    auth.login(coordinator)
    html = client.get("/").get_data(as_text=True)
    assert "Vandring i Galgebakken" in html and 'href="/walks/new"' in html


def test_front_page_hides_planning_from_participants(client, session):
    walk = make_walk(session, title="Vandring i Galgebakken")
    session.commit()
    join_as_guest(client, walk)
    html = client.get("/").get_data(as_text=True)
    assert "Vandring i Galgebakken" in html and 'href="/walks/new"' not in html
    assert f'href="/walks/{walk.id}/mode"' in html


def test_walk_mode_first_load_fits_the_phone_budget(client, session):
    from tests.bench.bench_walk_mode import BUDGET_BYTES, first_load

    walk = make_walk(session)
    session.commit()
    join_as_guest(client, walk)
    rows = first_load(client, f"/walks/{walk.id}/mode")
    kinds = {r[0] for r in rows}
    assert {"html", "css", "js", "json"} <= kinds
    assert all(r[1].startswith("/") and not r[1].startswith("//") for r in rows)  # no CDN
    assert sum(r[3] for r in rows) < BUDGET_BYTES
