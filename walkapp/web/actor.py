"""Who is asking: the request's Actor (a logged-in user, a guest of some walks, or nobody)."""

import sqlalchemy as sa
from flask import g, session
from flask_login import current_user

from walkapp.domain.actor import ANONYMOUS, Actor
from walkapp.extensions import db
from walkapp.models import Participant
from walkapp.services.remedies.access import live_contractor_remedies

GUEST_KEY = "guest_walks"  # session: {walk_id: participant_id} for guests
CONTRACTOR_KEY = "contractor_links"  # session: ids of the contractor links this browser opened


def current_actor() -> Actor:
    """Return the Actor of this request (cached on g)."""
    if "actor" in g:
        return g.actor
    parts = {int(k): int(v) for k, v in (session.get(GUEST_KEY) or {}).items()}
    contractor = tuple(contractor_remedy_ids())
    if current_user.is_authenticated:
        rows = db.session.execute(sa.select(Participant.walk_id, Participant.id).where(
            Participant.user_id == current_user.id)).all()
        parts.update({w: p for w, p in rows})
        org = current_user.organisation
        g.actor = Actor(user_id=current_user.id, role=current_user.role,
                        org_id=org.id if org else None, org_kind=org.kind if org else None,
                        guest_participations=parts, contractor_remedies=contractor)
    elif parts or contractor:
        g.actor = Actor(guest_participations=parts, contractor_remedies=contractor)
    else:
        g.actor = ANONYMOUS
    return g.actor


def remember_guest(walk_id: int, participant_id: int) -> None:
    walks = dict(session.get(GUEST_KEY) or {})
    walks[str(walk_id)] = participant_id
    session[GUEST_KEY] = walks
    session.permanent = True
    g.pop("actor", None)


def contractor_remedy_ids() -> list[int]:
    """Remedies this browser opened through a contractor link that is still live (one query,
    and only for browsers that opened a link: a withdrawn or expired link stops working for
    the browser that opened it too)."""
    links = session.get(CONTRACTOR_KEY) or []
    return list(live_contractor_remedies(db.session, links)) if links else []


def remember_contractor_link(link_id: int) -> None:
    ids = list(session.get(CONTRACTOR_KEY) or [])
    if link_id not in ids:
        session[CONTRACTOR_KEY] = (ids + [link_id])[-20:]
        g.pop("actor", None)
