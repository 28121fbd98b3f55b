import uuid

import pytest

from tests.conftest import csrf_from, post_spot
from tests.factories import jpeg_bytes, make_walk, spot_form


@pytest.fixture
def walk_and_guest(app, session, client):
    walk = make_walk(session)
    session.commit()
    page = client.get(f"/j/{walk.join_code}")
    assert page.status_code == 200
    token = csrf_from(page.get_data(as_text=True))
    resp = client.post(f"/j/{walk.join_code}", data={"display_name": "Anna", "role_label": "beboer",
                                                   "csrf_token": token})
    assert resp.status_code == 302
    return walk.id, token


def test_guest_adds_spot_with_photo(client, walk_and_guest):
    walk_id, token = walk_and_guest
    resp = post_spot(client, walk_id, token, spot_form(), [jpeg_bytes()])
    assert resp.status_code == 201, resp.get_json()
    feat = resp.get_json()
    assert feat["type"] == "Feature"
    assert feat["properties"]["kind"] == "utryg"
    assert feat["properties"]["categories"] == ["LYS"]
    assert len(feat["properties"]["photos"]) == 1
    # Face/plate detection runs after the upload: the guest's URL blurs first, then redirects.
    photo = client.get(feat["properties"]["photos"][0]["thumb"], follow_redirects=True)
    assert photo.status_code == 200 and photo.mimetype == "image/jpeg"


def test_same_client_uuid_twice_creates_one_spot(client, walk_and_guest):
    walk_id, token = walk_and_guest
    form = spot_form()
    first = post_spot(client, walk_id, token, form)
    second = post_spot(client, walk_id, token, form)
    assert (first.status_code, second.status_code) == (201, 200)
    assert first.get_json()["id"] == second.get_json()["id"]
    fc = client.get(f"/api/spots.geojson?walk={walk_id}").get_json()
    assert len(fc["features"]) == 1


@pytest.mark.parametrize("field,value", [
    ("lat", "abc"), ("lon", "200"), ("feeling", "6"), ("categories", "XYZ"), ("kind", "maybe"),
    ("note", "x" * 2001),
])
def test_bad_input_names_the_field(client, walk_and_guest, field, value):
    walk_id, token = walk_and_guest
    resp = post_spot(client, walk_id, token, spot_form(**{field: value}))
    assert resp.status_code == 422
    assert resp.get_json()["field"] == field


def test_far_from_area_is_refused(client, walk_and_guest):
    walk_id, token = walk_and_guest
    resp = post_spot(client, walk_id, token, spot_form(lat=55.70, lon=12.50))
    assert resp.status_code == 422
    assert "km" in resp.get_json()["error"]


def test_broken_photo_saves_nothing(client, walk_and_guest, app):
    walk_id, token = walk_and_guest
    resp = post_spot(client, walk_id, token, spot_form(), [jpeg_bytes(), b"not an image at all"])
    assert resp.status_code in (415, 422)
    assert client.get(f"/api/spots.geojson?walk={walk_id}").get_json()["features"] == []


def test_guest_of_walk_a_cannot_post_to_walk_b(client, session, walk_and_guest):
    _, token = walk_and_guest
    other = make_walk(session, title="B")
    session.commit()
    resp = post_spot(client, other.id, token, spot_form())
    assert resp.status_code == 403


def test_missing_csrf_is_refused(client, walk_and_guest):
    walk_id, _ = walk_and_guest
    resp = client.post(f"/api/walks/{walk_id}/spots", data=spot_form())
    assert resp.status_code == 400


def test_bbox_filters(client, walk_and_guest):
    walk_id, token = walk_and_guest
    assert post_spot(client, walk_id, token, spot_form(lat=55.6545, lon=12.3600)).status_code == 201
    assert post_spot(client, walk_id, token, spot_form(lat=55.6530, lon=12.3560)).status_code == 201
    fc = client.get("/api/spots.geojson?bbox=12.359,55.654,12.361,55.655").get_json()
    assert len(fc["features"]) == 1
    assert fc["features"][0]["geometry"]["coordinates"] == pytest.approx([12.36, 55.6545])


def test_unknown_join_code_is_friendly_404(client):
    resp = client.get(f"/j/{uuid.uuid4().hex}")
    assert resp.status_code == 404
    assert "<html" in resp.get_data(as_text=True)


def test_healthz_names_dialect(client, backend):
    body = client.get("/healthz").get_json()
    assert body["database"] == ("sqlite" if backend == "spatialite" else "postgresql")


def test_concurrent_double_submit_makes_one_spot(app, walk_and_guest, client):
    import threading

    walk_id, token = walk_and_guest
    form = spot_form()
    cookie = client.get_cookie("session")
    results = []
    barrier = threading.Barrier(4)

    def send():
        c = app.test_client()
        c.set_cookie("session", cookie.value)
        barrier.wait()
        results.append(post_spot(c, walk_id, token, form, [jpeg_bytes()]).status_code)

    threads = [threading.Thread(target=send) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results).count(201) == 1 and set(results) <= {200, 201}, results
    fc = client.get(f"/api/spots.geojson?walk={walk_id}").get_json()
    assert len(fc["features"]) == 1


def test_may_edit_is_the_servers_rule(app, session, client, walk_and_guest):
    """may_edit (walk mode's Edit button): the author until the walk ends, nobody else."""
    from walkapp.models import Walk

    walk_id, token = walk_and_guest
    created = post_spot(client, walk_id, token, spot_form()).get_json()
    assert created["properties"]["may_edit"] is True
    other = app.test_client()
    code = session.get(Walk, walk_id).join_code
    other_token = csrf_from(other.get(f"/j/{code}").get_data(as_text=True))
    other.post(f"/j/{code}", data={"role_label": "beboer", "csrf_token": other_token})

    def may_edit(c):
        return [f["properties"]["may_edit"]
                for f in c.get(f"/api/spots.geojson?walk={walk_id}").get_json()["features"]]

    assert may_edit(client) == [True] and may_edit(other) == [False]
    assert client.get(f"/api/spots/{created['id']}").get_json()["properties"]["may_edit"] is True
    session.get(Walk, walk_id).status = "afsluttet"
    session.commit()
    assert may_edit(client) == [False]
    assert client.get(f"/api/spots/{created['id']}").get_json()["properties"]["may_edit"] is False
