"""Flask commands: flask --app walkapp <command>."""

from pathlib import Path

import click
import sqlalchemy as sa

from walkapp.domain.errors import DomainError
from walkapp.domain.roles import ROLES
from walkapp.extensions import db


def _fail(exc: DomainError) -> None:
    message = exc.message % exc.params if exc.params else exc.message
    raise click.ClickException(f"{exc.field + ': ' if exc.field else ''}{message}")


def init_app(app) -> None:
    from walkapp import cli_photos

    cli_photos.init_app(app)
    from walkapp import remedies_cli

    remedies_cli.init_app(app)

    from walkapp import hotspots_cli

    hotspots_cli.init_app(app)

    @app.cli.command("create-user")
    @click.argument("email")
    @click.option("--role", type=click.Choice(ROLES), required=True)
    @click.option("--org", "org_name", default=None, help="Organisation (created if missing)")
    @click.option("--org-kind", default="andet", help="Kind of a new organisation")
    @click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True)
    @click.option("--name", default="")
    def create_user_cmd(email, role, org_name, org_kind, password, name):
        """Create a user with a role, in an organisation."""
        from walkapp.services.accounts import create_user

        try:
            user = create_user(db.session, email, role, password, org_name, name, org_kind)
            db.session.commit()
        except DomainError as exc:
            db.session.rollback()
            _fail(exc)
        click.echo(f"Created {user.email} ({user.role})")

    @app.cli.command("import-areas")
    @click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
    @click.option("--name-property", default=None, help="Feature property holding the name")
    def import_areas_cmd(file, name_property):
        """Import the polygons of a GeoJSON file as areas (replacing same-named ones)."""
        from walkapp.services.areas import import_areas

        try:
            areas = import_areas(db.session, file.read_text(encoding="utf-8"), name_property)
            db.session.commit()
        except DomainError as exc:
            db.session.rollback()
            _fail(exc)
        for a in areas:
            click.echo(f"Area {a.id}: {a.name}")

    @app.cli.command("seed-demo")
    @click.option("--if-empty", is_flag=True, help="Do nothing when there are users already")
    def seed_demo_cmd(if_empty):
        """Load the Albertslund demo data."""
        from walkapp.models import User
        from walkapp.seed import seed_demo

        if if_empty and db.session.scalar(sa.select(sa.func.count(User.id))):
            click.echo("Demo data already present.")
            return
        summary = seed_demo(db.session, app.config["PHOTO_DIR"])
        db.session.commit()
        click.echo(summary)

    @app.cli.command("demo-logins")
    def demo_logins_cmd():
        """Print the demo users and their password."""
        from walkapp.seed import DEMO_PASSWORD, DEMO_USERS

        click.echo("\nwalkapp runs on http://127.0.0.1:5000  -  demo logins (password "
                   f"'{DEMO_PASSWORD}'):")
        for email, role, _org, _name in DEMO_USERS:
            click.echo(f"  {role:<15} {email}")
        click.echo("")
