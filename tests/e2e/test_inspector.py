"""An inspector on a phone closes a task as done with an after photo (before photo shown)."""

import uuid
from datetime import timedelta

import sqlalchemy as sa

from tests.e2e.conftest import off_site
from tests.factories import PASSWORD, actor_for, add_spot, jpeg_bytes
from walkapp.domain import clock
from walkapp.extensions import db


def _setup(live_server, email):
    """An assigned remedy of a housing company, on a spot with a photo; return its id."""
    from walkapp.models import Area, Walk
    from walkapp.services import accounts
    from walkapp.services.remedies import closing as remedy_closing
    from walkapp.services.remedies import lifecycle

    walk_id, _ = live_server.plan_walk(status="afsluttet")
    app = live_server.app
    with app.app_context():
        s = db.session
        org = accounts.get_or_create_organisation(s, f"Boligselskab {uuid.uuid4().hex[:4]}",
                                                  "boligselskab")
        accounts.create_user(s, email, "inspektoer", PASSWORD, org.name,
                             org_kind="boligselskab")
        coord = accounts.create_user(s, f"k-{uuid.uuid4().hex[:6]}@example.dk", "koordinator",
                                     PASSWORD, "Albertslund Kommune DKE", org_kind="kommune")
        walk = s.get(Walk, walk_id)
        s.get(Area, walk.area_id).owner_organisation_id = org.id
        spot = add_spot(s, walk, 55.6546, 12.3601, ("BEV",), note="Buskene skjuler stien",
                        photo_dir=app.config["PHOTO_DIR"],
                        photo=jpeg_bytes(size=(1200, 900), color=(40, 60, 140)))
        actor = actor_for(coord)
        r = remedy_closing.create_remedy(s, actor, walk, remedy_closing.RemedyInput(
            [spot.id], "Beskær buskene ved stien", deadline=clock.today() + timedelta(days=14)))
        lifecycle.actor_transition(s, actor, r.id, "godkendt", "", r.version)
        lifecycle.actor_transition(s, actor, r.id, "tildelt", "", r.version)
        s.commit()
        return r.id


def test_inspector_closes_task_with_after_photo(live_server, phone, artifacts, tmp_path):
    from walkapp.models import Remedy, RemedyEvent

    email = f"insp-{uuid.uuid4().hex[:6]}@hylde.dk"
    remedy_id = _setup(live_server, email)
    ctx = phone()
    page = ctx.new_page()
    live_server.login(page, email)
    page.goto(live_server.url + "/remedies/mine")
    task = page.locator(".task-link", has_text="Beskær buskene ved stien")
    assert task.count() == 1
    page.locator(".map-box .task-pin").first.wait_for()  # numbered pin drawn from the JSON
    page.screenshot(path=str(artifacts / "inspector-tasks.png"), full_page=True)

    page.click("#sort-distance")  # asks for the position, then lists nearest first
    page.wait_for_url("**lat=*")
    assert "m væk" in page.locator("#task-list").inner_text()

    task = page.locator(".task-link", has_text="Beskær buskene ved stien")
    task.click()
    page.wait_for_load_state()
    before = page.locator("figure.before img")
    before.wait_for()
    assert page.evaluate("img => img.complete && img.naturalWidth > 0", before.element_handle())

    page.check("input[name=to][value=udfoert]")
    page.fill("#comment", "Buskene er klippet ned til 1 m")
    page.locator("form button[type=submit].primary").click()
    page.wait_for_load_state()
    assert page.locator("#photo-error").inner_text() == "Tilføj et efter-billede."

    after = tmp_path / "after.jpg"
    after.write_bytes(jpeg_bytes(size=(1200, 900), color=(60, 140, 60)))
    page.check("input[name=to][value=udfoert]")
    page.fill("#comment", "Buskene er klippet ned til 1 m")
    page.set_input_files("#photo", str(after))
    page.locator("form button[type=submit].primary").click()
    page.wait_for_load_state()
    assert "udført" in page.locator(".page-head .badge").inner_text()
    history = page.locator("#remedy-history")
    assert "Buskene er klippet ned til 1 m" in history.inner_text()
    img = history.locator("img.thumb").first
    img.wait_for()
    # The photo service blurs a new photo on its first request, then redirects: wait for it.
    page.wait_for_function("img => img.complete && img.naturalWidth > 0",
                           arg=img.element_handle(), timeout=15000)
    page.screenshot(path=str(artifacts / "inspector-done.png"), full_page=True)
    assert off_site(ctx, live_server.app) == []  # map tiles only, nothing else from outside

    with live_server.app.app_context():
        r = db.session.get(Remedy, remedy_id)
        assert r.status == "udfoert"
        last = db.session.scalars(sa.select(RemedyEvent).where(
            RemedyEvent.remedy_id == remedy_id).order_by(RemedyEvent.id.desc())).first()
        assert last.photo is not None and last.to_status == "udfoert"
