"""Alembic environment: one schema path for SpatiaLite and PostGIS (geoalchemy2 helpers)."""

import logging
from logging.config import fileConfig

from alembic import context
from flask import current_app
from geoalchemy2 import alembic_helpers

import walkapp.models  # noqa: F401  (registers every table)
from walkapp.db import include_object

config = context.config
if config.config_file_name and not logging.getLogger().handlers:
    fileConfig(config.config_file_name, disable_existing_loggers=False)

db = current_app.extensions["migrate"].db


def run_migrations_online() -> None:
    connectable = db.engine
    with connectable.connect() as connection:
        args = dict(current_app.extensions["migrate"].configure_args)
        args["render_as_batch"] = connection.dialect.name == "sqlite"
        context.configure(
            connection=connection,
            target_metadata=db.metadata,
            include_object=include_object,
            process_revision_directives=alembic_helpers.writer,
            render_item=alembic_helpers.render_item,
            **args,
        )
        with context.begin_transaction():
            context.run_migrations()


if context.is_offline_mode():
    raise SystemExit("walkapp migrations run online only")
run_migrations_online()
