"""Plain factory functions: make_thing(session, **overrides)."""

import io
import uuid
from datetime import UTC, datetime, timedelta

from PIL import Image
from shapely.geometry import Polygon

from walkapp.domain.actor import Actor
from walkapp.models import Participant
from walkapp.services import accounts, areas, walks

# A small housing area in Albertslund (around Hyldespjældet).
HYLDE = Polygon([(12.3555, 55.6525), (12.3640, 55.6525), (12.3640, 55.6565), (12.3555, 55.6565)])
INSIDE = (55.6545, 12.3600)  # lat, lon


def make_user(session, role="koordinator", email=None, org="Albertslund Kommune DKE",
              org_kind="kommune", password="secret-pass"):
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
