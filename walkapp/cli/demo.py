"""flask --app walkapp seed-demo [--if-empty] and demo-logins (what `make run` prints)."""

import click

from walkapp.demo.seed import DEMO_PASSWORD, DEMO_USERS, seed_demo
from walkapp.extensions import db
from walkapp.services.accounts import count_users


def init_app(app) -> None:
    @app.cli.command("seed-demo")
    @click.option("--if-empty", is_flag=True, help="Do nothing when there are users already")
    def seed_demo_cmd(if_empty):
        """Load the Albertslund demo data."""
        if if_empty and count_users(db.session):
            click.echo("Demo data already present.")
            return
        summary = seed_demo(db.session, app.config["PHOTO_DIR"])
        db.session.commit()
        click.echo(summary)

    @app.cli.command("demo-logins")
    def demo_logins_cmd():
        """Print the demo users and their password."""
        click.echo("\nwalkapp runs on http://127.0.0.1:5000  -  demo logins (password "
                   f"'{DEMO_PASSWORD}'):")
        for email, role, _org, _name in DEMO_USERS:
            click.echo(f"  {role:<15} {email}")
        click.echo("")
