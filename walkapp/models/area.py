import sqlalchemy as sa
import sqlalchemy.orm as so
from geoalchemy2 import Geometry

from walkapp.extensions import db
from walkapp.models.types import UTCDateTime, utcnow


class Area(db.Model):
    """A place walks happen in: the kommune, a housing area, a district."""

    __tablename__ = "areas"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    name: so.Mapped[str] = so.mapped_column(sa.String(200), unique=True)
    kind: so.Mapped[str] = so.mapped_column(sa.String(30), default="boligomraade")
    owner_organisation_id: so.Mapped[int | None] = so.mapped_column(
        sa.ForeignKey("organisations.id", ondelete="SET NULL"), index=True
    )
    geom = so.mapped_column(Geometry("MULTIPOLYGON", srid=4326, spatial_index=True), nullable=False)
    created_at: so.Mapped[object] = so.mapped_column(UTCDateTime(), default=utcnow)

    owner_organisation = so.relationship("Organisation")
