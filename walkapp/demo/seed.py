"""Demo organisations, users of every role, areas, a done and a planned walk, spots, photos."""

import io
import json
import random
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import sqlalchemy as sa
from PIL import Image, ImageDraw, ImageFilter, ImageFont
from shapely.geometry import Point

from walkapp.config import ROOT
from walkapp.demo.remedies import seed_remedies
from walkapp.domain.actor import Actor
from walkapp.geo.shapes import from_db, parse_geojson
from walkapp.models import Area, Spot, Walk
from walkapp.photos.processing import process
from walkapp.photos.store import FileStore
from walkapp.services import accounts, areas, spots, walks

DEMO_PASSWORD = "walkapp-demo"
DKE = "Albertslund Kommune – Den Kriminalpræventive Enhed"
VEJPARK = "Albertslund Kommune – Vej og Park"
POLITI = "Københavns Vestegns Politi"
BOLIG = "Albertslund Boligselskab"
KAB = "KAB Galgebakken"
ORGS = {
    DKE: "kommune",
    VEJPARK: "kommune",
    POLITI: "politi",
    BOLIG: "boligselskab",
    KAB: "boligselskab",
}
# email, role, organisation, name
DEMO_USERS = [
    ("admin@albertslund.demo", "admin", DKE, "Anne Admin"),
    ("koordinator@albertslund.demo", "koordinator", DKE, "Karin Koordinator"),
    ("politi@vestegn.demo", "vandringsleder", POLITI, "Peter Nærpolitibetjent"),
    ("deltager@albertslund.demo", "deltager", None, "Dorte Beboer"),
    ("inspektoer@boligselskab.demo", "inspektoer", BOLIG, "Ivan Inspektør"),
    ("vejpark@albertslund.demo", "inspektoer", VEJPARK, "Vibeke Vej og Park"),
    ("planlaegger@albertslund.demo", "planlaegger", DKE, "Pia Planlægger"),
]
AREA_OWNERS = {"Albertslund Boligselskab": BOLIG, "KAB Galgebakken": KAB}

NOTES = {
    "LYS": [
        "Stien er helt mørk mellem blokkene, to lamper er gået ud.",
        "Lampen ved tunnelen blænder, man kan ikke se hvem der kommer.",
    ],
    "BEV": [
        "Buskene er over 2 m høje og skjuler stien.",
        "Tæt beplantning ved cykelskuret – godt skjulested.",
    ],
    "OVB": ["Blindt hjørne ved garagerne, ingen oversigt."],
    "STI": ["Tunnelen under Vallensbækvej føles lang og øde om aftenen."],
    "AFF": ["Overfyldte skraldespande og affald ved bænken."],
    "GRA": ["Nye tags på gavlen, har stået i flere uger."],
    "HAE": ["Knust glas i opgangsdøren, ikke repareret."],
    "EJE": ["Uklart hvem der ejer grønningen bag rækkehusene."],
    "LIV": ["Pladsen er tom efter kl. 18, ingen vinduer ud mod den."],
    "ADF": ["Grupper samles ved kiosken om aftenen, man går uden om."],
    "ADG": ["Kælderdøren står åben, låsen er i stykker."],
    "PAR": ["Parkeringspladsen kan ikke ses fra boligerne."],
    "LEG": ["Legepladsen er mørk og bruges til hænge-ud om aftenen."],
    "GOD": [
        "Godt oplyst torv med liv fra caféen – det virker.",
        "Ny belysning langs kanalen gør det trygt at gå her.",
    ],
}
UTRYG_SETS = [
    ["LYS"],
    ["LYS", "STI"],
    ["BEV", "OVB"],
    ["BEV"],
    ["AFF"],
    ["GRA", "HAE"],
    ["HAE"],
    ["EJE"],
    ["LIV"],
    ["ADF"],
    ["ADG"],
    ["PAR", "LYS"],
    ["LEG", "LYS"],
    ["STI"],
    ["OVB"],
]


def _font(size: int):
    for path in ("/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf",):
        if Path(path).exists():
            return ImageFont.truetype(path, size)
    return ImageFont.load_default()


def demo_photo(rng: random.Random, label: str, dark: bool) -> bytes:
    """Draw a simple evening street scene with a label; our own image, no outside files."""
    w, h = 1280, 960
    img = Image.new("RGB", (w, h))
    draw = ImageDraw.Draw(img)
    top = (20, 28, 54) if dark else (150, 190, 230)
    for y in range(h):
        t = y / h
        draw.line([(0, y), (w, y)], fill=tuple(int(top[i] * (1 - t) + 40 * t) for i in range(3)))
    for _ in range(6):  # blocks of flats
        x = rng.randint(0, w - 200)
        bw, bh = rng.randint(160, 320), rng.randint(200, 420)
        draw.rectangle([x, h // 2 - bh, x + bw, h // 2 + 80], fill=(70, 60, 55))
        for wy in range(h // 2 - bh + 20, h // 2 + 60, 50):
            for wx in range(x + 15, x + bw - 20, 45):
                lit = rng.random() < (0.4 if dark else 0.1)
                draw.rectangle(
                    [wx, wy, wx + 22, wy + 28], fill=(250, 220, 120) if lit else (40, 45, 60)
                )
    draw.polygon(
        [(w * 0.35, h), (w * 0.65, h), (w * 0.52, h // 2 + 80), (w * 0.48, h // 2 + 80)],
        fill=(95, 95, 100),
    )
    for _ in range(5):  # shrubs
        cx, cy, r = rng.randint(0, w), rng.randint(h // 2 + 60, h), rng.randint(60, 140)
        draw.ellipse([cx - r, cy - r, cx + r, cy + r], fill=(25, 70, 35))
    img = img.filter(ImageFilter.GaussianBlur(1.2))
    draw = ImageDraw.Draw(img)
    draw.rectangle([0, h - 90, w, h], fill=(0, 0, 0))
    draw.text((30, h - 75), label, font=_font(44), fill=(255, 255, 255))
    buf = io.BytesIO()
    img.save(buf, "JPEG", quality=85)
    return buf.getvalue()


def _kommune_boundary() -> dict:
    shared = ROOT.parent / "shared" / "data" / "boundaries" / "albertslund_0165.geojson"
    path = shared if shared.exists() else ROOT / "geodata" / "albertslund_outline_rough.geojson"
    return json.loads(path.read_text(encoding="utf-8"))


def _random_point_in(poly, rng: random.Random) -> Point:
    minx, miny, maxx, maxy = poly.bounds
    while True:
        p = Point(rng.uniform(minx, maxx), rng.uniform(miny, maxy))
        if poly.contains(p):
            return p


def seed_demo(session, photo_dir: str, n_spots: int = 25) -> str:
    rng = random.Random(165)
    orgs = {
        name: accounts.get_or_create_organisation(session, name, kind)
        for name, kind in ORGS.items()
    }
    orgs[DKE].contact_email = "dke@albertslund.demo"
    orgs[BOLIG].contact_email = "drift@boligselskab.demo"
    orgs[VEJPARK].contact_email = "vejpark@albertslund.demo"
    users = {}
    for email, role, org, name in DEMO_USERS:
        users[role if role != "inspektoer" or org == BOLIG else "inspektoer_vej"] = (
            accounts.create_user(
                session, email, role, DEMO_PASSWORD, org, name, ORGS.get(org, "andet")
            )
        )

    boundary = _kommune_boundary()
    areas.save_area(
        session, "Albertslund Kommune", parse_geojson(boundary), "kommune", orgs[VEJPARK].id
    )
    demo = json.loads((ROOT / "geodata" / "albertslund_demo_areas.geojson").read_text("utf-8"))
    area_rows = {}
    for feat in demo["features"]:
        props = feat["properties"]
        owner = orgs.get(AREA_OWNERS.get(props.get("owner") or "", ""))
        area_rows[props["name"]] = areas.save_area(
            session, props["name"], parse_geojson(feat), "boligomraade", owner.id if owner else None
        )

    coordinator = users["koordinator"]
    coord_actor = Actor(
        user_id=coordinator.id, role="koordinator", org_id=orgs[DKE].id, org_kind="kommune"
    )
    leader = users["vandringsleder"]
    walk_time = datetime(2026, 10, 29, 18, 0, tzinfo=UTC)
    done = walks.plan_walk(
        session,
        coord_actor,
        walks.WalkInput(
            title="Aftenvandring i Hyldespjældet",
            area_id=area_rows["Hyldespjældet"].id,
            starts_at=walk_time,
            light="moerke",
            leader_id=leader.id,
            route_geojson=json.dumps(_route_through(from_db(area_rows["Hyldespjældet"].geom))),
            notes="Mødested: Hyldespjældets beboerhus kl. 19.00. Formøde 15. oktober.",
        ),
    )
    done.status = "igang"
    labels = [
        ("beboer", "Beboer"),
        ("beboer", ""),
        ("beboer", "Jens"),
        ("boligselskab", ""),
        ("boligselskab", "Driften"),
        ("kommune", "Vej og Park"),
        ("kommune", "SSP"),
        ("politi", ""),
        ("beboer", "Fatima"),
        ("andet", "Ungdomsklubben"),
    ]
    guests = []
    for role_label, name in labels:
        p = walks.join_walk(session, Actor(), done, name, role_label)
        guests.append(Actor(guest_participations={done.id: p.id}))
    session.commit()

    store = FileStore(photo_dir)
    hylde = from_db(area_rows["Hyldespjældet"].geom).geoms[0]
    limits = spots.Limits()
    for i in range(n_spots):
        good = i % 6 == 5
        cats = ["GOD"] if good else rng.choice(UTRYG_SETS)
        note = rng.choice(NOTES.get(cats[0], NOTES["LYS"]))
        pt = _random_point_in(hylde, rng)
        photos = [
            process(
                demo_photo(rng, f"{i + 1}. {', '.join(cats)}", True),
                max_bytes=25 * 2**20,
                max_pixels=60_000_000,
            )
        ]
        if i % 4 == 0:
            photos.append(
                process(
                    demo_photo(rng, f"{i + 1}. detalje", True),
                    max_bytes=25 * 2**20,
                    max_pixels=60_000_000,
                )
            )
        data = spots.SpotInput(
            lat=pt.y,
            lon=pt.x,
            accuracy_m=round(rng.uniform(4, 18), 1),
            kind="tryg" if good else "utryg",
            categories=cats,
            feeling=rng.choice([4, 5]) if good else rng.choice([1, 2, 2, 3]),
            note=note,
            client_uuid=str(uuid.UUID(int=rng.getrandbits(128))),
            visibility="politi" if "ADF" in cats else "offentlig",
        )
        result = spots.add_spot(session, guests[i % len(guests)], done, data, photos, store, limits)
        t = walk_time + timedelta(minutes=5 + i * 3)
        result.spot.observed_at = result.spot.created_at = result.spot.updated_at = t
        session.commit()
    done.status, done.ended_at = "afsluttet", walk_time + timedelta(hours=2)
    walks.plan_walk(
        session,
        coord_actor,
        walks.WalkInput(
            title="Aftenvandring i Galgebakken",
            area_id=area_rows["Galgebakken"].id,
            starts_at=datetime(2026, 12, 3, 16, 30, tzinfo=UTC),
            light="moerke",
            leader_id=leader.id,
            notes="Formøde i Galgebakkens fælleshus 19. november.",
        ),
    )
    session.flush()
    extra = _seed_remedies(session)
    n_spots_db = session.scalar(sa.select(sa.func.count(Spot.id)))
    n_walks = session.scalar(sa.select(sa.func.count(Walk.id)))
    n_areas = session.scalar(sa.select(sa.func.count(Area.id)))
    return (
        f"Demo data: {len(DEMO_USERS)} users, {len(ORGS)} organisations, {n_areas} areas, "
        f"{n_walks} walks, {n_spots_db} spots{extra}"
    )


def _seed_remedies(session) -> str:
    result = seed_remedies(session)
    return f", {result}" if result else ""


def _route_through(poly) -> dict:
    minx, miny, maxx, maxy = poly.bounds
    cx, cy = (minx + maxx) / 2, (miny + maxy) / 2
    coords = [
        (minx + (maxx - minx) * 0.2, miny + (maxy - miny) * 0.3),
        (cx, miny + (maxy - miny) * 0.25),
        (cx + (maxx - minx) * 0.2, cy),
        (cx, maxy - (maxy - miny) * 0.25),
        (minx + (maxx - minx) * 0.25, cy),
    ]
    return {"type": "LineString", "coordinates": [list(c) for c in coords]}
