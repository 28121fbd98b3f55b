import sqlalchemy as sa
import sqlalchemy.orm as so
from geoalchemy2 import Geometry

from walkapp.extensions import db
from walkapp.models.types import UTCDateTime, utcnow


class Category(db.Model):
    """A spot category (DOMAIN.md); seeded by the migrations, editable by administrators."""

    __tablename__ = "categories"

    code: so.Mapped[str] = so.mapped_column(sa.String(8), primary_key=True)
    name_da: so.Mapped[str] = so.mapped_column(sa.String(100))
    name_en: so.Mapped[str] = so.mapped_column(sa.String(100))
    description: so.Mapped[str] = so.mapped_column(sa.String(300), default="")
    sort: so.Mapped[int] = so.mapped_column(default=0)
    active: so.Mapped[bool] = so.mapped_column(default=True)


spot_categories = sa.Table(
    "spot_categories",
    db.metadata,
    sa.Column("spot_id", sa.ForeignKey("spots.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("code", sa.ForeignKey("categories.code", ondelete="RESTRICT"), primary_key=True),
)


class Spot(db.Model):
    """A finding marked on a walk: a safe or unsafe place."""

    __tablename__ = "spots"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    client_uuid: so.Mapped[str] = so.mapped_column(sa.String(36), unique=True)
    walk_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("walks.id", ondelete="CASCADE"), index=True
    )
    participant_id: so.Mapped[int | None] = so.mapped_column(
        sa.ForeignKey("participants.id", ondelete="SET NULL"), index=True
    )
    geom = so.mapped_column(Geometry("POINT", srid=4326, spatial_index=True), nullable=False)
    accuracy_m: so.Mapped[float | None]
    location_source: so.Mapped[str] = so.mapped_column(sa.String(10), default="device")
    kind: so.Mapped[str] = so.mapped_column(sa.String(8), index=True)
    feeling: so.Mapped[int | None]
    note: so.Mapped[str] = so.mapped_column(sa.Text, default="")
    light: so.Mapped[str] = so.mapped_column(sa.String(10), default="dagslys")
    visibility: so.Mapped[str] = so.mapped_column(sa.String(10), default="offentlig")
    hidden: so.Mapped[bool] = so.mapped_column(default=False)
    observed_at: so.Mapped[object] = so.mapped_column(UTCDateTime(), default=utcnow, index=True)
    created_at: so.Mapped[object] = so.mapped_column(UTCDateTime(), default=utcnow)
    updated_at: so.Mapped[object] = so.mapped_column(UTCDateTime(), default=utcnow)
    version: so.Mapped[int] = so.mapped_column(default=1)

    walk = so.relationship("Walk")
    participant = so.relationship("Participant")
    categories: so.Mapped[list[Category]] = so.relationship(
        secondary=spot_categories, order_by=Category.sort, lazy="selectin"
    )
    photos: so.Mapped[list["Photo"]] = so.relationship(
        back_populates="spot", cascade="all, delete-orphan", order_by="Photo.id", lazy="selectin"
    )

    __mapper_args__ = {"version_id_col": version}

    @property
    def category_codes(self) -> list[str]:
        return [c.code for c in self.categories]


class Photo(db.Model):
    """A stored photo: renditions live in the photo store under *sha256*; URLs use *token*.

    A photo belongs to a spot, or (spot_id empty) to another owner named by *owner_kind* that
    links it with its own table (remedy before/after photos).
    """

    __tablename__ = "photos"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    spot_id: so.Mapped[int | None] = so.mapped_column(
        sa.ForeignKey("spots.id", ondelete="CASCADE"), index=True
    )
    owner_kind: so.Mapped[str] = so.mapped_column(sa.String(10), default="spot",
                                                  server_default="spot")
    sha256: so.Mapped[str] = so.mapped_column(sa.String(64), index=True)
    token: so.Mapped[str] = so.mapped_column(sa.String(43), unique=True)
    width: so.Mapped[int]
    height: so.Mapped[int]
    source_format: so.Mapped[str] = so.mapped_column(sa.String(10))
    byte_size: so.Mapped[int] = so.mapped_column(default=0, server_default="0")
    has_original: so.Mapped[bool] = so.mapped_column(default=False, server_default=sa.false())
    taken_at: so.Mapped[object | None] = so.mapped_column(UTCDateTime())
    gps_lat: so.Mapped[float | None]
    gps_lon: so.Mapped[float | None]
    gps_alt: so.Mapped[float | None]
    gps_direction: so.Mapped[float | None]
    # Names the blurred renditions of the current redaction rectangles; None: nothing blurred.
    redaction_key: so.Mapped[str | None] = so.mapped_column(sa.String(16))
    # Automatic face/plate detection has not run yet: whoever must get the blurred variant
    # gets nothing until it has (services.photos.blur_pending, or lazily when served).
    blur_pending: so.Mapped[bool] = so.mapped_column(default=False, server_default=sa.false(),
                                                     index=True)
    uploaded_by_id: so.Mapped[int | None] = so.mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )
    created_at: so.Mapped[object] = so.mapped_column(UTCDateTime(), default=utcnow)

    spot: so.Mapped[Spot | None] = so.relationship(back_populates="photos")
    redactions: so.Mapped[list["PhotoRedaction"]] = so.relationship(  # noqa: F821
        back_populates="photo", cascade="all, delete-orphan", order_by="PhotoRedaction.id",
        lazy="selectin"
    )

    @property
    def active_redactions(self) -> list:
        return [r for r in self.redactions if r.removed_at is None]
