"""flask --app walkapp import-spots FILE [--walk ID] [--dry-run]"""

from pathlib import Path

import click

from walkapp.domain.errors import DomainError
from walkapp.extensions import db
from walkapp.services.imports import ImportFailed, import_spots


def init_app(app) -> None:
    @app.cli.command("import-spots")
    @click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
    @click.option("--walk", "walk_id", type=int, default=None,
                  help="Add the spots to this walk (default: a new finished walk per file)")
    @click.option("--dry-run", is_flag=True, help="Check every row and import nothing")
    def import_spots_cmd(file, walk_id, dry_run):
        """Import spots from a CSV or GeoJSON file: every row, or none if any row is bad."""
        try:
            text = file.read_text(encoding="utf-8-sig")
        except UnicodeDecodeError as exc:
            raise click.ClickException(f"{file}: not UTF-8 text ({exc.reason})") from exc
        try:
            report = import_spots(db.session, text, file.name, walk_id=walk_id, dry_run=dry_run,
                                  note_max=app.config["NOTE_MAX_CHARS"],
                                  max_distance_m=app.config["SPOT_MAX_DISTANCE_FROM_AREA_M"])
        except ImportFailed as exc:
            db.session.rollback()
            unit = "feature" if text.lstrip("\ufeff \r\n\t").startswith("{") else "line"
            for err in exc.errors:
                click.echo(f"{file.name}: {unit} {err.line}: {err.text()}", err=True)
            raise click.ClickException(
                f"{len(exc.errors)} error(s) in {len({e.line for e in exc.errors})} row(s); "
                "nothing was imported.") from exc
        except DomainError as exc:
            db.session.rollback()
            message = exc.message % exc.params if exc.params else exc.message
            raise click.ClickException(message) from exc
        if dry_run:
            click.echo(f"{file.name}: {len(report.rows)} rows are valid (dry run: nothing "
                       "imported).")
            return
        walk = report.walk
        click.echo(f"{file.name}: imported {len(report.rows)} spots into walk {walk.id} "
                   f"({walk.title}){' (new)' if report.created_walk else ''}; "
                   f"import {report.spot_import.id}.")
