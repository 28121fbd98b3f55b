"""A remedy's life: loading it for someone, edits, status moves and re-walk verdicts.

Every status change goes through the transition table in ``walkapp.domain.remedies``.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

import sqlalchemy.orm as so

from walkapp.domain import clock
from walkapp.domain import params as parse
from walkapp.domain import remedies as rd
from walkapp.domain.actor import Actor
from walkapp.domain.errors import (
    N_,
    Conflict,
    DomainError,
    NotFound,
    PermissionDenied,
    ValidationError,
)
from walkapp.models import Organisation, Participant, Remedy, RemedyEvent, User, Walk
from walkapp.models.types import utcnow
from walkapp.services import notifications
from walkapp.services import walks as walk_service
from walkapp.services.remedies.access import who_of
from walkapp.services.remedies.photos import PhotoUpload, store_photo


class StaleRemedy(Conflict):
    """Raised when the client's version is not the current one; carries the current remedy."""

    def __init__(self, remedy: Remedy):
        super().__init__(N_("Someone else changed this remedy meanwhile. It is now "
                            "%(status)s (version %(version)s)."), "version",
                         status=rd.STATUS_LABELS[remedy.status], version=remedy.version)
        self.remedy = remedy


def load_remedy(session, remedy_id: int) -> Remedy:
    remedy = session.get(Remedy, remedy_id)
    if remedy is None:
        raise NotFound(N_("No such remedy."))
    return remedy


def get_remedy(session, who: rd.Who, remedy_id: int) -> Remedy:
    remedy = load_remedy(session, remedy_id)
    rd.check_view(who, remedy.id, remedy.owner_org_id)
    return remedy


def check_version(remedy: Remedy, version: int | None) -> None:
    if version is None:
        raise ValidationError(N_("The field %(name)s is required."), "version", name="version")
    if version != remedy.version:
        raise StaleRemedy(remedy)


def flush_remedy(session, remedy: Remedy) -> None:
    try:
        session.flush()
    except so.exc.StaleDataError as exc:
        session.rollback()
        raise StaleRemedy(session.get(Remedy, remedy.id)) from exc


def parse_version(raw) -> int | None:
    raw = str(raw if raw is not None else "").strip()
    if not raw:
        return None
    version = parse.whole(raw)  # ASCII digits, at most a database integer
    if version is None:
        raise ValidationError(N_("The field %(name)s must be a number."), "version",
                              name="version")
    return version


def transition_input(data):
    """A transition request's fields: a form, or a JSON body that must be an object."""
    if data is None:
        return {}
    if not hasattr(data, "get"):  # JSON [], "text", 42, true
        raise ValidationError(N_("The request body must be a JSON object."), "to")
    return data


@dataclass
class Refusal:
    """A change that was refused: the remedy as it is now and why (409 stale, 422 invalid)."""

    remedy: Remedy
    error: DomainError

    @property
    def stale(self) -> bool:
        return isinstance(self.error, StaleRemedy)

    @property
    def status(self) -> int:
        return self.error.status


def attempt(session, who: rd.Who, remedy_id: int, change: Callable[[], object],
            refuse: tuple[type[DomainError], ...] = (StaleRemedy, ValidationError)
            ) -> Refusal | None:
    """Run *change* and commit it. On a stale version or invalid input (the errors *refuse*
    names), roll back and return the remedy as it is now (as *who* may see it) with the error,
    for the page to show again; any other error propagates.

    Someone else's save between our version check and our write (two coordinators saving one
    form at once) makes the versioned UPDATE match no row, wherever the flush happens (an
    autoflush, the commit): that is a stale version too."""
    try:
        try:
            change()
            session.commit()
        except so.exc.StaleDataError:
            session.rollback()
            raise StaleRemedy(load_remedy(session, remedy_id)) from None
    except refuse as exc:
        session.rollback()
        return Refusal(get_remedy(session, who, remedy_id), exc)
    return None


def actor_label(session, actor: Actor) -> str:
    if actor.user_id is None:
        return ""
    user = session.get(User, actor.user_id)
    return user.name if user else ""


def check_manager(actor: Actor) -> None:
    if not rd.may_manage(actor.role):
        raise PermissionDenied(N_("Only coordinators can run the closing meeting."))


def check_assignee(session, assignee_id: int | None, owner: Organisation | None) -> None:
    if assignee_id is None:
        return
    user = session.get(User, assignee_id)
    if user is None or owner is None or user.organisation_id != owner.id:
        raise ValidationError(N_("The person must belong to the owner organisation."),
                              "assignee_id")


@dataclass
class RemedyChange:
    owner_org_id: int | None = None
    assignee_id: int | None = None
    deadline: date | None = None
    priority: int | None = None


def parse_change(form) -> RemedyChange:
    """The edit form's fields: an empty or non-numeric choice leaves that detail unchanged."""
    return RemedyChange(owner_org_id=parse.optional_id(form, "owner_org_id"),
                        assignee_id=parse.optional_id(form, "assignee_id"),
                        deadline=parse.day(form, "deadline"),
                        priority=parse.optional_id(form, "priority"))


def update_remedy(session, actor: Actor, remedy_id: int, version: int | None,
                  change: RemedyChange, on: date | None = None) -> Remedy:
    """Change owner, person, deadline or priority (coordinators), with a history entry."""
    check_manager(actor)
    remedy = load_remedy(session, remedy_id)
    check_version(remedy, version)
    notes = []
    if change.owner_org_id is not None and change.owner_org_id != remedy.owner_org_id:
        org = session.get(Organisation, change.owner_org_id)
        if org is None:
            raise ValidationError(N_("Choose an owner organisation."), "owner_org_id")
        remedy.owner_org = org
        remedy.assignee_id = None
        notes.append(f"owner={org.name}")
    if change.assignee_id is not None:
        check_assignee(session, change.assignee_id, remedy.owner_org)
        remedy.assignee_id = change.assignee_id
        notes.append(f"assignee={change.assignee_id}")
    if change.deadline is not None and change.deadline != remedy.deadline:
        rd.check_deadline(change.deadline, on or clock.today())
        remedy.deadline = change.deadline
        notes.append(f"deadline={change.deadline.isoformat()}")
    if change.priority is not None:
        if change.priority not in rd.PRIORITIES:
            raise ValidationError(N_("Choose a priority."), "priority")
        remedy.priority = change.priority
    remedy.updated_at = utcnow()
    remedy.events.append(RemedyEvent(user_id=actor.user_id, actor_label=actor_label(session, actor),
                                     kind="edit", comment="; ".join(notes)))
    flush_remedy(session, remedy)
    return remedy


def transition(session, who: rd.Who, remedy_id: int, to: str, comment: str,
               version: int | None, *, user_id: int | None = None, label: str = "",
               photo: PhotoUpload | None = None, store=None,
               new_owner_org_id: int | None = None, walk_id: int | None = None,
               kind: str = "transition") -> Remedy:
    """Move a remedy to *to*, recording who, when, comment and photo in its history."""
    to = (to or "").strip()
    comment = (comment or "").strip()
    remedy = load_remedy(session, remedy_id)
    # Permission first, so a stranger learns nothing about the version.
    rd.check_view(who, remedy.id, remedy.owner_org_id)
    check_version(remedy, version)
    rd.check_transition(remedy.status, to, who, remedy.id, remedy.owner_org_id, comment,
                        has_photo=photo is not None and bool(photo.data))
    if len(comment) > 4000:
        raise ValidationError(N_("The comment is too long."), "comment")
    if to == rd.TILDELT and remedy.status == rd.IKKE_VORES_ANSVAR:
        if new_owner_org_id is None:
            raise ValidationError(N_("Choose the new owner organisation."), "owner_org_id")
    if new_owner_org_id is not None and rd.may_manage(who.role):
        org = session.get(Organisation, new_owner_org_id)
        if org is None:
            raise ValidationError(N_("Choose an owner organisation."), "owner_org_id")
        remedy.owner_org = org
        remedy.assignee_id = None
    if to == rd.TILDELT and remedy.owner_org_id is None and remedy.owner_org is None:
        raise ValidationError(N_("Choose an owner organisation."), "owner_org_id")
    stored = store_photo(session, remedy, photo, store, uploaded_by=user_id) \
        if photo and photo.data else None
    event = RemedyEvent(user_id=user_id, actor_label=label, kind=kind, comment=comment,
                        walk_id=walk_id, photo=stored)
    return apply_move(session, remedy, to, rd.roles_for(who, remedy.id, remedy.owner_org_id),
                      event)


def apply_move(session, remedy: Remedy, to: str, held: set[str], event: RemedyEvent,
               notify: str | None = None) -> Remedy:
    """Move *remedy* to *to* and record *event*: the one place a status changes, and only along
    the transition table for someone holding *held*. Reaching "tildelt" notifies the owner
    (*notify* names why; by default "assigned", or "reopened" after done/verified)."""
    roles = rd.TRANSITIONS.get((remedy.status, to))
    if roles is None or not roles & held:
        raise PermissionDenied(N_("Your role cannot make this change."))
    previous = remedy.status
    event.from_status, event.to_status = previous, to
    remedy.events.append(event)
    remedy.status = to
    remedy.updated_at = utcnow()
    flush_remedy(session, remedy)
    if to == rd.TILDELT:
        reopened = previous in (rd.UDFOERT, rd.VERIFICERET)
        notifications.enqueue_for_remedy(
            session, remedy, notify or ("reopened" if reopened else "assigned"), event.id)
    return remedy


def actor_transition(session, actor: Actor, remedy_id: int, to: str, comment: str,
                     version, photo: PhotoUpload | None = None, store=None,
                     new_owner_org_id: int | None = None) -> Remedy:
    return transition(session, who_of(actor), remedy_id, to, comment, version,
                      user_id=actor.user_id, label=actor_label(session, actor), photo=photo,
                      store=store, new_owner_org_id=new_owner_org_id)


def available_moves(remedy: Remedy, who: rd.Who) -> list[str]:
    return rd.allowed_targets(remedy.status, rd.roles_for(who, remedy.id, remedy.owner_org_id))


def check_rewalker(session, actor: Actor, walk: Walk) -> Participant | None:
    """Coordinators, the walk's leader (DOMAIN.md: walk leaders run a walk) and its
    participants run a re-walk; return the actor's participant row, if any."""
    participant = walk_service.participant_of(session, actor, walk)
    if participant is None and not rd.may_manage(actor.role) and \
            not walk_service.is_leader(actor, walk):
        raise PermissionDenied(N_("You are not a participant of this walk."))
    return participant


def parse_verdict(form) -> bool:
    """True for "works", False for "not_fixed"."""
    verdict = form.get("verdict")
    if verdict not in ("works", "not_fixed"):
        raise ValidationError(N_("Choose works or does not work."), "verdict")
    return verdict == "works"


def verdict(session, actor: Actor, walk: Walk, remedy_id: int, works: bool,
            comment: str = "") -> Remedy:
    """Record "virker"/"virker ikke" from a re-walk; "virker ikke" reopens and notifies."""
    remedy = load_remedy(session, remedy_id)
    if walk.previous_walk_id is None or remedy.walk_id != walk.previous_walk_id:
        raise NotFound(N_("No such remedy."))
    participant = check_rewalker(session, actor, walk)
    label = participant.display_name if participant and participant.display_name else \
        actor_label(session, actor)
    comment = (comment or "").strip()[:2000]
    if not works and remedy.status in (rd.UDFOERT, rd.VERIFICERET):  # reopens it
        event = RemedyEvent(user_id=actor.user_id, actor_label=label, kind="not_fixed",
                            comment=comment, walk_id=walk.id)
        return apply_move(session, remedy, rd.TILDELT, {rd.REWALK}, event, notify="not_fixed")
    event = RemedyEvent(user_id=actor.user_id, actor_label=label,
                        kind="works" if works else "not_fixed", comment=comment,
                        walk_id=walk.id)
    remedy.events.append(event)
    flush_remedy(session, remedy)
    if not works:
        notifications.enqueue_for_remedy(session, remedy, "not_fixed", event.id)
    return remedy


def last_verdict(remedy: Remedy, walk_id: int) -> str | None:
    """Return "works" or "not_fixed" as last said on re-walk *walk_id*, or None."""
    for ev in reversed(remedy.events):
        if ev.kind in ("works", "not_fixed") and ev.walk_id == walk_id:
            return ev.kind
    return None
