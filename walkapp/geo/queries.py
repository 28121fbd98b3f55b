"""Portable spatial filters. The one place SQL differs between SpatiaLite and PostGIS."""

import sqlalchemy as sa
from geoalchemy2 import functions as gf
from shapely.geometry import box

from walkapp.geo.shapes import to_db


def bbox_filter(session, column, bbox: tuple[float, float, float, float]):
    """Return a WHERE clause selecting rows whose *column* intersects *bbox*, using the index.

    PostGIS uses its GiST index for ``&&``. SpatiaLite ignores its R*Tree unless asked, so
    there we select the candidate row ids from the R*Tree table directly; for points the
    R*Tree test is exact, for other shapes an extra MBR test keeps it exact enough for a bbox.
    """
    minx, miny, maxx, maxy = bbox
    table = column.class_.__table__ if hasattr(column, "class_") else column.table
    if session.get_bind().dialect.name == "sqlite":
        rtree = sa.table(f"idx_{table.name}_{column.key}", sa.column("pkid"), sa.column("xmin"),
                         sa.column("xmax"), sa.column("ymin"), sa.column("ymax"))
        pk = list(table.primary_key.columns)[0]
        candidates = sa.select(rtree.c.pkid).where(
            rtree.c.xmin <= maxx, rtree.c.xmax >= minx, rtree.c.ymin <= maxy, rtree.c.ymax >= miny
        )
        return pk.in_(candidates)
    return gf.ST_Intersects(column, to_db(box(minx, miny, maxx, maxy)))
