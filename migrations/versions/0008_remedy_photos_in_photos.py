"""remedy_photos link photos rows: remedy before/after photos join the one photo pipeline

Each remedy photo becomes a ``photos`` row (owner_kind "remedy", no spot) keeping its token,
so old URLs still find it; remedy_photos keeps remedy, kind and time and points at the row.
The files stay where they are (same store, same sha256, thumb.jpg and display.jpg); the WebP
renditions every photo has are made from them. The old pipeline kept only the blurred
rendition, so these rows have no original and nothing left to blur.

Revision ID: 0008
Revises: 0007
"""
import io
import logging

import sqlalchemy as sa
from alembic import op
from flask import current_app

from walkapp.photos.store import FileStore

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

log = logging.getLogger("alembic.runtime.migration")


def _store() -> FileStore | None:
    try:
        return FileStore(current_app.config["PHOTO_DIR"])
    except (KeyError, RuntimeError):
        return None


def _add_webp(store: FileStore, sha256: str) -> None:
    """Write thumb.webp/display.webp from the JPEGs the old pipeline stored."""
    from PIL import Image  # heavy, and needed only when there are remedy photos to move

    for rendition in ("thumb", "display"):
        if store.exists(sha256, f"{rendition}.webp") or not store.exists(sha256,
                                                                          f"{rendition}.jpg"):
            continue
        with Image.open(io.BytesIO(store.read(sha256, f"{rendition}.jpg"))) as img:
            buf = io.BytesIO()
            img.convert("RGB").save(buf, "WEBP", quality=80)
        store.save(sha256, f"{rendition}.webp", buf.getvalue())


def _event_photos(conn) -> list:
    """remedy_events.photo_id before SQLite's batch mode copies remedy_photos: dropping the old
    table fires ON DELETE SET NULL there (foreign keys are on), so they are put back after."""
    return conn.execute(sa.text(
        "SELECT id, photo_id FROM remedy_events WHERE photo_id IS NOT NULL")).all()


def _restore_event_photos(conn, rows) -> None:
    for event_id, photo_id in rows:
        conn.execute(sa.text("UPDATE remedy_events SET photo_id = :p WHERE id = :id"),
                     {"p": photo_id, "id": event_id})


def upgrade():
    with op.batch_alter_table("remedy_photos", schema=None) as batch_op:
        batch_op.add_column(sa.Column("photo_id", sa.Integer(), nullable=True))
    conn = op.get_bind()
    conn.execute(sa.text(
        "INSERT INTO photos (spot_id, owner_kind, sha256, token, width, height, source_format, "
        "byte_size, has_original, redaction_key, blur_pending, created_at) "
        "SELECT NULL, 'remedy', sha256, token, width, height, 'jpeg', 0, false, NULL, false, "
        "created_at FROM remedy_photos"))
    conn.execute(sa.text(
        "UPDATE remedy_photos SET photo_id = "
        "(SELECT photos.id FROM photos WHERE photos.token = remedy_photos.token)"))
    shas = [row[0] for row in conn.execute(sa.text("SELECT DISTINCT sha256 FROM remedy_photos"))]
    store = _store()
    if shas and store is not None:
        for sha in shas:
            try:
                _add_webp(store, sha)
            except (OSError, ValueError) as exc:  # photos-check --repair rebuilds them later
                log.warning("remedy photo %s: no WebP renditions: %r", sha, exc)
    events = _event_photos(conn)
    with op.batch_alter_table("remedy_photos", schema=None) as batch_op:
        batch_op.alter_column("photo_id", existing_type=sa.Integer(), nullable=False)
        batch_op.create_foreign_key(batch_op.f("fk_remedy_photos_photo_id_photos"), "photos",
                                    ["photo_id"], ["id"], ondelete="CASCADE")
        batch_op.create_index(batch_op.f("ix_remedy_photos_photo_id"), ["photo_id"],
                              unique=True)
        batch_op.drop_constraint(batch_op.f("uq_remedy_photos_token"), type_="unique")
        batch_op.drop_column("token")
        batch_op.drop_column("sha256")
        batch_op.drop_column("width")
        batch_op.drop_column("height")
    _restore_event_photos(conn, events)


def downgrade():
    with op.batch_alter_table("remedy_photos", schema=None) as batch_op:
        batch_op.add_column(sa.Column("sha256", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("token", sa.String(length=43), nullable=True))
        batch_op.add_column(sa.Column("width", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("height", sa.Integer(), nullable=True))
    conn = op.get_bind()
    # The old pipeline sent its display.jpg to everyone: a photo that has (or may still get)
    # blurred rectangles cannot go back, so its link is dropped rather than served unblurred.
    unsafe = ("SELECT id FROM photos WHERE owner_kind = 'remedy' "
              "AND (redaction_key IS NOT NULL OR blur_pending = true)")
    conn.execute(sa.text(
        "UPDATE remedy_events SET photo_id = NULL WHERE photo_id IN (SELECT remedy_photos.id "
        f"FROM remedy_photos WHERE remedy_photos.photo_id IN ({unsafe}))"))  # noqa: S608
    conn.execute(sa.text(f"DELETE FROM remedy_photos WHERE photo_id IN ({unsafe})"))  # noqa: S608
    for column in ("sha256", "token", "width", "height"):
        conn.execute(sa.text(
            f"UPDATE remedy_photos SET {column} = (SELECT photos.{column} FROM photos "  # noqa: S608
            "WHERE photos.id = remedy_photos.photo_id)"))
    events = _event_photos(conn)
    with op.batch_alter_table("remedy_photos", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_remedy_photos_photo_id"))
        batch_op.drop_constraint(batch_op.f("fk_remedy_photos_photo_id_photos"),
                                 type_="foreignkey")
        batch_op.drop_column("photo_id")
        for column, type_ in (("sha256", sa.String(length=64)), ("token", sa.String(length=43)),
                              ("width", sa.Integer()), ("height", sa.Integer())):
            batch_op.alter_column(column, existing_type=type_, nullable=False)
        batch_op.create_unique_constraint(batch_op.f("uq_remedy_photos_token"), ["token"])
    _restore_event_photos(conn, events)
    conn.execute(sa.text("DELETE FROM photos WHERE owner_kind = 'remedy'"))
