"""What Alembic compares: our tables, not SpatiaLite's or PostGIS's own bookkeeping."""

from geoalchemy2 import alembic_helpers

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
