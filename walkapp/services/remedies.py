"""Remedies: catalogue, closing meeting, lifecycle, tasks, board, contractor links, re-walks."""

import hashlib
import math
import secrets
from dataclasses import dataclass, field
from datetime import date, timedelta

import sqlalchemy as sa
import sqlalchemy.orm as so
from shapely.geometry import MultiPoint

from walkapp.domain import clock
from walkapp.domain import remedies as rd
from walkapp.domain.actor import Actor
from walkapp.domain.errors import N_, Conflict, NotFound, PermissionDenied, ValidationError
from walkapp.domain.roles import Role
from walkapp.geo.crs import lonlat_to_metric
from walkapp.geo.shapes import feature, from_db, to_db
from walkapp.models import (
    Area,
    ContractorLink,
    Organisation,
    Participant,
    Remedy,
    RemedyEvent,
    RemedyPhoto,
    RemedyTemplate,
    Spot,
    SpotMerge,
    User,
    Walk,
)
from walkapp.models.types import utcnow
from walkapp.services import notifications


def who_of(actor: Actor) -> rd.Who:
    return rd.Who(role=actor.role, org_id=actor.org_id)


def contractor_who(remedy_id: int) -> rd.Who:
    return rd.Who(role=rd.CONTRACTOR, contractor_remedy_id=remedy_id)


class StaleRemedy(Conflict):
    """Raised when the client's version is not the current one; carries the current remedy."""

    def __init__(self, remedy: Remedy):
        super().__init__(N_("Someone else changed this remedy meanwhile. It is now "
                            "%(status)s (version %(version)s)."), "version",
                         status=rd.STATUS_LABELS[remedy.status], version=remedy.version)
        self.remedy = remedy


# ---------------------------------------------------------------- catalogue

def list_templates(session, active_only: bool = True) -> list[RemedyTemplate]:
    q = sa.select(RemedyTemplate).order_by(RemedyTemplate.sort, RemedyTemplate.id)
    if active_only:
        q = q.where(RemedyTemplate.active)
    return list(session.scalars(q))


TEMPLATE_FIELDS = ("title_da", "title_en", "description_da", "description_en", "target_da",
                   "target_en", "categories", "principles", "owner_kind", "effort")


def save_template(session, actor: Actor, template_id: int | None, data: dict) -> RemedyTemplate:
    """Create or change a catalogue template (administrators only)."""
    if actor.role != Role.ADMIN:
        raise PermissionDenied(N_("Only administrators can edit the catalogue."))
    from walkapp.domain.catalogue import CATEGORY_CODES, ORG_KINDS

    values = {k: (data.get(k) or "").strip() for k in TEMPLATE_FIELDS}
    for name in ("title_da", "title_en"):
        if not values[name]:
            raise ValidationError(N_("The template needs a title."), name)
        if len(values[name]) > 200:
            raise ValidationError(N_("The title is too long."), name)
    cats = [c.strip().upper() for c in values["categories"].split(",") if c.strip()]
    for c in cats:
        if c not in CATEGORY_CODES:
            raise ValidationError(N_("Unknown category: %(code)s."), "categories", code=c)
    values["categories"] = ",".join(cats)
    known = {p.code for p in rd.PRINCIPLES}
    prins = [p.strip().upper() for p in values["principles"].split(",") if p.strip()]
    for p in prins:
        if p not in known:
            raise ValidationError(N_("Unknown principle: %(code)s."), "principles", code=p)
    values["principles"] = ",".join(prins)
    if values["owner_kind"] not in ORG_KINDS:
        raise ValidationError(N_("Unknown organisation kind."), "owner_kind")
    if values["effort"] not in rd.EFFORT_BANDS:
        raise ValidationError(N_("Unknown effort band."), "effort")
    if template_id is None:
        code = (data.get("code") or "").strip().upper()
        if not code or len(code) > 20:
            raise ValidationError(N_("The template needs a short code."), "code")
        if session.scalar(sa.select(RemedyTemplate).where(RemedyTemplate.code == code)):
            raise ValidationError(N_("That code is taken."), "code")
        tpl = RemedyTemplate(code=code, sort=1000)
        session.add(tpl)
    else:
        tpl = session.get(RemedyTemplate, template_id)
        if tpl is None:
            raise NotFound(N_("No such template."))
    for k, v in values.items():
        setattr(tpl, k, v)
    tpl.active = bool(data.get("active", True))
    session.flush()
    return tpl


# ---------------------------------------------------------------- closing meeting

@dataclass
class NumberedSpot:
    number: int
    spot: Spot
    merged: list[Spot] = field(default_factory=list)

    @property
    def all_spots(self) -> list[Spot]:
        return [self.spot, *self.merged]

    @property
    def categories(self) -> list[str]:
        out: list[str] = []
        for s in self.all_spots:
            out += [c for c in s.category_codes if c not in out]
        return out


def _check_manager(actor: Actor) -> None:
    if not rd.may_manage(actor.role):
        raise PermissionDenied(N_("Only coordinators can run the closing meeting."))


def numbered_spots(session, walk: Walk,
                   levels: tuple[str, ...] | None = None) -> list[NumberedSpot]:
    """Return the walk's spots numbered 1..n in the order they were made, merges folded in.

    *levels* limits the visibility levels shown (the publishable report leaves out police).
    """
    q = sa.select(Spot).where(Spot.walk_id == walk.id, sa.not_(Spot.hidden)).order_by(
        Spot.observed_at, Spot.id).options(so.selectinload(Spot.participant))
    if levels is not None:
        q = q.where(Spot.visibility.in_(levels))
    spots = list(session.scalars(q))
    merges = dict(session.execute(sa.select(SpotMerge.spot_id, SpotMerge.into_spot_id).where(
        SpotMerge.spot_id.in_([s.id for s in spots] or [-1]))).all())
    by_id = {s.id: s for s in spots}
    out: list[NumberedSpot] = []
    index: dict[int, NumberedSpot] = {}
    for s in spots:
        if s.id in merges:
            continue
        ns = NumberedSpot(len(out) + 1, s)
        out.append(ns)
        index[s.id] = ns
    for child, parent in merges.items():
        root = parent
        while root in merges:  # chains of merges fold into the first spot
            root = merges[root]
        if root in index and child in by_id:
            index[root].merged.append(by_id[child])
    return out


def merge_candidates(session, walk: Walk, max_m: float) -> list[rd.MergeSuggestion]:
    """Return suggested merges among the walk's top-level spots (metric, EPSG:25832)."""
    points = []
    for ns in numbered_spots(session, walk):
        p = from_db(ns.spot.geom)
        x, y = lonlat_to_metric(p.x, p.y)
        points.append(rd.MergePoint(ns.spot.id, x, y, frozenset(ns.categories)))
    return rd.merge_suggestions(points, max_m)


def merge_spots(session, actor: Actor, walk: Walk, keep_id: int, merge_id: int) -> SpotMerge:
    """Fold spot *merge_id* into *keep_id*. Nothing is deleted: photos, notes stay on their rows."""
    _check_manager(actor)
    if keep_id == merge_id:
        raise ValidationError(N_("Choose two different spots."), "merge_id")
    spots = {s.id: s for s in session.scalars(sa.select(Spot).where(
        Spot.id.in_([keep_id, merge_id]), Spot.walk_id == walk.id))}
    if len(spots) != 2:
        raise NotFound(N_("No such spot."))
    if session.get(SpotMerge, keep_id) is not None:
        raise ValidationError(N_("That spot is already merged into another."), "keep_id")
    if session.get(SpotMerge, merge_id) is not None:
        raise ValidationError(N_("That spot is already merged into another."), "merge_id")
    merge = SpotMerge(spot_id=merge_id, into_spot_id=keep_id, merged_by_id=actor.user_id)
    session.add(merge)
    # Children of the merged spot follow it, and remedies covering one now cover both.
    for child in session.scalars(sa.select(SpotMerge).where(SpotMerge.into_spot_id == merge_id)):
        child.into_spot_id = keep_id
    for remedy in session.scalars(sa.select(Remedy).where(
            Remedy.spots.any(Spot.id.in_([keep_id, merge_id])))):
        for s in spots.values():
            if s not in remedy.spots:
                remedy.spots.append(s)
        _set_geometry(remedy)
    session.flush()
    return merge


def unmerge_spot(session, actor: Actor, walk: Walk, spot_id: int) -> None:
    _check_manager(actor)
    merge = session.get(SpotMerge, spot_id)
    spot = session.get(Spot, spot_id)
    if merge is None or spot is None or spot.walk_id != walk.id:
        raise NotFound(N_("That spot is not merged."))
    session.delete(merge)
    session.flush()


@dataclass
class Suggestion:
    templates: list[RemedyTemplate]
    owner: Organisation | None


ROAD_HINTS = ("vej", "road", "trafik", "park")


def suggest_owner(session, area: Area, categories: list[str]) -> Organisation | None:
    """Return the organisation that typically owns a remedy for *categories* in *area*."""
    kind = rd.suggest_owner_kind(categories, area.owner_organisation_id is not None)
    if kind == "area":
        return area.owner_organisation
    orgs = list(session.scalars(sa.select(Organisation).where(Organisation.kind == kind)
                                .order_by(Organisation.name)))
    if not orgs:
        return area.owner_organisation
    if kind == "kommune":  # roads, paths, lighting: the kommune's roads department if named
        for org in orgs:
            if any(h in org.name.lower() for h in ROAD_HINTS):
                return org
    return orgs[0]


def suggest(session, area: Area, categories: list[str],
            templates: list[RemedyTemplate] | None = None) -> Suggestion:
    """Suggest templates and an owner; pass *templates* when suggesting for many spots."""
    templates = list_templates(session) if templates is None else templates
    codes = [t.code for t in rd.suggest_templates(categories, [_Tpl(t) for t in templates])]
    by_code = {t.code: t for t in templates}
    return Suggestion([by_code[c] for c in codes], suggest_owner(session, area, categories))


@dataclass(frozen=True)
class _Tpl:
    """Adapter so the pure ranking sees a template's code and categories."""

    row: RemedyTemplate

    @property
    def code(self) -> str:
        return self.row.code

    @property
    def categories(self) -> tuple[str, ...]:
        return tuple(self.row.category_list)


@dataclass
class RemedyInput:
    spot_ids: list[int]
    title: str
    description: str = ""
    template_id: int | None = None
    owner_org_id: int | None = None
    assignee_id: int | None = None
    deadline: date | None = None
    priority: int = 2


def parse_remedy_form(form) -> RemedyInput:
    """Validate form fields into a RemedyInput, naming the field of the first error."""
    ids = []
    for raw in form.getlist("spot_ids"):
        if not str(raw).isdigit():
            raise ValidationError(N_("Choose the spots this remedy covers."), "spot_ids")
        ids.append(int(raw))
    deadline = None
    if (form.get("deadline") or "").strip():
        try:
            deadline = date.fromisoformat(form["deadline"].strip())
        except ValueError as exc:
            raise ValidationError(N_("%(name)s must be a date (YYYY-MM-DD)."), "deadline",
                                  name="deadline") from exc

    def opt_int(name):
        raw = (form.get(name) or "").strip()
        if not raw:
            return None
        if not raw.isdigit():
            raise ValidationError(N_("The field %(name)s must be a number."), name, name=name)
        return int(raw)

    priority = opt_int("priority") or 2
    return RemedyInput(spot_ids=ids, title=(form.get("title") or "").strip(),
                       description=(form.get("description") or "").strip(),
                       template_id=opt_int("template_id"), owner_org_id=opt_int("owner_org_id"),
                       assignee_id=opt_int("assignee_id"), deadline=deadline, priority=priority)


def _set_geometry(remedy: Remedy) -> None:
    pts = [from_db(s.geom) for s in remedy.spots]
    if not pts:
        return
    geom = pts[0] if len(pts) == 1 else MultiPoint(pts)
    remedy.geom = to_db(geom)
    c = geom.centroid
    remedy.lon, remedy.lat = c.x, c.y


def _label(session, actor: Actor) -> str:
    if actor.user_id is None:
        return ""
    user = session.get(User, actor.user_id)
    return user.name if user else ""


def create_remedy(session, actor: Actor, walk: Walk, data: RemedyInput,
                  on: date | None = None) -> Remedy:
    """Create a proposed remedy for spots of *walk* (coordinators only)."""
    _check_manager(actor)
    on = on or clock.today()
    if not data.spot_ids:
        raise ValidationError(N_("Choose the spots this remedy covers."), "spot_ids")
    spots = list(session.scalars(sa.select(Spot).where(Spot.id.in_(data.spot_ids),
                                                       Spot.walk_id == walk.id)))
    if len(spots) != len(set(data.spot_ids)):
        raise ValidationError(N_("Choose the spots this remedy covers."), "spot_ids")
    # A remedy for a spot also covers the spots merged into it.
    extra = session.scalars(sa.select(Spot).join(SpotMerge, SpotMerge.spot_id == Spot.id).where(
        SpotMerge.into_spot_id.in_([s.id for s in spots]))).all()
    spots += [s for s in extra if s not in spots]
    template = None
    if data.template_id is not None:
        template = session.get(RemedyTemplate, data.template_id)
        if template is None:
            raise ValidationError(N_("Unknown remedy template."), "template_id")
    title = data.title or (template.title_da if template else "")
    if not title:
        raise ValidationError(N_("The remedy needs a title."), "title")
    if len(title) > 200:
        raise ValidationError(N_("The title is too long."), "title")
    if data.priority not in rd.PRIORITIES:
        raise ValidationError(N_("Choose a priority."), "priority")
    rd.check_deadline(data.deadline, on)
    owner = None
    if data.owner_org_id is not None:
        owner = session.get(Organisation, data.owner_org_id)
        if owner is None:
            raise ValidationError(N_("Choose an owner organisation."), "owner_org_id")
    else:
        cats = []
        for s in spots:
            cats += [c for c in s.category_codes if c not in cats]
        owner = suggest_owner(session, walk.area, cats)
    _check_assignee(session, data.assignee_id, owner)
    remedy = Remedy(walk_id=walk.id, area_id=walk.area_id, template=template, title=title,
                    description=data.description or (template.description_da if template else ""),
                    owner_org=owner, assignee_id=data.assignee_id, deadline=data.deadline,
                    priority=data.priority, status=rd.FORESLAAET, created_by_id=actor.user_id,
                    spots=sorted(spots, key=lambda s: s.id))
    _set_geometry(remedy)
    remedy.events.append(RemedyEvent(user_id=actor.user_id, actor_label=_label(session, actor),
                                     kind="created", to_status=rd.FORESLAAET))
    session.add(remedy)
    session.flush()
    return remedy


def _check_assignee(session, assignee_id: int | None, owner: Organisation | None) -> None:
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


def update_remedy(session, actor: Actor, remedy_id: int, version: int | None,
                  change: RemedyChange, on: date | None = None) -> Remedy:
    """Change owner, person, deadline or priority (coordinators), with a history entry."""
    _check_manager(actor)
    remedy = _load(session, remedy_id)
    _check_version(remedy, version)
    notes = []
    if change.owner_org_id is not None and change.owner_org_id != remedy.owner_org_id:
        org = session.get(Organisation, change.owner_org_id)
        if org is None:
            raise ValidationError(N_("Choose an owner organisation."), "owner_org_id")
        remedy.owner_org = org
        remedy.assignee_id = None
        notes.append(f"owner={org.name}")
    if change.assignee_id is not None:
        _check_assignee(session, change.assignee_id, remedy.owner_org)
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
    remedy.events.append(RemedyEvent(user_id=actor.user_id, actor_label=_label(session, actor),
                                     kind="edit", comment="; ".join(notes)))
    _flush(session, remedy)
    return remedy


# ---------------------------------------------------------------- lifecycle

def _load(session, remedy_id: int) -> Remedy:
    remedy = session.get(Remedy, remedy_id)
    if remedy is None:
        raise NotFound(N_("No such remedy."))
    return remedy


def get_remedy(session, who: rd.Who, remedy_id: int) -> Remedy:
    remedy = _load(session, remedy_id)
    rd.check_view(who, remedy.id, remedy.owner_org_id)
    return remedy


def _check_version(remedy: Remedy, version: int | None) -> None:
    if version is None:
        raise ValidationError(N_("The field %(name)s is required."), "version", name="version")
    if version != remedy.version:
        raise StaleRemedy(remedy)


def _flush(session, remedy: Remedy) -> None:
    try:
        session.flush()
    except so.exc.StaleDataError as exc:
        session.rollback()
        raise StaleRemedy(session.get(Remedy, remedy.id)) from exc


def parse_version(raw) -> int | None:
    raw = str(raw if raw is not None else "").strip()
    if not raw:
        return None
    if not raw.isdigit():
        raise ValidationError(N_("The field %(name)s must be a number."), "version",
                              name="version")
    return int(raw)


def photo_file(store, sha256: str, rendition: str, redaction_key: str | None = None):
    """Return the JPEG file of a stored rendition (spot or remedy photo), or None.

    With *redaction_key*, the blurred rendition ("r-<key>-display.jpg") comes first.
    """
    names = [f"r-{redaction_key}-{rendition}.jpg"] if redaction_key else []
    for name in (*names, f"{rendition}.jpg"):
        try:
            path = store.path(sha256, name)
        except ValueError:
            continue
        if path.exists():
            return path
    return None


@dataclass
class PhotoUpload:
    """Raw bytes of an uploaded photo and the limits it must meet."""

    data: bytes
    max_bytes: int
    max_pixels: int


def store_photo(session, remedy: Remedy, upload: PhotoUpload, store, kind: str = "after"):
    """Process and store a remedy photo; the one call site of the photo component."""
    from walkapp.photos.processing import process

    processed = process(upload.data, max_bytes=upload.max_bytes, max_pixels=upload.max_pixels)
    files, key = processed.files, processed.redaction_key
    for name in ("thumb", "display"):
        # Store a JPEG per rendition, the blurred one ("r-<key>-display.jpg") when there is one.
        blob = (files.get(f"r-{key}-{name}.jpg") if key else None) or files.get(f"{name}.jpg")
        if blob is None:
            raise ValidationError(N_("The photo is broken or incomplete."), "photo")
        store.save(processed.sha256, f"{name}.jpg", blob)
    photo = RemedyPhoto(kind=kind, sha256=processed.sha256, token=secrets.token_urlsafe(32),
                        width=processed.width, height=processed.height)
    remedy.photos.append(photo)
    return photo


def transition(session, who: rd.Who, remedy_id: int, to: str, comment: str,
               version: int | None, *, user_id: int | None = None, label: str = "",
               photo: PhotoUpload | None = None, store=None,
               new_owner_org_id: int | None = None, walk_id: int | None = None,
               kind: str = "transition") -> Remedy:
    """Move a remedy to *to*, recording who, when, comment and photo in its history."""
    to = (to or "").strip()
    comment = (comment or "").strip()
    remedy = _load(session, remedy_id)
    # Permission first, so a stranger learns nothing about the version.
    rd.check_view(who, remedy.id, remedy.owner_org_id)
    _check_version(remedy, version)
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
    stored = store_photo(session, remedy, photo, store) if photo and photo.data else None
    event = RemedyEvent(user_id=user_id, actor_label=label, kind=kind,
                        from_status=remedy.status, to_status=to, comment=comment,
                        walk_id=walk_id, photo=stored)
    remedy.events.append(event)
    previous = remedy.status
    remedy.status = to
    remedy.updated_at = utcnow()
    _flush(session, remedy)
    if to == rd.TILDELT:
        kind_ = "reopened" if previous in (rd.UDFOERT, rd.VERIFICERET) else "assigned"
        notifications.enqueue_for_remedy(session, remedy, kind_, event.id)
    return remedy


def actor_transition(session, actor: Actor, remedy_id: int, to: str, comment: str,
                     version, photo: PhotoUpload | None = None, store=None,
                     new_owner_org_id: int | None = None) -> Remedy:
    return transition(session, who_of(actor), remedy_id, to, comment, version,
                      user_id=actor.user_id, label=_label(session, actor), photo=photo,
                      store=store, new_owner_org_id=new_owner_org_id)


def available_moves(remedy: Remedy, who: rd.Who) -> list[str]:
    return rd.allowed_targets(remedy.status, rd.roles_for(who, remedy.id, remedy.owner_org_id))


# ---------------------------------------------------------------- queries

@dataclass
class RemedyFilter:
    status: str | None = None
    org_id: int | None = None
    area_id: int | None = None
    walk_id: int | None = None
    overdue: bool = False
    limit: int = 5000


def parse_filter(args) -> RemedyFilter:
    f = RemedyFilter()
    if args.get("status"):
        if args["status"] not in rd.STATUSES:
            raise ValidationError(N_("Unknown status."), "status")
        f.status = args["status"]
    for name, attr in (("org", "org_id"), ("area", "area_id"), ("walk", "walk_id")):
        if args.get(name):
            if not str(args[name]).isdigit():
                raise ValidationError(N_("The field %(name)s must be a number."), name, name=name)
            setattr(f, attr, int(args[name]))
    if args.get("overdue") not in (None, "", "0", "1"):
        raise ValidationError(N_("overdue must be 0 or 1."), "overdue")
    f.overdue = args.get("overdue") == "1"
    return f


def visible_clause(who: rd.Who):
    if who.role == rd.CONTRACTOR:
        return Remedy.id == who.contractor_remedy_id
    if rd.may_view_all(who.role):
        return sa.true()
    if who.role == Role.INSPEKTOER and who.org_id is not None:
        return Remedy.owner_org_id == who.org_id
    return sa.false()


def check_may_list(who: rd.Who) -> None:
    if not (rd.may_view_all(who.role) or (who.role == Role.INSPEKTOER and who.org_id)):
        raise PermissionDenied(N_("You do not have access to remedies."))


def query_remedies(session, who: rd.Who, f: RemedyFilter, on: date | None = None) -> list[Remedy]:
    check_may_list(who)
    on = on or clock.today()
    q = sa.select(Remedy).where(visible_clause(who))
    if f.status:
        q = q.where(Remedy.status == f.status)
    if f.org_id:
        q = q.where(Remedy.owner_org_id == f.org_id)
    if f.area_id:
        q = q.where(Remedy.area_id == f.area_id)
    if f.walk_id:
        q = q.where(Remedy.walk_id == f.walk_id)
    if f.overdue:
        q = q.where(Remedy.deadline < on, Remedy.status.in_(rd.UNFINISHED))
    q = q.options(so.selectinload(Remedy.owner_org), so.selectinload(Remedy.spots).load_only(
        Spot.id), so.selectinload(Remedy.events)).order_by(Remedy.id).limit(f.limit)
    return list(session.scalars(q))


def remedy_state(remedy: Remedy, on: date | None = None) -> dict:
    """Return the remedy's current state as plain data (API bodies, 409 answers)."""
    on = on or clock.today()
    last = remedy.events[-1] if remedy.events else None
    return {
        "id": remedy.id,
        "title": remedy.title,
        "status": remedy.status,
        "version": remedy.version,
        "owner_org": ({"id": remedy.owner_org.id, "name": remedy.owner_org.name}
                      if remedy.owner_org else None),
        "assignee_id": remedy.assignee_id,
        "deadline": remedy.deadline.isoformat() if remedy.deadline else None,
        "priority": remedy.priority,
        "overdue": rd.is_overdue(remedy.status, remedy.deadline, on),
        "walk_id": remedy.walk_id,
        "area_id": remedy.area_id,
        "spot_ids": [s.id for s in remedy.spots],
        "last_event": None if last is None else {
            "at": last.at.isoformat(), "kind": last.kind, "from": last.from_status,
            "to": last.to_status, "comment": last.comment, "by": last.actor_label,
        },
    }


def remedy_feature(remedy: Remedy, on: date | None = None) -> dict:
    return feature(from_db(remedy.geom), remedy_state(remedy, on), fid=remedy.id)


@dataclass
class Task:
    remedy: Remedy
    distance_m: float | None
    overdue: bool


def my_tasks(session, actor: Actor, sort: str = "deadline", lat: float | None = None,
             lon: float | None = None, on: date | None = None, limit: int = 200) -> list[Task]:
    """Return the open remedies of the inspector's organisation, by deadline or distance."""
    who = who_of(actor)
    if actor.role != Role.INSPEKTOER and not rd.may_manage(actor.role):
        raise PermissionDenied(N_("Only inspectors and coordinators have tasks."))
    on = on or clock.today()
    q = sa.select(Remedy).where(Remedy.status.in_(rd.OPEN_FOR_OWNER), visible_clause(who))
    if actor.role == Role.INSPEKTOER:
        q = q.where(Remedy.owner_org_id == actor.org_id)
    if sort == "distance" and lat is not None and lon is not None:
        # Order in SQL by a flat-earth distance (good enough for ranking within a kommune).
        k = math.cos(math.radians(lat))
        dist = (Remedy.lat - lat) * (Remedy.lat - lat) + \
            (Remedy.lon - lon) * k * (Remedy.lon - lon) * k
        q = q.order_by(sa.case((Remedy.lat.is_(None), 1), else_=0), dist, Remedy.id)
    else:
        q = q.order_by(sa.case((Remedy.deadline.is_(None), 1), else_=0), Remedy.deadline,
                       Remedy.priority, Remedy.id)
    q = q.limit(limit).options(so.selectinload(Remedy.area).load_only(Area.id, Area.name))
    out = []
    for r in session.scalars(q):
        d = None
        if lat is not None and lon is not None and r.lat is not None:
            x1, y1 = lonlat_to_metric(lon, lat)
            x2, y2 = lonlat_to_metric(r.lon, r.lat)
            d = math.hypot(x2 - x1, y2 - y1)
        out.append(Task(r, d, rd.is_overdue(r.status, r.deadline, on)))
    return out


@dataclass
class Board:
    overdue: list[Remedy]
    due_soon: list[Remedy]
    awaiting_verification: list[Remedy]
    per_owner: list[tuple[str, dict[str, int]]]
    per_area: list[tuple[str, dict[str, int]]]


def follow_up_board(session, actor: Actor, on: date | None = None, soon_days: int = 14) -> Board:
    if not rd.may_view_all(actor.role):
        raise PermissionDenied(N_("Only coordinators and planners see the follow-up board."))
    on = on or clock.today()
    base = sa.select(Remedy).options(so.selectinload(Remedy.owner_org),
                                     so.selectinload(Remedy.area).load_only(Area.id, Area.name))
    unfinished = Remedy.status.in_(rd.UNFINISHED)
    overdue = list(session.scalars(base.where(unfinished, Remedy.deadline < on)
                                   .order_by(Remedy.deadline)))
    soon = list(session.scalars(base.where(unfinished, Remedy.deadline >= on,
                                           Remedy.deadline <= on + timedelta(days=soon_days))
                                .order_by(Remedy.deadline)))
    awaiting = list(session.scalars(base.where(Remedy.status == rd.UDFOERT)
                                    .order_by(Remedy.updated_at)))

    def counts(col, label_col, join):
        rows = session.execute(
            sa.select(label_col, Remedy.status, sa.func.count()).select_from(Remedy)
            .outerjoin(*join).group_by(label_col, Remedy.status).order_by(label_col)).all()
        out: dict[str, dict[str, int]] = {}
        for label, status, n in rows:
            out.setdefault(label or "-", {})[status] = n
        return list(out.items())

    return Board(overdue, soon, awaiting,
                 counts(Remedy.owner_org_id, Organisation.name,
                        (Organisation, Organisation.id == Remedy.owner_org_id)),
                 counts(Remedy.area_id, Area.name, (Area, Area.id == Remedy.area_id)))


# ---------------------------------------------------------------- contractor links

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


# ---------------------------------------------------------------- follow-up walk

def followup_remedies(session, walk: Walk) -> list[Remedy]:
    """Return the remedies of the walk this re-walk follows up, with their spots."""
    if walk.previous_walk_id is None:
        return []
    return list(session.scalars(sa.select(Remedy).where(
        Remedy.walk_id == walk.previous_walk_id, Remedy.status != rd.AFVIST)
        .options(so.selectinload(Remedy.spots), so.selectinload(Remedy.owner_org))
        .order_by(Remedy.id)))


def _participant(session, actor: Actor, walk: Walk) -> Participant | None:
    from walkapp.services.walks import participant_of

    return participant_of(session, actor, walk)


def verdict(session, actor: Actor, walk: Walk, remedy_id: int, works: bool,
            comment: str = "") -> Remedy:
    """Record "virker"/"virker ikke" from a re-walk; "virker ikke" reopens and notifies."""
    remedy = _load(session, remedy_id)
    if walk.previous_walk_id is None or remedy.walk_id != walk.previous_walk_id:
        raise NotFound(N_("No such remedy."))
    from walkapp.services.walks import is_leader

    participant = _participant(session, actor, walk)
    if participant is None and not rd.may_manage(actor.role) and not is_leader(actor, walk):
        raise PermissionDenied(N_("You are not a participant of this walk."))
    label = participant.display_name if participant and participant.display_name else \
        _label(session, actor)
    comment = (comment or "").strip()[:2000]
    if not works and remedy.status in (rd.UDFOERT, rd.VERIFICERET):
        event = RemedyEvent(user_id=actor.user_id, actor_label=label, kind="not_fixed",
                            from_status=remedy.status, to_status=rd.TILDELT,
                            comment=comment, walk_id=walk.id)
        remedy.status = rd.TILDELT
        remedy.updated_at = utcnow()
        remedy.events.append(event)
        _flush(session, remedy)
        notifications.enqueue_for_remedy(session, remedy, "not_fixed", event.id)
        return remedy
    event = RemedyEvent(user_id=actor.user_id, actor_label=label,
                        kind="works" if works else "not_fixed", comment=comment,
                        walk_id=walk.id)
    remedy.events.append(event)
    _flush(session, remedy)
    if not works:
        notifications.enqueue_for_remedy(session, remedy, "not_fixed", event.id)
    return remedy


def last_verdict(remedy: Remedy, walk_id: int) -> str | None:
    """Return "works" or "not_fixed" as last said on re-walk *walk_id*, or None."""
    for ev in reversed(remedy.events):
        if ev.kind in ("works", "not_fixed") and ev.walk_id == walk_id:
            return ev.kind
    return None
