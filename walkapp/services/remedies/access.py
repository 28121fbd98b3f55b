"""Who asks about a remedy: a user's Actor, or a browser holding a contractor link."""

from walkapp.domain import remedies as rd
from walkapp.domain.actor import Actor


def who_of(actor: Actor) -> rd.Who:
    return rd.Who(role=actor.role, org_id=actor.org_id)


def contractor_who(remedy_id: int) -> rd.Who:
    return rd.Who(role=rd.CONTRACTOR, contractor_remedy_id=remedy_id)


def who_for(actor: Actor, remedy_id: int) -> rd.Who:
    """The contractor-link holder if this browser opened the remedy's link, else the actor."""
    if remedy_id in actor.contractor_remedies:
        return contractor_who(remedy_id)
    return who_of(actor)


def may_view(actor: Actor, remedy) -> bool:
    return rd.may_view(who_for(actor, remedy.id), remedy.id, remedy.owner_org_id)
