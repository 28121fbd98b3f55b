"""Alembic environment: one schema path for SpatiaLite and PostGIS (geoalchemy2 helpers)."""

import logging
from logging.config import fileConfig

from alembic import context
from flask import current_app
from geoalchemy2 import alembic_helpers

import walkapp.models  # noqa: F401  (registers every table)

config = context.config
if config.config_file_name and not logging.getLogger().handlers:
    fileConfig(config.config_file_name, disable_existing_loggers=False)

db = current_app.extensions["migrate"].db


def include_object(obj, name, type_, reflected, compare_to):
    # SpatiaLite's own bookkeeping tables and R*Tree index tables are not ours.
    if type_ == "table" and (
        name.startswith("idx_") or name in SPATIALITE_TABLES or name.startswith("spatial_ref_sys")
    ):
        return False
    return alembic_helpers.include_object(obj, name, type_, reflected, compare_to)


SPATIALITE_TABLES = {
    "geometry_columns", "geometry_columns_auth", "geometry_columns_field_infos",
    "geometry_columns_statistics", "geometry_columns_time", "spatialite_history",
    "sql_statements_log", "views_geometry_columns", "views_geometry_columns_auth",
    "views_geometry_columns_field_infos", "views_geometry_columns_statistics",
    "virts_geometry_columns", "virts_geometry_columns_auth", "virts_geometry_columns_field_infos",
    "virts_geometry_columns_statistics", "data_licenses", "SpatialIndex", "ElementaryGeometries",
    "KNN", "KNN2", "spatial_ref_sys_aux", "topologies", "networks", "raster_coverages",
    "vector_coverages", "wms_getcapabilities", "SE_external_graphics", "rl2map_configurations",
    "spatial_ref_sys", "sqlite_sequence",
}
# PostGIS's own tables (extension objects) are not ours either.
SPATIALITE_TABLES |= {"spatial_ref_sys", "layer", "topology"}


def run_migrations_online() -> None:
    connectable = db.engine
    with connectable.connect() as connection:
        args = dict(current_app.extensions["migrate"].configure_args)
        args["render_as_batch"] = connection.dialect.name == "sqlite"
        context.configure(
            connection=connection,
            target_metadata=db.metadata,
            include_object=include_object,
            process_revision_directives=alembic_helpers.writer,
            render_item=alembic_helpers.render_item,
            **args,
        )
        with context.begin_transaction():
            context.run_migrations()


if context.is_offline_mode():
    raise SystemExit("walkapp migrations run online only")
run_migrations_online()
