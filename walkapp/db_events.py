"""Connection settings for our SQLite engine (SpatiaLite)."""

from sqlalchemy import event


def configure_sqlite(engine) -> None:
    if engine.dialect.name != "sqlite":
        return

    @event.listens_for(engine, "connect")
    def _pragmas(dbapi_conn, _record):
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA busy_timeout=10000")
        if ":memory:" not in str(engine.url) and engine.url.database:
            cur.execute("PRAGMA journal_mode=WAL")
        cur.close()
