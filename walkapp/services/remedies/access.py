"""Who asks about a remedy: a user's Actor, or a browser holding a contractor link."""

import sqlalchemy as sa

from walkapp.domain import remedies as rd
from walkapp.domain.actor import Actor
from walkapp.models import ContractorLink
from walkapp.models.types import utcnow


def who_of(actor: Actor) -> rd.Who:
    return rd.Who(role=actor.role, org_id=actor.org_id)


def contractor_who(remedy_id: int) -> rd.Who:
    return rd.Who(role=rd.CONTRACTOR, contractor_remedy_id=remedy_id)


def who_for(actor: Actor, remedy_id: int) -> rd.Who:
    """The contractor-link holder if this browser opened the remedy's link, else the actor."""
    if remedy_id in actor.contractor_remedies:
        return contractor_who(remedy_id)
    return who_of(actor)


def live_contractor_remedies(session, link_ids) -> tuple[int, ...]:
    """The remedies of those of *link_ids* (the contractor links a browser opened) that are
    still live: a withdrawn or expired link gives its browser nothing more, photos included."""
    ids = [i for i in link_ids if isinstance(i, int)][-20:]
    if not ids:
        return ()
    return tuple(sorted(set(session.scalars(sa.select(ContractorLink.remedy_id).where(
        ContractorLink.id.in_(ids), ContractorLink.revoked_at.is_(None),
        ContractorLink.expires_at > utcnow())))))


def may_view(actor: Actor, remedy) -> bool:
    return rd.may_view(who_for(actor, remedy.id), remedy.id, remedy.owner_org_id)
