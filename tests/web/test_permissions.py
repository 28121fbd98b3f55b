"""Every page and API endpoint, for every role, anonymous and a guest: the status each gets.

The endpoints come from ``app.url_map``, so new ones are covered as soon as they exist.
``EXPECT`` says what each (endpoint, method) answers for whom; an endpoint missing from it
fails ``test_every_endpoint_is_classified`` with the lines to add. To classify one, add a line
using the helpers below (``page``, ``form``, ``everyone``...), or ``spec(...)`` for anything else.
If an endpoint takes a URL argument not in ``World.url_args``, add its sample value there.
"""

import re
from dataclasses import dataclass, field

import pytest
from werkzeug.routing import BuildError

from tests.conftest import AuthActions
from tests.factories import spot_form
from walkapp.domain.actor import Actor

ROLES = ("admin", "koordinator", "vandringsleder", "deltager", "inspektoer", "planlaegger")
WHO = ROLES + ("anonymous", "guest")
READERS = {"admin", "koordinator", "planlaegger"}  # read every walk and spot
PLANNERS = {"admin", "koordinator"}  # plan walks, lead any walk
ADMINS = {"admin"}
USERS = set(ROLES)
# On the world's walk: vandringsleder leads it; deltager and the guest joined it.
WALK_LEADERS = PLANNERS | {"vandringsleder"}
ON_WALK = WALK_LEADERS | {"deltager", "guest"}
SEES_SPOT = READERS | {"vandringsleder", "deltager", "guest"}

OK = {200}
REDIRECT = {302, 303}
LOGIN = {302}  # login_required GET: redirect to the login page
UNAUTH = {401}  # login_required POST or API call without a login
DENIED = {403}
HIDDEN = {404}
# A POST with an empty form from someone allowed: rejected input, a conflict or a redirect,
# but never 401/403 and never 500.
FORM = {200, 201, 302, 303, 409, 422}


def spec(allowed, ok, *, user=DENIED, anonymous=LOGIN, guest=None) -> dict[str, set[int]]:
    """Return who -> acceptable statuses: *ok* for *allowed*, the others as given."""
    out = {}
    for who in WHO:
        if who in allowed:
            out[who] = set(ok)
        elif who == "anonymous":
            out[who] = set(anonymous)
        elif who == "guest":
            out[who] = set(guest if guest is not None else anonymous)
        else:
            out[who] = set(user)
    return out


def page(allowed, ok=OK):
    """A login_required page: others 403, not logged in -> login."""
    return spec(allowed, ok)


def form(allowed, ok=FORM):
    """A login_required form POST: others 403, not logged in -> 401."""
    return spec(allowed, ok, anonymous=UNAUTH)


def everyone(ok):
    return spec(set(WHO), ok)


EXPECT: dict[tuple[str, str], dict[str, set[int]]] = {
    ("static", "GET"): everyone(OK),
    ("main.healthz", "GET"): everyone(OK),
    ("main.index", "GET"): spec(USERS | {"guest"}, OK),
    ("main.set_language", "GET"): everyone(REDIRECT),
    ("auth.login", "GET"): everyone(OK),
    ("auth.login", "POST"): everyone({422}),
    ("auth.logout", "POST"): form(USERS, REDIRECT),
    ("join.show", "GET"): spec({"deltager", "guest"}, REDIRECT, user=OK, anonymous=OK),
    ("join.join", "POST"): everyone(REDIRECT),
    ("photos.show", "GET"): spec(SEES_SPOT, OK, user=HIDDEN, anonymous=HIDDEN),
    # API
    ("api.spots_geojson", "GET"): everyone(OK),  # filtered to what the caller may see
    ("api.get_spot", "GET"): spec(SEES_SPOT, OK, user=HIDDEN, anonymous=HIDDEN),
    ("api.check_note", "POST"): everyone(OK),  # checks text only; reads and stores nothing
    ("api.create_spot", "POST"): spec(ON_WALK, {422}, anonymous={401, 403}),
    ("api.update_spot", "POST"): spec(WALK_LEADERS | {"guest"}, {409, 422},
                                      user={403, 404}, anonymous={401, 403, 404}),
    ("api.hide_spot", "POST"): spec(WALK_LEADERS, {200, 422},
                                    user={403, 404}, anonymous={401, 403, 404}),
    # The spot overview
    ("spots.index", "GET"): page(READERS),
    ("spots.show", "GET"): page(READERS),
    # Administration
    ("admin.index", "GET"): page(ADMINS),
    ("admin.organisations", "GET"): page(ADMINS),
    ("admin.organisation_new", "GET"): page(ADMINS),
    ("admin.organisation_new", "POST"): form(ADMINS, {422}),
    ("admin.organisation_edit", "GET"): page(ADMINS),
    ("admin.organisation_edit", "POST"): form(ADMINS, {422}),
    ("admin.users", "GET"): page(ADMINS),
    ("admin.audit_log", "GET"): page(ADMINS),
    ("admin.privacy_log", "GET"): page(ADMINS),
    ("admin.walks", "GET"): page(ADMINS),
    ("admin.participants", "GET"): page(ADMINS),
    ("admin.participant_erase", "GET"): page(ADMINS),
    ("admin.user_erase", "GET"): page(ADMINS),
    ("admin.user_erase", "POST"): form(ADMINS, {422}),  # not confirmed: nothing is erased
    ("admin.participant_erase", "POST"): form(ADMINS, {422}),
    ("admin.user_new", "GET"): page(ADMINS),
    ("admin.user_new", "POST"): form(ADMINS, {422}),
    ("admin.user_edit", "GET"): page(ADMINS),
    ("admin.user_edit", "POST"): form(ADMINS, {422}),
    ("admin.user_password", "POST"): form(ADMINS, {422}),
    ("admin.areas", "GET"): page(ADMINS),
    ("admin.area_new", "GET"): page(ADMINS),
    ("admin.area_new", "POST"): form(ADMINS, {422}),
    ("admin.area_edit", "GET"): page(ADMINS),
    ("admin.area_edit", "POST"): form(ADMINS, {422}),
    ("admin.area_delete", "POST"): form(ADMINS, {409}),  # the world's area has a walk
    # Walks (DOMAIN.md: coordinators plan; the leader runs the walk; participants take part)
    ("walks.new", "GET"): page(PLANNERS),
    ("walks.new", "POST"): form(PLANNERS, {422}),
    ("walks.edit", "GET"): page(PLANNERS),
    ("walks.edit", "POST"): form(PLANNERS, {422}),
    ("walks.show", "GET"): spec(READERS | ON_WALK, OK),
    # Nobody is sent on to the join page: its URL is the join code (issue 12, point 3).
    ("walks.mode", "GET"): spec(ON_WALK, OK),
    ("walks.spots", "GET"): spec(READERS | ON_WALK, OK),
    # The join link is no secret to those on the walk (they came in through it).
    ("walks.print_page", "GET"): spec(READERS | ON_WALK, OK),
    ("walks.qr", "GET"): spec(READERS | ON_WALK, OK),
    ("walks.set_status", "POST"): spec(WALK_LEADERS, FORM, anonymous={401, 403}),
    ("walks.edit_spot", "GET"): spec(WALK_LEADERS | {"guest"}, OK, user={403, 404}),
    ("walks.edit_spot", "POST"): spec(WALK_LEADERS | {"guest"}, FORM, user={403, 404},
                                      anonymous={401, 403, 404}),
    ("walks.hide_spot", "POST"): spec(WALK_LEADERS, FORM, user={403, 404},
                                      anonymous={401, 403, 404}),
    # Photo redaction: coordinators only (the photos issue); each POST runs once per world.
    ("photos.redactions", "GET"): page(PLANNERS),
    ("photos.add_redaction", "POST"): form(PLANNERS, {422}),
    ("photos.remove_redaction", "POST"): form(PLANNERS, REDIRECT),
    # Closing meeting: coordinators (DOMAIN.md), not the walk leader, not planners.
    ("closing.closing", "GET"): page(PLANNERS),
    ("closing.merge", "POST"): form(PLANNERS, {422}),
    ("closing.unmerge", "POST"): form(PLANNERS, {422}),
    ("closing.redact_note", "POST"): form(PLANNERS, {422}),
    ("closing.create_remedy", "POST"): form(PLANNERS, {422}),
    # Walk report: whoever reads the walk (participants get the publishable version).
    # Inspectors work remedies, they do not read walks.
    ("closing.report", "GET"): spec(READERS | ON_WALK, OK),
    ("closing.report_pdf", "GET"): spec(READERS | ON_WALK, OK),
    # Re-walk: coordinators, its leader and its participants; others (also people without an
    # account who have not joined: they need the walk's QR code, not the login page) 403.
    ("closing.followup", "GET"): spec(ON_WALK, OK, anonymous=DENIED),
    ("closing.followup_verdict", "POST"): spec(ON_WALK, {422}, anonymous=DENIED),
    # Remedies: readers see all, an inspector those of their own organisation (the world's
    # remedy_id is the inspector's; test_inspector_only_own_remedies covers the other one).
    ("remedies.index", "GET"): spec(READERS | {"inspektoer"}, REDIRECT),
    ("remedies.mine", "GET"): page(PLANNERS | {"inspektoer"}),
    ("remedies.board", "GET"): page(READERS),
    ("remedies.show", "GET"): page(READERS | {"inspektoer"}),
    ("remedies.catalogue", "GET"): page(USERS),  # reference material for every user
    ("remedies.template_form", "GET"): page(ADMINS),  # DOMAIN.md: admins edit the catalogue
    ("remedies.template_form", "POST"): form(ADMINS, {422}),
    ("remedies.settings", "GET"): page(USERS),  # one's own notification preference
    ("remedies.settings", "POST"): form(USERS, {422}),
    ("remedies.edit", "POST"): form(PLANNERS, {422}),
    # Planners may see a remedy, so an empty move is 422 before the role check (the API's
    # documented order); test_inspector_only_own_remedies checks a real move is 403 for them.
    ("remedies.transition", "POST"): {**form(PLANNERS | {"inspektoer"}, {422}),
                                      "planlaegger": {403, 422}},
    ("remedies.create_link", "POST"): form(PLANNERS | {"inspektoer"}, REDIRECT),
    ("remedies.revoke_link", "POST"): form(PLANNERS | {"inspektoer"}, REDIRECT),
    # An old remedy-photo URL sends whoever may see the remedy on to the photo service.
    ("remedies.remedy_photo", "GET"): spec(READERS | {"inspektoer"}, REDIRECT, user=HIDDEN,
                                           anonymous=HIDDEN),
    # The spot's photo: for who sees the spot, and for the inspector through the remedy.
    ("remedies.spot_photo", "GET"): spec(SEES_SPOT | {"inspektoer"}, OK, user=HIDDEN,
                                         anonymous=HIDDEN),
    ("api.remedies_geojson", "GET"): spec(READERS | {"inspektoer"}, OK,
                                          anonymous={401, 403}),
    ("api.transition", "POST"): {**spec(PLANNERS | {"inspektoer"}, {422},
                                        anonymous={401, 403}), "planlaegger": {403, 422}},
    # A contractor link is a bearer token: whoever holds it, for that one remedy.
    ("contractor.show", "GET"): everyone(OK),
    ("contractor.act", "POST"): everyone({422}),  # an empty note
    # Planner: hotspot maps, statistics, focus areas (analysts: planners and coordinators).
    ("planner.index", "GET"): page(READERS),
    ("planner.over_time", "GET"): page(READERS),
    ("planner.statistics", "GET"): page(READERS),
    ("planner.statistics_csv", "GET"): page(READERS),
    ("planner.focus_index", "GET"): page(READERS),
    ("planner.focus_show", "GET"): page(READERS),
    ("planner.focus_create", "POST"): form(READERS, {422}),
    # POSTs run in name order: focus_delete (a redirect) comes before focus_update.
    ("planner.focus_delete", "POST"): form(READERS, REDIRECT),
    ("planner.focus_update", "POST"): form(READERS, {404, 422}),
    ("api.hotspots_geojson", "GET"): spec(READERS, OK, anonymous=UNAUTH),
}


@dataclass
class World:
    """A small world: one user of every role, a walk led by the vandringsleder, joined by the
    deltager and a guest, and a spot of the guest's with a photo."""

    users: dict[str, int]
    logins: dict[str, str]  # role -> what a session holds after logging in (User.get_id)
    walk_id: int
    guest_participant: int
    url_args: dict[str, object] = field(default_factory=dict)
    remedies: dict[str, int] = field(default_factory=dict)
    # endpoint -> URL arguments that differ from url_args (e.g. a contractor link's token)
    endpoint_args: dict[str, dict[str, object]] = field(default_factory=dict)

    def args_for(self, endpoint: str) -> dict[str, object]:
        return {**self.url_args, **self.endpoint_args.get(endpoint, {})}

    def act_as(self, client, who: str) -> AuthActions:
        """Make *client* act as *who*, straight through the session (fast; login is tested
        apart); "anonymous" stays logged out."""
        auth = AuthActions(client)
        if who in ROLES:
            auth.enter(self.users[who])
        elif who == "guest":
            auth.join(self.walk_id, self.guest_participant)
        return auth


def _striped_jpeg() -> bytes:
    """A photo with detail, so that blurring part of it changes its bytes."""
    import io

    from PIL import Image, ImageDraw

    img = Image.new("RGB", (800, 600), (90, 120, 160))
    draw = ImageDraw.Draw(img)
    for x in range(0, 800, 16):
        draw.rectangle((x, 0, x + 7, 599), fill=(240, 230, 40))
    buf = io.BytesIO()
    img.save(buf, "JPEG", quality=90)
    return buf.getvalue()


def _spot_with_photo(app, session, walk, actor):
    from walkapp.photos.processing import process
    from walkapp.photos.store import FileStore
    from walkapp.services import spots as spot_service

    data = spot_service.parse_spot_input(spot_form(), ["LYS"],
                                         spot_service.known_categories(session),
                                         spot_service.Limits())
    photo = process(_striped_jpeg(), max_bytes=app.config["PHOTO_MAX_BYTES"],
                    max_pixels=app.config["PHOTO_MAX_PIXELS"])
    return spot_service.add_spot(session, actor, walk, data, [photo],
                                 FileStore(app.config["PHOTO_DIR"]),
                                 spot_service.Limits()).spot


def _photo_args(app, spot) -> dict:
    """Return the URL arguments of the thumbnail URL the API hands out (the URL is the contract)."""
    from walkapp.api.spots import photo_url
    from walkapp.services.spots import spot_properties

    with app.test_request_context():
        thumb = spot_properties(spot, photo_url)["photos"][0]["thumb"]
        _endpoint, args = app.url_map.bind("localhost").match(thumb)
    return args


def build_world(app, session) -> World:
    from tests.factories import make_area, make_guest, make_user, make_walk
    from walkapp.services import walks as walk_service

    orgs = {"admin": ("Albertslund Kommune DKE", "kommune"),
            "koordinator": ("Albertslund Kommune DKE", "kommune"),
            "vandringsleder": ("Københavns Vestegns Politi", "politi"),
            "deltager": (None, "andet"),
            "inspektoer": ("Boligselskabet", "boligselskab"),
            "planlaegger": ("Albertslund Kommune DKE", "kommune")}
    users = {role: make_user(session, role, email=f"{role}@example.dk", org=org, org_kind=kind)
             for role, (org, kind) in orgs.items()}
    area = make_area(session)
    walk = make_walk(session, coordinator=users["koordinator"], area=area,
                     leader_id=users["vandringsleder"].id, status="igang")
    deltager = users["deltager"]
    walk_service.join_walk(session, Actor(user_id=deltager.id, role="deltager"), walk,
                           role_label="beboer")
    participant, guest = make_guest(session, walk)
    session.commit()
    spot = _spot_with_photo(app, session, walk, guest)
    world = World(users={r: u.id for r, u in users.items()},
                  logins={r: u.get_id() for r, u in users.items()}, walk_id=walk.id,
                  guest_participant=participant.id)
    world.url_args = {
        "walk_id": walk.id, "spot_id": spot.id, "area_id": area.id,
        "org_id": users["admin"].organisation_id, "user_id": users["deltager"].id,
        "code": walk.join_code, "filename": "css/app.css", "photo_id": spot.photos[0].id,
        "participant_id": participant.id,
        **_photo_args(app, spot),  # token, rendition and whatever else the photo URL holds
    }
    _add_follow_up(app, session, world, walk, spot, users)
    return world


def _add_follow_up(app, session, world: World, walk, spot, users) -> None:
    """Remedies (one of the inspector's organisation, one of another), a contractor link with
    a note photo, a catalogue template, a focus area and a redaction rectangle."""
    import sqlalchemy as sa

    from tests.factories import actor_for
    from walkapp.models import RemedyTemplate
    from walkapp.photos.processing import Settings
    from walkapp.photos.store import FileStore
    from walkapp.services import accounts, focus_areas
    from walkapp.services import photos as photo_service
    from walkapp.services.remedies import closing as remedy_closing
    from walkapp.services.remedies import contractor as contractor_links
    from walkapp.services.remedies import lifecycle
    from walkapp.services.remedies import photos as remedy_photos

    coord = actor_for(users["koordinator"])
    other_org = accounts.get_or_create_organisation(session, "AB Galgebakken", "boligselskab")
    remedies = {}
    for key, org_id in (("own", users["inspektoer"].organisation_id), ("other", other_org.id)):
        r = remedy_closing.create_remedy(session, coord, walk, remedy_closing.RemedyInput(
            spot_ids=[spot.id], title=f"Beskær buskene ({key})", owner_org_id=org_id))
        lifecycle.actor_transition(session, coord, r.id, "godkendt", "", r.version)
        lifecycle.actor_transition(session, coord, r.id, "tildelt", "", r.version)
        remedies[key] = r
    session.commit()
    store = FileStore(app.config["PHOTO_DIR"])
    link, link_token = contractor_links.create_contractor_link(session, coord, remedies["own"].id,
                                                               "Anlægsgartner", 30)
    cfg = app.config
    contractor_links.contractor_note(session, link, "Før arbejdet", remedy_photos.PhotoUpload(
        _striped_jpeg(), Settings.from_config(cfg)), store)
    session.commit()
    remedy_photo_token = remedies["own"].photos[0].photo.token
    template = session.scalar(sa.select(RemedyTemplate).order_by(RemedyTemplate.id))
    focus = focus_areas.save_focus_area(
        session, coord, "Stationsområdet",
        '{"type": "Polygon", "coordinates": [[[12.345, 55.66], [12.36, 55.66], '
        '[12.36, 55.67], [12.345, 55.67], [12.345, 55.66]]]}')
    session.commit()
    redaction = photo_service.add_redaction(session, coord, spot.photos[0], (0.1, 0.1, 0.3, 0.3),
                                            store, Settings.from_config(cfg))
    session.commit()
    world.remedies = {k: r.id for k, r in remedies.items()}
    world.url_args.update({
        "remedy_id": remedies["own"].id, "link_id": link.id, "template_id": template.id,
        "focus_id": focus.id, "redaction_id": redaction.id, "name": "categories",
        **_photo_args(app, spot)})  # the photo is blurred now: its URLs changed
    world.endpoint_args = {
        "contractor.show": {"token": link_token},
        "contractor.act": {"token": link_token},
        "remedies.remedy_photo": {"token": remedy_photo_token, "rendition": "thumb"},
    }


def endpoints(app):
    """Yield (endpoint, method, rule) for every rule, GETs first (POSTs change the world), and
    logging out last (it ends every session of the user, not just this client's)."""
    rows = []
    for rule in app.url_map.iter_rules():
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            rows.append((method != "GET", rule.endpoint, method, rule))
    for _post, endpoint, method, rule in sorted(rows, key=lambda r: (
            r[0], r[1] == "auth.logout", r[1] == "join.join", r[1], r[3].rule)):
        yield endpoint, method, rule


def build_url(app, rule, args: dict) -> str | None:
    needed = {a: args[a] for a in rule.arguments if a in args and a not in (rule.defaults or {})}
    if set(rule.arguments) - set(needed) - set(rule.defaults or {}):
        return None
    with app.test_request_context():
        try:
            return app.url_for(rule.endpoint, **needed)
        except BuildError:
            return None


def _message(resp) -> str:
    if resp.is_json:
        return str((resp.get_json() or {}).get("error"))
    found = re.search(r"<h1>(.*?)</h1>", resp.get_data(as_text=True), re.S)
    return found.group(1).strip()[:100] if found else ""


@pytest.fixture
def world(app):
    """Build the world in an app context of its own and leave it: requests made while an app
    context is pushed would share flask.g (the cached actor, the CSRF token) between clients."""
    from walkapp.extensions import db

    with app.app_context():
        built = build_world(app, db.session)
        db.session.remove()
    return built


@pytest.mark.parametrize("who", WHO)
def test_permission_matrix(app, world, who):
    """Every classified endpoint answers *who* with an expected status (all listed at once)."""
    wrong = []
    for endpoint, method, rule in endpoints(app):
        expected = EXPECT.get((endpoint, method))
        url = build_url(app, rule, world.args_for(endpoint))
        if expected is None or url is None:
            continue  # reported by test_every_endpoint_is_classified
        client = app.test_client()
        auth = world.act_as(client, who)
        if method == "GET":
            resp = client.get(url)
        else:
            token = auth.token()
            resp = client.open(url, method=method, data={"csrf_token": token},
                               headers={"X-CSRFToken": token})
        if resp.status_code not in expected[who]:
            wrong.append(f"{method} {url} ({endpoint}): got {resp.status_code}, "
                         f"expected {sorted(expected[who])}" + (
                             f" ({_message(resp)})" if resp.status_code >= 400 else ""))
        elif resp.status_code == 302 and expected[who] == LOGIN and method == "GET" \
                and who in ("anonymous", "guest") and endpoint != "join.show":
            assert "/login" in resp.headers["Location"], (endpoint, resp.headers["Location"])
    assert not wrong, f"as {who}:\n  " + "\n  ".join(wrong)


def test_every_endpoint_is_classified(app, world):
    """Fail, with the lines to add, for endpoints the table does not know yet."""
    missing, unbuildable = [], []
    for endpoint, method, rule in endpoints(app):
        if (endpoint, method) not in EXPECT:
            missing.append(f'    ("{endpoint}", "{method}"): page(...),  # {rule.rule}')
        unknown = (set(rule.arguments) - set(rule.defaults or {})
                   - set(world.args_for(endpoint)))
        if unknown:
            unbuildable.append(f"{rule.rule}: add a sample value for {sorted(unknown)} to "
                               "World.url_args in build_world()")
    message = ""
    if missing:
        message += ("Endpoints without an expected status per role; add them to EXPECT in "
                    "tests/web/test_permissions.py:\n" + "\n".join(missing) + "\n")
    if unbuildable:
        message += "Endpoints whose URL cannot be built:\n  " + "\n  ".join(unbuildable)
    assert not message, message


def test_post_without_csrf_token_is_refused(app, world):
    """Every POST endpoint refuses a logged-in admin's request that carries no CSRF token."""
    accepted = []
    for endpoint, method, rule in endpoints(app):
        url = build_url(app, rule, world.args_for(endpoint))
        if method == "GET" or url is None:
            continue
        client = app.test_client()
        world.act_as(client, "admin")
        resp = client.open(url, method=method, data={"note": "x"},
                           content_type="multipart/form-data")
        if resp.status_code != 400:
            accepted.append(f"{method} {url} ({endpoint}): {resp.status_code}")
    assert not accepted, "POST without a CSRF token was not refused:\n  " + "\n  ".join(accepted)


def test_guest_posting_without_token_is_refused(app, world):
    client = app.test_client()
    world.act_as(client, "guest")
    resp = client.post(f"/api/walks/{world.walk_id}/spots", data={"kind": "utryg"})
    assert resp.status_code == 400
    assert "error" in resp.get_json()



def _post(app, world, who, url, data=None):
    client = app.test_client()
    token = world.act_as(client, who).token()
    return client.post(url, data={"csrf_token": token, **(data or {})},
                       headers={"X-CSRFToken": token})


def test_inspector_only_own_remedies(app, world):
    """The issue: an inspector sees and works only their organisation's remedies (403 else),
    and a planner reads remedies but moves none."""
    from walkapp.extensions import db
    from walkapp.models import Remedy

    own, other = world.remedies["own"], world.remedies["other"]
    with app.app_context():
        versions = {r: db.session.get(Remedy, r).version for r in (own, other)}
        db.session.remove()
    client = app.test_client()
    world.act_as(client, "inspektoer")
    assert client.get(f"/remedies/{own}").status_code == 200
    assert client.get(f"/remedies/{other}").status_code == 403
    move = {"to": "i_gang", "version": str(versions[other])}
    assert _post(app, world, "inspektoer", f"/remedies/{other}/transition",
                 move).status_code == 403
    assert _post(app, world, "inspektoer", f"/api/remedies/{other}/transitions",
                 move).status_code == 403
    assert _post(app, world, "inspektoer", f"/remedies/{other}/links").status_code == 403
    ids = {f["id"] for f in client.get("/api/remedies.geojson").get_json()["features"]}
    assert own in ids and other not in ids
    move = {"to": "i_gang", "version": str(versions[own])}
    for url in (f"/remedies/{own}/transition", f"/api/remedies/{own}/transitions"):
        assert _post(app, world, "planlaegger", url, move).status_code == 403
    assert _post(app, world, "inspektoer", f"/api/remedies/{own}/transitions",
                 move).status_code == 200


def test_walk_leader_gives_rewalk_verdicts(app, world):
    """The leader of a re-walk runs it: the page opens and a verdict is recorded."""
    from walkapp.extensions import db
    from walkapp.models import Remedy, Walk
    from walkapp.services import walks as walk_service
    from walkapp.services.remedies import lifecycle

    with app.app_context():
        walk = db.session.get(Walk, world.walk_id)
        rewalk = walk_service.plan_walk(
            db.session, Actor(user_id=world.users["koordinator"], role="koordinator"),
            walk_service.WalkInput("Genvandring", walk.area_id, walk.starts_at, "moerke",
                                   world.users["vandringsleder"], previous_walk_id=walk.id))
        db.session.commit()
        rewalk_id = rewalk.id
        db.session.remove()
    client = app.test_client()
    world.act_as(client, "vandringsleder")
    assert client.get(f"/walks/{rewalk_id}/followup").status_code == 200
    own = world.remedies["own"]
    resp = _post(app, world, "vandringsleder", f"/walks/{rewalk_id}/followup/{own}",
                 {"verdict": "works", "comment": "Lyst nu"})
    assert resp.status_code == 302
    with app.app_context():
        remedy = db.session.get(Remedy, own)
        assert lifecycle.last_verdict(remedy, rewalk_id) == "works"
        db.session.remove()
    assert _post(app, world, "inspektoer", f"/walks/{rewalk_id}/followup/{own}",
                 {"verdict": "works"}).status_code == 403


def test_remedy_spot_photo_is_blurred_for_inspectors(app, world):
    """remedies.spot_photo sends the blurred file to everyone but coordinators and police."""
    from walkapp.extensions import db
    from walkapp.models import Photo
    from walkapp.photos.store import FileStore

    with app.app_context():
        photo = db.session.get(Photo, world.url_args["photo_id"])
        token, sha, key = photo.token, photo.sha256, photo.redaction_key
        db.session.remove()
    assert key, "the world's photo has a redaction rectangle"
    store = FileStore(app.config["PHOTO_DIR"])
    clean = store.path(sha, "display.jpg").read_bytes()
    blurred = store.path(sha, f"r-{key}-display.jpg").read_bytes()
    assert clean != blurred
    got = {}
    for who in ("inspektoer", "deltager", "guest", "planlaegger", "koordinator",
                "vandringsleder"):
        client = app.test_client()
        world.act_as(client, who)
        resp = client.get(f"/remedies/spot-photos/{token}/display.jpg")
        assert resp.status_code == 200, who
        assert "immutable" not in resp.headers["Cache-Control"]  # depends on who asks
        got[who] = resp.data
    for who in ("inspektoer", "deltager", "guest", "planlaegger"):
        assert got[who] == blurred, who
    for who in ("koordinator", "vandringsleder"):  # the world's leader is police
        assert got[who] == clean, who
    client = app.test_client()
    world.act_as(client, "koordinator")
    resp = client.get(f"/remedies/spot-photos/{token}/display.jpg?blur=1")
    assert resp.data == blurred  # the publishable report asks for the blurred set


def test_remedy_spot_photo_blurs_a_pending_photo_first(app, world):
    """A photo whose detection has not run is never sent before detection has run."""
    from walkapp.extensions import db
    from walkapp.models import Photo

    with app.app_context():
        photo = db.session.get(Photo, world.url_args["photo_id"])
        photo.blur_pending, token = True, photo.token
        db.session.commit()
        db.session.remove()
    client = app.test_client()
    world.act_as(client, "inspektoer")
    resp = client.get(f"/remedies/spot-photos/{token}/thumb.jpg")
    assert resp.status_code == 200
    with app.app_context():
        photo = db.session.get(Photo, world.url_args["photo_id"])
        assert photo.blur_pending is False
        db.session.remove()


def test_remedy_photos_go_through_the_photo_service(app, world):
    """An after photo is served like a spot photo: whoever may see the remedy (also a browser
    holding its contractor link) gets it, blurred for everyone but coordinators and police;
    the old remedy-photo URL sends them on to the variant they may see."""
    from walkapp.extensions import db
    from walkapp.models import Remedy
    from walkapp.photos.processing import Settings
    from walkapp.photos.store import FileStore
    from walkapp.services import photos as photo_service

    store = FileStore(app.config["PHOTO_DIR"])
    with app.app_context():
        photo = db.session.get(Remedy, world.remedies["own"]).photos[0].photo
        coord = Actor(user_id=world.users["koordinator"], role="koordinator")
        settings = Settings.from_config(app.config)
        assert photo.owner_kind == "remedy"
        assert photo_service.blur_photo(db.session, photo, store, settings)  # as photos-blur does
        photo_service.add_redaction(db.session, coord, photo, (0.2, 0.2, 0.3, 0.3), store,
                                    settings)
        token, sha, key = photo.token, photo.sha256, photo.redaction_key
        db.session.remove()
    clean = store.path(sha, "thumb.jpg").read_bytes()
    blurred = store.path(sha, f"r-{key}-thumb.jpg").read_bytes()
    assert clean != blurred
    old_url = f"/remedies/photos/{token}/thumb.jpg"

    def client_of(who):
        client = app.test_client()
        if who == "contractor":
            assert client.get(f"/c/{world.endpoint_args['contractor.show']['token']}"
                              ).status_code == 200
        elif who != "anonymous":
            world.act_as(client, who)
        return client

    for who, variant in (("koordinator", "c"), ("admin", "c"), ("planlaegger", f"r-{key}"),
                         ("inspektoer", f"r-{key}"), ("contractor", f"r-{key}")):
        client = client_of(who)
        resp = client.get(old_url)
        assert resp.status_code == 302, who
        assert resp.headers["Location"].endswith(f"/photos/{token}/{variant}/thumb.jpg"), who
        got = client.get(resp.headers["Location"])
        assert got.status_code == 200, who
        assert got.data == (clean if variant == "c" else blurred), who
        if variant != "c":  # the clean file stays out of reach
            assert client.get(f"/photos/{token}/c/thumb.jpg").status_code == 404, who
    for who in ("deltager", "guest", "vandringsleder", "anonymous"):
        client = client_of(who)
        assert client.get(old_url).status_code == 404, who
        assert client.get(f"/photos/{token}/r-{key}/thumb.jpg").status_code == 404, who
