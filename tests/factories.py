"""Plain factory functions: make_thing(session, **overrides)."""

import io
import uuid
from datetime import UTC, datetime, timedelta

from PIL import Image
from shapely.geometry import Polygon

from walkapp.domain.actor import Actor
from walkapp.geo.shapes import point, to_db
from walkapp.models import Category, Participant, Photo, Spot
from walkapp.photos.processing import process
from walkapp.photos.store import FileStore
from walkapp.services import accounts, areas, walks

# A small housing area in Albertslund (around Hyldespjældet).
HYLDE = Polygon([(12.3555, 55.6525), (12.3640, 55.6525), (12.3640, 55.6565), (12.3555, 55.6565)])
INSIDE = (55.6545, 12.3600)  # lat, lon
PASSWORD = "secret-pass"  # every factory-made user's


def make_user(session, role="koordinator", email=None, org="Albertslund Kommune DKE",
              org_kind="kommune", password=PASSWORD):
    email = email or f"{role}-{uuid.uuid4().hex[:6]}@example.dk"
    return accounts.create_user(session, email, role, password, org, org_kind=org_kind)


def actor_for(user) -> Actor:
    org = user.organisation
    return Actor(user_id=user.id, role=user.role, org_id=org.id if org else None,
                 org_kind=org.kind if org else None)


def make_area(session, name="Hyldespjældet", geom=HYLDE):
    return areas.save_area(session, name, geom)


def make_walk(session, coordinator=None, area=None, **overrides):
    coordinator = coordinator or make_user(session, "koordinator")
    area = area or make_area(session)
    data = walks.WalkInput(
        title=overrides.pop("title", "Aftenvandring"), area_id=area.id,
        starts_at=overrides.pop("starts_at", datetime.now(UTC) + timedelta(hours=1)),
        light=overrides.pop("light", "moerke"), leader_id=overrides.pop("leader_id", None),
        route_geojson=overrides.pop("route_geojson", None),
    )
    walk = walks.plan_walk(session, actor_for(coordinator), data)
    for k, v in overrides.items():
        setattr(walk, k, v)
    session.flush()
    return walk


def make_guest(session, walk, name="Gæst", role_label="beboer") -> tuple[Participant, Actor]:
    p = walks.join_walk(session, Actor(), walk, name, role_label)
    return p, Actor(guest_participations={walk.id: p.id})


def jpeg_bytes(size=(800, 600), color=(90, 120, 160)) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", size, color).save(buf, "JPEG", quality=85)
    return buf.getvalue()


def spot_form(lat=INSIDE[0], lon=INSIDE[1], **overrides) -> dict:
    form = {"client_uuid": str(uuid.uuid4()), "lat": str(lat), "lon": str(lon),
            "accuracy_m": "8", "kind": "utryg", "categories": ["LYS"], "feeling": "2",
            "note": "Mørk sti"}
    form.update(overrides)
    return form


def face_jpeg(shared_data) -> bytes:
    """A scene with a real face in it (Pillow's hopper), for the blurring."""
    face = Image.open(shared_data / "images/pillow/Tests/images/hopper.jpg").convert("RGB")
    scene = Image.new("RGB", (1200, 900), (120, 140, 120))
    scene.paste(face.resize((384, 384)), (400, 200))
    buf = io.BytesIO()
    scene.save(buf, "JPEG", quality=92)
    return buf.getvalue()


def stored_photo(photo_dir, data: bytes) -> Photo:
    """Process *data*, keep its thumb and display renditions in *photo_dir*; return the row."""
    ph = process(data, max_bytes=10**7, max_pixels=10**8)
    store = FileStore(photo_dir)
    for name in ("thumb", "display"):
        store.save(ph.sha256, f"{name}.jpg", ph.files[f"{name}.jpg"])
    return Photo(sha256=ph.sha256, token=uuid.uuid4().hex, width=ph.width, height=ph.height,
                 source_format="JPEG")


def add_spot(session, walk, lat=INSIDE[0], lon=INSIDE[1], cats=("LYS",), *, kind="utryg",
             photo_dir=None, photo: bytes | None = None, **fields) -> Spot:
    """A spot written straight to the database (no service, no checks); *fields* are Spot's
    columns (note, visibility, feeling, light, observed_at, ...), the model's defaults else.
    With *photo_dir*, the spot gets one stored photo (*photo*, a green JPEG unless given)."""
    spot = Spot(client_uuid=str(uuid.uuid4()), walk_id=walk.id, geom=to_db(point(lon, lat)),
                kind=kind, categories=[session.get(Category, c) for c in cats], **fields)
    if photo_dir:
        photo = jpeg_bytes(color=(20, 120, 40)) if photo is None else photo
        spot.photos.append(stored_photo(photo_dir, photo))
    session.add(spot)
    session.flush()
    return spot
