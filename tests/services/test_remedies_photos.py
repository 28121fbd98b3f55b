"""Remedy photos in the one photo pipeline, and the migration that moved the old ones there."""

from datetime import UTC, datetime

import sqlalchemy as sa
from flask_migrate import downgrade, upgrade

from tests.conftest import ROOT
from tests.factories import jpeg_bytes, make_walk
from tests.services.test_migrations import empty_db_url  # noqa: F401 (a fixture)
from walkapp import create_app
from walkapp.extensions import db
from walkapp.models import Remedy, RemedyEvent
from walkapp.models.types import UTCDateTime
from walkapp.photos.processing import Settings
from walkapp.photos.store import FileStore
from walkapp.services import photos as photo_service

MIGRATIONS = str(ROOT / "migrations")
OLD_PHOTOS = sa.table(
    "remedy_photos", sa.column("remedy_id"), sa.column("kind"), sa.column("sha256"),
    sa.column("token"), sa.column("width"), sa.column("height"),
    sa.column("created_at", UTCDateTime()))


def test_migration_moves_remedy_photos_into_the_photo_pipeline(empty_db_url, tmp_path):  # noqa: F811
    app = create_app({"DATABASE_URL": empty_db_url, "TESTING": True,
                      "PHOTO_DIR": str(tmp_path / "p")})
    store = FileStore(app.config["PHOTO_DIR"])
    sha, token = "cd" * 32, "T" * 43
    with app.app_context():
        upgrade(directory=MIGRATIONS, revision="0007")
        walk = make_walk(db.session)
        remedy = Remedy(walk_id=walk.id, area_id=walk.area_id, title="Beskær", status="udfoert")
        db.session.add(remedy)
        db.session.flush()
        event = RemedyEvent(remedy_id=remedy.id, kind="transition", to_status="udfoert")
        db.session.add(event)
        db.session.flush()
        db.session.execute(OLD_PHOTOS.insert().values(
            remedy_id=remedy.id, kind="after", sha256=sha, token=token, width=800, height=600,
            created_at=datetime.now(UTC)))
        db.session.execute(sa.text("UPDATE remedy_events SET photo_id = "
                                   "(SELECT id FROM remedy_photos) WHERE id = :id"),
                           {"id": event.id})
        remedy_id, event_id = remedy.id, event.id
        db.session.commit()
        # What the old pipeline stored: one JPEG per rendition (the blurred one if any).
        store.save(sha, "thumb.jpg", jpeg_bytes((320, 240)))
        store.save(sha, "display.jpg", jpeg_bytes())

        upgrade(directory=MIGRATIONS, revision="heads")
        db.session.remove()
        (link,) = db.session.get(Remedy, remedy_id).photos
        photo = link.photo
        assert (photo.token, photo.sha256, photo.width, photo.height) == (token, sha, 800, 600)
        assert photo.owner_kind == "remedy" and photo.spot_id is None
        assert not photo.blur_pending and photo.redaction_key is None and not photo.has_original
        assert db.session.get(RemedyEvent, event_id).photo.photo.id == photo.id
        assert {"thumb.webp", "display.webp"} <= store.names(sha)
        report = photo_service.check_store(db.session, store, Settings(), grace_s=0)
        assert (report.photos, report.problems) == (1, 0), report
        db.session.remove()

        downgrade(directory=MIGRATIONS, revision="0007")
        row = db.session.execute(sa.text(
            "SELECT sha256, token, width, height FROM remedy_photos")).one()
        assert tuple(row) == (sha, token, 800, 600)
        assert db.session.execute(sa.text("SELECT count(*) FROM photos")).scalar() == 0
        assert db.session.execute(sa.text("SELECT photo_id FROM remedy_events WHERE id = :id"),
                                  {"id": event_id}).scalar() is not None
        db.session.remove()

