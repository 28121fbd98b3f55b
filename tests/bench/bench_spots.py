"""Issue 2 targets: bbox query over 100,000 spots, upload with a 3 MB photo, walk mode weight."""

import gzip
import io
import random
import re
import uuid
from datetime import UTC, datetime, timedelta

import numpy as np
import sqlalchemy as sa
from PIL import Image

from tests.bench.common import env_int, fresh_app, summary, timed
from tests.conftest import AuthActions
from walkapp.demo.seed import seed_demo
from walkapp.extensions import db
from walkapp.geo.queries import bbox_filter
from walkapp.geo.shapes import from_db, parse_geojson
from walkapp.models import Area, Participant, Spot, Walk, spot_categories
from walkapp.services import accounts, areas

N_SPOTS = env_int("BENCH_SPOTS", 100_000)
N_WALKS = 200
BBOX = (12.311, 55.642, 12.396, 55.7097)  # Albertslund
CODES = ["LYS", "BEV", "OVB", "STI", "AFF", "GRA", "HAE", "ADF"]


def populate(app) -> tuple[int, str]:
    rng = random.Random(1)
    with app.app_context():
        s = db.session
        accounts.create_user(
            s, "k@bench.dk", "koordinator", "bench-pass", "DKE", org_kind="kommune"
        )
        area = areas.save_area(
            s,
            "Albertslund",
            parse_geojson(
                {
                    "type": "Polygon",
                    "coordinates": [
                        [
                            [BBOX[0], BBOX[1]],
                            [BBOX[2], BBOX[1]],
                            [BBOX[2], BBOX[3]],
                            [BBOX[0], BBOX[3]],
                            [BBOX[0], BBOX[1]],
                        ]
                    ],
                }
            ),
            "kommune",
        )
        t0 = datetime(2022, 1, 1, tzinfo=UTC)
        s.execute(
            sa.insert(Walk),
            [
                {
                    "title": f"Walk {i}",
                    "area_id": area.id,
                    "starts_at": t0 + timedelta(days=7 * i),
                    "light": "moerke",
                    "status": "afsluttet",
                    "join_code": uuid.uuid4().hex[:12],
                    "notes": "",
                }
                for i in range(N_WALKS)
            ],
        )
        walk_ids = list(s.scalars(sa.select(Walk.id)))
        s.execute(
            sa.insert(Participant),
            [{"walk_id": w, "display_name": "", "role_label": "beboer"} for w in walk_ids],
        )
        part = dict(s.execute(sa.select(Participant.walk_id, Participant.id)).all())
        s.commit()
        lon = np.random.default_rng(2).uniform(BBOX[0], BBOX[2], N_SPOTS)
        lat = np.random.default_rng(3).uniform(BBOX[1], BBOX[3], N_SPOTS)
        rows = []
        for i in range(N_SPOTS):
            w = walk_ids[i % N_WALKS]
            t = t0 + timedelta(days=7 * (i % N_WALKS), minutes=i % 120)
            rows.append(
                {
                    "client_uuid": str(uuid.UUID(int=rng.getrandbits(128))),
                    "walk_id": w,
                    "participant_id": part[w],
                    "geom": f"SRID=4326;POINT({lon[i]} {lat[i]})",
                    "accuracy_m": 8.0,
                    "location_source": "device",
                    "kind": "utryg" if i % 4 else "tryg",
                    "feeling": 1 + i % 5,
                    "note": "Mørk sti mellem blokkene",
                    "light": "moerke",
                    "visibility": "offentlig",
                    "hidden": False,
                    "observed_at": t,
                    "created_at": t,
                    "updated_at": t,
                    "version": 1,
                }
            )
        for start in range(0, N_SPOTS, 10_000):
            s.execute(sa.insert(Spot), rows[start : start + 10_000])
        ids = list(s.scalars(sa.select(Spot.id).order_by(Spot.id)))
        s.execute(
            sa.insert(spot_categories),
            [{"spot_id": sid, "code": CODES[sid % len(CODES)]} for sid in ids],
        )
        s.commit()
        return area.id, walk_ids[0]


def query_plan(app, bbox) -> str:
    with app.app_context():
        q = sa.select(Spot.id).where(bbox_filter(db.session, Spot.geom, bbox))
        conn = db.session.connection()
        if db.engine.dialect.name == "sqlite":
            sql = str(q.compile(db.engine, compile_kwargs={"literal_binds": True}))
            rows = conn.exec_driver_sql("EXPLAIN QUERY PLAN " + sql).all()
            return " | ".join(str(r[-1]) for r in rows)
        compiled = q.compile(db.engine)
        params = {k: (v.desc if hasattr(v, "desc") else v) for k, v in compiled.params.items()}
        rows = conn.exec_driver_sql("EXPLAIN " + str(compiled), params).all()
        return " | ".join(r[0].strip() for r in rows)


def bench_bbox(backend: str) -> None:
    with fresh_app(backend) as app:
        populate(app)
        client = app.test_client()
        AuthActions(client).login("k@bench.dk", "bench-pass")
        # ~1,000 of 100,000 uniformly spread spots: 1 % of the area
        w = (BBOX[2] - BBOX[0]) * 0.1
        h = (BBOX[3] - BBOX[1]) * 0.1
        rng = random.Random(4)
        boxes = []
        for _ in range(60):
            x = rng.uniform(BBOX[0], BBOX[2] - w)
            y = rng.uniform(BBOX[1], BBOX[3] - h)
            boxes.append((x, y, x + w, y + h))
        answers = []

        box = iter(boxes * 3)

        def one():
            b = next(box)
            answers.append(client.get(f"/api/spots.geojson?bbox={b[0]},{b[1]},{b[2]},{b[3]}"))

        timed(one, 10)  # warm-up
        ms = timed(one, 100)
        # Parse the answers after timing: decoding JSON is the client's work, not the server's.
        counts = [len(r.get_json()["features"]) for r in answers]
        plan = query_plan(app, boxes[0])
        uses_index = "idx_spots_geom" in plan
        print(
            summary(
                f"[{backend}] GET /api/spots.geojson bbox (~{int(np.median(counts))} spots)",
                ms,
                30,
                60,
            )
        )
        print(f"[{backend}] spatial index used: {uses_index}  plan: {plan[:300]}")


def photo_3mb() -> bytes:
    rng = np.random.default_rng(5)
    base = np.linspace(0, 255, 4032, dtype=np.float32)[None, :, None].repeat(3024, 0).repeat(3, 2)
    noise = rng.normal(0, 18, (3024, 4032, 3))
    img = Image.fromarray(np.clip(base + noise, 0, 255).astype("uint8"))
    for q in (80, 70, 60, 50, 40):
        buf = io.BytesIO()
        img.save(buf, "JPEG", quality=q)
        if buf.tell() <= 3.3 * 2**20:
            return buf.getvalue()
    return buf.getvalue()


def bench_upload(backend: str) -> None:
    photo = photo_3mb()
    with fresh_app(backend) as app:
        with app.app_context():
            seed_demo(db.session, app.config["PHOTO_DIR"], n_spots=0)
            db.session.commit()
            walk = db.session.scalar(sa.select(Walk).where(Walk.status == "planlagt"))
            walk_id, code = walk.id, walk.join_code
            area = db.session.get(Area, walk.area_id)

            c = from_db(area.geom).centroid
        client = app.test_client()
        page = client.get(f"/j/{code}").get_data(as_text=True)
        token = re.search(r'name="csrf-token" content="([^"]+)"', page).group(1)
        client.post(f"/j/{code}", data={"csrf_token": token, "role_label": "beboer"})

        def one():
            resp = client.post(
                f"/api/walks/{walk_id}/spots",
                headers={"X-CSRFToken": token},
                data={
                    "client_uuid": str(uuid.uuid4()),
                    "lat": c.y,
                    "lon": c.x,
                    "accuracy_m": 5,
                    "kind": "utryg",
                    "categories": "LYS",
                    "feeling": 2,
                    "photo": (io.BytesIO(photo), "p.jpg"),
                },
            )
            assert resp.status_code == 201, resp.get_data(as_text=True)

        timed(one, 2)
        ms = timed(one, 15)
        print(
            summary(
                f"[{backend}] POST spot with one {len(photo) / 2**20:.1f} MB photo (4032x3024)",
                ms,
                400,
            )
        )

        # Walk mode first load: HTML + our CSS/JS + vendored libraries, gzip-compressed.
        html = client.get(f"/walks/{walk_id}/mode").get_data()
        total = len(gzip.compress(html))
        assets = re.findall(rb'(?:src|href)="(/static/[^"]+)"', html)
        for a in sorted(set(assets)):
            body = client.get(a.decode()).get_data()
            total += len(gzip.compress(body))
        print(
            f"[{backend}] walk mode first load: {total / 1024:.0f} KB gzip "
            f"({len(set(assets))} assets, no tiles or photos; budget 250 KB)"
        )


def main() -> None:
    for backend in ("spatialite", "postgis"):
        bench_bbox(backend)
        bench_upload(backend)
