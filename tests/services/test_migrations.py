"""The Alembic migrations build exactly the models' schema on an empty database of each kind."""

import uuid

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from tests.conftest import create_postgis_db, drop_db, migrate_to_head
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
