"""Configuration: defaults, then instance/config.py, then WALKAPP_* environment variables."""

import os
import secrets
from pathlib import Path

# geoalchemy2 loads SpatiaLite from this name; Debian installs it on the loader path.
os.environ.setdefault("SPATIALITE_LIBRARY_PATH", "mod_spatialite")

ROOT = Path(__file__).resolve().parent.parent  # the repository: templates/, static/, geodata/


class Defaults:
    # Database: a SpatiaLite file in the instance folder unless DATABASE_URL says otherwise.
    DATABASE_URL: str | None = None
    SQLALCHEMY_TRACK_MODIFICATIONS = False

    # Map tiles are the only outside resource a page loads.
    TILE_URL = "https://tile.openstreetmap.org/{z}/{x}/{y}.png"
    TILE_ATTRIBUTION = (
        '&copy; <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a>-bidragydere'
    )
    TILE_MAX_ZOOM = 19
    MAP_CENTER = (55.6640, 12.3540)  # Albertslund

    BABEL_DEFAULT_LOCALE = "da"
    BABEL_DEFAULT_TIMEZONE = "Europe/Copenhagen"
    LANGUAGES = ("da", "en")

    # Field capture
    GPS_WARN_ACCURACY_M = 25
    GPS_MAX_ACCURACY_M = 100
    SPOT_MAX_DISTANCE_FROM_AREA_M = 2000
    NOTE_MAX_CHARS = 2000
    LIVE_POLL_SECONDS = 4
    JOIN_LINK_VALID_DAYS_AFTER_WALK = 7

    # Photos
    PHOTO_MAX_BYTES = 25 * 1024 * 1024
    PHOTO_MAX_PIXELS = 60_000_000
    PHOTOS_PER_SPOT = 10
    PHOTO_THUMB_PX = 320
    PHOTO_DISPLAY_PX = 1600
    PHOTO_KEEP_ORIGINAL = True  # a metadata-free copy of at most PHOTO_ORIGINAL_MAX_PX
    PHOTO_ORIGINAL_MAX_PX = 4096
    PHOTO_AUTO_REDACT = True  # blur faces and number plates for all but coordinators and police
    PHOTO_DEFER_REDACT = True  # detect after the upload (photos-blur, or when first served)

    # Remedies and follow-up
    REMEDY_MERGE_DISTANCE_M = 15
    CONTRACTOR_LINK_DAYS = 30
    FOLLOW_UP_SOON_DAYS = 14
    REMEDY_REMINDER_DAYS = 7
    PUBLIC_BASE_URL = "http://127.0.0.1:5000"  # for links in e-mails sent from the command line

    # Privacy: flask retention-run anonymises the guests of walks closed longer ago than this
    # and deletes the clean originals of their photos (run it daily from a timer)
    RETENTION_DAYS = 365

    # E-mail (flask send-notifications); the outbox retries with exponential backoff
    SMTP_HOST = "localhost"
    SMTP_PORT = 25
    SMTP_USERNAME: str | None = None
    SMTP_PASSWORD: str | None = None
    SMTP_STARTTLS = False
    SMTP_SSL = False
    SMTP_TIMEOUT = 10
    MAIL_FROM = "walkapp <noreply@localhost>"
    OUTBOX_BACKOFF_SECONDS = 60
    OUTBOX_MAX_ATTEMPTS = 10
    MAX_CONTENT_LENGTH = 260 * 1024 * 1024

    # Geometry users send (focus areas, areas, routes; walkapp.geo.shapes.GeometryLimits):
    # bigger, deeper or more self-crossing input gets a 422 before any work or database write.
    GEOMETRY_MAX_BYTES = 5 * 1024 * 1024  # of GeoJSON text
    GEOMETRY_MAX_VERTICES = 20_000  # points of one geometry
    GEOMETRY_MAX_DEPTH = 20  # nesting of JSON arrays/objects (properties not counted)
    GEOMETRY_MAX_CROSSINGS = 1_000  # self-intersections an outline may have to be repaired

    # Hotspot analysis (planner map): metres, counts
    HOTSPOT_BAND_M = 200
    HOTSPOT_PERMUTATIONS = 999
    HOTSPOT_MIN_SPOTS = 30
    HOTSPOT_KDE_BANDWIDTH_M = 150
    HOTSPOT_DBSCAN_EPS_M = 50
    HOTSPOT_DBSCAN_MIN_SPOTS = 5
    HOTSPOT_REMEDY_RADIUS_M = 50

    WTF_CSRF_TIME_LIMIT = None  # a walk lasts hours; the token lives as long as the session
    WTF_CSRF_HEADERS = ["X-CSRFToken", "X-CSRF-Token"]
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_HTTPONLY = True
    PERMANENT_SESSION_LIFETIME = 60 * 60 * 24 * 14
    # Cookies only over HTTPS, unless set here or the app runs in development (`make run`
    # sets WALKAPP_DEVELOPMENT=1 for its http://127.0.0.1) or testing; None means "decide".
    DEVELOPMENT = False
    SESSION_COOKIE_SECURE: bool | None = None
    REMEMBER_COOKIE_SECURE: bool | None = None

    # Login throttling (Flask-Limiter): failed attempts per e-mail address and per client
    # address. memory:// counts per process; use e.g. redis://host:6379 with several workers.
    RATELIMIT_STORAGE_URI = "memory://"
    RATELIMIT_HEADERS_ENABLED = True  # Retry-After on a 429
    LOGIN_LIMIT_PER_ACCOUNT = "10 per 15 minutes"
    LOGIN_LIMIT_PER_IP = "50 per 15 minutes"


def sqlite_url(path: Path) -> str:
    """Return a SpatiaLite URL for *path* that initialises only the WGS84 SRIDs (fast)."""
    return f"sqlite:///{path}?geoalchemy2_connect_sqlite_init_mode=WGS84"


def load(app, test_config: dict | None) -> None:
    """Fill app.config in the documented order."""
    app.config.from_object(Defaults)
    app.config.from_pyfile("config.py", silent=True)
    app.config.from_prefixed_env("WALKAPP")
    if test_config:
        app.config.update(test_config)

    instance = Path(app.instance_path)
    instance.mkdir(parents=True, exist_ok=True)
    url = app.config.get("DATABASE_URL") or sqlite_url(instance / "walkapp.sqlite")
    if url.startswith("sqlite") and "geoalchemy2_connect_sqlite_init_mode" not in url:
        url += ("&" if "?" in url else "?") + "geoalchemy2_connect_sqlite_init_mode=WGS84"
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://") :]
    app.config["SQLALCHEMY_DATABASE_URI"] = url
    app.config.setdefault("PHOTO_DIR", str(instance / "photos"))
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = _instance_secret(instance)
    plain_http = bool(app.config.get("DEVELOPMENT") or app.config.get("TESTING") or app.debug)
    for key in ("SESSION_COOKIE_SECURE", "REMEMBER_COOKIE_SECURE"):
        if app.config.get(key) is None:
            app.config[key] = not plain_http


def _instance_secret(instance: Path) -> str:
    """Return a random secret kept in the instance folder, so sessions survive restarts."""
    path = instance / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_urlsafe(48))
        path.chmod(0o600)
    return path.read_text().strip()
