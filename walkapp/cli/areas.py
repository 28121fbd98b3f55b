"""flask --app walkapp import-areas FILE [--name-property NAME]"""

from pathlib import Path

import click

from walkapp.cli.common import fail
from walkapp.domain.errors import DomainError
from walkapp.extensions import db
from walkapp.services.areas import import_areas


def init_app(app) -> None:
    @app.cli.command("import-areas")
    @click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
    @click.option("--name-property", default=None, help="Feature property holding the name")
    def import_areas_cmd(file, name_property):
        """Import the polygons of a GeoJSON file as areas (replacing same-named ones)."""
        try:
            areas = import_areas(db.session, file.read_text(encoding="utf-8"), name_property)
            db.session.commit()
        except DomainError as exc:
            db.session.rollback()
            fail(exc)
        for a in areas:
            click.echo(f"Area {a.id}: {a.name}")
