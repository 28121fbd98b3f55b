"""Remedy endpoints: every role against every endpoint, the API contract, pages and PDF."""

import io
import re
import subprocess
from datetime import timedelta

import pytest
import sqlalchemy as sa

from tests.conftest import csrf_from, logged_in
from tests.factories import actor_for, add_spot, jpeg_bytes, make_user, make_walk
from walkapp.domain import clock
from walkapp.models import OutboxMessage, Remedy
from walkapp.services import accounts
from walkapp.services.remedies import catalogue as remedy_catalogue
from walkapp.services.remedies import closing as remedy_closing
from walkapp.services.remedies import contractor as contractor_links
from walkapp.services.remedies import lifecycle

ROLES = ["admin", "koordinator", "planlaegger", "insp_own", "insp_other", "vandringsleder",
         "deltager", "anon"]
BUSHES = {"cats": ("BEV",), "note": "Mørkt", "feeling": 2}  # the spots a remedy is about


@pytest.fixture
def env(app, session):
    housing = accounts.get_or_create_organisation(session, "AB Hyldespjældet", "boligselskab")
    housing.contact_email = "drift@hylde.dk"
    accounts.get_or_create_organisation(session, "Albertslund Kommune, Vej og Park", "kommune")
    users = {
        "admin": make_user(session, "admin"),
        "koordinator": make_user(session, "koordinator"),
        "planlaegger": make_user(session, "planlaegger"),
        "insp_own": make_user(session, "inspektoer", org="AB Hyldespjældet",
                              org_kind="boligselskab"),
        "insp_other": make_user(session, "inspektoer", org="Boligselskabet Syd",
                                org_kind="boligselskab"),
        "vandringsleder": make_user(session, "vandringsleder", org="Politiet", org_kind="politi"),
        "deltager": make_user(session, "deltager", org=None),
    }
    walk = make_walk(session, coordinator=users["koordinator"])
    walk.area.owner_organisation_id = housing.id
    spot = add_spot(session, walk, 55.6545, 12.3600, **BUSHES, photo_dir=app.config["PHOTO_DIR"])
    police = add_spot(session, walk, 55.6550, 12.3610, ("ADF",), visibility="politi",
                      note="Hemmeligt salg", feeling=2)
    session.commit()
    return {"users": users, "walk": walk, "spot": spot, "police": police, "housing": housing}


def assigned_remedy(session, env, spot=None, deadline=None):
    coord = actor_for(env["users"]["koordinator"])
    data = remedy_closing.RemedyInput(spot_ids=[(spot or env["spot"]).id], title="Beskær buskene",
                                      deadline=deadline)
    r = remedy_closing.create_remedy(session, coord, env["walk"], data)
    lifecycle.actor_transition(session, coord, r.id, "godkendt", "", r.version)
    lifecycle.actor_transition(session, coord, r.id, "tildelt", "", r.version)
    session.commit()
    return r


def clients(app, env):
    return {role: logged_in(app, env["users"].get(role)) for role in ROLES}


def statuses(app, env, fn):
    return {role: fn(client, token) for role, (client, token) in clients(app, env).items()}


def test_geojson_per_role(app, session, env):
    r = assigned_remedy(session, env)
    got = statuses(app, env, lambda c, t: c.get("/api/remedies.geojson"))
    codes = {k: v.status_code for k, v in got.items()}
    assert codes == {"admin": 200, "koordinator": 200, "planlaegger": 200, "insp_own": 200,
                     "insp_other": 200, "vandringsleder": 403, "deltager": 403, "anon": 403}
    own = got["insp_own"].get_json()
    assert [f["id"] for f in own["features"]] == [r.id]
    assert got["insp_other"].get_json()["features"] == []
    props = own["features"][0]["properties"]
    assert props["status"] == "tildelt" and props["version"] == 3
    assert props["owner_org"]["name"] == "AB Hyldespjældet"
    assert props["last_event"]["to"] == "tildelt" and props["overdue"] is False
    assert own["features"][0]["geometry"]["type"] == "Point"


def test_geojson_filters(app, session, env):
    r = assigned_remedy(session, env)
    session.execute(sa.update(Remedy).where(Remedy.id == r.id).values(
        deadline=clock.today() - timedelta(days=3)))
    session.commit()
    c, _ = logged_in(app, env["users"]["koordinator"])
    assert len(c.get("/api/remedies.geojson?overdue=1").get_json()["features"]) == 1
    assert c.get("/api/remedies.geojson?status=godkendt").get_json()["features"] == []
    assert len(c.get(f"/api/remedies.geojson?org={env['housing'].id}&area="
                     f"{env['walk'].area_id}").get_json()["features"]) == 1
    bad = c.get("/api/remedies.geojson?status=nope")
    assert bad.status_code == 422 and bad.get_json()["field"] == "status"


def test_transition_api_per_role(app, session, env):
    expected = {"admin": 200, "koordinator": 200, "insp_own": 200, "planlaegger": 403,
                "insp_other": 403, "vandringsleder": 403, "deltager": 403, "anon": 403}
    for role, (client, token) in clients(app, env).items():
        r = assigned_remedy(session, env)
        resp = client.post(f"/api/remedies/{r.id}/transitions", headers={"X-CSRFToken": token},
                           json={"to": "i_gang", "comment": "", "version": r.version})
        assert resp.status_code == expected[role], (role, resp.get_json())
        session.expire_all()
        assert session.get(Remedy, r.id).status == ("i_gang" if expected[role] == 200
                                                    else "tildelt"), role


def test_transition_api_contract(app, session, env):
    r = assigned_remedy(session, env)
    c, token = logged_in(app, env["users"]["insp_own"])
    h = {"X-CSRFToken": token}
    ok = c.post(f"/api/remedies/{r.id}/transitions", headers=h,
                json={"to": "i_gang", "comment": "Går i gang", "version": 3})
    assert ok.status_code == 200 and ok.get_json()["status"] == "i_gang"
    assert ok.get_json()["version"] == 4
    stale = c.post(f"/api/remedies/{r.id}/transitions", headers=h,
                   json={"to": "tildelt", "version": 3})
    assert stale.status_code == 409
    assert stale.get_json()["current"]["status"] == "i_gang"
    assert stale.get_json()["current"]["version"] == 4
    wrong = c.post(f"/api/remedies/{r.id}/transitions", headers=h,
                   json={"to": "verificeret", "version": 4})
    assert wrong.status_code == 422 and wrong.get_json()["field"] == "to"  # not from i_gang
    c2, t2 = logged_in(app, env["users"]["koordinator"])
    bad = c2.post(f"/api/remedies/{r.id}/transitions", headers={"X-CSRFToken": t2},
                  json={"to": "godkendt", "version": 4})
    assert bad.status_code == 422 and bad.get_json()["field"] == "to"
    nophoto = c.post(f"/api/remedies/{r.id}/transitions", headers=h,
                     json={"to": "udfoert", "comment": "færdig", "version": 4})
    assert nophoto.status_code == 422 and nophoto.get_json()["field"] == "photo"
    noreason = c.post(f"/api/remedies/{r.id}/transitions", headers=h,
                      json={"to": "ikke_vores_ansvar", "version": 4})
    assert noreason.status_code == 422 and noreason.get_json()["field"] == "comment"
    done = c.post(f"/api/remedies/{r.id}/transitions", headers=h,
                  data={"to": "udfoert", "comment": "Beskåret", "version": "4",
                        "photo": (io.BytesIO(jpeg_bytes()), "after.jpg")},
                  content_type="multipart/form-data")
    assert done.status_code == 200 and done.get_json()["status"] == "udfoert"
    nocsrf = c.post(f"/api/remedies/{r.id}/transitions", json={"to": "i_gang", "version": 5})
    assert nocsrf.status_code == 400


def test_error_messages_are_danish_by_default(app, session, env):
    r = assigned_remedy(session, env)
    c, token = logged_in(app, env["users"]["insp_own"])
    resp = c.post(f"/api/remedies/{r.id}/transitions", headers={"X-CSRFToken": token},
                  json={"to": "udfoert", "version": 3})
    assert resp.get_json()["error"] == "Tilføj et efter-billede."


def page_for(allowed: set[str]) -> dict[str, int]:
    return {role: 200 if role in allowed else 302 if role == "anon" else 403 for role in ROLES}


def test_pages_per_role(app, session, env):
    r = assigned_remedy(session, env)
    w = env["walk"].id
    pages = {  # who gets the page (200); anonymous visitors are sent to log in, others 403
        f"/remedies/{r.id}": page_for({"admin", "koordinator", "planlaegger", "insp_own"}),
        "/remedies/mine": page_for({"admin", "koordinator", "insp_own", "insp_other"}),
        "/remedies/board": page_for({"admin", "koordinator", "planlaegger"}),
        f"/walks/{w}/closing": page_for({"admin", "koordinator"}),
        f"/walks/{w}/report": page_for({"admin", "koordinator", "planlaegger"}),
        "/remedies/catalogue": page_for(set(ROLES) - {"anon"}),
        "/remedies/catalogue/1": page_for({"admin"}),
    }
    cl = clients(app, env)
    for url, expected in pages.items():
        got = {role: cl[role][0].get(url).status_code for role in ROLES}
        assert got == expected, url


def test_posts_per_role(app, session, env):
    w = env["walk"].id
    cl = clients(app, env)
    for role, (client, token) in cl.items():
        r = assigned_remedy(session, env)
        created = client.post(f"/walks/{w}/closing/remedies", data={
            "csrf_token": token, "spot_ids": str(env["spot"].id), "title": "Mere lys"})
        assert created.status_code == (302 if role in ("admin", "koordinator") else
                                       401 if role == "anon" else 403), role
        link = client.post(f"/remedies/{r.id}/links", data={"csrf_token": token, "days": "30"})
        assert link.status_code == (302 if role in ("admin", "koordinator", "insp_own")
                                    else 401 if role == "anon" else 403), role


def test_closing_create_remedy_with_past_deadline_is_422(app, session, env):
    c, token = logged_in(app, env["users"]["koordinator"])
    resp = c.post(f"/walks/{env['walk'].id}/closing/remedies", data={
        "csrf_token": token, "spot_ids": str(env["spot"].id), "title": "Lys",
        "deadline": (clock.today() - timedelta(days=2)).isoformat()})
    assert resp.status_code == 422
    assert "Fristen kan ikke ligge i fortiden." in resp.get_data(as_text=True)
    assert session.scalar(sa.select(sa.func.count(Remedy.id))) == 0


def test_closing_page_numbers_spots_and_suggests(app, session, env):
    add_spot(session, env["walk"], 55.65455, 12.3600, **BUSHES)  # ~5.6 m from the first, shares BEV
    session.commit()
    c, _ = logged_in(app, env["users"]["koordinator"])
    html = c.get(f"/walks/{env['walk'].id}/closing").get_data(as_text=True)
    assert "Beskær eller fjern bevoksning" in html  # suggested template (Danish)
    assert re.search(r"Sted 1 og sted 3: 5\.\d m fra hinanden", html)
    assert "AB Hyldespjældet" in html
    assert re.search(r'class="spot-pin utryg" aria-hidden="true">1<', html)


def test_contractor_link_flow(app, session, env):
    r = assigned_remedy(session, env)
    c, token = logged_in(app, env["users"]["insp_own"])
    c.post(f"/remedies/{r.id}/links", data={"csrf_token": token, "label": "Gartner"})
    page = c.get(f"/remedies/{r.id}").get_data(as_text=True)
    url = re.search(r'id="new-link" aria-label="[^"]*"|value="(http[^"]+/c/[^"]+)"', page)
    link_url = re.search(r'value="(http[^"]+/c/([^"]+))"', page)
    assert url and link_url
    tok = link_url.group(2)
    guest = app.test_client()
    shown = guest.get(f"/c/{tok}")
    assert shown.status_code == 200 and "Beskær buskene" in shown.get_data(as_text=True)
    gtoken = csrf_from(shown.get_data(as_text=True))
    assert guest.get(f"/c/{tok[:-2]}xx").status_code == 404
    other = assigned_remedy(session, env)
    assert guest.get(f"/remedies/{other.id}").status_code == 302  # no account: no access
    nophoto = guest.post(f"/c/{tok}", data={"csrf_token": gtoken, "action": "done",
                                            "version": str(r.version)})
    assert nophoto.status_code == 422
    done = guest.post(f"/c/{tok}", data={"csrf_token": gtoken, "action": "done",
                                         "version": str(r.version), "comment": "Klippet",
                                         "photo": (io.BytesIO(jpeg_bytes()), "a.jpg")},
                      content_type="multipart/form-data")
    assert done.status_code == 302
    session.expire_all()
    assert session.get(Remedy, r.id).status == "udfoert"
    link_id = contractor_links.links_of(session, r.id)[0].id
    c2, t2 = logged_in(app, env["users"]["koordinator"])
    assert c2.post(f"/remedies/links/{link_id}/revoke", data={"csrf_token": t2}).status_code == 302
    gone = guest.get(f"/c/{tok}")
    assert gone.status_code == 403 and "trukket tilbage" in gone.get_data(as_text=True)


def test_report_pdf_has_numbered_spots_and_remedies(app, session, env, tmp_path):
    assigned_remedy(session, env)
    c, _ = logged_in(app, env["users"]["koordinator"])
    resp = c.get(f"/walks/{env['walk'].id}/report.pdf")
    assert resp.status_code == 200 and resp.mimetype == "application/pdf"
    pdf = tmp_path / "r.pdf"
    pdf.write_bytes(resp.data)
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True,
                          text=True, check=True).stdout
    assert "Sted 1" in text and "Sted 2" in text
    assert "Beskær buskene" in text and "AB Hyldespjældet" in text
    assert "Hemmeligt salg" in text  # the full version has the police-only spot
    public = c.get(f"/walks/{env['walk'].id}/report.pdf?public=1")
    pdf.write_bytes(public.data)
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True,
                          text=True, check=True).stdout
    assert "Sted 1" in text and "Hemmeligt salg" not in text and "Sted 2" not in text


def test_report_for_participant_is_publishable_only(app, session, env):
    from walkapp.services import walks as ws

    user = env["users"]["deltager"]
    ws.join_walk(session, actor_for(user), env["walk"])
    session.commit()
    c, _ = logged_in(app, user)
    html = c.get(f"/walks/{env['walk'].id}/report").get_data(as_text=True)
    assert "Hemmeligt salg" not in html and "Mørkt" in html


def test_assignment_is_queued_for_email(app, session, env):
    r = assigned_remedy(session, env)
    rows = session.scalars(sa.select(OutboxMessage).where(OutboxMessage.remedy_id == r.id)).all()
    assert [(m.kind, m.to_addr) for m in rows] == [("assigned", "drift@hylde.dk")]
    assert "Beskær buskene" in rows[0].subject


def test_html_form_transition_conflict_is_409(app, session, env):
    r = assigned_remedy(session, env)
    c, token = logged_in(app, env["users"]["insp_own"])
    first = c.post(f"/remedies/{r.id}/transition", data={"csrf_token": token, "to": "i_gang",
                                                        "version": "3"})
    assert first.status_code == 302
    second = c.post(f"/remedies/{r.id}/transition", data={"csrf_token": token,
                                                         "to": "ikke_vores_ansvar",
                                                         "comment": "x", "version": "3"})
    assert second.status_code == 409
    assert 'id="conflict"' in second.get_data(as_text=True)


def test_refused_changes_show_the_remedy_as_it_is_now(app, session, env):
    """A stale edit or contractor post answers 409 with the current state; bad input 422 with
    the field's error and what was typed; nothing of the refused change is kept."""
    r = assigned_remedy(session, env)
    c, token = logged_in(app, env["users"]["koordinator"])
    stale = c.post(f"/remedies/{r.id}/edit", data={"csrf_token": token, "priority": "1",
                                                   "version": str(r.version - 1)})
    body = stale.get_data(as_text=True)
    assert stale.status_code == 409 and 'id="conflict"' in body
    assert f"(version {r.version})" in body  # the version it has now
    bad = c.post(f"/remedies/{r.id}/edit", data={"csrf_token": token, "deadline": "snart",
                                                 "priority": "1", "version": str(r.version)})
    assert bad.status_code == 422
    assert "deadline skal være en dato (ÅÅÅÅ-MM-DD)." in bad.get_data(as_text=True)
    session.expire_all()
    assert session.get(Remedy, r.id).priority == 2
    _link, tok = contractor_links.create_contractor_link(
        session, actor_for(env["users"]["koordinator"]), r.id)
    session.commit()
    guest = app.test_client()
    gtoken = csrf_from(guest.get(f"/c/{tok}").get_data(as_text=True))
    late = guest.post(f"/c/{tok}", data={"csrf_token": gtoken, "action": "done",
                                         "comment": "Klippet", "version": str(r.version - 1),
                                         "photo": (io.BytesIO(jpeg_bytes()), "a.jpg")},
                      content_type="multipart/form-data")
    body = late.get_data(as_text=True)
    assert late.status_code == 409 and "En anden har ændret tiltaget" in body
    empty = guest.post(f"/c/{tok}", data={"csrf_token": gtoken, "action": "done",
                                          "comment": "Klippet", "version": str(r.version)})
    assert empty.status_code == 422 and ">Klippet</textarea>" in empty.get_data(as_text=True)
    session.expire_all()
    assert session.get(Remedy, r.id).status == "tildelt"


def test_before_photo_only_for_those_who_see_the_remedy(app, session, env):
    r = assigned_remedy(session, env)
    token = env["spot"].photos[0].token
    url = f"/remedies/spot-photos/{token}/thumb.jpg"
    got = {role: c.get(url).status_code for role, (c, _) in clients(app, env).items()}
    assert got == {"admin": 200, "koordinator": 200, "planlaegger": 200, "insp_own": 200,
                   "insp_other": 404, "vandringsleder": 404, "deltager": 404, "anon": 404}
    assert r.id


def test_admin_edits_the_catalogue(app, session, env):
    from walkapp.models import RemedyTemplate

    tpl = session.scalar(sa.select(RemedyTemplate).where(RemedyTemplate.code == "GRA-FJERN"))
    original = {k: getattr(tpl, k) for k in remedy_catalogue.TEMPLATE_FIELDS}
    c, token = logged_in(app, env["users"]["admin"])
    form = dict(original, csrf_token=token, active="1",
                target_da="Graffiti fjernes inden for 24 timer.")
    try:
        assert c.post(f"/remedies/catalogue/{tpl.id}", data=form).status_code == 302
        session.expire_all()
        assert session.get(RemedyTemplate, tpl.id).target_da == \
            "Graffiti fjernes inden for 24 timer."
        bad = c.post(f"/remedies/catalogue/{tpl.id}", data=dict(form, categories="LYS,XYZ"))
        assert bad.status_code == 422 and "Ukendt kategori: XYZ." in bad.get_data(as_text=True)
        c2, t2 = logged_in(app, env["users"]["koordinator"])
        assert c2.post(f"/remedies/catalogue/{tpl.id}",
                       data=dict(form, csrf_token=t2)).status_code == 403
    finally:  # the catalogue is seeded data that survives between PostGIS tests
        session.rollback()
        row = session.get(RemedyTemplate, tpl.id)
        for k, v in original.items():
            setattr(row, k, v)
        row.active = True
        session.commit()


def test_notification_preference(app, session, env):
    from walkapp.services import notifications

    user = env["users"]["insp_own"]
    c, token = logged_in(app, user)
    assert c.post("/remedies/settings", data={"csrf_token": token, "mode": "digest"}
                  ).status_code == 302
    assert notifications.preference(session, user.id) == "digest"
    bad = c.post("/remedies/settings", data={"csrf_token": token, "mode": "weekly"})
    assert bad.status_code == 422


def test_rewalk_verdicts_through_the_page(app, session, env):
    from walkapp.services import walks as ws

    r = assigned_remedy(session, env)
    r.status = "udfoert"
    rewalk = ws.plan_walk(session, actor_for(env["users"]["koordinator"]), ws.WalkInput(
        "Genvandring", env["walk"].area_id, env["walk"].starts_at + timedelta(days=180),
        "moerke", None, previous_walk_id=env["walk"].id))
    session.commit()
    guest = app.test_client()
    page = guest.get(f"/j/{rewalk.join_code}")
    token = csrf_from(page.get_data(as_text=True))
    assert guest.get(f"/walks/{rewalk.id}/followup").status_code == 403
    guest.post(f"/j/{rewalk.join_code}", data={"display_name": "Bo", "role_label": "beboer",
                                               "csrf_token": token})
    html = guest.get(f"/walks/{rewalk.id}/followup").get_data(as_text=True)
    assert "Beskær buskene" in html and "Hemmeligt salg" not in html
    resp = guest.post(f"/walks/{rewalk.id}/followup/{r.id}",
                      data={"csrf_token": token, "verdict": "not_fixed", "comment": "Mørkt"})
    assert resp.status_code == 302
    session.expire_all()
    assert session.get(Remedy, r.id).status == "tildelt"
    assert "Du sagde: virker ikke" in guest.get(f"/walks/{rewalk.id}/followup").get_data(
        as_text=True)


def test_task_list_full_page_or_fragment(app, session, env):
    assigned_remedy(session, env)
    c, _ = logged_in(app, env["users"]["insp_own"])
    full = c.get("/remedies/mine")
    assert full.status_code == 200 and "<html" in full.get_data(as_text=True)
    assert "HX-Request" in full.headers["Vary"]
    frag = c.get("/remedies/mine", headers={"HX-Request": "true"}).get_data(as_text=True)
    assert frag.lstrip().startswith('<section id="task-list"') and "<html" not in frag
    assert "Beskær buskene" in frag


def test_pages_load_nothing_off_site(app, session, env):
    r = assigned_remedy(session, env)
    c, _ = logged_in(app, env["users"]["koordinator"])
    for url in (f"/remedies/{r.id}", "/remedies/mine", "/remedies/board",
                f"/walks/{env['walk'].id}/closing", f"/walks/{env['walk'].id}/report",
                "/remedies/catalogue"):
        html = c.get(url).get_data(as_text=True)
        assert not re.search(r'<(script|img)[^>]+src="(https?:)?//', html), url
        assert not re.search(r'<link[^>]+href="(https?:)?//', html), url


def test_more_posts_per_role(app, session, env):
    w = env["walk"]
    other = add_spot(session, w, 55.65452, 12.3600, **BUSHES)
    session.commit()
    manage = {"admin", "koordinator"}
    remedy_of = {}  # role -> the remedy that role tried to edit
    for role, (client, token) in clients(app, env).items():
        r = remedy_of[role] = assigned_remedy(session, env)
        deny = 401 if role == "anon" else 403
        edit = client.post(f"/remedies/{r.id}/edit", data={
            "csrf_token": token, "version": str(r.version), "priority": "1"})
        assert edit.status_code == (302 if role in manage else deny), role
        merge = client.post(f"/walks/{w.id}/closing/merge", data={
            "csrf_token": token, "keep_id": str(env["spot"].id), "merge_id": str(other.id)})
        assert merge.status_code == (302 if role in manage else deny), role
        if merge.status_code == 302:
            undo = client.post(f"/walks/{w.id}/closing/unmerge",
                               data={"csrf_token": token, "spot_id": str(other.id)})
            assert undo.status_code == 302
        link, _tok = contractor_links.create_contractor_link(
            session, actor_for(env["users"]["koordinator"]), r.id)
        session.commit()
        revoke = client.post(f"/remedies/links/{link.id}/revoke", data={"csrf_token": token})
        assert revoke.status_code == (302 if role in manage | {"insp_own"} else deny), role
        pdf = client.get(f"/walks/{w.id}/report.pdf?public=1")
        assert pdf.status_code == (200 if role in manage | {"planlaegger"} else
                                   302 if role == "anon" else 403), role
    session.expire_all()
    # Managers' edits are saved with a history entry; everyone else's leave the remedy as it was.
    got = {role: (r.priority, [e.kind for e in r.events].count("edit"))
           for role, r in remedy_of.items()}
    assert got == {role: (1, 1) if role in manage else (2, 0) for role in ROLES}
