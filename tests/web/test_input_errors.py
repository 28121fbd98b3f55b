"""Input that once gave a 500 (issue 12, point 14): each answers 4xx now, on both databases."""

import json
import threading

import pytest

from tests.conftest import AuthActions, logged_in
from tests.factories import make_user
from tests.web.test_remedies import assigned_remedy, env  # noqa: F401 (a fixture)
from walkapp.models import Remedy, RemedyEvent
from walkapp.services.remedies import lifecycle


def test_two_coordinators_saving_one_remedy_at_once(app, session, env, monkeypatch):  # noqa: F811
    """Both read version N; one save wins (302), the other is told of the conflict (409, the
    page showing the remedy as it is now); the winner's change is kept, nothing half-saved."""
    r = assigned_remedy(session, env)
    version, remedy_id = r.version, r.id
    emails = [env["users"]["koordinator"].email, make_user(session, "koordinator").email]
    session.commit()
    session.remove()
    both_read = threading.Barrier(2, timeout=20)
    check = lifecycle.check_version

    def check_then_wait(remedy, v):
        check(remedy, v)
        both_read.wait()  # both requests passed the version check before either writes

    monkeypatch.setattr(lifecycle, "check_version", check_then_wait)
    clients = [logged_in(app, email) for email in emails]
    results = {}

    def save(i):
        client, token = clients[i]
        try:
            resp = client.post(f"/remedies/{remedy_id}/edit",
                               data={"csrf_token": token, "priority": str(1 + 2 * i),
                                     "version": str(version)})
        except Exception as exc:  # TESTING propagates what would be a 500
            results[i] = (500, repr(exc))
        else:
            results[i] = (resp.status_code, resp.get_data(as_text=True))

    threads = [threading.Thread(target=save, args=(i,)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    codes = sorted(code for code, _ in results.values())
    assert codes == [302, 409], [(c, b[:300]) for c, b in results.values()]
    winner = next(i for i, (code, _) in results.items() if code == 302)
    loser_page = next(body for code, body in results.values() if code == 409)
    assert 'id="conflict"' in loser_page
    assert f"(version {version + 1})" in loser_page
    with app.app_context():
        from walkapp.extensions import db  # the app's session, in a fresh context

        remedy = db.session.get(Remedy, remedy_id)
        assert remedy.priority == 1 + 2 * winner
        assert remedy.version == version + 1
        edits = [e for e in remedy.events if e.kind == "edit"]
        assert len(edits) == 1
        assert isinstance(edits[0], RemedyEvent)
        db.session.remove()


SQUARE = [[12.35, 55.65], [12.36, 55.65], [12.36, 55.66], [12.35, 55.66], [12.35, 55.65]]
# A bow tie: its outline crosses itself once (repairable).
BOW_TIE = [[12.35, 55.65], [12.36, 55.66], [12.36, 55.65], [12.35, 55.66], [12.35, 55.65]]


def _collection(*rings, name="Område") -> dict:
    return {"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"name": f"{name} {i}"},
         "geometry": {"type": "Polygon", "coordinates": [ring]}}
        for i, ring in enumerate(rings, start=1)]}


BAD_FILES = {
    "nested": '{"type": "FeatureCollection", "features": ' + "[" * 100_000 + "]" * 100_000
              + "}",
    "nan": json.dumps(_collection(SQUARE)).replace("12.35,", "NaN,", 1),
    "infinity": json.dumps(_collection(SQUARE)).replace("12.35,", "-Infinity,", 1),
    "huge_number": json.dumps(_collection(SQUARE)).replace("12.35,", "1" * 5000 + ",", 1),
    "long_name": json.dumps(_collection(SQUARE, name="x" * 300)),
    "unknown_kind": json.dumps(_collection(SQUARE)).replace(
        '"properties": {', '"properties": {"kind": "' + "y" * 40 + '", '),
    "not_a_list": '{"type": "FeatureCollection", "features": [{"type": "Feature", '
                  '"geometry": {"type": "Polygon", "coordinates": 5}}]}',
}


@pytest.fixture
def admin_client(app, session):
    admin = make_user(session, "admin")
    session.commit()
    return logged_in(app, admin.email)


def _upload(client, token, url, text: str, **form):
    import io

    return client.post(url, data={"csrf_token": token, "kind": "boligomraade", **form,
                                  "file": (io.BytesIO(text.encode()), "areas.geojson")},
                       content_type="multipart/form-data")


@pytest.mark.parametrize("bad", sorted(BAD_FILES))
def test_area_import_of_unusable_geojson_is_422(app, session, admin_client, bad):
    from walkapp.models import Area

    client, token = admin_client
    # A name typed in the form names the file's one area (the file's properties are unused).
    typed = [] if bad in ("long_name", "unknown_kind") else [{"name": "Ét område"}]
    for form in ({}, *typed):
        resp = _upload(client, token, "/admin/areas/new", BAD_FILES[bad], **form)
        assert resp.status_code == 422, (bad, form, resp.status_code)
        assert "admin-field-error" in resp.get_data(as_text=True)
    session.expire_all()
    assert session.query(Area).count() == 0


def test_area_import_repairs_a_self_intersecting_collection(app, session, admin_client):
    """A FeatureCollection with an outline crossing itself: every feature is repaired, and
    the file is imported whole or not at all."""
    from walkapp.models import Area

    client, token = admin_client
    text = json.dumps(_collection(SQUARE, BOW_TIE))
    resp = _upload(client, token, "/admin/areas/new", text)
    assert resp.status_code == 302, resp.get_data(as_text=True)[:500]
    session.expire_all()
    assert sorted(a.name for a in session.query(Area)) == ["Område 1", "Område 2"]
    # One name for the whole (multi-feature) file: the union, repaired first.
    resp = _upload(client, token, "/admin/areas/new", json.dumps(_collection(BOW_TIE, BOW_TIE)),
                   name="Sløjfen")
    assert resp.status_code == 302, resp.get_data(as_text=True)[:500]


def test_area_import_writes_nothing_when_a_later_feature_is_bad(app, session, admin_client,
                                                                monkeypatch):
    """Every feature is parsed and repaired before the first write: no write lock is held
    while a later feature is computed, and a bad later feature leaves nothing behind."""
    from walkapp.geo import shapes
    from walkapp.models import Area
    from walkapp.services import areas

    client, token = admin_client
    flushed_before_repair = []
    as_multi = shapes.as_multipolygon

    def watching(geom):
        from walkapp.extensions import db  # the request's session, to see what it wrote

        flushed_before_repair.append(bool(db.session.new or db.session.dirty)
                                     or db.session.query(Area).count() > 0)
        return as_multi(geom)

    monkeypatch.setattr(areas, "as_multipolygon", watching)
    text = json.dumps(_collection(SQUARE, BOW_TIE, SQUARE))
    assert _upload(client, token, "/admin/areas/new", text).status_code == 302
    assert flushed_before_repair == [False, False, False]
    session.expire_all()
    session.query(Area).delete()
    session.commit()
    bad = _collection(SQUARE, SQUARE)
    bad["features"][1]["geometry"]["coordinates"] = [[[0, 0], [1, 1]]]
    resp = _upload(client, token, "/admin/areas/new", json.dumps(bad))
    assert resp.status_code == 422
    assert "Feature 2" in resp.get_data(as_text=True) or "Objekt 2" in resp.get_data(
        as_text=True)
    session.expire_all()
    assert session.query(Area).count() == 0


@pytest.mark.parametrize("body", ["[]", "[1, 2]", '"tildelt"', "42", "null", "true",
                                  '{"to": ["i_gang"], "version": {"a": 1}}'])
def test_transition_api_refuses_a_body_that_is_not_an_object(app, session, env,  # noqa: F811
                                                              body):
    r = assigned_remedy(session, env)
    client, token = logged_in(app, env["users"]["koordinator"].email)
    resp = client.post(f"/api/remedies/{r.id}/transitions", data=body,
                       content_type="application/json", headers={"X-CSRFToken": token})
    assert resp.status_code == 422, resp.get_data(as_text=True)[:300]
    assert resp.get_json()["error"]


@pytest.mark.parametrize("field", ["owner_org_id", "assignee_id", "priority", "version"])
def test_remedy_edit_with_a_huge_number_is_422(app, session, env, field):  # noqa: F811
    r = assigned_remedy(session, env)
    client, token = logged_in(app, env["users"]["koordinator"].email)
    form = {"csrf_token": token, "version": str(r.version), field: "9" * 30}
    resp = client.post(f"/remedies/{r.id}/edit", data=form)
    assert resp.status_code == 422, resp.status_code


@pytest.mark.parametrize("field", ["keep_id", "merge_id"])
def test_closing_merge_with_a_huge_id_is_422(app, session, env, field):  # noqa: F811
    client, token = logged_in(app, env["users"]["koordinator"].email)
    form = {"csrf_token": token, "keep_id": str(env["spot"].id),
            "merge_id": str(env["police"].id),
            field: "9" * 30}
    resp = client.post(f"/walks/{env['walk'].id}/closing/merge", data=form)
    assert resp.status_code == 422, resp.status_code


def test_json_nested_past_the_recursion_limit_is_4xx(app, session, env):  # noqa: F811
    """Found by tests/web/test_fuzz.py: Python's JSON parser raised RecursionError (a 500)."""
    r = assigned_remedy(session, env)
    client, token = logged_in(app, env["users"]["koordinator"].email)
    resp = client.post(f"/api/remedies/{r.id}/transitions", data="[" * 100_000,
                       content_type="application/json", headers={"X-CSRFToken": token})
    assert resp.status_code == 422, resp.status_code
    with app.test_request_context("/", method="POST", data="{" * 100_000,
                                  content_type="application/json"):
        from flask import request
        from werkzeug.exceptions import BadRequest

        with pytest.raises(BadRequest):
            request.get_json()


BEYOND_INTEGER = str(2**31)  # PostgreSQL's INTEGER ends at 2**31 - 1 (found by test_fuzz.py)


def test_ids_past_a_postgres_integer_are_404_or_422(app, session, env):  # noqa: F811
    walk, spot = env["walk"].id, env["spot"].id
    client, token = logged_in(app, env["users"]["koordinator"].email)
    for url in (f"/walks/{BEYOND_INTEGER}", f"/spots/{BEYOND_INTEGER}",
                f"/remedies/{BEYOND_INTEGER}", f"/walks/{BEYOND_INTEGER}/closing"):
        assert client.get(url).status_code == 404, url
    for url in (f"/walks/{BEYOND_INTEGER}/closing/unmerge", f"/api/spots/{BEYOND_INTEGER}/hide",
                f"/walks/{walk}/spots/{BEYOND_INTEGER}/hide",
                f"/planner/focus/{BEYOND_INTEGER}/delete"):
        assert client.post(url, headers={"X-CSRFToken": token}).status_code in (404, 405), url
    resp = client.post(f"/walks/{walk}/closing/merge",
                       data={"csrf_token": token, "keep_id": str(spot),
                             "merge_id": BEYOND_INTEGER})
    assert resp.status_code == 422
    resp = client.get(f"/api/spots.geojson?walk={BEYOND_INTEGER}")
    assert resp.status_code == 422


def test_nul_characters_are_refused_not_a_500(client, session):
    """The fuzzer's find: an e-mail holding NUL at login was a 500 on PostGIS (text columns
    refuse NUL). Query strings, form fields and JSON strings holding NUL answer 400."""
    token = AuthActions(client).token()
    login = client.post("/login", data={"email": "a\x00b@example.dk", "password": "x",
                                        "csrf_token": token})
    assert login.status_code == 400
    assert client.get("/spots/?q=a%00b").status_code == 400
    with pytest.raises(ValueError):  # get_json(): 400; get_json(silent=True): None
        client.application.json.loads('{"note": ["ok", {"k": "a\\u0000b"}]}')
    assert client.application.json.loads('{"note": "ok"}') == {"note": "ok"}
    wrong = client.post("/login", data={"email": "ab@example.dk", "password": "x",
                                        "csrf_token": token})
    assert 400 < wrong.status_code < 500  # an ordinary wrong login: refused, but not as this
