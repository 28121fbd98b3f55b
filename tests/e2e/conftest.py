"""Browser tests: the real app on a migrated SpatiaLite file, served from a thread, and Debian's
Chromium driven by Playwright at phone size. Only localhost may load; tiles fail as offline."""

import re
import shutil
import socket
import threading
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from werkzeug.serving import make_server

from tests.conftest import migrate_to_head
from tests.factories import HYLDE, PASSWORD, actor_for
from walkapp import create_app
from walkapp.extensions import db

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
PHONE = {
    "viewport": {"width": 390, "height": 844},
    "device_scale_factor": 2,
    "is_mobile": True,
    "has_touch": True,
    "locale": "da-DK",
    "timezone_id": "Europe/Copenhagen",
}
INSIDE = {"latitude": 55.6545, "longitude": 12.36, "accuracy": 8}


def pytest_collection_modifyitems(items):
    for item in items:
        if "/e2e/" in str(item.fspath):
            item.add_marker(pytest.mark.e2e)


def off_site(ctx, app) -> list[str]:
    """What *ctx* tried to load from outside, other than tiles of the configured TILE_URL."""
    tile = re.compile("^" + re.escape(app.config["TILE_URL"]).replace(
        r"\{s\}", "[a-z]").replace(r"\{z\}", r"\d+").replace(r"\{x\}", r"\d+").replace(
        r"\{y\}", r"\d+") + "$")
    return [u for u in ctx.blocked if not tile.match(u)]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class LiveServer:
    url: str
    app: object

    def plan_walk(self, status: str = "igang", leader_email: str | None = None):
        """Plan a walk in Hyldespjældet (led by *leader_email* if given); return it."""
        from walkapp.models import Area, User
        from walkapp.services import accounts, areas, walks

        with self.app.app_context():
            s = db.session
            coordinator = s.query(User).filter_by(
                role="koordinator"
            ).first() or accounts.create_user(
                s,
                f"k-{uuid.uuid4().hex[:6]}@example.dk",
                "koordinator",
                "secret-pass",
                "Albertslund Kommune DKE",
                org_kind="kommune",
            )
            area = s.query(Area).filter_by(name="Hyldespjældet").first() or areas.save_area(
                s, "Hyldespjældet", HYLDE
            )
            leader = (
                accounts.create_user(
                    s,
                    leader_email,
                    "vandringsleder",
                    "secret-pass",
                    "Københavns Vestegns Politi",
                    org_kind="politi",
                )
                if leader_email
                else None
            )
            walk = walks.plan_walk(
                s,
                actor_for(coordinator),
                walks.WalkInput(
                    title="Aftenvandring i Hyldespjældet",
                    area_id=area.id,
                    starts_at=datetime.now(UTC) - timedelta(minutes=10),
                    light="moerke",
                    leader_id=leader.id if leader else None,
                    route_geojson='{"type": "LineString", "coordinates": '
                    "[[12.3565, 55.6530], [12.3600, 55.6545], [12.3630, 55.6558]]}",
                ),
            )
            walk.status = status
            s.commit()
            return walk.id, walk.join_code

    def user(self, role: str, email: str, password: str = "secret-pass") -> None:
        from walkapp.services import accounts

        with self.app.app_context():
            accounts.create_user(
                db.session, email, role, password, "Albertslund Kommune DKE", org_kind="kommune"
            )
            db.session.commit()

    def login(self, page, email: str, password: str = PASSWORD) -> None:
        """Log *page* in through the login form, as a user does."""
        page.goto(self.url + "/login")
        page.fill("#email", email)
        page.fill("#password", password)
        page.locator("form button[type=submit]").first.click()
        page.wait_for_load_state()

    def walks(self):
        from walkapp.geo.shapes import from_db
        from walkapp.models import Walk

        with self.app.app_context():
            return [(w.title, w.starts_at, from_db(w.route)) for w in db.session.query(Walk)]

    def spots(self, walk_id: int):
        from walkapp.models import Spot

        with self.app.app_context():
            rows = db.session.query(Spot).filter_by(walk_id=walk_id).all()
            return [(s.kind, s.location_source, s.note, len(s.photos)) for s in rows]


@pytest.fixture(scope="session")
def live_server(tmp_path_factory, spatialite_template):
    base = tmp_path_factory.mktemp("e2e")
    db_file = base / "walkapp.sqlite"
    shutil.copy(spatialite_template, db_file)
    app = create_app(
        {
            "DATABASE_URL": f"sqlite:///{db_file}",
            "TESTING": True,
            "SECRET_KEY": "e2e-" + uuid.uuid4().hex,
            "PHOTO_DIR": str(base / "photos"),
            "LIVE_POLL_SECONDS": 2,
        }
    )
    migrate_to_head(app)  # a no-op on the migrated template; keeps this fixture self-sufficient
    port = _free_port()
    server = make_server("127.0.0.1", port, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield LiveServer(f"http://127.0.0.1:{port}", app)
    server.shutdown()
    thread.join(timeout=5)


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    chromium = shutil.which("chromium") or "/usr/bin/chromium"
    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture
def phone(browser, live_server):
    """Return a factory of phone contexts (geolocation granted, only localhost reachable)."""
    contexts = []

    def make(geolocation=INSIDE):
        ctx = browser.new_context(**PHONE)
        ctx.blocked = []

        def only_local(route):
            host = urlsplit(route.request.url).hostname
            if host in ("127.0.0.1", "localhost"):
                route.continue_()
            else:
                ctx.blocked.append(route.request.url)
                route.abort()

        ctx.route("**/*", only_local)
        ctx.grant_permissions(["geolocation"], origin=live_server.url)
        if geolocation:
            ctx.set_geolocation(geolocation)
        ctx.set_default_timeout(15000)
        contexts.append(ctx)
        return ctx

    yield make
    for ctx in contexts:
        ctx.close()


@pytest.fixture(scope="session")
def artifacts() -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS
