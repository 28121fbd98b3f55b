"""The audit log (issue 12, GDPR): who was served police-only findings or unblurred photos,
when and what; one entry a request; readable by administrators only."""

import pytest
import sqlalchemy as sa

from tests.conftest import AuthActions
from tests.factories import actor_for, add_spot, make_user, make_walk
from walkapp.models import Photo
from walkapp.models.audit import AuditEntry
from walkapp.photos.processing import Settings
from walkapp.photos.store import FileStore
from walkapp.services import audit
from walkapp.services import photos as photo_service

POLICE_NOTE = "Handel med stoffer bag garagerne"


@pytest.fixture
def world(app, session):
    users = {"admin": make_user(session, "admin"),
             "koordinator": make_user(session, "koordinator"),
             "planlaegger": make_user(session, "planlaegger"),
             "politi": make_user(session, "planlaegger", org="Politiet", org_kind="politi")}
    walk = make_walk(session, coordinator=users["koordinator"])
    photo_dir = app.config["PHOTO_DIR"]
    public = add_spot(session, walk, note="Mørk sti", photo_dir=photo_dir)
    police = add_spot(session, walk, 55.655, 12.361, ("ADF",), visibility="politi",
                      note=POLICE_NOTE)
    other = add_spot(session, walk, 55.6551, 12.3612, ("ADF",), visibility="politi",
                     note="Også hemmeligt")
    session.commit()
    photo = public.photos[0]
    photo.blur_pending = False
    photo_service.add_redaction(session, actor_for(users["koordinator"]), photo,
                                (0.1, 0.1, 0.3, 0.3), FileStore(photo_dir), Settings())
    session.commit()
    return {"users": users, "walk": walk, "public": public, "police": police, "other": other,
            "photo": photo}


def as_user(app, user):
    actions = AuthActions(app.test_client())
    actions.enter(user)
    return actions.client


def entries(session):
    session.expire_all()
    return list(session.scalars(sa.select(AuditEntry).order_by(AuditEntry.id)))


def test_police_only_views_are_recorded_once_a_request(app, session, world):
    coord = world["users"]["koordinator"]
    c = as_user(app, coord)
    walk_id, police, other = world["walk"].id, world["police"].id, world["other"].id
    assert c.get(f"/walks/{walk_id}/report").status_code == 200
    assert c.get(f"/api/spots/{police}").status_code == 200
    assert c.get(f"/spots/{police}").status_code == 200
    assert c.get(f"/api/spots.geojson?walk={walk_id}").status_code == 200
    got = [(e.user_id, e.kind, e.subject_type, e.subject_id, e.spots()) for e in entries(session)]
    assert got == [
        (coord.id, "report", "walk", walk_id, sorted([str(police), str(other)], key=int)),
        (coord.id, "spot", "walk", walk_id, [str(police)]),
        (coord.id, "spot", "walk", walk_id, [str(police)]),
        (coord.id, "export", "spots", None, sorted([str(police), str(other)], key=int)),
    ]


def test_report_pdf_records_spots_and_embedded_clean_photos(app, session, world):
    c = as_user(app, world["users"]["koordinator"])
    assert c.get(f"/walks/{world['walk'].id}/report.pdf").status_code == 200
    (entry,) = entries(session)
    assert entry.kind == "report_pdf" and entry.photos() == [str(world["photo"].id)]
    assert len(entry.spots()) == 2


def test_public_views_are_not_recorded(app, session, world):
    c = as_user(app, world["users"]["planlaegger"])  # sees no police-only spot, photos blurred
    walk_id, photo = world["walk"].id, world["photo"]
    assert c.get(f"/walks/{walk_id}/report").status_code == 200
    assert c.get(f"/walks/{walk_id}/report.pdf").status_code == 200
    assert c.get(f"/api/spots/{world['public'].id}").status_code == 200
    assert c.get(f"/api/spots.geojson?walk={walk_id}").status_code == 200
    assert c.get(f"/remedies/spot-photos/{photo.token}/thumb.jpg").status_code == 200
    blurred = f"/photos/{photo.token}/r-{photo.redaction_key}/thumb.jpg"
    assert c.get(blurred).status_code == 200
    coord = as_user(app, world["users"]["koordinator"])
    assert coord.get(f"/walks/{walk_id}/report?public=1").status_code == 200
    assert coord.get(f"/api/spots/{world['public'].id}").status_code == 200
    assert coord.get(blurred).status_code == 200
    assert entries(session) == []


def test_clean_photo_renditions_are_recorded(app, session, world):
    police_user = world["users"]["politi"]
    c = as_user(app, police_user)
    photo = session.get(Photo, world["photo"].id)
    token, photo_id = photo.token, photo.id
    assert c.get(f"/photos/{token}/c/display.jpg").status_code == 200
    assert c.get(f"/remedies/spot-photos/{token}/thumb.jpg").status_code == 200
    assert c.get(f"/remedies/spot-photos/{token}/thumb.jpg?blur=1").status_code == 200
    got = [(e.user_id, e.kind, e.subject_id, e.rendition) for e in entries(session)]
    assert got == [(police_user.id, "clean_photo", photo_id, "display"),
                   (police_user.id, "clean_photo", photo_id, "thumb")]


def test_admin_page_lists_newest_first_pages_and_filters(app, session, world):
    coord, police = world["users"]["koordinator"], world["users"]["politi"]
    for _ in range(3):
        audit.police_spot(session, actor_for(coord), world["police"])
    audit.report(session, actor_for(police), world["walk"].id, [world["police"].id], pdf=True)
    c = as_user(app, world["users"]["admin"])
    index = c.get("/admin/").get_data(as_text=True)
    assert "/admin/audit" in index and "Adgangslog" in index
    page_html = c.get("/admin/audit").get_data(as_text=True)
    html = page_html[page_html.index('id="audit-entries"'):]  # the table, not the filter
    assert html.index("Protokol (PDF)") < html.index("Sted kun for politi")  # newest first
    assert f"Vandring {world['walk'].id}" in html and police.email in html
    only = c.get(f"/admin/audit?user={coord.id}").get_data(as_text=True)
    assert only.count("Sted kun for politi</td>") == 3 and "Protokol (PDF)</td>" not in only
    kind = c.get("/admin/audit?kind=report_pdf").get_data(as_text=True)
    assert kind.count("<tr>") == 2  # the header and one entry
    page = audit.entries(session, actor_for(world["users"]["admin"]),
                         audit.AuditQuery(page=2), per_page=3)
    assert [e.kind for e in page.entries] == ["spot"] and page.pages == 2 and page.total == 4
    assert c.get("/admin/audit?kind=nope").status_code == 422
    assert c.get("/admin/audit?page=x").status_code == 422


@pytest.mark.parametrize("role", ["koordinator", "planlaegger"])
def test_only_admins_read_the_log(app, world, role):
    assert as_user(app, world["users"][role]).get("/admin/audit").status_code == 403


def test_anonymous_is_sent_to_login(app, world):
    assert app.test_client().get("/admin/audit").status_code == 302
