"""The database as one concern: the declarative Base and its naming convention, the SQLite
connection pragmas, and what Alembic compares (our tables, not SpatiaLite's or PostGIS's own).

Models subclass ``db.Model`` (``walkapp.extensions.db``, built on :class:`Base`); migrations are
the only schema path, and ``migrations/env.py`` takes :func:`include_object` from here.
"""

import sqlalchemy as sa
import sqlalchemy.orm as so
from geoalchemy2 import alembic_helpers
from sqlalchemy import event

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(so.DeclarativeBase):
    metadata = sa.MetaData(naming_convention=NAMING)


def configure_sqlite(engine) -> None:
    """Foreign keys, a busy timeout and WAL on every SQLite connection; nothing for PostGIS."""
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


FOREIGN_TABLES = {
    "geometry_columns", "geometry_columns_auth", "geometry_columns_field_infos",
    "geometry_columns_statistics", "geometry_columns_time", "spatialite_history",
    "sql_statements_log", "views_geometry_columns", "views_geometry_columns_auth",
    "views_geometry_columns_field_infos", "views_geometry_columns_statistics",
    "virts_geometry_columns", "virts_geometry_columns_auth", "virts_geometry_columns_field_infos",
    "virts_geometry_columns_statistics", "data_licenses", "SpatialIndex", "ElementaryGeometries",
    "KNN", "KNN2", "spatial_ref_sys_aux", "topologies", "networks", "raster_coverages",
    "vector_coverages", "wms_getcapabilities", "SE_external_graphics", "rl2map_configurations",
    "spatial_ref_sys", "sqlite_sequence", "layer", "topology",
}


def include_object(obj, name, type_, reflected, compare_to):
    """Skip SpatiaLite/PostGIS tables and R*Tree index tables; defer to geoalchemy2 otherwise."""
    if type_ == "table" and (name.startswith("idx_") or name in FOREIGN_TABLES):
        return False
    return alembic_helpers.include_object(obj, name, type_, reflected, compare_to)
