"""Privacy: notes that name people (the warning before saving, the closing meeting's flags and
redaction), retention of closed walks (flask retention-run) and an administrator's erasure of a
person. Retention runs and erasures are written to privacy_log; note redactions to spot_events.
Neither log keeps the removed text."""

import json
import secrets
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta

import sqlalchemy as sa

from walkapp.domain import params as parse
from walkapp.domain import privacy as rules
from walkapp.domain.actor import Actor
from walkapp.domain.errors import N_, NotFound, ValidationError
from walkapp.models import Participant, Photo, Spot, User, Walk
from walkapp.models.outbox import NotificationPreference, OutboxMessage
from walkapp.models.privacy import PrivacyLog, SpotEvent
from walkapp.models.remedy import RemedyEvent
from walkapp.models.types import utcnow
from walkapp.photos.store import PhotoStore
from walkapp.services.accounts import require_admin
from walkapp.services.remedies.lifecycle import actor_label, check_manager

ORIGINAL = "original.jpg"
KIND_LABELS = rules.KIND_LABELS
kinds = rules.kinds
NOTE_WARNING = N_("The note seems to name a person or hold personal data. Walk notes are about "
                  "places, not people: leave out names, phone numbers, CPR numbers, number "
                  "plates and e-mail addresses.")


class NoteNeedsConfirmation(ValidationError):
    """The note holds what looks like personal data and the writer has not confirmed it."""

    def __init__(self, findings: list[rules.Finding]):
        super().__init__(NOTE_WARNING, "note")
        self.findings = findings


# --- notes ------------------------------------------------------------------------------------


def check_note(note: str, max_chars: int) -> list[rules.Finding]:
    """The findings in *note* (POST /api/notes/check); 422 for a note longer than allowed."""
    if len(note) > max_chars:
        raise ValidationError(N_("The note may have at most %(n)s characters."), "note",
                              n=max_chars)
    return rules.find(note)


def note_findings(spot: Spot) -> list[rules.Finding]:
    """What in *spot*'s note looks like it names a person (the spot API's privacy_warning)."""
    return rules.find(spot.note or "")


def confirm_note(note: str, confirmed: bool) -> None:
    """Raise NoteNeedsConfirmation if *note* looks like it names a person and not *confirmed*."""
    findings = rules.find(note)
    if findings and not confirmed:
        raise NoteNeedsConfirmation(findings)


def note_flags(spots) -> dict[int, list[rules.Finding]]:
    """The spots among *spots* whose note looks like it names a person, with the findings."""
    return {s.id: found for s in spots if (found := rules.find(s.note or ""))}


@dataclass
class NoteChange:
    """The closing meeting's redaction form: "redact" the flagged parts, or a new note."""

    spot_id: int
    note: str | None  # None: replace the flagged parts by "[fjernet]"


def parse_note_change(form) -> NoteChange:
    spot_id = parse.integer(form, "spot_id")
    if spot_id is None:  # a hidden field: only a broken or forged form lacks it
        raise ValidationError(N_("The field %(name)s must be a number."), "spot_id",
                              name="spot_id")
    if form.get("action") == "redact":
        return NoteChange(spot_id, None)
    return NoteChange(spot_id, parse.text(form, "note"))


def redact_note(session, actor: Actor, walk: Walk, change: NoteChange,
                max_chars: int = 2000) -> SpotEvent:
    """Redact or rewrite a spot's note at the closing meeting (coordinators), with a history
    entry naming who and when, and which kinds of data were flagged (not the text)."""
    check_manager(actor)
    spot = session.get(Spot, change.spot_id)
    if spot is None or spot.walk_id != walk.id:
        raise NotFound(N_("No such spot."))
    findings = rules.find(spot.note or "")
    note = rules.redact(spot.note, findings) if change.note is None else change.note
    if len(note) > max_chars:
        raise ValidationError(N_("The note may have at most %(n)s characters."), "note",
                              n=max_chars)
    kind = "note_redacted" if change.note is None else "note_edited"
    spot.note, spot.updated_at = note, utcnow()
    event = SpotEvent(spot_id=spot.id, kind=kind, user_id=actor.user_id,
                      actor_label=actor_label(session, actor),
                      detail=",".join(rules.kinds(findings)))
    session.add(event)
    session.flush()
    return event


def note_events(session, spot_ids: list[int]) -> dict[int, list[SpotEvent]]:
    """The note history of *spot_ids*, oldest first."""
    out: dict[int, list[SpotEvent]] = {}
    for ev in session.scalars(sa.select(SpotEvent).where(SpotEvent.spot_id.in_(spot_ids or [-1]))
                              .order_by(SpotEvent.id)):
        out.setdefault(ev.spot_id, []).append(ev)
    return out


# --- the log ----------------------------------------------------------------------------------


def _log(session, kind: str, actor: Actor | None, subject: str, summary: dict,
         dry_run: bool = False) -> PrivacyLog:
    entry = PrivacyLog(kind=kind, dry_run=dry_run, user_id=actor.user_id if actor else None,
                       actor_label=actor_label(session, actor) if actor else "",
                       subject=subject, summary=json.dumps(summary, sort_keys=True))
    session.add(entry)
    return entry


@dataclass
class LogPage:
    """One page of the privacy log, newest first; every entry is reachable by paging."""

    entries: list[PrivacyLog]
    page: int
    pages: int
    total: int


def log_page(session, actor: Actor, page: int | None, per_page: int = 50) -> LogPage:
    """Retention runs and erasures for an admin, newest first, *per_page* a page."""
    require_admin(actor)
    total = session.scalar(sa.select(sa.func.count(PrivacyLog.id))) or 0
    pages = max(1, -(-total // per_page))
    page = min(max(page or 1, 1), pages)
    entries = list(session.scalars(sa.select(PrivacyLog).order_by(PrivacyLog.id.desc())
                                   .offset((page - 1) * per_page).limit(per_page)))
    return LogPage(entries, page, pages, total)


def summary_items(entry: PrivacyLog) -> list[tuple[str, object]]:
    """The entry's summary as (key, value) pairs for a table (never an erased name)."""
    try:
        data = json.loads(entry.summary or "{}")
    except ValueError:
        return []
    return sorted(data.items()) if isinstance(data, dict) else []


# --- retention --------------------------------------------------------------------------------


@dataclass
class RetentionResult:
    days: int
    cutoff: str
    dry_run: bool
    walks: list[int] = field(default_factory=list)
    participants: int = 0
    originals: int = 0
    deleted_files: list[str] = field(default_factory=list)


def _expired_walks(session, cutoff: datetime) -> list[Walk]:
    ended = sa.func.coalesce(Walk.ended_at, Walk.starts_at)
    return list(session.scalars(sa.select(Walk).where(Walk.status == "afsluttet", ended < cutoff)
                                .order_by(Walk.id)))


def run_retention(session, store: PhotoStore, days: int, dry_run: bool = False,
                  now: datetime | None = None) -> RetentionResult:
    """Anonymise the guests of walks closed more than *days* ago and delete the clean originals
    of their photos (the blurred and display renditions stay); log the run, dry or not.

    The database is committed first, then the files go: a file left by a crash is an orphan
    that photos-check --repair removes, never a row pointing at nothing.
    """
    if days < 1:
        raise ValidationError(N_("The retention period must be at least one day."), "days")
    now = now or utcnow()
    cutoff = now - timedelta(days=days)
    walks = _expired_walks(session, cutoff)
    result = RetentionResult(days=days, cutoff=cutoff.isoformat(), dry_run=dry_run,
                             walks=[w.id for w in walks])
    walk_ids = result.walks or [-1]
    guests = list(session.scalars(sa.select(Participant).where(
        Participant.walk_id.in_(walk_ids), Participant.user_id.is_(None),
        Participant.anonymised_at.is_(None))))
    photos = list(session.scalars(sa.select(Photo).join(Spot, Spot.id == Photo.spot_id).where(
        Spot.walk_id.in_(walk_ids), Photo.has_original)))
    ids = {p.id for p in photos}
    # The store holds one file per upload: keep an original another (newer) photo still uses.
    shared = set(session.scalars(sa.select(Photo.sha256).where(
        Photo.sha256.in_({p.sha256 for p in photos} or {""}), Photo.has_original,
        Photo.id.not_in(ids or {-1}))))
    result.participants, result.originals = len(guests), len(photos)
    if not dry_run:
        starts = {w.id: w.starts_at for w in walks}
        for p in guests:
            p.display_name, p.joined_at, p.anonymised_at = "", starts[p.walk_id], now
        for ph in photos:
            ph.has_original = False
    _log(session, "retention", None, "", {k: v for k, v in asdict(result).items()
                                          if k != "deleted_files"}, dry_run=dry_run)
    session.commit()
    if not dry_run:
        for sha in sorted({p.sha256 for p in photos} - shared):
            if store.exists(sha, ORIGINAL):
                store.delete(sha, ORIGINAL)
                result.deleted_files.append(f"{sha}/{ORIGINAL}")
    return result


# --- erasure ----------------------------------------------------------------------------------


def erased_email(user_id: int) -> str:
    return f"slettet-{user_id}@erased.invalid"


def erase_user(session, actor: Actor, user: User) -> PrivacyLog:
    """Erase an account's name and contact details; its findings and history stay, without the
    name (administrators; not one's own account)."""
    require_admin(actor)
    if user.id == actor.user_id:
        raise ValidationError(N_("You cannot erase your own account."), "form")
    user.name, user.email, user.locale, user.active = "", erased_email(user.id), None, False
    user.set_password(secrets.token_urlsafe(32))  # ends every session too
    for p in session.scalars(sa.select(Participant).where(Participant.user_id == user.id)):
        p.display_name, p.user_id, p.anonymised_at = "", None, utcnow()
    for model in (RemedyEvent, SpotEvent, PrivacyLog):
        session.execute(sa.update(model).where(model.user_id == user.id).values(actor_label=""))
    session.execute(sa.delete(OutboxMessage).where(OutboxMessage.user_id == user.id))
    session.execute(sa.delete(NotificationPreference).where(
        NotificationPreference.user_id == user.id))
    entry = _log(session, "erasure", actor, f"user {user.id}", {"account": user.id})
    session.flush()
    return entry


def get_participant(session, actor: Actor, walk_id: int, participant_id: int) -> Participant:
    require_admin(actor)
    p = session.get(Participant, participant_id)
    if p is None or p.walk_id != walk_id:
        raise NotFound(N_("No such participant."))
    return p


def erase_participant(session, actor: Actor, participant: Participant) -> PrivacyLog:
    """Erase a participation's name (and its link to an account); its spots stay."""
    require_admin(actor)
    participant.display_name, participant.user_id = "", None
    participant.anonymised_at = utcnow()
    entry = _log(session, "erasure", actor, f"participant {participant.id}",
                 {"participant": participant.id, "walk": participant.walk_id})
    session.flush()
    return entry


@dataclass
class ParticipantRow:
    participant: Participant
    spots: int


def walk_participants(session, actor: Actor, walk_id: int) -> tuple[Walk, list[ParticipantRow]]:
    """A walk's participants with how many spots each made (the admin's erasure list)."""
    require_admin(actor)
    walk = session.get(Walk, walk_id)
    if walk is None:
        raise NotFound(N_("No such walk."))
    counts = dict(session.execute(sa.select(Spot.participant_id, sa.func.count()).where(
        Spot.walk_id == walk.id).group_by(Spot.participant_id)).all())
    rows = session.scalars(sa.select(Participant).where(Participant.walk_id == walk.id)
                           .order_by(Participant.joined_at, Participant.id))
    return walk, [ParticipantRow(p, counts.get(p.id, 0)) for p in rows]


def recent_walks(session, actor: Actor, limit: int = 200) -> list[Walk]:
    require_admin(actor)
    return list(session.scalars(sa.select(Walk).order_by(Walk.starts_at.desc()).limit(limit)))
