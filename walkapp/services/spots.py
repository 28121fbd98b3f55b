"""Spots: validating, adding, editing, hiding and querying findings, a walk's spots, and the
search behind the overview of every walk's spots."""

import math
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa
import sqlalchemy.exc as sa_exc
import sqlalchemy.orm as so
from geoalchemy2 import functions as gf

from walkapp.domain import params as parse
from walkapp.domain import walks as walk_rules
from walkapp.domain.actor import Actor
from walkapp.domain.catalogue import KINDS, LIGHT, LOCATION_SOURCES, VISIBILITY
from walkapp.domain.errors import N_, Conflict, NotFound, PermissionDenied, ValidationError
from walkapp.geo.crs import distance_m
from walkapp.geo.queries import bbox_filter
from walkapp.geo.shapes import feature, from_db, point, to_db
from walkapp.models import Area, Category, Participant, Photo, Spot, Walk, spot_categories
from walkapp.models.types import utcnow
from walkapp.photos.processing import ProcessedPhoto
from walkapp.photos.store import PhotoStore, staged
from walkapp.services import photos as photo_service
from walkapp.services import walks as walk_service
from walkapp.services.visibility import visible_clause

LOCAL_TZ = ZoneInfo("Europe/Copenhagen")
# The overview's list shows at most this many rows; the map (the GeoJSON API) shows more.
LIST_LIMIT = 500
FILTER_KEYS = ("walk", "area", "kind", "category", "from", "to", "light")


@dataclass
class SpotInput:
    lat: float
    lon: float
    accuracy_m: float | None
    kind: str
    categories: list[str]
    feeling: int | None
    note: str
    client_uuid: str
    location_source: str = "device"
    visibility: str = "offentlig"
    light: str | None = None


@dataclass
class Limits:
    max_distance_m: float = 2000
    note_max_chars: int = 2000
    photos_per_spot: int = 10


def _number(raw: dict, name: str, required: bool = True) -> float | None:
    value = (raw.get(name) or "").strip()
    if not value:
        if required:
            raise ValidationError(N_("The field %(name)s is required."), name, name=name)
        return None
    try:
        number = float(value.replace(",", "."))
    except ValueError as exc:
        raise ValidationError(N_("The field %(name)s must be a number."), name,
                              name=name) from exc
    if not math.isfinite(number):
        raise ValidationError(N_("The field %(name)s must be a number."), name, name=name)
    return number


def parse_spot_input(raw: dict[str, str], categories: list[str], known: Iterable[str],
                     limits: Limits, partial: bool = False) -> SpotInput:
    """Validate form fields into a SpotInput, naming the field of the first error."""
    lat = _number(raw, "lat")
    lon = _number(raw, "lon")
    if not -90 <= lat <= 90:
        raise ValidationError(N_("The latitude must be between -90 and 90."), "lat")
    if not -180 <= lon <= 180:
        raise ValidationError(N_("The longitude must be between -180 and 180."), "lon")
    accuracy = _number(raw, "accuracy_m", required=False)
    if accuracy is not None and accuracy < 0:
        raise ValidationError(N_("The accuracy cannot be negative."), "accuracy_m")
    kind = (raw.get("kind") or "").strip()
    if kind not in KINDS:
        raise ValidationError(N_("Choose tryg or utryg."), "kind")
    known = set(known)
    codes = []
    for code in categories:
        code = code.strip().upper()
        if code not in known:
            raise ValidationError(N_("Unknown category: %(code)s."), "categories", code=code)
        if code not in codes:
            codes.append(code)
    feeling_raw = (raw.get("feeling") or "").strip()
    feeling = None
    if feeling_raw:
        feeling = parse.whole(feeling_raw)
        if feeling is None or not 1 <= feeling <= 5:
            raise ValidationError(N_("The feeling of safety must be a whole number from 1 to 5."),
                                  "feeling")
    note = raw.get("note") or ""
    if len(note) > limits.note_max_chars:
        raise ValidationError(N_("The note may have at most %(n)s characters."), "note",
                              n=limits.note_max_chars)
    client_uuid = (raw.get("client_uuid") or "").strip()
    if not partial:
        try:
            client_uuid = str(uuid.UUID(client_uuid))
        except ValueError as exc:
            raise ValidationError(N_("The field %(name)s must be a UUID."), "client_uuid",
                                  name="client_uuid") from exc
    source = (raw.get("location_source") or "device").strip()
    if source not in LOCATION_SOURCES:
        raise ValidationError(N_("Unknown location source."), "location_source")
    visibility = (raw.get("visibility") or "offentlig").strip()
    if visibility not in VISIBILITY:
        raise ValidationError(N_("Unknown visibility."), "visibility")
    light = (raw.get("light") or "").strip() or None
    if light is not None and light not in LIGHT:
        raise ValidationError(N_("Choose daylight or darkness."), "light")
    return SpotInput(lat=lat, lon=lon, accuracy_m=accuracy, kind=kind, categories=codes,
                     feeling=feeling, note=note.strip(), client_uuid=client_uuid,
                     location_source=source, visibility=visibility, light=light)


def known_categories(session) -> list[str]:
    return list(session.scalars(sa.select(Category.code).where(Category.active)))


def _check_near_area(session, walk: Walk, lat: float, lon: float, max_m: float) -> None:
    area = session.get(Area, walk.area_id)
    dist = distance_m(from_db(area.geom), point(lon, lat))
    if dist > max_m:
        raise ValidationError(
            N_("The position is %(km).1f km from the walk's area (at most %(max).1f km allowed)."),
            "lat", km=dist / 1000, max=max_m / 1000)


def may_add(session, actor: Actor, walk: Walk) -> Participant | None:
    """Return the actor's participant row, or raise if the actor may not add spots here."""
    participant = walk_service.participant_of(session, actor, walk)
    if walk_service.is_leader(actor, walk):
        return participant
    if participant is None:
        raise PermissionDenied(N_("You are not a participant of this walk."))
    if walk.status == "afsluttet":
        raise PermissionDenied(N_("This walk has ended."))
    return participant


def may_edit(session, actor: Actor, spot: Spot) -> None:
    """Raise unless *actor* may edit *spot* (the rule: walkapp.domain.walks.may_edit_spot)."""
    walk = spot.walk
    leads = walk_service.is_leader(actor, walk)
    participant = None if leads else walk_service.participant_of(session, actor, walk)
    own = participant is not None and spot.participant_id == participant.id
    if walk_rules.may_edit_spot(leads_walk=leads, own=own, walk_status=walk.status):
        return
    if not own:
        raise PermissionDenied(N_("You can only change your own spots."))
    raise PermissionDenied(N_("This walk has ended."))


def _own(actor: Actor | None, participant_id: int | None, own_ids: set[int] | None = None) -> bool:
    """True if the spot's author is the actor (one of its guest passes or joined walks)."""
    if own_ids is None:
        own_ids = set(actor.guest_participations.values()) if actor else set()
    return participant_id is not None and participant_id in own_ids


def editable_ids(actor: Actor, walk: Walk, spots: Iterable[Spot]) -> set[int]:
    """Return the ids of the spots of *walk* whose card offers "Edit" to *actor*."""
    leads = walk_service.is_leader(actor, walk)
    own_ids = set(actor.guest_participations.values())
    return {s.id for s in spots if walk_rules.may_edit_spot(
        leads_walk=leads, own=_own(actor, s.participant_id, own_ids), walk_status=walk.status)}


@dataclass
class AddResult:
    spot: Spot
    created: bool
    written: list = field(default_factory=list)


def find_by_client_uuid(session, client_uuid: str) -> Spot | None:
    return session.scalar(sa.select(Spot).where(Spot.client_uuid == client_uuid))


def add_spot(session, actor: Actor, walk: Walk, data: SpotInput, photos: list[ProcessedPhoto],
             store: PhotoStore, limits: Limits) -> AddResult:
    """Add a spot with its photos and commit: all of it, or nothing (files included)."""
    existing = find_by_client_uuid(session, data.client_uuid)
    if existing is not None:
        if existing.walk_id != walk.id:
            raise ValidationError(N_("This spot id belongs to another walk."), "client_uuid")
        may_add(session, actor, walk)
        return AddResult(existing, False)
    participant = may_add(session, actor, walk)
    if participant is None and actor.user_id is not None:
        participant = walk_service.join_walk(session, actor, walk, role_label="andet") \
            if walk.status != "afsluttet" else None
    _check_near_area(session, walk, data.lat, data.lon, limits.max_distance_m)
    if len(photos) > limits.photos_per_spot:
        raise ValidationError(N_("At most %(n)s photos per spot."), "photo",
                              n=limits.photos_per_spot)
    cats = session.scalars(sa.select(Category).where(Category.code.in_(data.categories))).all()
    spot = Spot(
        client_uuid=data.client_uuid, walk_id=walk.id,
        participant_id=participant.id if participant else None,
        geom=to_db(point(data.lon, data.lat)), accuracy_m=data.accuracy_m,
        location_source=data.location_source, kind=data.kind, feeling=data.feeling,
        note=data.note, light=data.light or walk.light, visibility=data.visibility,
        categories=sorted(cats, key=lambda c: c.sort),
    )
    try:
        # Files written here are removed again if anything below fails (staged()).
        with staged(store) as writes:
            spot.photos.extend(photo_service.store_photos(session, photos, writes,
                                                          uploaded_by=actor.user_id))
            session.add(spot)
            session.commit()
    except sa_exc.IntegrityError:
        session.rollback()
        existing = find_by_client_uuid(session, data.client_uuid)
        if existing is None:
            raise
        return AddResult(existing, False)
    except BaseException:
        session.rollback()
        raise
    return AddResult(spot, True, writes.written)


def update_spot(session, actor: Actor, spot: Spot, data: SpotInput, limits: Limits,
                version: int | None = None) -> Spot:
    may_edit(session, actor, spot)
    if version is not None and version != spot.version:
        raise Conflict(N_("Someone else changed this spot meanwhile. Reload to see it."))
    _check_near_area(session, spot.walk, data.lat, data.lon, limits.max_distance_m)
    cats = session.scalars(sa.select(Category).where(Category.code.in_(data.categories))).all()
    with session.no_autoflush:  # one flush, one version bump
        spot.geom = to_db(point(data.lon, data.lat))
        spot.accuracy_m = data.accuracy_m
        spot.location_source = data.location_source
        spot.kind, spot.feeling, spot.note = data.kind, data.feeling, data.note
        spot.visibility = data.visibility
        if data.light:
            spot.light = data.light
        spot.categories = sorted(cats, key=lambda c: c.sort)
        spot.updated_at = utcnow()
    session.flush()
    return spot


def edit_spot(session, actor: Actor, spot: Spot, form: dict[str, str], categories: list[str],
              limits: Limits) -> Spot:
    """Edit *spot* from posted form fields (the API's and the edit page's one path).

    A missing or empty ``location_source`` keeps the spot's; ``version`` (optional) guards
    against lost updates: 422 when it is not a number, 409 when the spot changed meanwhile.
    """
    may_edit(session, actor, spot)
    form = dict(form, location_source=form.get("location_source") or spot.location_source)
    data = parse_spot_input(form, categories, known_categories(session), limits, partial=True)
    version = parse.integer(form, "version")
    return update_spot(session, actor, spot, data, limits, version=version)


def form_values(spot: Spot) -> dict:
    """Return the edit form's values for *spot*."""
    pt = from_db(spot.geom)
    return {
        "lat": f"{pt.y:.7f}",
        "lon": f"{pt.x:.7f}",
        "kind": spot.kind,
        "categories": spot.category_codes,
        "feeling": str(spot.feeling or ""),
        "note": spot.note,
        "visibility": spot.visibility,
        "version": str(spot.version),
    }


def set_hidden(session, actor: Actor, spot: Spot, hidden: bool) -> Spot:
    if not walk_service.is_leader(actor, spot.walk):
        raise PermissionDenied(N_("Only the walk leader can hide spots."))
    spot.hidden = hidden
    spot.updated_at = utcnow()
    session.flush()
    return spot


def get_spot(session, actor: Actor, spot_id: int) -> Spot:
    spot = session.scalar(sa.select(Spot).where(Spot.id == spot_id, visible_clause(actor)))
    if spot is None:
        raise NotFound(N_("No such spot."))
    return spot


@dataclass
class SpotFilter:
    bbox: tuple[float, float, float, float] | None = None
    walk_id: int | None = None
    area_id: int | None = None
    kind: str | None = None
    categories: list[str] = field(default_factory=list)
    date_from: date | None = None
    date_to: date | None = None
    light: str | None = None
    since: datetime | None = None
    include_hidden: bool = True
    limit: int = 5000


def parse_filter(args, known: Iterable[str]) -> SpotFilter:
    """Parse query-string filters; raise ValidationError naming the bad parameter."""
    f = SpotFilter(bbox=parse.bbox(args), walk_id=parse.integer(args, "walk"),
                   area_id=parse.integer(args, "area"))
    if args.get("kind"):
        if args["kind"] not in KINDS:
            raise ValidationError(N_("Choose tryg or utryg."), "kind")
        f.kind = args["kind"]
    known = set(known)
    cats = args.getlist("category") if hasattr(args, "getlist") else [args.get("category")]
    for c in [c for c in cats if c]:
        if c.upper() not in known:
            raise ValidationError(N_("Unknown category: %(code)s."), "category", code=c)
        f.categories.append(c.upper())
    f.date_from, f.date_to = parse.day(args, "from"), parse.day(args, "to")
    if args.get("light"):
        if args["light"] not in LIGHT:
            raise ValidationError(N_("Choose daylight or darkness."), "light")
        f.light = args["light"]
    f.since = parse.timestamp(args, "since", N_("since must be an ISO 8601 time."))
    return f


def _filtered(q, session, actor: Actor, f: SpotFilter):
    """Apply the actor's visibility and the filter *f* to a select over spots."""
    tz = LOCAL_TZ
    q = q.where(visible_clause(actor))
    if f.bbox:
        q = q.where(bbox_filter(session, Spot.geom, f.bbox))
    if f.walk_id:
        q = q.where(Spot.walk_id == f.walk_id)
    if f.area_id:
        q = q.where(Spot.walk_id.in_(sa.select(Walk.id).where(Walk.area_id == f.area_id)))
    if f.kind:
        q = q.where(Spot.kind == f.kind)
    for code in f.categories:
        q = q.where(Spot.id.in_(sa.select(spot_categories.c.spot_id).where(
            spot_categories.c.code == code)))
    if f.date_from:
        q = q.where(Spot.observed_at >= datetime.combine(f.date_from, time(), tz))
    if f.date_to:
        q = q.where(Spot.observed_at < datetime.combine(f.date_to + timedelta(days=1), time(), tz))
    if f.light:
        q = q.where(Spot.light == f.light)
    if f.since:
        q = q.where(Spot.updated_at > f.since)
    if not f.include_hidden:
        q = q.where(sa.not_(Spot.hidden))
    return q


def query_spots(session, actor: Actor, f: SpotFilter) -> list[Spot]:
    q = _filtered(sa.select(Spot), session, actor, f)
    q = q.options(so.selectinload(Spot.walk).load_only(Walk.id, Walk.title),
                  so.selectinload(Spot.participant)).order_by(Spot.id).limit(f.limit)
    return list(session.scalars(q))


# Photo columns the API shows; photo_properties() reads them from an ORM object or a Core row.
PHOTO_COLUMNS = (Photo.id, Photo.spot_id, Photo.token, Photo.width, Photo.height,
                 Photo.redaction_key, Photo.has_original, Photo.taken_at, Photo.gps_lat,
                 Photo.gps_lon, Photo.gps_alt, Photo.gps_direction, Photo.blur_pending)


def photo_properties(photo, photo_url: Callable, actor: Actor | None = None) -> dict:
    """Return a photo's API entry; the URLs name the blurred variant unless *actor* may see more.

    photo_url(photo, variant, rendition, ext) builds a URL (walkapp.web.urls.photo_url).
    """
    return photo_service.photo_entry(photo, actor, photo_url)


def _properties(spot, codes: list[str], photos: list[dict], role_label: str | None,
                actor: Actor | None, leader_id: int | None, walk_status: str,
                own_ids: set[int] | None = None) -> dict:
    own = _own(actor, spot.participant_id, own_ids)
    may_edit_it = walk_rules.may_edit_spot(leads_walk=walk_rules.leads(actor, leader_id),
                                           own=own, walk_status=walk_status)
    return {
        "id": spot.id,
        "client_uuid": spot.client_uuid,
        "walk_id": spot.walk_id,
        "kind": spot.kind,
        "categories": codes,
        "feeling": spot.feeling,
        "note": spot.note,
        "light": spot.light,
        "visibility": spot.visibility,
        "hidden": spot.hidden,
        "accuracy_m": spot.accuracy_m,
        "location_source": spot.location_source,
        "participant_role": role_label,
        "own": own,
        "may_edit": may_edit_it,
        "version": spot.version,
        "observed_at": spot.observed_at.isoformat(),
        "created_at": spot.created_at.isoformat(),
        "updated_at": spot.updated_at.isoformat(),
        "photos": photos,
    }


def spot_properties(spot: Spot, photo_url: Callable[[Photo, str], str],
                    actor: Actor | None = None) -> dict:
    return _properties(spot, spot.category_codes,
                       [photo_properties(p, photo_url, actor) for p in spot.photos],
                       spot.participant.role_label if spot.participant else None, actor,
                       spot.walk.leader_id, spot.walk.status)


def _codes(joined: str | None, order: dict[str, int]) -> list[str]:
    if not joined:
        return []
    codes = joined.split(",")
    return codes if len(codes) == 1 else sorted(codes, key=order.get)


def spot_features(session, actor: Actor, f: SpotFilter, photo_url: Callable) -> list[dict]:
    """Return the GeoJSON Features of query_spots(), built from plain rows (the API's hot path)."""
    walk = so.aliased(Walk)  # an alias: the area filter's subquery must not correlate with it
    codes_of = (sa.select(sa.func.aggregate_strings(spot_categories.c.code, ","))
                .where(spot_categories.c.spot_id == Spot.id).scalar_subquery())
    q = _filtered(sa.select(
        Spot.id, Spot.client_uuid, Spot.walk_id, Spot.kind, Spot.feeling, Spot.note, Spot.light,
        Spot.visibility, Spot.hidden, Spot.accuracy_m, Spot.location_source, Spot.participant_id,
        Spot.version, Spot.observed_at, Spot.created_at, Spot.updated_at,
        gf.ST_X(Spot.geom).label("x"), gf.ST_Y(Spot.geom).label("y"),
        Participant.role_label, codes_of.label("codes"), walk.leader_id,
        walk.status.label("walk_status"),
    ).join(walk, walk.id == Spot.walk_id)
     .outerjoin(Participant, Participant.id == Spot.participant_id), session, actor, f)
    rows = session.execute(q.order_by(Spot.id).limit(f.limit)).all()
    order = dict(session.execute(sa.select(Category.code, Category.sort)).all())
    photos: dict[int, list[dict]] = {r.id: [] for r in rows}
    if rows:
        # The photos of the same selection: one indexed join, no list of ids to bind.
        q_photos = _filtered(sa.select(*PHOTO_COLUMNS).join(Spot, Spot.id == Photo.spot_id),
                             session, actor, f)
        for ph in session.execute(q_photos.order_by(Photo.id)):
            if ph.spot_id in photos:
                photos[ph.spot_id].append(photo_properties(ph, photo_url, actor))
    own_ids = set(actor.guest_participations.values())
    return [
        {"type": "Feature", "id": r.id,
         "geometry": {"type": "Point", "coordinates": [r.x, r.y]},
         "properties": _properties(
             r, _codes(r.codes, order), photos[r.id], r.role_label, actor, r.leader_id,
             r.walk_status, own_ids)}
        for r in rows
    ]


def spot_feature(spot: Spot, photo_url, actor: Actor | None = None) -> dict:
    return feature(from_db(spot.geom), spot_properties(spot, photo_url, actor), fid=spot.id)


# --- a walk's spots ---------------------------------------------------------------------------


def active_categories(session) -> list[Category]:
    return list(
        session.scalars(
            sa.select(Category).where(Category.active).order_by(Category.sort, Category.code)
        )
    )


def walk_spots(session, actor: Actor, walk: Walk) -> list[Spot]:
    """Return the spots of *walk* the actor may see, newest first."""
    spots = query_spots(session, actor, SpotFilter(walk_id=walk.id))
    return sorted(spots, key=lambda s: s.id, reverse=True)


def get_walk_spot(session, actor: Actor, walk: Walk, spot_id: int) -> Spot:
    """Return a visible spot of *walk* (404 for spots of other walks too)."""
    spot = get_spot(session, actor, spot_id)
    if spot.walk_id != walk.id:
        raise NotFound(N_("No such spot."))
    return spot


# --- the overview: every walk's spots, for the roles that read everything ---------------------


def require_reader(actor: Actor) -> None:
    """Raise unless *actor* may read the spots of every walk."""
    if not actor.reads_all:
        raise PermissionDenied(
            N_("Only administrators, coordinators and planners can see the overview of spots."))


@dataclass
class SpotSearch:
    """A search over every walk's spots: the filter, its result, and the filter's choices."""

    filter: SpotFilter
    spots: list[Spot]
    truncated: bool
    error: ValidationError | None
    walks: list[Walk] = field(default_factory=list)
    areas: list[Area] = field(default_factory=list)
    categories: list[Category] = field(default_factory=list)

    @property
    def active_filters(self) -> int:
        f = self.filter
        return sum(bool(x) for x in (f.walk_id, f.area_id, f.kind, f.categories, f.date_from,
                                     f.date_to, f.light))


def filter_query(args) -> list[tuple[str, str]]:
    """Return the non-empty filter parameters of *args*, in a stable order (for URLs)."""
    out = []
    for key in FILTER_KEYS:
        values = args.getlist(key) if hasattr(args, "getlist") else [args.get(key)]
        out += [(key, v) for v in values if v]
    return out


def search(session, actor: Actor, args) -> SpotSearch:
    """Return the spots matching the query-string filters *args* (the API's filter code)."""
    require_reader(actor)
    error = None
    try:
        f = parse_filter(args, known_categories(session))
    except ValidationError as exc:
        f, error = SpotFilter(), exc
    if error is None:
        f.limit = LIST_LIMIT + 1
        spots = query_spots(session, actor, f)
    else:
        spots = []
    truncated = len(spots) > LIST_LIMIT
    walks = session.scalars(sa.select(Walk).options(so.load_only(Walk.id, Walk.title,
                                                                 Walk.starts_at))
                            .order_by(Walk.starts_at.desc())).all()
    areas = session.scalars(sa.select(Area).options(so.defer(Area.geom))
                            .order_by(Area.name)).all()
    categories = session.scalars(sa.select(Category).where(Category.active)
                                 .order_by(Category.sort)).all()
    return SpotSearch(filter=f, spots=spots[:LIST_LIMIT], truncated=truncated, error=error,
                      walks=list(walks), areas=list(areas), categories=list(categories))


def get_spot_for_reader(session, actor: Actor, spot_id: int) -> Spot:
    """Return one spot for the overview's side panel (readers of every walk only)."""
    require_reader(actor)
    return get_spot(session, actor, spot_id)
