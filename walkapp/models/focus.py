import sqlalchemy as sa
import sqlalchemy.orm as so
from geoalchemy2 import Geometry

from walkapp.extensions import db
from walkapp.models.types import UTCDateTime, utcnow


class FocusArea(db.Model):
    """A fokusområde: an area a planner draws and names, with notes."""

    __tablename__ = "focus_areas"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    name: so.Mapped[str] = so.mapped_column(sa.String(200))
    notes: so.Mapped[str] = so.mapped_column(sa.Text, default="")
    geom = so.mapped_column(Geometry("MULTIPOLYGON", srid=4326, spatial_index=True),
                            nullable=False)
    created_by_id: so.Mapped[int | None] = so.mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    created_at: so.Mapped[object] = so.mapped_column(UTCDateTime(), default=utcnow)
    updated_at: so.Mapped[object] = so.mapped_column(UTCDateTime(), default=utcnow)

    created_by = so.relationship("User")


class SpotImport(db.Model):
    """One run of import-spots: which file, when, into which walk."""

    __tablename__ = "spot_imports"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    source_name: so.Mapped[str] = so.mapped_column(sa.String(300))
    file_format: so.Mapped[str] = so.mapped_column(sa.String(10))
    sha256: so.Mapped[str] = so.mapped_column(sa.String(64), index=True)
    walk_id: so.Mapped[int | None] = so.mapped_column(
        sa.ForeignKey("walks.id", ondelete="SET NULL"), index=True
    )
    spot_count: so.Mapped[int] = so.mapped_column(default=0)
    imported_at: so.Mapped[object] = so.mapped_column(UTCDateTime(), default=utcnow)


class SpotSource(db.Model):
    """Where an imported spot came from: the import, its line, and the file's extra columns."""

    __tablename__ = "spot_sources"

    spot_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("spots.id", ondelete="CASCADE"), primary_key=True
    )
    import_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("spot_imports.id", ondelete="CASCADE"), index=True
    )
    line: so.Mapped[int]
    extra: so.Mapped[dict] = so.mapped_column(sa.JSON, default=dict)

    spot_import = so.relationship("SpotImport")
