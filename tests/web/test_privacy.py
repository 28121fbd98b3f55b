"""Privacy in the web layer: the note check and the spot API's warning, the edit page's
confirmation, the closing meeting's flags and redaction, erasure pages, retention-run."""

import re
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa

from tests.conftest import csrf_from, logged_in, post_spot
from tests.factories import add_spot, make_guest, make_user, make_walk, spot_form
from walkapp.models import Participant, Spot, User
from walkapp.models.privacy import PrivacyLog, SpotEvent

NAMED = "Hans Jensen på 22 33 44 55 parkerer her"


def join(client, walk) -> str:
    token = csrf_from(client.get(f"/j/{walk.join_code}").get_data(as_text=True))
    resp = client.post(f"/j/{walk.join_code}", data={"display_name": "Anna",
                                                      "role_label": "beboer", "csrf_token": token})
    assert resp.status_code == 302
    return token


# --- the check endpoint and the spot API ------------------------------------------------------


def test_note_check_lists_the_findings_in_danish(client, auth):
    token = auth.token()
    resp = client.post("/api/notes/check", data={"note": NAMED}, headers={"X-CSRFToken": token})
    assert resp.status_code == 200
    body = resp.get_json()
    assert [(f["kind"], f["text"], f["label"]) for f in body["findings"]] == [
        ("name", "Hans Jensen", "navn på en person"), ("phone", "22 33 44 55", "telefonnummer")]
    assert body["warning"]["message"].startswith("Noten ser ud til")


def test_note_check_of_an_ordinary_note_and_bad_input(client, auth):
    token = auth.token()
    ok = client.post("/api/notes/check", json={"note": "Mørk sti ved Hyldespjældet"},
                     headers={"X-CSRFToken": token})
    assert ok.get_json() == {"findings": [], "warning": None}
    for body in ([1, 2], {"note": 7}, "x"):
        resp = client.post("/api/notes/check", json=body, headers={"X-CSRFToken": token})
        assert resp.status_code == 200 and resp.get_json()["findings"] == []
    too_long = client.post("/api/notes/check", data={"note": "x" * 2001},
                           headers={"X-CSRFToken": token})
    assert too_long.status_code == 422 and too_long.get_json()["field"] == "note"
    assert client.post("/api/notes/check", data={"note": NAMED}).status_code == 400  # CSRF


def test_spot_api_answers_with_a_privacy_warning(client, session):
    walk = make_walk(session)
    session.commit()
    token = join(client, walk)
    named = post_spot(client, walk.id, token, spot_form(note=NAMED), expect=201).get_json()
    assert [f["kind"] for f in named["privacy_warning"]["findings"]] == ["name", "phone"]
    assert session.get(Spot, named["id"]).note == NAMED  # saved all the same
    plain = post_spot(client, walk.id, token, spot_form(note="Mørk sti"), expect=201).get_json()
    assert plain["privacy_warning"] is None
    edited = client.post(f"/api/spots/{plain['id']}", data={
        **spot_form(note="fru Hansen klager"), "csrf_token": token})
    assert edited.status_code == 200
    assert edited.get_json()["privacy_warning"]["findings"][0]["text"] == "fru Hansen"


# --- the edit page ----------------------------------------------------------------------------


def test_edit_page_warns_before_saving_and_saves_when_confirmed(client, session):
    walk = make_walk(session)
    session.commit()
    token = join(client, walk)
    feat = post_spot(client, walk.id, token, expect=201).get_json()
    url = f"/walks/{walk.id}/spots/{feat['id']}/edit"
    form = {"csrf_token": token, "lat": "55.6545", "lon": "12.36", "kind": "utryg",
            "categories": ["LYS"], "note": NAMED, "visibility": "offentlig"}
    warned = client.post(url, data=form)
    html = warned.get_data(as_text=True)
    assert warned.status_code == 422 and 'id="privacy-warning"' in html
    assert "Gem alligevel" in html and "Ret noten" in html and "Hans Jensen" in html
    session.expire_all()
    assert session.get(Spot, feat["id"]).note == "Mørk sti"  # not saved yet
    saved = client.post(url, data={**form, "privacy_ack": "1"})
    assert saved.status_code == 302
    session.expire_all()
    assert session.get(Spot, feat["id"]).note == NAMED
    plain = client.post(url, data={**form, "note": "Mørk sti ved Hyldespjældet"})
    assert plain.status_code == 302  # an ordinary note needs no confirmation


# --- the closing meeting ----------------------------------------------------------------------


def test_closing_meeting_flags_and_redacts_logged(app, session):
    coord = make_user(session, "koordinator")
    coord.name = "Karen Koordinator"
    walk = make_walk(session, coord)
    named = add_spot(session, walk, note=NAMED)
    plain = add_spot(session, walk, note="Mørk sti ved Hyldespjældet")
    session.commit()
    client, token = logged_in(app, coord)
    html = client.get(f"/walks/{walk.id}/closing").get_data(as_text=True)
    assert f'id="privacy-flag-{named.id}"' in html and f'id="privacy-flag-{plain.id}"' not in html
    assert "navn på en person" in html
    resp = client.post(f"/walks/{walk.id}/closing/note", data={
        "csrf_token": token, "spot_id": str(named.id), "action": "redact"})
    assert resp.status_code == 302 and resp.headers["Location"].endswith(f"#spot-{named.id}")
    session.expire_all()
    assert session.get(Spot, named.id).note == "[fjernet] på [fjernet] parkerer her"
    event = session.scalars(sa.select(SpotEvent)).one()
    assert (event.spot_id, event.user_id, event.actor_label) == (named.id, coord.id,
                                                                 "Karen Koordinator")
    html = client.get(f"/walks/{walk.id}/closing").get_data(as_text=True)
    assert f'id="privacy-flag-{named.id}"' not in html
    assert "Noten renset af Karen Koordinator" in html
    for spot_id, status in (("999999", 404), ("99999999999999999999999999999", 422)):
        bad = client.post(f"/walks/{walk.id}/closing/note", data={
            "csrf_token": token, "spot_id": spot_id, "action": "redact"})
        assert bad.status_code == status


def test_closing_redaction_is_for_coordinators(app, session):
    walk = make_walk(session)
    spot = add_spot(session, walk, note=NAMED)
    leader = make_user(session, "vandringsleder")
    session.commit()
    client, token = logged_in(app, leader)
    resp = client.post(f"/walks/{walk.id}/closing/note", data={
        "csrf_token": token, "spot_id": str(spot.id), "action": "redact"})
    assert resp.status_code == 403
    session.expire_all()
    assert session.get(Spot, spot.id).note == NAMED


# --- erasure ----------------------------------------------------------------------------------


def test_admin_erases_a_user_after_confirming(app, session):
    admin = make_user(session, "admin")
    person = make_user(session, "deltager", email="jens@example.dk")
    person.name = "Jens Hansen"
    walk = make_walk(session)
    spot = add_spot(session, walk, note="Mørk")
    session.commit()
    client, token = logged_in(app, admin)
    page = client.get(f"/admin/users/{person.id}/edit").get_data(as_text=True)
    assert f"/admin/users/{person.id}/erase" in page
    confirm = client.get(f"/admin/users/{person.id}/erase")
    assert confirm.status_code == 200 and "jens@example.dk" in confirm.get_data(as_text=True)
    unticked = client.post(f"/admin/users/{person.id}/erase", data={"csrf_token": token})
    assert unticked.status_code == 422
    session.expire_all()
    assert session.get(User, person.id).email == "jens@example.dk"
    done = client.post(f"/admin/users/{person.id}/erase",
                       data={"csrf_token": token, "confirm": "1"})
    assert done.status_code == 302
    session.expire_all()
    user = session.get(User, person.id)
    assert user.name == "" and "jens" not in user.email and not user.active
    assert session.get(Spot, spot.id).note == "Mørk"
    assert session.scalars(sa.select(PrivacyLog.subject)).all() == [f"user {person.id}"]
    own = client.post(f"/admin/users/{admin.id}/erase",
                      data={"csrf_token": token, "confirm": "1"})
    assert own.status_code == 422


def test_admin_erases_a_guest_from_the_participant_list(app, session):
    admin = make_user(session, "admin")
    walk = make_walk(session, title="Aftenvandring i Hyldespjældet")
    guest, _actor = make_guest(session, walk, name="Lise fra nr. 7")
    spot = add_spot(session, walk, participant_id=guest.id)
    session.commit()
    client, token = logged_in(app, admin)
    assert f"/admin/walks/{walk.id}/participants" in client.get("/admin/walks").get_data(
        as_text=True)
    listing = client.get(f"/admin/walks/{walk.id}/participants").get_data(as_text=True)
    assert "Lise fra nr. 7" in listing
    url = f"/admin/walks/{walk.id}/participants/{guest.id}/erase"
    assert url in listing and client.get(url).status_code == 200
    resp = client.post(url, data={"csrf_token": token, "confirm": "1"})
    assert resp.status_code == 302
    session.expire_all()
    assert session.get(Participant, guest.id).display_name == ""
    assert session.get(Spot, spot.id).participant_id == guest.id
    assert "Lise" not in client.get(f"/admin/walks/{walk.id}/participants").get_data(
        as_text=True)
    assert client.get(f"/admin/walks/{walk.id}/participants/{guest.id + 5}/erase") \
        .status_code == 404


def test_erasure_pages_are_for_admins(app, session):
    coord = make_user(session, "koordinator")
    walk = make_walk(session, coord)
    guest, _actor = make_guest(session, walk)
    session.commit()
    client, token = logged_in(app, coord)
    assert client.get(f"/admin/walks/{walk.id}/participants").status_code == 403
    resp = client.post(f"/admin/walks/{walk.id}/participants/{guest.id}/erase",
                       data={"csrf_token": token, "confirm": "1"})
    assert resp.status_code == 403
    session.expire_all()
    assert session.get(Participant, guest.id).display_name == "Gæst"


# --- retention-run ----------------------------------------------------------------------------


def test_retention_run_command_with_dry_run(app, session, runner):
    walk = make_walk(session, status="igang", starts_at=datetime.now(UTC) - timedelta(days=40))
    guest, _actor = make_guest(session, walk, name="Gæst Gammel")
    walk.status, walk.ended_at = "afsluttet", datetime.now(UTC) - timedelta(days=30)
    session.commit()
    dry = runner.invoke(args=["retention-run", "--days", "20", "--dry-run"])
    assert dry.exit_code == 0 and "would anonymise 1 guest" in dry.output
    session.expire_all()
    assert session.get(Participant, guest.id).display_name == "Gæst Gammel"
    kept = runner.invoke(args=["retention-run"])  # RETENTION_DAYS: 365, nothing that old
    assert kept.exit_code == 0 and "anonymised 0 guest" in kept.output
    done = runner.invoke(args=["retention-run", "--days", "20"])
    assert done.exit_code == 0 and "anonymised 1 guest" in done.output
    session.expire_all()
    assert session.get(Participant, guest.id).display_name == ""
    assert session.scalar(sa.select(sa.func.count()).select_from(PrivacyLog)) == 3
    bad = runner.invoke(args=["retention-run", "--days", "0"])
    assert bad.exit_code != 0 and "at least one day" in bad.output


def test_admins_read_the_privacy_log_paged_newest_first(app, session, runner):
    """Retention runs and erasures are readable by admins (not only in the database), every
    entry reachable by paging, in Danish; other roles get 403."""
    admin = make_user(session, "admin")
    coordinator = make_user(session, "koordinator")
    people = [make_user(session, "deltager", email=f"p{i}@example.dk") for i in range(51)]
    session.commit()
    client, token = logged_in(app, admin)
    for person in people:
        assert client.post(f"/admin/users/{person.id}/erase",
                           data={"csrf_token": token, "confirm": "1"}).status_code == 302
    assert runner.invoke(args=["retention-run", "--dry-run"]).exit_code == 0
    first = client.get("/admin/privacy-log").get_data(as_text=True)
    assert "Privatlivslog" in first and "Opbevaringskørsel (prøvekørsel)" in first
    assert "52 registreringer" in first
    rows = re.findall(r"<td>(user \d+)</td>", first)
    assert len(rows) == 49 and rows[0] == f"user {people[-1].id}"  # the dry run is first
    older = client.get("/admin/privacy-log?page=2").get_data(as_text=True)
    assert re.findall(r"<td>(user \d+)</td>", older) == [f"user {people[1].id}",
                                                         f"user {people[0].id}"]
    assert client.get("/admin/privacy-log?page=x").status_code == 422
    other, _ = logged_in(app, coordinator)
    assert other.get("/admin/privacy-log").status_code == 403
