"""Issue 4 targets: walk report PDF (60 spots, 120 photos) < 10 s and < 500 MB;
"Mine opgaver" with 5,000 remedies in the database: p50 < 100 ms."""

import multiprocessing as mp
import random
import resource
import time
import uuid
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa

from tests.bench.common import env_int, fresh_app, summary, timed
from tests.conftest import AuthActions
from tests.factories import HYLDE, actor_for
from walkapp.domain import clock
from walkapp.extensions import db

N_REMEDIES = env_int("BENCH_REMEDIES", 5000)
N_SPOTS = env_int("BENCH_REPORT_SPOTS", 60)
PASSWORD = "bench-pass"


def _photo(rng: random.Random, i: int) -> bytes:
    """A 12 MP-ish camera-like JPEG (noise compresses badly, like real photos)."""
    import io

    from PIL import Image, ImageDraw

    img = Image.effect_noise((1600, 1200), 40).convert("RGB")
    d = ImageDraw.Draw(img)
    for _ in range(30):
        x, y = rng.randrange(1600), rng.randrange(1200)
        d.rectangle((x, y, x + 200, y + 120), fill=tuple(rng.randrange(256) for _ in range(3)))
    d.text((40, 40), f"photo {i}", fill=(255, 255, 255))
    buf = io.BytesIO()
    img.save(buf, "JPEG", quality=88)
    return buf.getvalue()


def populate_report(app) -> int:
    from walkapp.geo.shapes import point, to_db
    from walkapp.models import Category, Photo, Spot
    from walkapp.photos.processing import process
    from walkapp.photos.store import FileStore
    from walkapp.services import accounts, areas, walks
    from walkapp.services.remedies import closing as remedy_closing

    rng = random.Random(4)
    with app.app_context():
        s = db.session
        coord = accounts.create_user(s, "k@bench.dk", "koordinator", PASSWORD, "DKE",
                                     org_kind="kommune")
        owner = accounts.get_or_create_organisation(s, "Boligselskabet", "boligselskab")
        area = areas.save_area(s, "Hyldespjældet", HYLDE, owner_org_id=owner.id)
        walk = walks.plan_walk(s, actor_for(coord), walks.WalkInput(
            "Benchvandring", area.id, datetime.now(UTC), "moerke", None))
        from walkapp.domain.actor import Actor

        for role in ("beboer", "beboer", "boligselskab", "kommune", "politi"):
            walks.join_walk(s, Actor(), walk, "", role)
        cats = list(s.scalars(sa.select(Category).where(Category.code.in_(
            ["LYS", "BEV", "AFF", "GRA"]))))
        store = FileStore(app.config["PHOTO_DIR"])
        minx, miny, maxx, maxy = HYLDE.bounds
        spot_ids = []
        for i in range(N_SPOTS):
            spot = Spot(client_uuid=str(uuid.uuid4()), walk_id=walk.id, kind="utryg",
                        geom=to_db(point(rng.uniform(minx, maxx), rng.uniform(miny, maxy))),
                        note=f"Note {i}: " + "mørkt og uoverskueligt " * 5, feeling=2,
                        categories=[rng.choice(cats)])
            for j in range(2):
                ph = process(_photo(rng, i * 2 + j), max_bytes=25 * 2**20,
                             max_pixels=60_000_000)
                for name, blob in ph.files.items():
                    store.save(ph.sha256, name, blob)
                spot.photos.append(Photo(sha256=ph.sha256, token=uuid.uuid4().hex,
                                         width=ph.width, height=ph.height, source_format="JPEG"))
            s.add(spot)
            s.flush()
            spot_ids.append(spot.id)
        for k in range(0, N_SPOTS, 3):
            remedy_closing.create_remedy(s, actor_for(coord), walk, remedy_closing.RemedyInput(
                spot_ids[k:k + 2], f"Tiltag {k}", deadline=clock.today() + timedelta(days=30)))
        s.commit()
        return walk.id


def _render_child(config: dict, walk_id: int, queue) -> None:
    from walkapp import create_app

    app = create_app(config)
    before_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    client = app.test_client()
    AuthActions(client).login("k@bench.dk", PASSWORD)
    t = time.perf_counter()
    resp = client.get(f"/walks/{walk_id}/report.pdf")
    seconds = time.perf_counter() - t
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    queue.put((resp.status_code, len(resp.data), seconds, peak_mb, before_mb))


def bench_report(backend: str) -> None:
    with fresh_app(backend) as app:
        t = time.perf_counter()
        walk_id = populate_report(app)
        print(f"[{backend}] set-up: {N_SPOTS} spots, {2 * N_SPOTS} photos in "
              f"{time.perf_counter() - t:.1f} s")
        with app.app_context():
            db.engine.dispose()  # the child opens its own connections
        # Render in a new process (spawned, not forked: a fork would count the set-up
        # process's pages as its own), so its peak RSS is a server process rendering the report.
        ctx = mp.get_context("spawn")
        queue = ctx.Queue()
        config = {k: app.config[k] for k in ("DATABASE_URL", "PHOTO_DIR", "SECRET_KEY")}
        proc = ctx.Process(target=_render_child, args=(config, walk_id, queue))
        proc.start()
        status, size, seconds, peak_mb, app_mb = queue.get(timeout=600)
        proc.join()
        ok = status == 200 and seconds < 10 and peak_mb < 500
        print(f"[{backend}] report PDF: HTTP {status}, {size / 1e6:.1f} MB, {seconds:.2f} s, "
              f"peak RSS of the rendering process {peak_mb:.0f} MB (the app alone: "
              f"{app_mb:.0f} MB)  {'OK' if ok else 'OVER TARGET'}")


def populate_tasks(app) -> None:
    from walkapp.models import Organisation, Remedy, Walk
    from walkapp.services import accounts, areas, walks

    rng = random.Random(7)
    with app.app_context():
        s = db.session
        coord = accounts.create_user(s, "k@bench.dk", "koordinator", PASSWORD, "DKE",
                                     org_kind="kommune")
        accounts.create_user(s, "i@bench.dk", "inspektoer", PASSWORD, "Boligselskab 0",
                             org_kind="boligselskab")
        orgs = [accounts.get_or_create_organisation(s, f"Boligselskab {i}", "boligselskab")
                for i in range(20)]
        area = areas.save_area(s, "Hyldespjældet", HYLDE)
        walk = walks.plan_walk(s, actor_for(coord), walks.WalkInput(
            "Benchvandring", area.id, datetime.now(UTC), "moerke", None))
        s.flush()
        statuses = ["foreslaaet", "godkendt", "tildelt", "i_gang", "udfoert", "verificeret"]
        minx, miny, maxx, maxy = HYLDE.bounds
        today = clock.today()
        rows = []
        for i in range(N_REMEDIES):
            lat, lon = rng.uniform(miny, maxy), rng.uniform(minx, maxx)
            rows.append({
                "walk_id": walk.id, "area_id": area.id, "title": f"Tiltag {i}",
                "description": "", "owner_org_id": orgs[i % len(orgs)].id,
                "deadline": today + timedelta(days=rng.randint(-30, 120)), "priority": 2,
                "status": rng.choice(statuses), "lat": lat, "lon": lon,
                "created_at": datetime.now(UTC), "updated_at": datetime.now(UTC),
                "version": 1})
        s.execute(sa.insert(Remedy), rows)
        s.commit()
        n_own = s.scalar(sa.select(sa.func.count(Remedy.id)).where(
            Remedy.owner_org_id == s.scalar(sa.select(Organisation.id).where(
                Organisation.name == "Boligselskab 0")),
            Remedy.status.in_(["tildelt", "i_gang"])))
        print(f"  {N_REMEDIES} remedies, {n_own} open for the inspector's organisation, "
              f"{s.scalar(sa.select(sa.func.count(Walk.id)))} walk")


def bench_tasks(backend: str) -> None:
    with fresh_app(backend) as app:
        populate_tasks(app)
        client = app.test_client()
        AuthActions(client).login("i@bench.dk", PASSWORD)
        assert client.get("/remedies/mine").status_code == 200  # warm up
        ms = timed(lambda: client.get("/remedies/mine"), 40)
        print(f"[{backend}] " + summary("Mine opgaver by deadline (full page)", ms, 100))
        url = "/remedies/mine?sort=distance&lat=55.6545&lon=12.36"
        ms = timed(lambda: client.get(url), 40)
        print(f"[{backend}] " + summary("Mine opgaver nearest first (full page)", ms, 100))


def main() -> None:
    for backend in ("spatialite", "postgis"):
        bench_tasks(backend)
    for backend in ("spatialite", "postgis"):
        bench_report(backend)


if __name__ == "__main__":
    main()
