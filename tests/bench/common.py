"""Shared set-up for benchmarks: fresh databases of both kinds, timing and memory helpers."""

import os
import statistics
import tempfile
import time
import uuid
from contextlib import contextmanager
from pathlib import Path

from tests.conftest import create_postgis_db, drop_db, migrate_to_head
from walkapp import create_app


@contextmanager
def fresh_app(backend: str, **config):
    """Yield an app on a new, migrated database of *backend*; drop it afterwards."""
    tmp = Path(tempfile.mkdtemp(prefix="walkapp-bench-"))
    name = None
    if backend == "spatialite":
        url = f"sqlite:///{tmp / 'bench.sqlite'}"
    else:
        name = f"walkapp_bench_{uuid.uuid4().hex[:8]}"
        url = create_postgis_db(name)
    app = create_app({"DATABASE_URL": url, "PHOTO_DIR": str(tmp / "photos"),
                      "SECRET_KEY": "bench", **config})
    migrate_to_head(app)
    try:
        yield app
    finally:
        from walkapp.extensions import db

        with app.app_context():
            db.session.remove()
            db.engine.dispose()
        if name:
            drop_db(name)


def timed(fn, n: int) -> list[float]:
    out = []
    for _ in range(n):
        t = time.perf_counter()
        fn()
        out.append((time.perf_counter() - t) * 1000)
    return out


def pct(values: list[float], p: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))]


def summary(label: str, ms: list[float], p50_target=None, p95_target=None) -> str:
    p50, p95 = statistics.median(ms), pct(ms, 95)
    verdict = ""
    if p50_target is not None:
        ok = p50 < p50_target and (p95_target is None or p95 < p95_target)
        verdict = "  OK" if ok else "  OVER TARGET"
    return f"{label}: p50 {p50:.1f} ms, p95 {p95:.1f} ms (n={len(ms)}){verdict}"


def env_int(name: str, default: int) -> int:
    return int(os.environ.get(name, default))
