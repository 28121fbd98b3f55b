"""The audit log of sensitive views: who was served police-only findings (a spot's detail, a
walk report or its PDF, an export) or an unblurred photo, when, and what; readable by admins.

One insert a request, never one a spot: the callers pass what they served (the ids of its
police-only spots, the photo) and at most one entry is written. :func:`record` commits at
once, so a view that was served stays recorded whatever the request does next; call it once
everything that was loaded has been used (a commit expires the session's objects).
"""

import math
from collections.abc import Iterable
from dataclasses import dataclass

import sqlalchemy as sa

from walkapp.domain import params as parse
from walkapp.domain.actor import Actor
from walkapp.domain.errors import N_, ValidationError
from walkapp.models import User
from walkapp.models.audit import AuditEntry
from walkapp.models.types import utcnow
from walkapp.services.accounts import require_admin
from walkapp.services.visibility import POLICE

SPOT, REPORT, REPORT_PDF, EXPORT, CLEAN_PHOTO = ("spot", "report", "report_pdf", "export",
                                                 "clean_photo")
KINDS = {
    SPOT: N_("Police-only spot"),
    REPORT: N_("Walk report"),
    REPORT_PDF: N_("Walk report (PDF)"),
    EXPORT: N_("Spot list or export"),
    CLEAN_PHOTO: N_("Unblurred photo"),
}
PER_PAGE = 50


def _who(actor: Actor) -> tuple[int | None, str]:
    """The account, or for people without one what they are (a walk's guest, a contractor)."""
    if actor.user_id is not None:
        return actor.user_id, ""
    if actor.guest_participations:
        return None, ("guest:" + ",".join(map(str, sorted(actor.guest_participations.values()))
                                          ))[:40]
    return None, "contractor" if actor.contractor_remedies else "anonymous"


def _ids(ids: Iterable[int]) -> str:
    """Comma-separated ids, as many as fit the column (the first ones, in order)."""
    text = ",".join(map(str, sorted(set(ids))))
    return text if len(text) <= 500 else text[:500].rsplit(",", 1)[0]


def record(session, actor: Actor, kind: str, subject_type: str, subject_id: int | None, *,
           spot_ids: Iterable[int] = (), photo_ids: Iterable[int] = (),
           rendition: str = "") -> None:
    """Write one entry and commit."""
    user_id, label = _who(actor)
    session.execute(sa.insert(AuditEntry).values(
        at=utcnow(), user_id=user_id, actor=label, kind=kind, subject_type=subject_type,
        subject_id=subject_id, spot_ids=_ids(spot_ids), photo_ids=_ids(photo_ids),
        rendition=rendition[:10]))
    session.commit()


def police_spot(session, actor: Actor, spot) -> None:
    """A spot's detail was served: recorded if it is police-only."""
    if spot.visibility == POLICE:
        record(session, actor, SPOT, "walk", spot.walk_id, spot_ids=[spot.id])


def report(session, actor: Actor, walk_id: int, police_spot_ids: list[int], pdf: bool,
           clean_photo_ids: Iterable[int] = ()) -> None:
    """A walk report was served: recorded if it held police-only spots or (the PDF, which
    embeds its photos) unblurred photos."""
    clean = list(clean_photo_ids)
    if police_spot_ids or clean:
        record(session, actor, REPORT_PDF if pdf else REPORT, "walk", walk_id,
               spot_ids=police_spot_ids, photo_ids=clean)


def export(session, actor: Actor, levels: Iterable[tuple[int, str]]) -> None:
    """Spots were listed or exported (GeoJSON): recorded if any was police-only; *levels*
    holds (spot id, visibility) of what was served."""
    ids = [sid for sid, level in levels if level == POLICE]
    if ids:
        record(session, actor, EXPORT, "spots", None, spot_ids=ids)


def clean_photo(session, actor: Actor, photo, rendition: str) -> None:
    """An unblurred rendition of a photo others get blurred was served."""
    record(session, actor, CLEAN_PHOTO, "photo", photo.id,
           spot_ids=[photo.spot_id] if photo.spot_id is not None else [], rendition=rendition)


# --- reading it (admins) ------------------------------------------------------------------------


@dataclass(frozen=True)
class AuditQuery:
    page: int = 1
    user_id: int | None = None
    kind: str | None = None


@dataclass
class AuditPage:
    entries: list[AuditEntry]
    query: AuditQuery
    total: int
    pages: int
    users: list[User]  # everyone with an entry, for the filter

    @property
    def has_next(self) -> bool:
        return self.query.page < self.pages


def parse_query(args) -> AuditQuery:
    """The page (1 if absent), and the user and kind to show only (422 on anything else)."""
    page = parse.integer(args, "page") or 1
    kind = parse.text(args, "kind") or None
    if kind is not None and kind not in KINDS:
        raise ValidationError(N_("Unknown kind of entry."), "kind")
    return AuditQuery(page=max(page, 1), user_id=parse.integer(args, "user"), kind=kind)


def entries(session, actor: Actor, q: AuditQuery, per_page: int = PER_PAGE) -> AuditPage:
    """The entries, newest first, one page of them; administrators only."""
    require_admin(actor)
    where = []
    if q.user_id is not None:
        where.append(AuditEntry.user_id == q.user_id)
    if q.kind is not None:
        where.append(AuditEntry.kind == q.kind)
    total = session.scalar(sa.select(sa.func.count(AuditEntry.id)).where(*where))
    pages = max(1, math.ceil(total / per_page))
    page = min(q.page, pages)
    rows = list(session.scalars(sa.select(AuditEntry).where(*where)
                                .order_by(AuditEntry.at.desc(), AuditEntry.id.desc())
                                .offset((page - 1) * per_page).limit(per_page)))
    users = list(session.scalars(sa.select(User).where(User.id.in_(
        sa.select(AuditEntry.user_id).where(AuditEntry.user_id.is_not(None)))).order_by(
        User.name, User.email)))
    return AuditPage(rows, AuditQuery(page, q.user_id, q.kind), total, pages, users)
