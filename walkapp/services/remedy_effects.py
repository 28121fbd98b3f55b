"""Remedies seen from the hotspot maps: where they are and whether they are overdue, and the
unsafe spots around each verified remedy before it and on the re-walk after it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

import numpy as np
import sqlalchemy as sa

from walkapp.domain import hotspots as hs
from walkapp.domain.actor import Actor
from walkapp.domain.remedies import VERIFICERET, is_overdue
from walkapp.geo.crs import lonlat_to_metric
from walkapp.geo.shapes import from_db
from walkapp.models import Remedy, RemedyEvent, Walk
from walkapp.models.types import utcnow
from walkapp.services.hotspots.access import check_analyst
from walkapp.services.hotspots.filters import HotspotFilter
from walkapp.services.hotspots.points import load_points


def verified_times(session, ids: list[int]) -> dict[int, datetime]:
    """When each remedy last became verificeret, from its event history."""
    rows = session.execute(sa.select(RemedyEvent.remedy_id, sa.func.max(RemedyEvent.at)).where(
        RemedyEvent.remedy_id.in_(ids), RemedyEvent.to_status == VERIFICERET).group_by(
        RemedyEvent.remedy_id))
    return {i: t for i, t in rows if t is not None}


def remedy_location(remedy: Remedy) -> tuple[float, float] | None:
    """Return (lon, lat) of a remedy: its own point, else the mean of its spots."""
    if remedy.lat is not None and remedy.lon is not None:
        return float(remedy.lon), float(remedy.lat)
    if remedy.geom is not None:
        c = from_db(remedy.geom).centroid
        return c.x, c.y
    pts = [from_db(sp.geom) for sp in remedy.spots]
    if not pts:
        return None
    return float(np.mean([p.x for p in pts])), float(np.mean([p.y for p in pts]))


def remedy_markers(session, actor: Actor, f: HotspotFilter, today: date) -> list[dict]:
    """Return remedies for the map: location, status, overdue flag and deadline."""
    q = sa.select(Remedy)
    if f.area_id:
        q = q.where(Remedy.area_id == f.area_id)
    if f.walk_id:
        q = q.where(Remedy.walk_id == f.walk_id)
    out = []
    for r in session.scalars(q.limit(5000)):
        loc = remedy_location(r)
        if loc is None:
            continue
        out.append({"id": r.id, "lon": loc[0], "lat": loc[1], "status": r.status,
                    "title": r.title, "overdue": is_overdue(r.status, r.deadline, today),
                    "deadline": r.deadline})
    return out


@dataclass
class BeforeAfter:
    remedy_id: int
    title: str
    verified_at: datetime
    before_walk: Walk | None
    after_walk: Walk | None
    before: int
    after: int | None


def _rewalk(session, before_walk: Walk, when: datetime | None) -> Walk | None:
    """The first walk whose previous_walk_id is *before_walk*, else the first later walk in
    the same area starting no earlier than a day before *when*."""
    after_walk = session.scalar(sa.select(Walk).where(
        Walk.previous_walk_id == before_walk.id).order_by(Walk.starts_at).limit(1))
    if after_walk is None and when is not None:
        after_walk = session.scalar(sa.select(Walk).where(
            Walk.area_id == before_walk.area_id, Walk.id != before_walk.id,
            Walk.starts_at > before_walk.starts_at,
            Walk.starts_at >= when - timedelta(days=1)).order_by(Walk.starts_at).limit(1))
    return after_walk


def before_after(session, actor: Actor, radius_m: float) -> list[BeforeAfter]:
    """Around each verified remedy, count the utryg spots of the walk before and the re-walk.

    The walk before is the latest walk of the remedy's spots (else the remedy's own walk).
    The re-walk is the first walk whose previous_walk_id points to it, else the first later
    walk in the same area starting no earlier than a day before the remedy was verified.
    """
    check_analyst(actor)
    remedies = list(session.scalars(sa.select(Remedy).where(Remedy.status == VERIFICERET)))
    if not remedies:
        return []
    verified = verified_times(session, [r.id for r in remedies])
    out = []
    for r in remedies:
        loc = remedy_location(r)
        walks = [sp.walk for sp in r.spots if sp.walk is not None] or \
            [w for w in [r.walk] if w is not None]
        if loc is None or not walks:
            continue
        before_walk = max(walks, key=lambda w: w.starts_at)
        when = verified.get(r.id) or r.updated_at
        after_walk = _rewalk(session, before_walk, when)
        cx, cy = lonlat_to_metric(loc[0], loc[1])
        counts = []
        for walk in (before_walk, after_walk):
            if walk is None:
                counts.append(None)
                continue
            pts = load_points(session, actor, HotspotFilter(walk_id=walk.id))
            bad = pts.subset(pts.utryg)
            counts.append(hs.count_within(bad.x, bad.y, cx, cy, radius_m))
        out.append(BeforeAfter(r.id, r.title, when, before_walk, after_walk,
                               counts[0] or 0, counts[1]))
    out.sort(key=lambda b: b.verified_at or utcnow(), reverse=True)
    return out
