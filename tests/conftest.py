"""Fixtures: a fresh app per test on SpatiaLite and on PostGIS (migrated by Alembic)."""

import io
import os
import re
import shutil
import uuid
from pathlib import Path

import psycopg
import pytest
import sqlalchemy as sa
from flask.testing import FlaskClient

from tests.factories import PASSWORD, spot_form
from walkapp import create_app
from walkapp.extensions import db as _db
from walkapp.models import User

ROOT = Path(__file__).resolve().parent.parent
# Data nobody here wrote (real photos, boundaries, specs): beside the repository, or elsewhere.
SHARED_DATA = Path(os.environ.get("WALKAPP_SHARED_DATA") or ROOT.parent / "shared" / "data")
ADMIN_URL = os.environ.get(
    "WALKAPP_TEST_DATABASE_URL", "postgresql://walkapp:walkapp@127.0.0.1:5432/postgres"
)
KEEP_TABLES = {"categories", "spatial_ref_sys", "alembic_version", "principles",
               "remedy_templates"}


def pytest_sessionstart(session):
    """Compile the message catalogues, so pages render in Danish as they do for users."""
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    for po in (ROOT / "walkapp" / "translations").glob("*/LC_MESSAGES/messages.po"):
        with open(po, "rb") as fh:
            catalog = read_po(fh, locale=po.parent.parent.name)
        with open(po.with_suffix(".mo"), "wb") as fh:
            write_mo(fh, catalog)


def _plain(url: str) -> str:
    return url.replace("postgresql+psycopg://", "postgresql://")


def _url_with_db(url: str, name: str) -> str:
    return _plain(url).split("?")[0].rsplit("/", 1)[0] + f"/{name}"


def migrate_to_head(app) -> None:
    from flask_migrate import upgrade

    with app.app_context():
        upgrade(directory=str(ROOT / "migrations"), revision="heads")


def create_postgis_db(name: str) -> str:
    """Create the empty database *name* with PostGIS on the test server; return its URL."""
    with psycopg.connect(_plain(ADMIN_URL), autocommit=True, connect_timeout=5) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    url = _url_with_db(ADMIN_URL, name)
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("CREATE EXTENSION IF NOT EXISTS postgis")
    return url


def drop_db(name: str) -> None:
    with psycopg.connect(_plain(ADMIN_URL), autocommit=True, connect_timeout=5) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="session")
def postgis_url():
    """A throwaway PostGIS database for this test session; never skipped."""
    name = f"walkapp_test_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    try:
        url = create_postgis_db(name)
    except psycopg.OperationalError as exc:
        pytest.fail(f"PostGIS is required for the tests and is not reachable: {exc}")
    app = create_app({"DATABASE_URL": url, "TESTING": True})
    migrate_to_head(app)
    with app.app_context():
        _db.engine.dispose()
    yield url
    drop_db(name)


@pytest.fixture(scope="session")
def spatialite_template(tmp_path_factory):
    """A migrated SpatiaLite file; each test gets a copy."""
    path = tmp_path_factory.mktemp("spatialite") / "template.sqlite"
    app = create_app({"DATABASE_URL": f"sqlite:///{path}", "TESTING": True})
    migrate_to_head(app)
    with app.app_context():
        _db.engine.dispose()
    return path


def _truncate(app) -> None:
    with app.app_context():
        names = [t.name for t in _db.metadata.sorted_tables if t.name not in KEEP_TABLES]
        with _db.engine.begin() as conn:
            conn.execute(sa.text(f"TRUNCATE {', '.join(names)} RESTART IDENTITY CASCADE"))


def _fresh_g():
    from flask import g

    for name in list(g):
        g.pop(name)


class BufferedClient(FlaskClient):
    """The test client, reading every response whole and closing it as a server does, so a file
    that send_file opened is closed at once instead of warning when the collector finds it."""

    def open(self, *args, buffered=True, **kwargs):
        return super().open(*args, buffered=buffered, **kwargs)


@pytest.fixture(params=["spatialite", "postgis"])
def backend(request):
    return request.param


@pytest.fixture
def app(request, backend, tmp_path):
    config = {"TESTING": True, "SECRET_KEY": "test-" + uuid.uuid4().hex,
              "PHOTO_DIR": str(tmp_path / "photos"), "SERVER_NAME": None}
    config.update(getattr(request, "param", None) or {})
    if backend == "spatialite":
        db_file = tmp_path / "walkapp.sqlite"
        shutil.copy(request.getfixturevalue("spatialite_template"), db_file)
        config["DATABASE_URL"] = f"sqlite:///{db_file}"
    else:
        config["DATABASE_URL"] = request.getfixturevalue("postgis_url")
    application = create_app(config)
    application.test_client_class = BufferedClient
    # The `session` fixture keeps an app context pushed, which requests would reuse: give each
    # request a clean `g` (actor, logged-in user, CSRF state), as in production.
    application.before_request_funcs.setdefault(None, []).insert(0, _fresh_g)
    if backend == "postgis":
        _truncate(application)
    yield application
    with application.app_context():
        _db.session.remove()
        _db.engine.dispose()


@pytest.fixture
def session(app):
    with app.app_context():
        yield _db.session


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


def csrf_from(html: str) -> str:
    match = re.search(r'name="csrf-token" content="([^"]+)"', html)
    assert match, "page has no CSRF meta tag"
    return match.group(1)


class AuthActions:
    """Log one test client in and out (the shape of flaskr's ``AuthActions``).

    ``login`` goes through the login form as a user does and returns the CSRF token for the
    client's next posts; ``enter`` writes the session straight away (fast, for tests that are
    not about logging in); ``join`` makes the client a guest of a walk the same way.
    """

    def __init__(self, client):
        self.client = client

    def token(self) -> str:
        """The client's CSRF token (from the login page, which every visitor may open)."""
        return csrf_from(self.client.get("/login").get_data(as_text=True))

    def login(self, user, password: str = PASSWORD) -> str:
        """Log in as *user* (a User or an e-mail address) through the form; return the token."""
        token = self.token()
        email = getattr(user, "email", user)
        resp = self.client.post("/login", data={"email": email, "password": password,
                                                "csrf_token": token})
        assert resp.status_code == 302, resp.get_data(as_text=True)[:300]
        return token

    def enter(self, user) -> None:
        """Act as *user* (a User, its id, or its login id "id:session token" as Flask-Login
        writes it into the session), straight through the session."""
        login_id = user if isinstance(user, str) and ":" in user else None
        if login_id is None:
            with self.client.application.app_context():
                login_id = _db.session.get(User, int(getattr(user, "id", user))).get_id()
        with self.client.session_transaction() as sess:
            sess["_user_id"] = login_id
            sess["_fresh"] = True

    def join(self, walk_id: int, participant_id: int) -> None:
        """Act as the guest *participant_id* of walk *walk_id*, straight through the session."""
        with self.client.session_transaction() as sess:
            sess["guest_walks"] = {str(walk_id): participant_id}

    def logout(self) -> None:
        resp = self.client.post("/logout", data={"csrf_token": self.token()})
        assert resp.status_code == 302, resp.status_code


@pytest.fixture
def auth(client):
    """Log the test ``client`` in and out: ``token = auth.login(user)``, ``auth.logout()``."""
    return AuthActions(client)


def logged_in(app, user, password: str = PASSWORD):
    """A fresh client of *app* logged in as *user* through the form, and its CSRF token.

    ``logged_in(app, None)`` gives an anonymous client and its token.
    """
    actions = AuthActions(app.test_client())
    token = actions.token() if user is None else actions.login(user, password)
    return actions.client, token


def post_spot(client, walk_id, token, form=None, photos=(), *, expect=None):
    """POST a spot (``spot_form()`` unless *form* is given) with *photos* to the walk's API.

    Returns the response; with *expect*, first asserts its status code.
    """
    data = dict(spot_form() if form is None else form)
    data["photo"] = [(io.BytesIO(b), f"p{i}.jpg") for i, b in enumerate(photos)]
    resp = client.post(f"/api/walks/{walk_id}/spots", data=data,
                       headers={"X-CSRFToken": token}, content_type="multipart/form-data")
    if expect is not None:
        assert resp.status_code == expect, resp.get_data(as_text=True)[:300]
    return resp


@pytest.fixture
def shared_data():
    if not SHARED_DATA.exists():
        pytest.skip(f"{SHARED_DATA} is absent (a new user's machine); CI has it")
    return SHARED_DATA
