"""flask --app walkapp create-user EMAIL --role ROLE [--org NAME]"""

import click

from walkapp.cli.common import fail
from walkapp.domain.errors import DomainError
from walkapp.domain.roles import ROLES
from walkapp.extensions import db
from walkapp.services.accounts import create_user


def init_app(app) -> None:
    @app.cli.command("create-user")
    @click.argument("email")
    @click.option("--role", type=click.Choice(ROLES), required=True)
    @click.option("--org", "org_name", default=None, help="Organisation (created if missing)")
    @click.option("--org-kind", default="andet", help="Kind of a new organisation")
    @click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True)
    @click.option("--name", default="")
    def create_user_cmd(email, role, org_name, org_kind, password, name):
        """Create a user with a role, in an organisation."""
        try:
            user = create_user(db.session, email, role, password, org_name, name, org_kind)
            db.session.commit()
        except DomainError as exc:
            db.session.rollback()
            fail(exc)
        click.echo(f"Created {user.email} ({user.role})")
