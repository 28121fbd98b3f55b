"""Issue 3 targets: a 12 MP phone JPEG to all renditions (p50 < 250 ms, memory growth < 150 MB,
ratio against a naive decode+resize), and 20 uploads at once to gunicorn with 2 workers (no
error, server memory < 1 GB).

The upload path makes the clean renditions only (face/plate detection is deferred); the
deferred step (photos-blur, or the first guest request) is timed separately, as is the old
synchronous path with detection in the upload."""

import io
import os
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from PIL import Image, ImageOps

from tests.bench.common import env_int, summary, timed
from tests.conftest import SHARED_DATA

ROOT = Path(__file__).resolve().parents[2]
PORT = int(os.environ.get("BENCH_PHOTO_PORT", "5104"))
RUNS = env_int("BENCH_PHOTO_RUNS", 15)


def phone_jpeg() -> bytes:
    """A 4032x3024 JPEG with camera-like detail and EXIF GPS (a real photo, upscaled)."""
    src = SHARED_DATA / "images/exif-py/tests/resources/jpg/hdr/iphone_hdr_YES.jpg"
    if src.exists():
        img = Image.open(src).convert("RGB").resize((4032, 3024), Image.Resampling.BICUBIC)
    else:  # no shared data: noise plus gradients, about as hard to compress
        img = Image.effect_noise((4032, 3024), 40).convert("RGB")
    exif = Image.Exif()
    exif[0x8825] = {1: "N", 2: (55.0, 39.0, 16.2), 3: "E", 4: (12.0, 21.0, 36.0)}
    buf = io.BytesIO()
    img.save(buf, "JPEG", quality=90, exif=exif)
    return buf.getvalue()


def naive(data: bytes) -> None:
    img = Image.open(io.BytesIO(data))
    img.load()
    img = ImageOps.exif_transpose(img).convert("RGB")
    for size in (1600, 320):
        copy = img.copy()
        copy.thumbnail((size, size), Image.Resampling.LANCZOS, reducing_gap=None)
        copy.save(io.BytesIO(), "JPEG", quality=82)


MEMORY_PROBE = r"""
import io, re, sys
from PIL import Image
from walkapp.photos.processing import Settings, process
from tests.bench.bench_photos import deferred_step


def status(key):
    return int(re.search(key + r":\s+(\d+)", open("/proc/self/status").read()).group(1)) / 1024


mode = sys.argv[2]
data = open(sys.argv[1], "rb").read()
small = io.BytesIO(); Image.new("RGB", (64, 48)).save(small, "JPEG")
files = process(small.getvalue(), Settings()).files  # imports, cascades loaded
deferred_step(files, Settings())
if mode == "deferred":
    files = process(data, Settings(defer_redact=True)).files
before = status("VmRSS")
open("/proc/self/clear_refs", "w").write("5")  # reset the peak (VmHWM) to the current RSS
if mode == "deferred":
    deferred_step(files, Settings())
else:
    process(data, Settings(defer_redact=mode == "upload"))
print(status("VmHWM") - before)
"""


def deferred_step(files: dict, settings) -> dict:
    """The pixel work of services.photos.blur_photo: decode the stored original as large as
    the display size needs, detect, blur, encode the four blurred files. A box is forced when
    nothing is found, so the blur and encode are always timed."""
    from walkapp.photos import processing, redact

    img = processing.decode_upright(files["original.jpg"], settings.display_px)
    display = processing.resize(img, settings.display_px)
    boxes = redact.detect(display) or [redact.Box(0.4, 0.3, 0.2, 0.2, "face")]
    return processing.render_sizes(display, settings, boxes, "bench")


def memory_growth_mb(path: Path, mode: str) -> float:
    out = subprocess.run([sys.executable, "-c", MEMORY_PROBE, str(path), mode],
                         capture_output=True, text=True, check=True, cwd=ROOT)
    return float(out.stdout.strip().splitlines()[-1])


def bench_processing() -> None:
    from walkapp.photos.processing import Settings, process

    data = phone_jpeg()
    print(f"input: 4032x3024 JPEG, {len(data) / 2**20:.1f} MB")
    upload = Settings(defer_redact=True)
    files = process(data, Settings()).files  # warm-up: imports, OpenCV cascades
    deferred_step(files, Settings())
    ours_upload = timed(lambda: process(data, upload), RUNS)
    stored = process(data, upload).files
    ours_deferred = timed(lambda: deferred_step(stored, Settings()), RUNS)
    ours_sync = timed(lambda: process(data, Settings()), max(5, RUNS // 3))
    naive_ms = timed(lambda: naive(data), max(5, RUNS // 3))
    print(summary("upload path: all renditions, detection deferred", ours_upload, 250))
    print(summary("deferred step: detect + blur + encode blurred set", ours_deferred))
    print(summary("old synchronous path: renditions + detection + blur", ours_sync))
    print(summary("naive full decode + resize (2 JPEGs only)", naive_ms))
    print(f"ratio naive / ours (upload path): "
          f"{statistics.median(naive_ms) / statistics.median(ours_upload):.2f}x")
    with tempfile.NamedTemporaryFile(suffix=".jpg") as fh:
        fh.write(data)
        fh.flush()
        for mode, label in (("upload", "upload path"), ("deferred", "deferred blur step"),
                            ("sync", "old synchronous path")):
            mb = memory_growth_mb(Path(fh.name), mode)
            verdict = "OK" if mb < 150 else "OVER TARGET"
            print(f"peak memory growth for one photo ({label}): {mb:.0f} MB  {verdict}")


def _rss_mb(pid: int) -> float:
    """RSS of *pid* and its children (gunicorn master and workers), in MB."""
    total = 0
    pids = [pid]
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text().split()
                if int(stat[3]) == pid:
                    pids.append(int(entry.name))
            except (OSError, IndexError):
                continue
    for p in pids:
        try:
            status = Path(f"/proc/{p}/status").read_text()
            total += int(re.search(r"VmRSS:\s+(\d+)", status).group(1))
        except (OSError, AttributeError):
            continue
    return total / 1024


def bench_concurrent_uploads() -> None:
    import requests

    from tests.conftest import migrate_to_head
    from tests.factories import HYLDE, actor_for
    from walkapp import create_app
    from walkapp.extensions import db

    tmp = Path(tempfile.mkdtemp(prefix="walkapp-photobench-"))
    env = dict(os.environ, WALKAPP_DATABASE_URL=f"sqlite:///{tmp / 'w.sqlite'}",
               WALKAPP_PHOTO_DIR=str(tmp / "photos"), WALKAPP_SECRET_KEY="bench",
               WALKAPP_DEVELOPMENT="1")  # plain http: cookies without Secure
    app = create_app({"DATABASE_URL": env["WALKAPP_DATABASE_URL"], "PHOTO_DIR": str(tmp / "p")})
    migrate_to_head(app)
    from datetime import UTC, datetime

    from walkapp.services import accounts, areas, walks

    with app.app_context():
        coord = accounts.create_user(db.session, "k@bench.dk", "koordinator", "bench-pass",
                                     "DKE", org_kind="kommune")
        area = areas.save_area(db.session, "Hyldespjældet", HYLDE)
        walk = walks.plan_walk(db.session, actor_for(coord), walks.WalkInput(
            title="Bench", area_id=area.id, starts_at=datetime.now(UTC), light="moerke",
            leader_id=None))
        walk.status = "igang"
        db.session.commit()
        walk_id, code = walk.id, walk.join_code
        db.engine.dispose()

    server = subprocess.Popen(
        [str(Path(sys.executable).parent / "gunicorn"), "-w", "2", "-b", f"127.0.0.1:{PORT}",
         "--timeout", "300", "walkapp:create_app()"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    base = f"http://127.0.0.1:{PORT}"
    try:
        for _ in range(100):
            try:
                if requests.get(f"{base}/healthz", timeout=2).ok:
                    break
            except requests.ConnectionError:
                time.sleep(0.2)
        data = phone_jpeg()
        guests = []
        for i in range(20):
            s = requests.Session()
            page = s.get(f"{base}/j/{code}").text
            token = re.search(r'name="csrf-token" content="([^"]+)"', page).group(1)
            s.post(f"{base}/j/{code}", data={"display_name": f"G{i}", "role_label": "beboer",
                                             "csrf_token": token})
            guests.append((s, token))
        peak = [_rss_mb(server.pid)]
        done = threading.Event()

        def sample():
            while not done.is_set():
                peak.append(_rss_mb(server.pid))
                time.sleep(0.1)

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        barrier = threading.Barrier(20)

        def upload(i):
            import uuid

            s, token = guests[i]
            barrier.wait()
            t = time.perf_counter()
            r = s.post(f"{base}/api/walks/{walk_id}/spots", headers={"X-CSRFToken": token},
                       data={"client_uuid": str(uuid.uuid4()), "lat": "55.6545",
                             "lon": "12.36", "kind": "utryg", "categories": "LYS"},
                       files={"photo": (f"p{i}.jpg", data, "image/jpeg")}, timeout=600)
            return r.status_code, (time.perf_counter() - t) * 1000

        start = time.perf_counter()
        with ThreadPoolExecutor(20) as pool:
            results = list(pool.map(upload, range(20)))
        wall = time.perf_counter() - start
        done.set()
        sampler.join()
        codes = [c for c, _ in results]
        errors = [c for c in codes if c != 201]
        print(f"20 concurrent 12 MP uploads to gunicorn -w 2: {len(codes) - len(errors)} x 201, "
              f"errors {errors or 'none'}, wall {wall:.1f} s, "
              f"per request p50 {statistics.median([ms for _, ms in results]):.0f} ms")
        print(f"server RSS (master + workers): baseline {peak[0]:.0f} MB, peak {max(peak):.0f} MB"
              f"  {'OK' if max(peak) < 1024 and not errors else 'OVER TARGET'}")
    finally:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
        shutil.rmtree(tmp, ignore_errors=True)


def main() -> None:
    print(f"machine load average: {os.getloadavg()[0]:.1f} (2 cores shared)")
    bench_processing()
    bench_concurrent_uploads()


if __name__ == "__main__":
    main()
