"""Make sure a PostGIS server is reachable for the tests, starting or creating it if needed.

With WALKAPP_TEST_DATABASE_URL set, only check that URL. Otherwise use the local cluster on
127.0.0.1:5432: start it when it is down, and create a `walkapp` role the tests log in as.
Exits non-zero with a reason when PostGIS cannot be had: the tests must fail, never skip.
"""

import os
import shutil
import subprocess
import sys
import time

import psycopg

DEFAULT_ADMIN_URL = "postgresql://walkapp:walkapp@127.0.0.1:5432/postgres"


def run(cmd: list[str]) -> subprocess.CompletedProcess:
    return subprocess.run(cmd, capture_output=True, text=True)


def as_postgres(sql: str) -> None:
    prefix = (
        ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else ["sudo", "-u", "postgres"]
    )
    res = run([*prefix, "psql", "-v", "ON_ERROR_STOP=1", "-qAtc", sql])
    if res.returncode != 0:
        sys.exit(f"pg_setup: psql failed: {res.stderr.strip()}")


def start_local_cluster() -> None:
    if not shutil.which("pg_lsclusters"):
        sys.exit("pg_setup: PostgreSQL is not installed (make system-test installs it)")
    rows = [line.split() for line in run(["pg_lsclusters", "-h"]).stdout.splitlines() if line]
    if not rows:
        version = sorted(os.listdir("/usr/lib/postgresql"))[-1]
        subprocess.run(["pg_createcluster", version, "main", "--start"], check=True)
        return
    for version, name, _port, status, *_ in rows:
        if status != "online":
            subprocess.run(
                ["pg_ctlcluster", "--skip-systemctl-redirect", version, name, "start"], check=True
            )


def check(url: str) -> None:
    for _ in range(30):
        try:
            with psycopg.connect(url, connect_timeout=3) as conn:
                row = conn.execute(
                    "SELECT 1 FROM pg_available_extensions WHERE name = 'postgis'"
                ).fetchone()
                if not row:
                    sys.exit(
                        "pg_setup: PostgreSQL is up but the PostGIS extension is not installed"
                    )
                print(f"pg_setup: PostGIS available at {url.split('@')[-1]}")
                return
        except psycopg.OperationalError as exc:
            last = exc
            time.sleep(1)
    sys.exit(f"pg_setup: cannot connect to PostgreSQL: {last}")


def main() -> None:
    url = os.environ.get("WALKAPP_TEST_DATABASE_URL")
    if url:
        check(url.replace("postgresql+psycopg://", "postgresql://"))
        return
    start_local_cluster()
    as_postgres(
        "DO $$BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'walkapp') THEN "
        "CREATE ROLE walkapp LOGIN SUPERUSER PASSWORD 'walkapp'; END IF; END$$;"
    )
    check(DEFAULT_ADMIN_URL)


if __name__ == "__main__":
    main()
