"""Who may see which spots, as one WHERE clause every query over spots (and their photos) uses."""

import sqlalchemy as sa

from walkapp.domain.actor import Actor
from walkapp.models import Participant, Spot, Walk


def visible_clause(actor: Actor):
    """Return a WHERE clause for the spots *actor* may see."""
    levels = sa.or_(Spot.visibility.in_(actor.visibility),
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
