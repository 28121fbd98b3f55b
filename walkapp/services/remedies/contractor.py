"""Contractor links: one remedy, no account; a note, an after photo, mark it done."""

import hashlib
import secrets
from datetime import timedelta

import sqlalchemy as sa

from walkapp.domain import remedies as rd
from walkapp.domain.actor import Actor
from walkapp.domain.errors import N_, NotFound, PermissionDenied, ValidationError
from walkapp.models import ContractorLink, Remedy, RemedyEvent
from walkapp.models.types import utcnow
from walkapp.services.remedies import photos as remedy_photos
from walkapp.services.remedies.access import contractor_who, who_of
from walkapp.services.remedies.lifecycle import get_remedy, parse_version, transition
from walkapp.services.remedies.photos import PhotoUpload, store_photo


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_contractor_link(session, actor: Actor, remedy_id: int, label: str = "",
                           days: int = 30) -> tuple[ContractorLink, str]:
    """Return a new link and its token (shown once; only the hash is stored)."""
    remedy = get_remedy(session, who_of(actor), remedy_id)
    held = rd.roles_for(who_of(actor), remedy.id, remedy.owner_org_id)
    if not held:
        raise PermissionDenied(N_("Only coordinators and the owner's inspectors can share "
                                  "a remedy."))
    if remedy.status not in rd.OPEN_FOR_OWNER:
        raise ValidationError(N_("Only assigned or in-progress remedies can be shared."), "to")
    if not 1 <= days <= 365:
        raise ValidationError(N_("A link lasts from 1 to 365 days."), "days")
    token = secrets.token_urlsafe(32)
    now = utcnow()
    link = ContractorLink(remedy_id=remedy.id, token_hash=_hash(token), label=label.strip()[:120],
                          created_by_id=actor.user_id, created_at=now,
                          expires_at=now + timedelta(days=days))
    session.add(link)
    session.flush()
    return link, token


def resolve_contractor_link(session, token: str) -> ContractorLink:
    """Return the live link for *token*; unknown or altered 404, expired or revoked 403."""
    if not token or len(token) > 100:
        raise NotFound(N_("This link is unknown."))
    link = session.scalar(sa.select(ContractorLink).where(
        ContractorLink.token_hash == _hash(token)))
    if link is None:
        raise NotFound(N_("This link is unknown."))
    if link.revoked_at is not None:
        raise PermissionDenied(N_("This link has been withdrawn."))
    if link.expires_at <= utcnow():
        raise PermissionDenied(N_("This link has expired."))
    return link


def revoke_contractor_link(session, actor: Actor, link_id: int) -> ContractorLink:
    link = session.get(ContractorLink, link_id)
    if link is None:
        raise NotFound(N_("This link is unknown."))
    remedy = get_remedy(session, who_of(actor), link.remedy_id)
    if not rd.roles_for(who_of(actor), remedy.id, remedy.owner_org_id):
        raise PermissionDenied(N_("You cannot withdraw this link."))
    if link.revoked_at is None:
        link.revoked_at = utcnow()
    session.flush()
    return link


def links_of(session, remedy_id: int) -> list[ContractorLink]:
    return list(session.scalars(sa.select(ContractorLink).where(
        ContractorLink.remedy_id == remedy_id).order_by(ContractorLink.id)))


def contractor_note(session, link: ContractorLink, comment: str, photo: PhotoUpload | None,
                    store) -> RemedyEvent:
    """Let a contractor add a note (and optionally a photo) without changing the status."""
    remedy = link.remedy
    comment = (comment or "").strip()
    if not comment and not (photo and photo.data):
        raise ValidationError(N_("Write a note or add a photo."), "comment")
    stored = store_photo(session, remedy, photo, store) if photo and photo.data else None
    event = RemedyEvent(actor_label=_contractor_label(link), kind="note", comment=comment,
                        photo=stored)
    remedy.events.append(event)
    session.flush()
    return event


def _contractor_label(link: ContractorLink) -> str:
    return f"contractor: {link.label}" if link.label else "contractor"


def contractor_transition(session, link: ContractorLink, to: str, comment: str, version,
                          photo: PhotoUpload | None, store) -> Remedy:
    return transition(session, contractor_who(link.remedy_id), link.remedy_id, to, comment,
                      version, label=_contractor_label(link), photo=photo, store=store)


def link_days(form, default: int) -> int:
    """How long a new link lasts: the form's "days", or *default* when left empty."""
    days = str(form.get("days", "") or default)
    if not days.isdigit():
        raise ValidationError(N_("A link lasts from 1 to 365 days."), "days")
    return int(days)


def act(session, link: ContractorLink, action: str | None, comment: str, version,
        photo: PhotoUpload | None, store) -> None:
    """What the contractor page posts: "done" marks the remedy done, anything else a note."""
    if action == "done":
        contractor_transition(session, link, rd.UDFOERT, comment, parse_version(version), photo,
                              store)
    else:
        contractor_note(session, link, comment, photo, store)


def before_photos(link: ContractorLink) -> list:
    """The before photos a contractor sees: those of the covered spots that are public."""
    return remedy_photos.before_photos(link.remedy, ("offentlig",))


def is_done(link: ContractorLink) -> bool:
    return link.remedy.status not in rd.OPEN_FOR_OWNER
