"""Issue 12, point 6, in a real Chromium: every page a user reaches runs under the
Content-Security-Policy without a single violation.

The app is loaded with the Albertslund demo data (users of every role, a finished walk with
spots, photos and remedies, a planned walk and a re-walk) plus a walk under way, a contractor
link and a focus area. Each role logs in and walks every page it can reach by links (one page
of each URL shape), and the pages' scripts are exercised where they do something: the overview's
filters, list and detail (htmx swaps, history), walk mode and its form, the planner's layers,
Leaflet.draw's tools, a drawn redaction (an htmx swap with style attributes), the print
button. A listener on `securitypolicyviolation` (added before any page script runs) and the
console report every violation; uncaught script errors fail the test too, as a blocked library
leaves its users failing.
"""

import re
import shutil
import threading
import uuid
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

import pytest
import sqlalchemy as sa
from shapely.geometry import MultiPolygon, Polygon
from werkzeug.serving import make_server

from tests.conftest import migrate_to_head
from tests.e2e.conftest import _free_port
from tests.factories import actor_for, jpeg_bytes
from walkapp import create_app
from walkapp.extensions import db

DESKTOP = {"viewport": {"width": 1280, "height": 900}, "locale": "da-DK",
           "timezone_id": "Europe/Copenhagen"}
PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True,
         "locale": "da-DK", "timezone_id": "Europe/Copenhagen"}
INSIDE = {"latitude": 55.6545, "longitude": 12.36, "accuracy": 8}

# Reported to Python at once (a page that navigates away keeps nothing), with what the
# browser says was blocked and where.
LISTENER = """
document.addEventListener('securitypolicyviolation', (e) => {
  window.__cspViolation({directive: e.effectiveDirective, blocked: e.blockedURI,
                         sample: e.sample, source: e.sourceFile, line: e.lineNumber,
                         page: document.location.pathname + document.location.search});
}, true);
window.print = () => { window.__printed = (window.__printed || 0) + 1; };
"""
# Not pages: files, data, photos, and links that change state or language.
NOT_A_PAGE = re.compile(r"^/(static|api|lang)/|^/logout|\.(pdf|csv|svg|jpe?g|png|webp|geojson)$")

# Pages the admin's crawl must reach, so that a lost link cannot shrink what is checked.
ADMIN_REACHES = {
    "/", "/admin/", "/admin/areas/N/edit", "/admin/areas/new", "/admin/organisations/N/edit",
    "/admin/users/N/edit", "/photos/N/redactions", "/planner/", "/planner/focus",
    "/planner/focus/N", "/planner/over-time", "/planner/statistics", "/remedies/N",
    "/remedies/board", "/remedies/catalogue/N", "/remedies/mine", "/remedies/settings",
    "/spots/", "/spots/N", "/walks/N", "/walks/N/closing", "/walks/N/edit", "/walks/N/followup",
    "/walks/N/mode", "/walks/N/print", "/walks/N/report", "/walks/N/spots",
    "/walks/N/spots/N/edit", "/walks/new",
}


@dataclass
class Demo:
    url: str
    app: object
    password: str
    logins: dict  # role -> e-mail
    live_walk: int  # a walk under way (walk mode)
    done_walk: int  # the finished demo walk (closing, report, follow-up)
    join_code: str
    contractor_token: str
    photo_id: int


@pytest.fixture(scope="module")
def demo(tmp_path_factory, spatialite_template):
    from walkapp.demo.seed import DEMO_PASSWORD, DEMO_USERS, seed_demo
    from walkapp.geo.shapes import to_db
    from walkapp.models import FocusArea, Photo, Remedy, User, Walk
    from walkapp.services.remedies import contractor

    base = tmp_path_factory.mktemp("csp")
    db_file = base / "walkapp.sqlite"
    shutil.copy(spatialite_template, db_file)
    app = create_app({"DATABASE_URL": f"sqlite:///{db_file}", "TESTING": True,
                      "SECRET_KEY": "csp-" + uuid.uuid4().hex,
                      "PHOTO_DIR": str(base / "photos"), "LIVE_POLL_SECONDS": 2})
    migrate_to_head(app)
    with app.app_context():
        s = db.session
        seed_demo(s, app.config["PHOTO_DIR"], n_spots=12)
        s.commit()
        done = s.scalar(sa.select(Walk).where(Walk.status == "afsluttet"))
        live = s.scalar(sa.select(Walk).where(Walk.status == "planlagt",
                                              Walk.previous_walk_id.is_(None)))
        live.status = "igang"
        coordinator = s.scalar(sa.select(User).where(User.role == "koordinator"))
        planner = s.scalar(sa.select(User).where(User.role == "planlaegger"))
        s.add(FocusArea(name="Stien bag centret", notes="Set på to vandringer",
                        created_by_id=planner.id,
                        geom=to_db(MultiPolygon([Polygon([(12.3560, 55.6530), (12.3600, 55.6530),
                                                          (12.3600, 55.6555),
                                                          (12.3560, 55.6555)])]))))
        shared = s.scalar(sa.select(Remedy).where(Remedy.status == "tildelt")
                          .order_by(Remedy.id))
        _link, token = contractor.create_contractor_link(s, actor_for(coordinator), shared.id,
                                                         "Entreprenør")
        photo = s.scalar(sa.select(Photo).where(Photo.spot_id.is_not(None)).order_by(Photo.id))
        s.commit()
        ids = (live.id, done.id, live.join_code, photo.id)
    logins = {}
    for email, role, org, _name in DEMO_USERS:
        logins[role if role != "inspektoer" or "Boligselskab" in (org or "") else
               "inspektoer-vejpark"] = email
    port = _free_port()
    server = make_server("127.0.0.1", port, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield Demo(f"http://127.0.0.1:{port}", app, DEMO_PASSWORD, logins, ids[0], ids[1], ids[2],
               token, ids[3])
    server.shutdown()
    thread.join(timeout=5)


class Watch:
    """A browser context whose pages report CSP violations, CSP console messages and
    uncaught script errors into .problems."""

    def __init__(self, browser, demo: Demo, device=DESKTOP):
        self.demo = demo
        self.problems: list[str] = []
        self.ctx = browser.new_context(**device)
        self.ctx.set_default_timeout(15000)
        # Only our server answers; tile requests still pass the CSP check first (img-src).
        self.ctx.route("**/*", lambda route: route.continue_()
                       if route.request.url.startswith(demo.url) else route.abort())
        self.ctx.grant_permissions(["geolocation"], origin=demo.url)
        self.ctx.set_geolocation(INSIDE)
        self.ctx.expose_binding("__cspViolation", lambda _src, v: self.problems.append(
            f"{v['page']}: {v['directive']} blocked {v['blocked'] or '-'}"
            f" at {v['source'] or '-'}:{v['line']} {v['sample']!r}"))
        self.ctx.add_init_script(LISTENER)
        self.page = self.ctx.new_page()
        self.page.on("console", self._console)
        self.page.on("pageerror", lambda e: self.problems.append(
            f"{self._where()}: script error {e}"))

    def _where(self) -> str:
        parts = urlsplit(self.page.url)
        return parts.path + (f"?{parts.query}" if parts.query else "")

    def _console(self, msg) -> None:
        if "Content Security Policy" in msg.text or "Content-Security-Policy" in msg.text:
            self.problems.append(f"{self._where()}: console {msg.text[:300]}")

    def goto(self, path: str):
        resp = self.page.goto(self.demo.url + path)
        self.settle()
        return resp

    def settle(self) -> None:
        """Let the page's scripts, fetches and htmx requests run (walk mode polls)."""
        self.page.wait_for_load_state("networkidle")
        self.page.wait_for_timeout(150)

    def login(self, role: str) -> None:
        self.goto("/login")
        self.page.fill("#email", self.demo.logins[role])
        self.page.fill("#password", self.demo.password)
        self.page.locator("form button[type=submit]").first.click()
        self.page.wait_for_url(lambda u: "/login" not in u)
        self.settle()

    def crawl(self, *starts: str, limit: int = 80) -> list[str]:
        """Visit every page reachable by links from *starts*, one of each URL shape (ids
        replaced), and return the shapes visited."""
        queue, shapes = list(starts), []
        while queue and len(shapes) < limit:
            path = queue.pop(0)
            shape = re.sub(r"\d+", "N", urlsplit(path).path)
            if shape in shapes or NOT_A_PAGE.search(urlsplit(path).path):
                continue
            shapes.append(shape)
            resp = self.goto(path)
            if resp is None or "text/html" not in resp.headers.get("content-type", ""):
                continue
            for href in self.page.eval_on_selector_all(
                    "a[href]", "els => els.map(e => e.getAttribute('href'))"):
                url = urlsplit(urljoin(self.page.url, href))
                if f"{url.scheme}://{url.netloc}" == self.demo.url and url.path:
                    queue.append(url.path + (f"?{url.query}" if url.query else ""))
        return shapes

    def close(self) -> None:
        self.ctx.close()


@pytest.fixture
def watch(browser, demo):
    made = []

    def make(device=DESKTOP):
        w = Watch(browser, demo, device)
        made.append(w)
        return w

    yield make
    for w in made:
        w.close()


def _assert_clean(w: Watch) -> None:
    assert not w.problems, "CSP violations or script errors:\n  " + "\n  ".join(w.problems)


def test_the_watch_sees_a_violation(watch):
    """The policy is enforced, and an inline script without the nonce is both blocked and
    reported (so the tests below can fail)."""
    w = watch()
    resp = w.goto("/login")
    policy = resp.headers["content-security-policy"]
    assert "frame-ancestors 'none'" in policy and "'unsafe-inline'" not in policy.split(
        "style-src-attr")[0]
    assert w.page.evaluate("""() => { const s = document.createElement('script');
        s.textContent = 'window.__ran = 1'; document.body.append(s); return window.__ran; }""") \
        is None
    w.page.evaluate("() => { document.body.insertAdjacentHTML('beforeend',"
                    " '<img src=\"/static/css/app.css\" onerror=\"window.__ran=2\">'); }")
    w.page.wait_for_timeout(300)
    assert w.page.evaluate("window.__ran") is None
    reported = [p for p in w.problems if ": script-src" in p and " blocked " in p]
    assert [p.split(" blocked ")[0] for p in reported] == [
        "/login: script-src-elem", "/login: script-src-attr"], w.problems
    assert any("console Executing inline script violates" in p for p in w.problems)


@pytest.mark.parametrize("role", ["admin", "koordinator", "vandringsleder", "deltager",
                                  "inspektoer", "inspektoer-vejpark", "planlaegger"])
def test_every_page_a_role_reaches_obeys_the_csp(watch, demo, role):
    w = watch()
    w.login(role)
    extra = [f"/walks/{demo.live_walk}/mode", f"/walks/{demo.done_walk}",
             f"/walks/{demo.done_walk}/report", f"/walks/{demo.done_walk}/report?public=1",
             f"/walks/{demo.done_walk}/followup", f"/photos/{demo.photo_id}/redactions",
             "/remedies/mine", "/planner/over-time", "/planner/statistics", "/does-not-exist"]
    shapes = w.crawl("/", *extra)
    assert len(shapes) >= 8, shapes
    if role == "admin":  # every kind of page is among them (38 shapes with the demo data)
        assert ADMIN_REACHES <= set(shapes), ADMIN_REACHES - set(shapes)
    _assert_clean(w)


def test_anonymous_pages_guest_walk_mode_and_contractor_link_obey_the_csp(watch, demo):
    """Logged out: the login and error pages, a contractor link; then a guest joins by the
    code and adds a spot with a photo in walk mode."""
    w = watch(PHONE)
    for path in ("/login", "/does-not-exist", f"/c/{demo.contractor_token}"):
        assert w.goto(path).status in (200, 404)
    w.goto(f"/j/{demo.join_code}")
    w.page.check("input[name=role_label][value=beboer]", force=True)
    w.page.click("#join-form button[type=submit]")
    w.page.wait_for_url("**/mode")
    w.page.wait_for_selector("#gps-status.gps-ok, #gps-status.gps-weak, #gps-status.gps-bad")
    w.page.click("#mark-here")
    w.page.wait_for_selector("#spot-sheet:not([hidden])")
    w.page.click("label.kind.utryg")  # a spot with a photo: exifr, the canvas, blob: previews
    w.page.click("#spot-form label.chip:has(input[value=LYS])")
    w.page.click("#spot-form .scale label.chip:has(input[value='2'])")
    w.page.fill("#spot-note", "Mørk sti")
    w.page.set_input_files("#photo-files", files=[
        {"name": "sti.jpg", "mimeType": "image/jpeg", "buffer": jpeg_bytes(size=(1600, 1200))}])
    w.page.wait_for_function("() => document.querySelectorAll('#photo-previews img').length")
    w.page.click("#save-spot")
    w.page.wait_for_selector("#spot-sheet", state="hidden")
    assert w.page.inner_text("#wm-toast") == "Gemt."
    w.page.click("#view-toggle")
    w.page.wait_for_function("() => { const i = document.querySelector('#spot-list img.thumb');"
                             " return i && i.complete && i.naturalWidth > 0; }")
    w.settle()
    _assert_clean(w)


def test_page_scripts_work_under_the_csp(watch, demo):
    """What the pages' scripts do, as a coordinator: the overview (htmx filter, list tab,
    detail, back), the print button, a drawn redaction (the swapped-in boxes keep their
    position), Leaflet.draw's tools on the walk form and the planner's layer control."""
    w = watch()
    w.login("koordinator")
    page = w.page

    w.goto("/spots/")
    page.wait_for_function("() => document.querySelector('#overview-map .folium-map')"
                           ".walkappMap")
    page.select_option("#f-walk", value=str(demo.done_walk))
    page.wait_for_url("**walk=*")
    w.settle()
    page.locator(".spot-card-title a").first.click()  # the detail, swapped in by htmx
    page.wait_for_selector("#spot-panel.is-open [data-spot-id]")
    page.select_option("#f-walk", value=str(demo.live_walk))
    page.wait_for_url(f"**walk={demo.live_walk}*")
    w.settle()
    page.go_back()  # htmx restores the page filtered by the first walk from its history
    page.wait_for_url(f"**walk={demo.done_walk}*")
    w.settle()

    w.goto(f"/walks/{demo.live_walk}/print")
    page.click(".no-print button.primary")
    assert page.evaluate("window.__printed") == 1  # the handler moved out of onclick=""

    w.goto(f"/photos/{demo.photo_id}/redactions")
    boxes = page.locator(".redact-box:not(.draft)").count()
    img = page.locator("[data-redact-stage] img").bounding_box()
    page.mouse.move(img["x"] + img["width"] * 0.1, img["y"] + img["height"] * 0.2)
    page.mouse.down()
    page.mouse.move(img["x"] + img["width"] * 0.4, img["y"] + img["height"] * 0.5, steps=5)
    page.mouse.up()
    page.click("[data-redact-form] button[type=submit]")
    page.wait_for_function(f"() => document.querySelectorAll('.redact-box:not(.draft)')"
                           f".length === {boxes + 1}")
    left = page.evaluate("() => [...document.querySelectorAll('.redact-box:not(.draft)')]"
                         ".map(b => b.style.left)")
    assert "10%" in left, left  # the style="" attribute of the swapped-in box applied

    w.goto("/walks/new")
    page.locator(".leaflet-draw-draw-polyline").first.click()
    page.wait_for_selector(".leaflet-draw-tooltip")
    w.goto("/planner/")
    page.locator(".leaflet-control-layers").first.hover()
    page.locator(".leaflet-control-layers-selector").first.click()
    w.settle()
    w.goto(f"/walks/{demo.done_walk}/report")
    colour = page.evaluate("getComputedStyle(document.querySelector('.no')).color")
    assert colour == "rgb(255, 255, 255)"  # the report's own <style> block applied
    _assert_clean(w)


def test_planner_draws_a_focus_area_under_the_csp(watch):
    w = watch()
    w.login("planlaegger")
    w.goto("/planner/focus")
    w.page.locator(".leaflet-draw-draw-rectangle").first.click()
    w.page.wait_for_selector(".leaflet-draw-tooltip")
    box = w.page.locator(".planner-map .folium-map").bounding_box()
    x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    w.page.mouse.move(x, y)
    w.page.mouse.down()
    w.page.mouse.move(x + 80, y + 60, steps=5)
    w.page.mouse.up()
    w.page.wait_for_function("() => document.querySelector('[data-focus-geometry]').value")
    _assert_clean(w)
