"""Remedies, their catalogue, history, photos, contractor links and spot merges."""

import sqlalchemy as sa
import sqlalchemy.orm as so
from geoalchemy2 import Geometry

from walkapp.extensions import db
from walkapp.models.types import UTCDateTime, utcnow


class Principle(db.Model):
    """A DKR or CPTED principle (seeded by migration 0003, editable by administrators)."""

    __tablename__ = "principles"

    code: so.Mapped[str] = so.mapped_column(sa.String(8), primary_key=True)
    family: so.Mapped[str] = so.mapped_column(sa.String(8))
    name_da: so.Mapped[str] = so.mapped_column(sa.String(120))
    name_en: so.Mapped[str] = so.mapped_column(sa.String(120))
    sort: so.Mapped[int] = so.mapped_column(default=0)


class RemedyTemplate(db.Model):
    """A catalogue entry: a typical remedy for some categories, in Danish and English."""

    __tablename__ = "remedy_templates"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    code: so.Mapped[str] = so.mapped_column(sa.String(20), unique=True)
    categories: so.Mapped[str] = so.mapped_column(sa.String(100), default="")  # "LYS,STI"
    principles: so.Mapped[str] = so.mapped_column(sa.String(100), default="")
    owner_kind: so.Mapped[str] = so.mapped_column(sa.String(20), default="kommune")
    effort: so.Mapped[str] = so.mapped_column(sa.String(10), default="mellem")
    title_da: so.Mapped[str] = so.mapped_column(sa.String(200))
    title_en: so.Mapped[str] = so.mapped_column(sa.String(200))
    description_da: so.Mapped[str] = so.mapped_column(sa.Text, default="")
    description_en: so.Mapped[str] = so.mapped_column(sa.Text, default="")
    target_da: so.Mapped[str] = so.mapped_column(sa.String(300), default="")
    target_en: so.Mapped[str] = so.mapped_column(sa.String(300), default="")
    sort: so.Mapped[int] = so.mapped_column(default=0)
    active: so.Mapped[bool] = so.mapped_column(default=True)

    @property
    def category_list(self) -> list[str]:
        return [c for c in self.categories.split(",") if c]

    def title(self, locale: str) -> str:
        return self.title_en if locale == "en" else self.title_da

    def description(self, locale: str) -> str:
        return self.description_en if locale == "en" else self.description_da

    def target(self, locale: str) -> str:
        return self.target_en if locale == "en" else self.target_da


remedy_spots = sa.Table(
    "remedy_spots",
    db.metadata,
    sa.Column("remedy_id", sa.ForeignKey("remedies.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("spot_id", sa.ForeignKey("spots.id", ondelete="CASCADE"), primary_key=True,
              index=True),
)


class Remedy(db.Model):
    """What was agreed to do about one or more spots, by whom and by when."""

    __tablename__ = "remedies"
    __table_args__ = (sa.Index("ix_remedies_owner_status_deadline", "owner_org_id", "status",
                               "deadline"),)

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    walk_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("walks.id", ondelete="CASCADE"), index=True)
    area_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("areas.id", ondelete="RESTRICT"), index=True)
    template_id: so.Mapped[int | None] = so.mapped_column(
        sa.ForeignKey("remedy_templates.id", ondelete="SET NULL"))
    title: so.Mapped[str] = so.mapped_column(sa.String(200))
    description: so.Mapped[str] = so.mapped_column(sa.Text, default="")
    owner_org_id: so.Mapped[int | None] = so.mapped_column(
        sa.ForeignKey("organisations.id", ondelete="RESTRICT"))
    assignee_id: so.Mapped[int | None] = so.mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL"), index=True)
    deadline: so.Mapped[object | None] = so.mapped_column(sa.Date())
    priority: so.Mapped[int] = so.mapped_column(default=2)
    status: so.Mapped[str] = so.mapped_column(sa.String(20), default="foreslaaet", index=True)
    geom = so.mapped_column(Geometry("GEOMETRY", srid=4326, spatial_index=False), nullable=True)
    lat: so.Mapped[float | None]
    lon: so.Mapped[float | None]
    created_by_id: so.Mapped[int | None] = so.mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL"))
    created_at: so.Mapped[object] = so.mapped_column(UTCDateTime(), default=utcnow)
    updated_at: so.Mapped[object] = so.mapped_column(UTCDateTime(), default=utcnow)
    version: so.Mapped[int] = so.mapped_column(default=1)

    walk = so.relationship("Walk")
    area = so.relationship("Area")
    template = so.relationship("RemedyTemplate")
    owner_org = so.relationship("Organisation")
    assignee = so.relationship("User", foreign_keys=[assignee_id])
    spots = so.relationship("Spot", secondary=remedy_spots, order_by="Spot.id")
    events: so.Mapped[list["RemedyEvent"]] = so.relationship(
        back_populates="remedy", order_by="RemedyEvent.id", cascade="all, delete-orphan",
        passive_deletes=True)
    photos: so.Mapped[list["RemedyPhoto"]] = so.relationship(
        back_populates="remedy", order_by="RemedyPhoto.id", cascade="all, delete-orphan",
        passive_deletes=True)

    __mapper_args__ = {"version_id_col": version}


class RemedyEvent(db.Model):
    """One entry of a remedy's append-only history: who, when, what, comment, photo."""

    __tablename__ = "remedy_events"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    remedy_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("remedies.id", ondelete="CASCADE"), index=True)
    at: so.Mapped[object] = so.mapped_column(UTCDateTime(), default=utcnow)
    user_id: so.Mapped[int | None] = so.mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL"))
    actor_label: so.Mapped[str] = so.mapped_column(sa.String(120), default="")
    kind: so.Mapped[str] = so.mapped_column(sa.String(20), default="transition")
    from_status: so.Mapped[str | None] = so.mapped_column(sa.String(20))
    to_status: so.Mapped[str | None] = so.mapped_column(sa.String(20))
    comment: so.Mapped[str] = so.mapped_column(sa.Text, default="")
    walk_id: so.Mapped[int | None] = so.mapped_column(
        sa.ForeignKey("walks.id", ondelete="SET NULL"))
    photo_id: so.Mapped[int | None] = so.mapped_column(
        sa.ForeignKey("remedy_photos.id", ondelete="SET NULL"))

    remedy: so.Mapped[Remedy] = so.relationship(back_populates="events")
    user = so.relationship("User")
    photo = so.relationship("RemedyPhoto", foreign_keys=[photo_id])


class RemedyPhoto(db.Model):
    """A before or after photo of a remedy: links the remedy to a photo of the photo service
    (a ``Photo`` with owner_kind "remedy": same store, renditions, blurring and access rules as
    spot photos; who may see it is decided by ``services.remedies.photos``)."""

    __tablename__ = "remedy_photos"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    remedy_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("remedies.id", ondelete="CASCADE"), index=True)
    kind: so.Mapped[str] = so.mapped_column(sa.String(10), default="after")
    photo_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("photos.id", ondelete="CASCADE"), unique=True, index=True)
    created_at: so.Mapped[object] = so.mapped_column(UTCDateTime(), default=utcnow)

    remedy: so.Mapped[Remedy] = so.relationship(back_populates="photos")
    photo = so.relationship("Photo", lazy="joined")


class ContractorLink(db.Model):
    """An account-free link to one remedy; only the token's hash is stored."""

    __tablename__ = "contractor_links"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    remedy_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("remedies.id", ondelete="CASCADE"), index=True)
    token_hash: so.Mapped[str] = so.mapped_column(sa.String(64), unique=True)
    label: so.Mapped[str] = so.mapped_column(sa.String(120), default="")
    created_by_id: so.Mapped[int | None] = so.mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL"))
    created_at: so.Mapped[object] = so.mapped_column(UTCDateTime(), default=utcnow)
    expires_at: so.Mapped[object] = so.mapped_column(UTCDateTime())
    revoked_at: so.Mapped[object | None] = so.mapped_column(UTCDateTime())

    remedy = so.relationship("Remedy")


class SpotMerge(db.Model):
    """A spot merged into another at the closing meeting; both rows stay as they were."""

    __tablename__ = "spot_merges"

    spot_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("spots.id", ondelete="CASCADE"), primary_key=True)
    into_spot_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("spots.id", ondelete="CASCADE"), index=True)
    merged_by_id: so.Mapped[int | None] = so.mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL"))
    merged_at: so.Mapped[object] = so.mapped_column(UTCDateTime(), default=utcnow)
