"""The Alembic migrations build exactly the models' schema on an empty database of each kind."""

import uuid
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade

from tests.conftest import create_postgis_db, drop_db, migrate_to_head
from tests.factories import add_spot, make_guest, make_walk
from walkapp import create_app
from walkapp.db import include_object
from walkapp.extensions import db


@pytest.fixture
def empty_db_url(backend, tmp_path):
    if backend == "spatialite":
        yield f"sqlite:///{tmp_path / 'empty.sqlite'}"
        return
    name = f"walkapp_mig_{uuid.uuid4().hex[:8]}"
    yield create_postgis_db(name)
    drop_db(name)


def test_migrations_match_models(empty_db_url, tmp_path):
    app = create_app({"DATABASE_URL": empty_db_url, "TESTING": True,
                      "PHOTO_DIR": str(tmp_path / "p")})
    migrate_to_head(app)
    with app.app_context(), db.engine.connect() as conn:
        ctx = MigrationContext.configure(conn, opts={"include_object": include_object,
                                                     "compare_type": True})
        diff = compare_metadata(ctx, db.metadata)
        tables = set(db.inspect(conn).get_table_names())
    assert {"spots", "walks", "areas", "users", "photos"} <= tables
    assert diff == [], f"migrations and models differ: {diff}"


def test_categories_seeded_by_migration(session):
    from walkapp.models import Category

    codes = {c.code for c in session.query(Category)}
    assert {"LYS", "BEV", "GOD", "TRA"} <= codes and len(codes) == 18


def test_privacy_migration_downgrades_and_keeps_spot_authors(empty_db_url, tmp_path):
    """0010 down and up again: participants lose anonymised_at, spots keep their participant."""
    app = create_app({"DATABASE_URL": empty_db_url, "TESTING": True,
                      "PHOTO_DIR": str(tmp_path / "p")})
    migrate_to_head(app)
    directory = str(Path(__file__).resolve().parents[2] / "migrations")
    with app.app_context():
        walk = make_walk(db.session)
        guest, _actor = make_guest(db.session, walk)
        spot_id, guest_id = add_spot(db.session, walk, participant_id=guest.id).id, guest.id
        db.session.commit()
        db.session.remove()
        downgrade(directory=directory, revision="-1")
        with db.engine.connect() as conn:
            columns = {c["name"] for c in db.inspect(conn).get_columns("participants")}
            assert "anonymised_at" not in columns
            assert "privacy_log" not in db.inspect(conn).get_table_names()
            assert conn.execute(db.text("SELECT participant_id FROM spots WHERE id = :i"),
                                {"i": spot_id}).scalar() == guest_id
        upgrade(directory=directory, revision="heads")
