"""Organisations: the partners (municipality, police, housing companies) users belong to."""

from dataclasses import dataclass

import sqlalchemy as sa

from walkapp.domain.actor import Actor
from walkapp.domain.catalogue import ORG_KINDS
from walkapp.domain.errors import N_, ValidationError
from walkapp.models import Organisation, User
from walkapp.services import accounts


def list_organisations(session, actor: Actor) -> list[tuple[Organisation, int]]:
    """Return every organisation with its number of users, by name."""
    accounts.require_admin(actor)
    users = sa.select(sa.func.count(User.id)).where(User.organisation_id == Organisation.id) \
        .scalar_subquery()
    return [tuple(r) for r in session.execute(
        sa.select(Organisation, users).order_by(Organisation.name)).all()]


def get_organisation(session, actor: Actor, org_id: int) -> Organisation:
    accounts.require_admin(actor)
    return accounts.get_or_404(session, Organisation, org_id, N_("No such organisation."))


@dataclass
class OrgInput:
    name: str
    kind: str
    contact_email: str | None


def parse_org(form) -> OrgInput:
    name = (form.get("name") or "").strip()
    if not name:
        raise ValidationError(N_("The organisation needs a name."), "name")
    if len(name) > 200:
        raise ValidationError(N_("The name may have at most %(n)s characters."), "name", n=200)
    kind = (form.get("kind") or "").strip()
    if kind not in ORG_KINDS:
        raise ValidationError(N_("Unknown organisation kind."), "kind")
    email = accounts.parse_email(form.get("contact_email"), "contact_email", False)
    return OrgInput(name, kind, email)


def _unique_org_name(session, name: str, org_id: int | None) -> None:
    if accounts.organisation_named(session, name, org_id) is not None:
        raise ValidationError(N_("An organisation with that name already exists."), "name")


def save_organisation(session, actor: Actor, form, org: Organisation | None = None) -> Organisation:
    """Create an organisation, or update *org*, from form fields."""
    accounts.require_admin(actor)
    data = parse_org(form)
    _unique_org_name(session, data.name, org.id if org else None)
    if org is None:
        org = Organisation()
        session.add(org)
    org.name, org.kind, org.contact_email = data.name, data.kind, data.contact_email
    session.flush()
    return org


def organisation_form_values(org: Organisation | None) -> dict[str, str]:
    """Return the organisation form's values for *org* (a new one's defaults when None)."""
    return {"name": org.name if org else "", "kind": org.kind if org else "andet",
            "contact_email": (org.contact_email or "") if org else ""}


def organisation_choices(session, actor: Actor) -> list[tuple[str, str]]:
    """Return (id, name) of every organisation, by name, for a select."""
    return [(str(org.id), org.name) for org, _n in list_organisations(session, actor)]
