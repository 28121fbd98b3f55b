"""Demo remedies for the Albertslund demo data (loaded after the walks and spots)."""

from datetime import timedelta

import sqlalchemy as sa

from walkapp.domain import clock
from walkapp.domain import remedies as rd
from walkapp.domain.actor import Actor
from walkapp.domain.errors import ValidationError
from walkapp.models import Remedy, RemedyEvent, Spot, User, Walk
from walkapp.models.types import utcnow
from walkapp.services import walks as walk_service
from walkapp.services.remedies import closing as remedy_closing
from walkapp.services.remedies import lifecycle

# (status to reach, days to the deadline from today; negative = overdue)
PLAN = [
    (rd.FORESLAAET, 30), (rd.GODKENDT, 45), (rd.TILDELT, 10), (rd.TILDELT, -5),
    (rd.I_GANG, 20), (rd.I_GANG, -12), (rd.UDFOERT, 3), (rd.VERIFICERET, -20),
    (rd.AFVIST, None), (rd.IKKE_VORES_ANSVAR, 14), (rd.TILDELT, 60), (rd.I_GANG, 7),
]
PATH = {
    rd.GODKENDT: [rd.GODKENDT],
    rd.TILDELT: [rd.GODKENDT, rd.TILDELT],
    rd.I_GANG: [rd.GODKENDT, rd.TILDELT, rd.I_GANG],
    rd.UDFOERT: [rd.GODKENDT, rd.TILDELT, rd.I_GANG, rd.UDFOERT],
    rd.VERIFICERET: [rd.GODKENDT, rd.TILDELT, rd.I_GANG, rd.UDFOERT, rd.VERIFICERET],
    rd.AFVIST: [rd.AFVIST],
    rd.IKKE_VORES_ANSVAR: [rd.GODKENDT, rd.TILDELT, rd.IKKE_VORES_ANSVAR],
}
COMMENTS = {
    rd.AFVIST: "Dublet af et andet tiltag.",
    rd.IKKE_VORES_ANSVAR: "Arealet hører under kommunen, ikke boligselskabet.",
    rd.I_GANG: "Bestilt hos entreprenøren.",
    rd.UDFOERT: "Udført; efter-billede taget på stedet.",
    rd.VERIFICERET: "Set på stedet af DKE: virker.",
}


def seed_remedies(session) -> str:
    """Create remedies in several statuses for the finished demo walk, and a planned re-walk."""
    walk = session.scalar(sa.select(Walk).where(Walk.status == "afsluttet").order_by(Walk.id))
    coord = session.scalar(sa.select(User).where(User.role == "koordinator").order_by(User.id))
    if walk is None or coord is None:
        return ""
    actor = Actor(user_id=coord.id, role=coord.role, org_id=coord.organisation_id,
                  org_kind=coord.org_kind)
    merged = 0
    for sug in remedy_closing.merge_candidates(session, walk, 15)[:2]:
        try:
            remedy_closing.merge_spots(session, actor, walk, sug.a, sug.b)
            merged += 1
        except ValidationError:
            continue
    numbered = [ns for ns in remedy_closing.numbered_spots(session, walk)
                if ns.spot.kind == "utryg"]
    today = clock.today()
    made = 0
    for ns, (status, days) in zip(numbered, PLAN, strict=False):
        sug = remedy_closing.suggest(session, walk.area, ns.categories)
        template = sug.templates[0] if sug.templates else None
        remedy = remedy_closing.create_remedy(session, actor, walk, remedy_closing.RemedyInput(
            spot_ids=[ns.spot.id], title="", template_id=template.id if template else None,
            owner_org_id=sug.owner.id if sug.owner else None,
            deadline=today + timedelta(days=abs(days) if days is not None else 30),
            priority=1 if "LYS" in ns.categories else 2), on=today)
        if template is None:
            remedy.title = f"Tiltag for sted {ns.number}"
        for step in PATH.get(status, []):
            _demo_step(session, remedy, step, coord)
        if days is not None and days < 0:
            remedy.deadline = today + timedelta(days=days)  # overdue demo data
        made += 1
    session.flush()
    rewalk = session.scalar(sa.select(Walk).where(Walk.previous_walk_id == walk.id))
    if rewalk is None:
        rewalk = walk_service.plan_walk(session, actor, walk_service.WalkInput(
            title=f"Genvandring: {walk.title}", area_id=walk.area_id,
            starts_at=walk.starts_at + timedelta(days=182), light=walk.light,
            leader_id=walk.leader_id, previous_walk_id=walk.id,
            notes="Genvandring cirka et halvt år efter: virker tiltagene?"))
    session.flush()
    n = session.scalar(sa.select(sa.func.count(Remedy.id)))
    spots = session.scalar(sa.select(sa.func.count(Spot.id)).where(Spot.walk_id == walk.id))
    return f"{n} remedies on {spots} spots ({merged} merges), re-walk {rewalk.id}"


def _demo_step(session, remedy: Remedy, to: str, coord: User) -> None:
    """Move the demo remedy one step, as the lifecycle would, recording history."""
    owner_label = remedy.owner_org.name if remedy.owner_org else coord.name
    by_owner = to in (rd.I_GANG, rd.UDFOERT, rd.IKKE_VORES_ANSVAR)
    event = RemedyEvent(
        user_id=None if by_owner else coord.id, actor_label=owner_label if by_owner else coord.name,
        kind="transition", comment=COMMENTS.get(to, ""), at=utcnow())
    lifecycle.apply_move(session, remedy, to, {rd.OWNER, coord.role}, event)
