"""Admin pages: organisations, users, areas. Plain forms, POST/redirect/GET, 422 naming fields."""

import io
import json

import pytest
import sqlalchemy as sa

from tests.conftest import AuthActions
from tests.factories import HYLDE, make_area, make_user, make_walk
from walkapp.extensions import db
from walkapp.geo.shapes import from_db
from walkapp.models import Area, Organisation, User

SQUARE = {"type": "Polygon", "coordinates": [[[12.34, 55.66], [12.35, 55.66], [12.35, 55.67],
                                              [12.34, 55.67], [12.34, 55.66]]]}


@pytest.fixture
def ids(app):
    with app.app_context():
        admin = make_user(db.session, "admin", email="admin@example.dk")
        koord = make_user(db.session, "koordinator", email="koord@example.dk")
        db.session.commit()
        out = {"admin": admin.id, "koordinator": koord.id, "org": admin.organisation_id,
               # what a session holds after logging in (User.get_id: "id:token")
               "admin_login": admin.get_id(), "koordinator_login": koord.get_id()}
        db.session.remove()
    return out


@pytest.fixture
def admin(client, auth, ids):
    auth.enter(ids["admin"])
    return client


def post(client, url, data, **kw):
    return client.post(url, data={**data, "csrf_token": AuthActions(client).token()}, **kw)


def query(app, stmt):
    with app.app_context():
        try:
            return db.session.execute(stmt).all()
        finally:
            db.session.remove()


@pytest.mark.parametrize("url", ["/admin/", "/admin/organisations", "/admin/organisations/new",
                                 "/admin/users", "/admin/users/new", "/admin/areas",
                                 "/admin/areas/new"])
def test_pages_render_full_with_vary(admin, url):
    resp = admin.get(url)
    assert resp.status_code == 200
    assert "HX-Request" in resp.headers["Vary"]
    assert resp.get_data(as_text=True).startswith("<!doctype html>")


def test_form_fragment_for_htmx(admin):
    resp = admin.get("/admin/organisations/new", headers={"HX-Request": "true"})
    html = resp.get_data(as_text=True)
    assert html.lstrip().startswith('<form id="organisation-form"')
    assert "<html" not in html and "HX-Request" in resp.headers["Vary"]


def test_koordinator_gets_403_everywhere(client, auth, ids):
    auth.enter(ids["koordinator"])
    for url in ("/admin/", "/admin/users", f"/admin/users/{ids['admin']}/edit"):
        assert client.get(url).status_code == 403


def test_create_organisation_redirects_and_lists_it(app, admin):
    resp = post(admin, "/admin/organisations/new",
                {"name": "Vestegnens Forsyning", "kind": "forsyning",
                 "contact_email": "Drift@Forsyning.dk"})
    assert resp.status_code == 302 and resp.headers["Location"] == "/admin/organisations"
    listing = admin.get("/admin/organisations").get_data(as_text=True)
    assert "Organisationen Vestegnens Forsyning er gemt." in listing  # the flash, in Danish
    assert 'id="organisation-' in listing and "Vestegnens Forsyning</strong>" in listing
    rows = query(app, sa.select(Organisation.kind, Organisation.contact_email)
                 .where(Organisation.name == "Vestegnens Forsyning"))
    assert rows == [("forsyning", "drift@forsyning.dk")]


@pytest.mark.parametrize("form,field", [
    ({"name": "", "kind": "kommune"}, "name"),
    ({"name": "X", "kind": "firma"}, "kind"),
    ({"name": "X", "kind": "kommune", "contact_email": "no-at-sign"}, "contact_email"),
    ({"name": "albertslund kommune dke", "kind": "kommune"}, "name"),  # exists (any case)
])
def test_bad_organisation_is_422_naming_the_field_and_keeps_input(app, admin, form, field):
    before = query(app, sa.select(sa.func.count(Organisation.id)))
    resp = post(admin, "/admin/organisations/new", form)
    html = resp.get_data(as_text=True)
    assert resp.status_code == 422
    assert f'id="{field}-error"' in html and 'aria-invalid="true"' in html
    assert f'value="{form["name"]}"' in html
    assert query(app, sa.select(sa.func.count(Organisation.id))) == before


def test_edit_organisation(app, admin, ids):
    resp = post(admin, f"/admin/organisations/{ids['org']}/edit",
                {"name": "DKE Albertslund", "kind": "kommune", "contact_email": ""})
    assert resp.status_code == 302
    assert query(app, sa.select(Organisation.name).where(Organisation.id == ids["org"])) == \
        [("DKE Albertslund",)]


def test_create_user_with_hashed_password_who_can_then_log_in(app, admin, ids):
    resp = post(admin, "/admin/users/new", {"email": "Ivan@Bolig.dk", "name": "Ivan",
                                            "role": "inspektoer", "organisation_id": ids["org"],
                                            "password": "lang-nok-kode"})
    assert resp.status_code == 302
    [(pw_hash, role, org)] = query(app, sa.select(User.password_hash, User.role,
                                                  User.organisation_id)
                                   .where(User.email == "ivan@bolig.dk"))
    assert role == "inspektoer" and org == ids["org"]
    assert "lang-nok-kode" not in pw_hash and pw_hash.startswith(("scrypt:", "pbkdf2:"))
    AuthActions(app.test_client()).login("ivan@bolig.dk", "lang-nok-kode")  # asserts 302


@pytest.mark.parametrize("form,field", [
    ({"email": "nope", "role": "deltager", "password": "12345678"}, "email"),
    ({"email": "a@b.dk", "role": "boss", "password": "12345678"}, "role"),
    ({"email": "a@b.dk", "role": "deltager", "password": "short"}, "password"),
    ({"email": "a@b.dk", "role": "deltager", "password": "12345678", "organisation_id": "999"},
     "organisation_id"),
    ({"email": "admin@example.dk", "role": "deltager", "password": "12345678"}, "email"),
])
def test_bad_user_is_422_and_nothing_saved(app, admin, form, field):
    before = query(app, sa.select(sa.func.count(User.id)))
    resp = post(admin, "/admin/users/new", form)
    assert resp.status_code == 422
    assert f'id="{field}-error"' in resp.get_data(as_text=True)
    assert query(app, sa.select(sa.func.count(User.id))) == before


def test_edit_user_role_org_and_deactivate(app, admin, ids):
    resp = post(admin, f"/admin/users/{ids['koordinator']}/edit",
                {"name": "Karin", "role": "planlaegger", "organisation_id": ""})
    assert resp.status_code == 302
    assert query(app, sa.select(User.role, User.organisation_id, User.active)
                 .where(User.id == ids["koordinator"])) == [("planlaegger", None, False)]


def test_admin_cannot_lock_themselves_out(app, admin, ids):
    resp = post(admin, f"/admin/users/{ids['admin']}/edit",
                {"role": "koordinator", "active": "1", "organisation_id": ids["org"]})
    assert resp.status_code == 422
    assert query(app, sa.select(User.role).where(User.id == ids["admin"])) == [("admin",)]


def test_reset_password(app, admin, ids):
    resp = post(admin, f"/admin/users/{ids['koordinator']}/password", {"password": "helt-ny-kode"})
    assert resp.status_code == 302
    with app.app_context():
        assert db.session.get(User, ids["koordinator"]).check_password("helt-ny-kode")
        db.session.remove()
    short = post(admin, f"/admin/users/{ids['koordinator']}/password", {"password": "kort"})
    assert short.status_code == 422 and 'id="password-error"' in short.get_data(as_text=True)


def test_create_area_from_drawn_polygon_with_owner(app, admin, ids):
    drawn = {"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {}, "geometry": SQUARE}]}
    resp = post(admin, "/admin/areas/new", {"name": "Kanalgaden", "kind": "boligomraade",
                                            "owner_organisation_id": ids["org"],
                                            "geometry": json.dumps(drawn)})
    assert resp.status_code == 302
    assert query(app, sa.select(Area.kind, Area.owner_organisation_id)
                 .where(Area.name == "Kanalgaden")) == [("boligomraade", ids["org"])]
    assert "Kanalgaden" in admin.get("/admin/areas").get_data(as_text=True)


def test_create_areas_from_uploaded_geojson(app, admin):
    fc = {"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"name": "Galgebakken"}, "geometry": SQUARE},
        {"type": "Feature", "properties": {"navn": "Hyldespjældet"},
         "geometry": json.loads(json.dumps(SQUARE))},
    ]}
    resp = post(admin, "/admin/areas/new",
                {"kind": "boligomraade",
                 "file": (io.BytesIO(json.dumps(fc).encode()), "a.geojson")},
                content_type="multipart/form-data")
    assert resp.status_code == 302
    names = {n for (n,) in query(app, sa.select(Area.name))}
    assert {"Galgebakken", "Hyldespjældet"} <= names


@pytest.mark.parametrize("payload,field", [
    (b"not json at all", "file"),
    (b"[1, 2, 3]", "file"),
    (json.dumps({"type": "Point", "coordinates": [12.3, 55.6]}).encode(), "file"),
    (json.dumps({"type": "Polygon", "coordinates": [[[700000, 6170000], [700100, 6170000],
                                                     [700100, 6170100], [700000, 6170000]]]})
     .encode(), "file"),
    (b"\xff\xfe\x00garbage", "file"),
])
def test_bad_upload_is_422_and_nothing_saved(app, admin, payload, field):
    before = query(app, sa.select(sa.func.count(Area.id)))
    resp = post(admin, "/admin/areas/new", {"kind": "boligomraade",
                                            "file": (io.BytesIO(payload), "x.geojson")},
                content_type="multipart/form-data")
    assert resp.status_code == 422, resp.get_data(as_text=True)[-400:]
    assert f'id="{field}-error"' in resp.get_data(as_text=True)
    assert query(app, sa.select(sa.func.count(Area.id))) == before


def test_area_without_outline_or_name(admin):
    resp = post(admin, "/admin/areas/new", {"name": "Tom", "kind": "boligomraade"})
    assert resp.status_code == 422 and 'id="geometry-error"' in resp.get_data(as_text=True)
    resp = post(admin, "/admin/areas/new", {"kind": "boligomraade",
                                            "geometry": json.dumps(SQUARE)})
    assert resp.status_code == 422 and 'id="name-error"' in resp.get_data(as_text=True)


def test_edit_area_replaces_outline_and_owner(app, admin, ids):
    with app.app_context():
        area_id = make_area(db.session).id
        db.session.commit()
        db.session.remove()
    page = admin.get(f"/admin/areas/{area_id}/edit").get_data(as_text=True)
    assert "MultiPolygon" in page  # the current outline, ready for leaflet-draw
    resp = post(admin, f"/admin/areas/{area_id}/edit",
                {"name": "Hyldespjældet Nord", "kind": "boligomraade",
                 "owner_organisation_id": ids["org"], "geometry": json.dumps(SQUARE)})
    assert resp.status_code == 302
    with app.app_context():

        area = db.session.get(Area, area_id)
        assert area.name == "Hyldespjældet Nord" and area.owner_organisation_id == ids["org"]
        assert from_db(area.geom).bounds == (12.34, 55.66, 12.35, 55.67)
        db.session.remove()


def test_delete_unused_area_but_not_a_used_one(app, admin):
    with app.app_context():
        used = make_area(db.session, "Brugt", HYLDE)
        make_walk(db.session, area=used)
        unused = make_area(db.session, "Ubrugt", HYLDE)
        db.session.commit()
        used_id, unused_id = used.id, unused.id
        db.session.remove()
    refused = post(admin, f"/admin/areas/{used_id}/delete", {})
    assert refused.status_code == 409
    assert "bruges af 1 vandringer" in refused.get_data(as_text=True)
    assert post(admin, f"/admin/areas/{unused_id}/delete", {}).status_code == 302
    names = {n for (n,) in query(app, sa.select(Area.name))}
    assert "Brugt" in names and "Ubrugt" not in names


def test_unknown_ids_are_404(admin):
    assert admin.get("/admin/users/99999/edit").status_code == 404
    assert admin.get("/admin/areas/99999/edit").status_code == 404
    assert admin.get("/admin/organisations/99999/edit").status_code == 404
