"""Who may see which spots: the one rule every query over spots (and their photos) uses.

- :func:`visible_levels`: the visibility levels an actor may see (police/DKE everything, any
  account public and partner findings, guests and contractor links public ones only);
- :func:`report_levels`: the levels of a walk report (the publishable version never holds
  police-only findings, whoever asks);
- :func:`level_clause`: the levels as a WHERE clause (statistics, hotspot analysis);
- :func:`visible_clause`: which spots an actor may read at all (levels, and for those who do
  not read everything, the walks they lead or take part in).
"""

import sqlalchemy as sa

from walkapp.domain.actor import Actor
from walkapp.models import Participant, Spot, Walk

PUBLIC = "offentlig"
PARTNERS = "partnere"
POLICE = "politi"
PUBLISHABLE = (PUBLIC, PARTNERS)  # the publishable report leaves out police/DKE only


def visible_levels(actor: Actor | None) -> tuple[str, ...]:
    """Return the visibility levels *actor* may see (no actor: the public level only)."""
    return actor.visibility if actor is not None else (PUBLIC,)


def sees_police(actor: Actor | None) -> bool:
    """True if *actor* may see police-only findings (police, DKE, coordinators, admins)."""
    return POLICE in visible_levels(actor)


def report_levels(actor: Actor, public: bool) -> tuple[str, ...]:
    """The levels of the walk report *actor* gets: what they may see, and in the publishable
    version (*public*) never police-only findings."""
    levels = visible_levels(actor)
    return tuple(lv for lv in levels if lv in PUBLISHABLE) if public else levels


def level_clause(actor: Actor):
    """A WHERE clause for the spots at the levels *actor* may see."""
    return Spot.visibility.in_(visible_levels(actor))


def visible_clause(actor: Actor):
    """Return a WHERE clause for the spots *actor* may see."""
    levels = sa.or_(level_clause(actor),
                    Spot.participant_id.in_(list(actor.guest_participations.values()) or [-1]))
    if actor.reads_all:
        return levels
    led = sa.select(Walk.id).where(Walk.leader_id == actor.user_id) if actor.user_id else None
    own_walks = []
    if actor.user_id is not None:
        own_walks.append(Spot.walk_id.in_(sa.select(Participant.walk_id).where(
            Participant.user_id == actor.user_id)))
    if actor.guest_participations:
        own_walks.append(Spot.walk_id.in_(list(actor.guest_participations)))
    conds = []
    if led is not None:
        conds.append(Spot.walk_id.in_(led))
    if own_walks:
        conds.append(sa.and_(sa.or_(*own_walks), sa.not_(Spot.hidden)))
    if not conds:
        return sa.false()
    return sa.and_(levels, sa.or_(*conds))
