"""Walks: the participants' roles, who leads a walk, and who may edit a spot on it."""

from walkapp.domain.actor import Actor
from walkapp.domain.errors import N_

# The label of each participant role (msgids; the web layer translates them).
PARTICIPANT_ROLE_LABELS: dict[str, str] = {
    "beboer": N_("resident"),
    "boligselskab": N_("housing company"),
    "kommune": N_("municipality"),
    "politi": N_("police"),
    "andet": N_("other"),
}

ENDED = "afsluttet"


def leads(actor: Actor | None, leader_id: int | None) -> bool:
    """True if *actor* leads the walk led by *leader_id*: coordinators lead every walk."""
    if actor is None:
        return False
    return actor.plans_walks or (actor.user_id is not None and leader_id == actor.user_id)


def may_edit_spot(*, leads_walk: bool, own: bool, walk_status: str) -> bool:
    """The spot card's "Edit" rule: the walk's leader always, its author until the walk ends."""
    return leads_walk or (own and walk_status != ENDED)
