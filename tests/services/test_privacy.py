"""Privacy services on both databases: note redaction at the closing meeting, retention and
erasure."""

import json
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from tests.factories import actor_for, add_spot, jpeg_bytes, make_guest, make_user, make_walk
from walkapp.domain.errors import NotFound, PermissionDenied, ValidationError
from walkapp.models import Participant, Photo, Spot, User
from walkapp.models.outbox import OutboxMessage
from walkapp.models.privacy import PrivacyLog, SpotEvent
from walkapp.models.remedy import RemedyEvent
from walkapp.photos.store import FileStore
from walkapp.services import privacy
from walkapp.services.remedies import closing as remedy_closing

NOW = datetime(2026, 6, 1, 12, tzinfo=UTC)


# --- closing meeting: flags and redaction -----------------------------------------------------


def test_flags_only_notes_that_name_people(session):
    walk = make_walk(session)
    named = add_spot(session, walk, note="Hans Jensen på 22 33 44 55 holder her")
    plain = add_spot(session, walk, note="Mørk sti ved Hyldespjældet")
    flags = privacy.note_flags([named, plain])
    assert list(flags) == [named.id]
    assert [f.kind for f in flags[named.id]] == ["name", "phone"]


def test_redaction_replaces_the_flagged_parts_and_is_logged(session):
    coord = make_user(session, "koordinator")
    coord.name = "Karen Koordinator"
    walk = make_walk(session, coord)
    spot = add_spot(session, walk, note="Hans Jensen på 22 33 44 55 holder her")
    version = spot.version
    event = privacy.redact_note(session, actor_for(coord), walk,
                                privacy.NoteChange(spot.id, None))
    session.commit()
    assert session.get(Spot, spot.id).note == "[fjernet] på [fjernet] holder her"
    assert spot.version == version + 1  # the live poll and edit forms see the change
    row = session.get(SpotEvent, event.id)
    assert (row.kind, row.user_id, row.actor_label, row.detail) == (
        "note_redacted", coord.id, "Karen Koordinator", "phone,name")
    assert row.created_at is not None
    assert "Hans" not in row.detail  # the log never keeps what was removed


def test_coordinator_can_rewrite_a_flagged_note(session):
    coord = make_user(session, "koordinator")
    walk = make_walk(session, coord)
    spot = add_spot(session, walk, note="fru Hansen klager")
    privacy.redact_note(session, actor_for(coord), walk,
                        privacy.NoteChange(spot.id, "Beboere klager over lyset"))
    assert spot.note == "Beboere klager over lyset"
    assert session.scalar(sa.select(SpotEvent.kind).where(SpotEvent.spot_id == spot.id)) \
        == "note_edited"


def test_only_coordinators_redact_and_only_spots_of_the_walk(session):
    walk, other = make_walk(session), make_walk(session, title="Anden")
    spot = add_spot(session, other, note="Hans Jensen")
    leader = make_user(session, "vandringsleder")
    with pytest.raises(PermissionDenied):
        privacy.redact_note(session, actor_for(leader), walk, privacy.NoteChange(spot.id, None))
    coord = make_user(session, "koordinator")
    with pytest.raises(NotFound):
        privacy.redact_note(session, actor_for(coord), walk, privacy.NoteChange(spot.id, None))
    assert spot.note == "Hans Jensen"


def test_note_confirmation():
    privacy.confirm_note("Mørk sti", confirmed=False)
    privacy.confirm_note("Hans Jensen bor her", confirmed=True)
    with pytest.raises(privacy.NoteNeedsConfirmation) as exc:
        privacy.confirm_note("Hans Jensen bor her", confirmed=False)
    assert exc.value.field == "note" and exc.value.status == 422
    assert [f.text for f in exc.value.findings] == ["Hans Jensen"]


# --- retention --------------------------------------------------------------------------------


def _original(store: FileStore, color) -> str:
    """Store a photo's three files; return its sha256."""
    data = jpeg_bytes(color=color)
    import hashlib  # only here: the fake content address of this test photo

    sha = hashlib.sha256(data).hexdigest()
    for name in ("original.jpg", "display.jpg", "thumb.jpg", "r-k1-display.jpg"):
        store.save(sha, name, data)
    return sha


def _photo(session, spot, sha, token):
    photo = Photo(spot_id=spot.id, sha256=sha, token=token, width=8, height=6,
                  source_format="JPEG", has_original=True, redaction_key="k1",
                  blur_pending=False)
    session.add(photo)
    session.flush()
    return photo


@pytest.fixture
def retention_env(session, tmp_path):
    store = FileStore(tmp_path / "store")
    coord = make_user(session, "koordinator")
    old = make_walk(session, coord, title="Gammel", status="igang",
                    starts_at=NOW - timedelta(days=500))
    recent = make_walk(session, coord, area=old.area, title="Ny", status="igang",
                       starts_at=NOW - timedelta(days=100))
    running = make_walk(session, coord, area=old.area, title="Igang", status="igang",
                        starts_at=NOW - timedelta(days=600))
    guests = {w.title: make_guest(session, w, name=f"Gæst {w.title}")[0]
              for w in (old, recent, running)}
    member = make_user(session, "deltager")
    from walkapp.services import walks as walk_service  # a user's participation, not a guest's

    user_part = walk_service.join_walk(session, actor_for(member), old, "Medlem")
    old.status, old.ended_at = "afsluttet", NOW - timedelta(days=400)
    recent.status, recent.ended_at = "afsluttet", NOW - timedelta(days=100)
    old_spot = add_spot(session, old, note="Mørk", participant_id=guests["Gammel"].id)
    new_spot = add_spot(session, recent, note="Lys", participant_id=guests["Ny"].id)
    old_sha, new_sha, shared_sha = (_original(store, c) for c in
                                    ((1, 2, 3), (4, 5, 6), (7, 8, 9)))
    _photo(session, old_spot, old_sha, "t-old")
    _photo(session, new_spot, new_sha, "t-new")
    # the same upload on an old and a recent spot: the file stays for the recent one
    _photo(session, old_spot, shared_sha, "t-shared-old")
    _photo(session, new_spot, shared_sha, "t-shared-new")
    session.commit()
    return {"store": store, "old": old, "guests": guests, "user_part": user_part,
            "old_sha": old_sha, "new_sha": new_sha, "shared_sha": shared_sha}


def test_retention_anonymises_exactly_the_old_closed_walks_guests(session, retention_env):
    env = retention_env
    result = privacy.run_retention(session, env["store"], 365, now=NOW)
    assert result.walks == [env["old"].id] and result.participants == 1
    names = dict(session.execute(sa.select(Participant.id, Participant.display_name)).all())
    g = env["guests"]
    assert names[g["Gammel"].id] == ""
    assert names[g["Ny"].id] == "Gæst Ny" and names[g["Igang"].id] == "Gæst Igang"
    assert names[env["user_part"].id] == "Medlem"  # accounts are erased, not retained
    old_guest = session.get(Participant, g["Gammel"].id)
    assert old_guest.anonymised_at is not None and old_guest.joined_at == env["old"].starts_at
    # the spot keeps its participant (the role label) but no name
    spot = session.scalar(sa.select(Spot).where(Spot.walk_id == env["old"].id))
    assert spot.participant.role_label == "beboer" and spot.note == "Mørk"


def test_retention_deletes_only_the_clean_originals_of_old_walks(session, retention_env):
    env = retention_env
    store = env["store"]
    result = privacy.run_retention(session, store, 365, now=NOW)
    assert store.names(env["old_sha"]) == {"display.jpg", "thumb.jpg", "r-k1-display.jpg"}
    assert "original.jpg" in store.names(env["new_sha"])
    assert "original.jpg" in store.names(env["shared_sha"])  # a recent photo still uses it
    assert result.deleted_files == [f"{env['old_sha']}/original.jpg"]
    has = dict(session.execute(sa.select(Photo.token, Photo.has_original)).all())
    assert has == {"t-old": False, "t-shared-old": False, "t-new": True, "t-shared-new": True}


def test_retention_runs_are_logged_and_a_dry_run_changes_nothing(session, retention_env):
    env = retention_env
    dry = privacy.run_retention(session, env["store"], 365, dry_run=True, now=NOW)
    assert dry.participants == 1 and dry.originals == 2 and dry.deleted_files == []
    assert "original.jpg" in env["store"].names(env["old_sha"])
    assert session.get(Participant, env["guests"]["Gammel"].id).display_name == "Gæst Gammel"
    privacy.run_retention(session, env["store"], 365, now=NOW)
    again = privacy.run_retention(session, env["store"], 365, now=NOW)
    assert again.participants == 0 and again.originals == 0  # nothing twice
    log = session.scalars(sa.select(PrivacyLog).order_by(PrivacyLog.id)).all()
    assert [(e.kind, e.dry_run) for e in log] == [("retention", True), ("retention", False),
                                                  ("retention", False)]
    summary = json.loads(log[1].summary)
    assert summary["participants"] == 1 and summary["days"] == 365 and summary["originals"] == 2


def test_retention_refuses_a_period_below_one_day(session, tmp_path):
    with pytest.raises(ValidationError):
        privacy.run_retention(session, FileStore(tmp_path), 0)


# --- erasure ----------------------------------------------------------------------------------


def test_erasing_an_account_keeps_its_findings_without_the_name(session):
    admin = make_user(session, "admin")
    person = make_user(session, "deltager", email="jens.hansen@example.dk")
    person.name = "Jens Hansen"
    walk = make_walk(session)
    from walkapp.services import walks as walk_service  # the person's participation

    part = walk_service.join_walk(session, actor_for(person), walk, "Jens")
    spot = add_spot(session, walk, note="Mørk", participant_id=part.id)

    session.add(OutboxMessage(dedupe_key="x1", kind="assigned", to_addr=person.email,
                              user_id=person.id, subject="s", body="b"))
    session.commit()
    token = person.session_token
    privacy.erase_user(session, actor_for(admin), person)
    session.commit()
    user = session.get(User, person.id)
    assert user.name == "" and user.email == privacy.erased_email(person.id)
    assert not user.active and user.session_token != token
    assert not user.check_password("secret-pass")
    p = session.get(Participant, part.id)
    assert (p.display_name, p.user_id) == ("", None) and p.anonymised_at is not None
    kept = session.get(Spot, spot.id)
    assert kept.note == "Mørk" and kept.participant_id == part.id
    assert session.scalar(sa.select(sa.func.count()).select_from(OutboxMessage)) == 0
    entry = session.scalars(sa.select(PrivacyLog)).one()
    assert (entry.kind, entry.user_id, entry.subject) == ("erasure", admin.id, f"user {person.id}")
    assert "jens" not in (entry.summary + entry.subject).lower()


def test_erasure_clears_the_name_in_histories(session):
    admin, coord = make_user(session, "admin"), make_user(session, "koordinator")
    coord.name = "Karen Koordinator"
    walk = make_walk(session, coord)
    spot = add_spot(session, walk, note="Hans Jensen")
    remedy = remedy_closing.create_remedy(session, actor_for(coord), walk, remedy_closing
                                          .RemedyInput(spot_ids=[spot.id], title="Lys"))
    privacy.redact_note(session, actor_for(coord), walk, privacy.NoteChange(spot.id, None))
    privacy.erase_user(session, actor_for(admin), coord)
    session.commit()
    labels = session.scalars(sa.select(RemedyEvent.actor_label).where(
        RemedyEvent.remedy_id == remedy.id)).all()
    assert labels == [""]
    assert session.scalars(sa.select(SpotEvent.actor_label)).all() == [""]


def test_only_admins_erase_and_never_themselves(session):
    admin, coord = make_user(session, "admin"), make_user(session, "koordinator")
    victim = make_user(session, "deltager")
    with pytest.raises(PermissionDenied):
        privacy.erase_user(session, actor_for(coord), victim)
    with pytest.raises(ValidationError):
        privacy.erase_user(session, actor_for(admin), admin)


def test_erasing_a_guest_participation(session):
    admin = make_user(session, "admin")
    walk = make_walk(session)
    guest, _actor = make_guest(session, walk, name="Lise fra nr. 7")
    spot = add_spot(session, walk, participant_id=guest.id, note="Lys mangler")
    p = privacy.get_participant(session, actor_for(admin), walk.id, guest.id)
    privacy.erase_participant(session, actor_for(admin), p)
    session.commit()
    assert session.get(Participant, guest.id).display_name == ""
    assert session.get(Spot, spot.id).participant_id == guest.id
    assert session.scalars(sa.select(PrivacyLog.subject)).all() == [f"participant {guest.id}"]
    with pytest.raises(NotFound):
        privacy.get_participant(session, actor_for(admin), walk.id + 1, guest.id)
