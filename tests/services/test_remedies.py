"""Remedy services on SpatiaLite and PostGIS: lifecycle, merges, suggestions, permissions."""

from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from tests.factories import actor_for, add_spot, jpeg_bytes, make_user, make_walk
from walkapp.domain.actor import Actor
from walkapp.domain.errors import Conflict, NotFound, PermissionDenied, ValidationError
from walkapp.models import Photo, Remedy, RemedyEvent, Spot, SpotMerge
from walkapp.photos.processing import Settings
from walkapp.photos.store import FileStore
from walkapp.services import accounts
from walkapp.services import photos as photo_service
from walkapp.services.remedies import access, closing, lifecycle, queries
from walkapp.services.remedies import contractor as links
from walkapp.services.remedies import photos as remedy_photos

TODAY = date(2026, 11, 22)


@pytest.fixture
def world(session):
    housing = accounts.get_or_create_organisation(session, "AB Hyldespjældet", "boligselskab")
    housing.contact_email = "drift@hylde.dk"
    roads = accounts.get_or_create_organisation(session, "Albertslund Kommune, Vej og Park",
                                                "kommune")
    coord = make_user(session, "koordinator")
    insp = make_user(session, "inspektoer", org="AB Hyldespjældet", org_kind="boligselskab")
    other = make_user(session, "inspektoer", org="Boligselskabet Syd", org_kind="boligselskab")
    walk = make_walk(session, coordinator=coord)
    walk.area.owner_organisation_id = housing.id
    session.flush()
    return {"housing": housing, "roads": roads, "coord": coord, "insp": insp, "other": other,
            "walk": walk}


def new_remedy(session, world, spots, **kw):
    data = closing.RemedyInput(spot_ids=[s.id for s in spots], title=kw.pop("title", "Beskær"),
                               **kw)
    return closing.create_remedy(session, actor_for(world["coord"]), world["walk"], data, on=TODAY)


def move(session, user, remedy, to, comment="", photo=None, **kw):
    return lifecycle.actor_transition(session, actor_for(user), remedy.id, to, comment,
                                      remedy.version, photo=photo, **kw)


def test_full_lifecycle_keeps_every_change(session, world, tmp_path):
    s = add_spot(session, world["walk"], 55.6545, 12.3600, ("BEV",))
    r = new_remedy(session, world, [s], deadline=TODAY + timedelta(days=30))
    assert r.owner_org_id == world["housing"].id  # vegetation in a housing area
    store = FileStore(tmp_path)
    move(session, world["coord"], r, "godkendt")
    move(session, world["coord"], r, "tildelt")
    move(session, world["insp"], r, "i_gang", "Vi går i gang")
    photo = remedy_photos.PhotoUpload(jpeg_bytes())
    move(session, world["insp"], r, "udfoert", "Beskåret", photo=photo, store=store)
    move(session, world["coord"], r, "verificeret")
    session.commit()
    events = session.scalars(sa.select(RemedyEvent).where(RemedyEvent.remedy_id == r.id)
                             .order_by(RemedyEvent.id)).all()
    assert [e.to_status for e in events] == ["foreslaaet", "godkendt", "tildelt", "i_gang",
                                            "udfoert", "verificeret"]
    assert events[4].photo is not None and events[4].comment == "Beskåret"
    after = events[4].photo.photo  # a photo of the one photo pipeline
    assert after.owner_kind == "remedy" and after.spot_id is None
    assert {"thumb.jpg", "display.jpg", "thumb.webp", "display.webp"} <= store.names(after.sha256)
    assert r.status == "verificeret" and r.version == 6


def test_stale_version_is_a_conflict_with_current_state(session, world):
    s = add_spot(session, world["walk"], 55.6545, 12.3600)
    r = new_remedy(session, world, [s])
    seen = r.version
    move(session, world["coord"], r, "godkendt")
    with pytest.raises(Conflict) as exc:
        lifecycle.actor_transition(session, actor_for(world["coord"]), r.id, "afvist", "nej", seen)
    assert exc.value.remedy.status == "godkendt"
    assert exc.value.remedy.version == seen + 1


def test_transition_not_allowed_from_status_is_422(session, world):
    r = new_remedy(session, world, [add_spot(session, world["walk"], 55.6545, 12.36)])
    with pytest.raises(ValidationError) as exc:
        move(session, world["coord"], r, "verificeret")
    assert exc.value.field == "to"


@pytest.mark.parametrize("to,field", [("afvist", "comment")])
def test_required_reason(session, world, to, field):
    r = new_remedy(session, world, [add_spot(session, world["walk"], 55.6545, 12.36)])
    with pytest.raises(ValidationError) as exc:
        move(session, world["coord"], r, to, comment="  ")
    assert exc.value.field == field
    assert session.get(Remedy, r.id).status == "foreslaaet"


def test_done_requires_after_photo(session, world):
    r = new_remedy(session, world, [add_spot(session, world["walk"], 55.6545, 12.36, ("BEV",))])
    move(session, world["coord"], r, "godkendt")
    move(session, world["coord"], r, "tildelt")
    with pytest.raises(ValidationError) as exc:
        move(session, world["insp"], r, "udfoert", "færdig")
    assert exc.value.field == "photo"


def test_inspector_of_other_org_is_refused(session, world):
    r = new_remedy(session, world, [add_spot(session, world["walk"], 55.6545, 12.36, ("BEV",))])
    move(session, world["coord"], r, "godkendt")
    move(session, world["coord"], r, "tildelt")
    with pytest.raises(PermissionDenied):
        move(session, world["other"], r, "i_gang")
    with pytest.raises(PermissionDenied):
        lifecycle.get_remedy(session, access.who_of(actor_for(world["other"])), r.id)
    tasks = queries.my_tasks(session, actor_for(world["other"]), on=TODAY)
    assert tasks == []


def test_inspector_cannot_approve(session, world):
    r = new_remedy(session, world, [add_spot(session, world["walk"], 55.6545, 12.36, ("BEV",))])
    with pytest.raises(PermissionDenied):
        move(session, world["insp"], r, "godkendt")


def test_planner_reads_but_cannot_move(session, world):
    planner = make_user(session, "planlaegger")
    r = new_remedy(session, world, [add_spot(session, world["walk"], 55.6545, 12.36)])
    assert lifecycle.get_remedy(session, access.who_of(actor_for(planner)), r.id).id == r.id
    with pytest.raises(PermissionDenied):
        move(session, planner, r, "godkendt")


def test_deadline_in_past_is_refused(session, world):
    with pytest.raises(ValidationError) as exc:
        new_remedy(session, world, [add_spot(session, world["walk"], 55.6545, 12.36)],
                   deadline=TODAY - timedelta(days=1))
    assert exc.value.field == "deadline"
    assert session.scalar(sa.select(sa.func.count(Remedy.id))) == 0


def test_not_our_responsibility_then_rerouted(session, world):
    r = new_remedy(session, world, [add_spot(session, world["walk"], 55.6545, 12.36, ("BEV",))])
    move(session, world["coord"], r, "godkendt")
    move(session, world["coord"], r, "tildelt")
    move(session, world["insp"], r, "ikke_vores_ansvar", "Kommunens areal")
    with pytest.raises(ValidationError) as exc:
        move(session, world["coord"], r, "tildelt")
    assert exc.value.field == "owner_org_id"
    move(session, world["coord"], r, "tildelt", new_owner_org_id=world["roads"].id)
    assert r.owner_org_id == world["roads"].id


def test_lighting_goes_to_roads_department(session, world):
    s = add_spot(session, world["walk"], 55.6545, 12.36, ("LYS",))
    sug = closing.suggest(session, world["walk"].area, s.category_codes)
    assert sug.owner.id == world["roads"].id
    assert sug.templates[0].code == "LYS-REP"


def test_vegetation_goes_to_housing_company(session, world):
    sug = closing.suggest(session, world["walk"].area, ["BEV"])
    assert sug.owner.id == world["housing"].id
    assert sug.templates[0].code == "BEV-BES"


def test_merge_suggestions_are_metric_and_need_a_shared_category(session, world):
    w = world["walk"]
    a = add_spot(session, w, 55.65450, 12.36000, ("LYS",))
    b = add_spot(session, w, 55.65459, 12.36000, ("LYS", "BEV"))  # ~10 m north
    add_spot(session, w, 55.65452, 12.36002, ("GRA",))  # close, but no shared category
    add_spot(session, w, 55.65480, 12.36000, ("LYS",))  # ~33 m away
    sugs = closing.merge_candidates(session, w, 15)
    assert [(x.a, x.b) for x in sugs] == [(a.id, b.id)]
    assert 9 < sugs[0].distance_m < 11


def test_merge_keeps_everything(session, world, tmp_path):
    w = world["walk"]
    a = add_spot(session, w, 55.65450, 12.36000, ("LYS",), note="Mørkt")
    b = add_spot(session, w, 55.65459, 12.36000, ("LYS",), note="Lampen er i stykker")
    b.photos.append(Photo(sha256="ab" * 32, token="t" * 43, width=1, height=1,
                          source_format="JPEG"))
    b.feeling = 2
    session.flush()
    closing.merge_spots(session, actor_for(world["coord"]), w, a.id, b.id)
    session.commit()
    numbered = closing.numbered_spots(session, w)
    assert len(numbered) == 1 and numbered[0].spot.id == a.id
    assert [s.id for s in numbered[0].merged] == [b.id]
    kept = session.get(Spot, b.id)
    assert kept.note == "Lampen er i stykker" and kept.feeling == 2 and len(kept.photos) == 1
    r = new_remedy(session, world, [a])
    assert {s.id for s in r.spots} == {a.id, b.id}
    assert r.geom is not None


def test_merge_is_for_coordinators(session, world):
    w = world["walk"]
    a = add_spot(session, w, 55.6545, 12.36)
    b = add_spot(session, w, 55.65451, 12.36)
    with pytest.raises(PermissionDenied):
        closing.merge_spots(session, actor_for(world["insp"]), w, a.id, b.id)
    assert session.scalar(sa.select(sa.func.count()).select_from(SpotMerge)) == 0


def test_my_tasks_by_deadline_and_distance(session, world):
    w = world["walk"]
    near = new_remedy(session, world, [add_spot(session, w, 55.6530, 12.3560, ("BEV",))],
                      deadline=TODAY + timedelta(days=20))
    far = new_remedy(session, world, [add_spot(session, w, 55.6560, 12.3635, ("BEV",))],
                     deadline=TODAY + timedelta(days=5))
    for r in (near, far):
        move(session, world["coord"], r, "godkendt")
        move(session, world["coord"], r, "tildelt")
    actor = actor_for(world["insp"])
    assert [t.remedy.id for t in queries.my_tasks(session, actor, on=TODAY)] == [far.id, near.id]
    by_dist = queries.my_tasks(session, actor, "distance", 55.6529, 12.3559, on=TODAY)
    assert [t.remedy.id for t in by_dist] == [near.id, far.id]
    assert by_dist[0].distance_m < 50


def test_contractor_link_limited_expiring_revocable(session, world, tmp_path):
    w = world["walk"]
    r = new_remedy(session, world, [add_spot(session, w, 55.6545, 12.36, ("BEV",))])
    r2 = new_remedy(session, world, [add_spot(session, w, 55.6546, 12.36, ("BEV",))])
    for x in (r, r2):
        move(session, world["coord"], x, "godkendt")
        move(session, world["coord"], x, "tildelt")
    link, token = links.create_contractor_link(session, actor_for(world["insp"]), r.id,
                                               "Gartner A/S")
    assert (link.expires_at - link.created_at).days == 30
    assert links.resolve_contractor_link(session, token).remedy_id == r.id
    with pytest.raises(NotFound):
        links.resolve_contractor_link(session, token[:-1] + ("A" if token[-1] != "A" else "B"))
    with pytest.raises(PermissionDenied):  # a link for r cannot touch r2
        lifecycle.transition(session, access.contractor_who(r.id), r2.id, "udfoert", "", r2.version)
    links.contractor_transition(session, link, "udfoert", "Klippet", r.version,
                                remedy_photos.PhotoUpload(jpeg_bytes()),
                                FileStore(tmp_path))
    assert r.status == "udfoert" and r.events[-1].actor_label == "contractor: Gartner A/S"
    links.revoke_contractor_link(session, actor_for(world["coord"]), link.id)
    with pytest.raises(PermissionDenied):
        links.resolve_contractor_link(session, token)


def test_board_groups_overdue_soon_and_awaiting(session, world):
    w = world["walk"]
    late = new_remedy(session, world, [add_spot(session, w, 55.6545, 12.36)],
                      deadline=TODAY + timedelta(days=1))
    soon = new_remedy(session, world, [add_spot(session, w, 55.6546, 12.36)],
                      deadline=TODAY + timedelta(days=10))
    board = queries.follow_up_board(session, actor_for(world["coord"]),
                                    on=TODAY + timedelta(days=3))
    assert [r.id for r in board.overdue] == [late.id]
    assert [r.id for r in board.due_soon] == [soon.id]
    assert dict(board.per_owner)["Albertslund Kommune, Vej og Park"]["foreslaaet"] == 2
    with pytest.raises(PermissionDenied):
        queries.follow_up_board(session, actor_for(world["insp"]))


def test_rewalk_not_fixed_reopens_and_notifies(session, world):
    from walkapp.models import OutboxMessage
    from walkapp.services import walks as ws

    w = world["walk"]
    r = new_remedy(session, world, [add_spot(session, w, 55.6545, 12.36, ("BEV",))])
    move(session, world["coord"], r, "godkendt")
    move(session, world["coord"], r, "tildelt")
    r.status = "udfoert"
    session.flush()
    rewalk = make_walk(session, coordinator=world["coord"], area=w.area, previous_walk_id=w.id)
    p = ws.join_walk(session, Actor(), rewalk, "Beboer Bo")
    guest = Actor(guest_participations={rewalk.id: p.id})
    assert [x.id for x in queries.followup_remedies(session, rewalk)] == [r.id]
    lifecycle.verdict(session, guest, rewalk, r.id, works=False, comment="Stadig mørkt")
    assert r.status == "tildelt"
    assert lifecycle.last_verdict(r, rewalk.id) == "not_fixed"
    kinds = session.scalars(sa.select(OutboxMessage.kind).where(
        OutboxMessage.remedy_id == r.id)).all()
    assert "not_fixed" in kinds
    stranger = Actor()
    with pytest.raises(PermissionDenied):
        lifecycle.verdict(session, stranger, rewalk, r.id, works=True)


def test_expired_link_is_refused_and_changes_nothing(session, world):
    r = new_remedy(session, world, [add_spot(session, world["walk"], 55.6545, 12.36, ("BEV",))])
    move(session, world["coord"], r, "godkendt")
    move(session, world["coord"], r, "tildelt")
    link, token = links.create_contractor_link(session, actor_for(world["coord"]), r.id, days=1)
    from datetime import UTC, datetime

    link.expires_at = datetime.now(UTC) - timedelta(seconds=1)
    session.flush()
    with pytest.raises(PermissionDenied):
        links.resolve_contractor_link(session, token)
    assert r.status == "tildelt"


def test_report_file_is_what_the_reader_may_see(tmp_path):
    """The PDF embeds the blurred set for everyone but coordinators and police, and for them
    too in the publishable version; a missing rendition is left out, never swapped."""
    store = FileStore(tmp_path)
    sha = "ab" * 32
    store.save(sha, "display.jpg", b"plain")
    store.save(sha, "r-k1-display.jpg", b"blurred")
    photo = Photo(sha256=sha, token="t" * 43, width=1, height=1, source_format="jpeg",
                  redaction_key="k1", blur_pending=False, has_original=False)
    settings = Settings()
    coordinator, planner = Actor(user_id=1, role="koordinator"), Actor(user_id=2,
                                                                          role="planlaegger")

    def got(actor, rendition="display", public=False):
        path = photo_service.report_file(None, actor, photo, rendition, store, settings, public)
        return path.read_bytes() if path else None

    assert got(coordinator) == b"plain"
    assert got(planner) == b"blurred"  # the full version too
    assert got(Actor(user_id=3, role="deltager", org_kind="politi")) == b"plain"
    assert got(coordinator, public=True) == b"blurred"
    assert got(planner, "thumb") is None and got(coordinator, "thumb", public=True) is None
    photo.redaction_key = None  # nothing to blur: everyone gets it as it is
    assert got(planner) == b"plain" and got(coordinator, public=True) == b"plain"


def test_concurrent_writers_never_overwrite_each_other(app, session, world):
    """Both pass the version check; the database's version column stops the second."""
    import sqlalchemy.orm as so

    from walkapp.extensions import db

    r = new_remedy(session, world, [add_spot(session, world["walk"], 55.6545, 12.36, ("BEV",))])
    session.commit()
    coord = actor_for(world["coord"])
    other = so.Session(db.engine)
    try:
        mine = lifecycle.actor_transition(session, coord, r.id, "godkendt", "", 1)
        theirs_remedy = other.get(Remedy, r.id)
        assert theirs_remedy.version == 1
        session.commit()
        with pytest.raises(Conflict) as exc:
            lifecycle.actor_transition(other, coord, r.id, "afvist", "dublet", 1)
        assert exc.value.remedy.status == "godkendt"
    finally:
        other.close()
    session.expire_all()
    assert session.get(Remedy, r.id).status == "godkendt" and mine.version == 2
    assert [e.to_status for e in session.get(Remedy, r.id).events] == ["foreslaaet", "godkendt"]
