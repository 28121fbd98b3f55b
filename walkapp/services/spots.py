"""Spots: validating, adding, editing, hiding and querying findings."""

import math
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

import sqlalchemy as sa
import sqlalchemy.exc as sa_exc
import sqlalchemy.orm as so
from geoalchemy2 import functions as gf

from walkapp.domain import params as parse
from walkapp.domain.actor import Actor
from walkapp.domain.catalogue import KINDS, LIGHT, LOCATION_SOURCES, VISIBILITY
from walkapp.domain.errors import N_, NotFound, PermissionDenied, ValidationError
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
        if not feeling_raw.isdigit() or not 1 <= int(feeling_raw) <= 5:
            raise ValidationError(N_("The feeling of safety must be a whole number from 1 to 5."),
                                  "feeling")
        feeling = int(feeling_raw)
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
    walk = spot.walk
    if walk_service.is_leader(actor, walk):
        return
    participant = walk_service.participant_of(session, actor, walk)
    if participant is None or spot.participant_id != participant.id:
        raise PermissionDenied(N_("You can only change your own spots."))
    if walk.status == "afsluttet":
        raise PermissionDenied(N_("This walk has ended."))


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
        from walkapp.domain.errors import Conflict

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
    from zoneinfo import ZoneInfo

    tz = ZoneInfo("Europe/Copenhagen")
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

    photo_url(photo, variant, rendition, ext) builds a URL (walkapp.views.photos.photo_url).
    """
    return photo_service.photo_entry(photo, actor, photo_url)


def edit_allowed(actor: Actor | None, walk: Walk, own: bool) -> bool:
    """may_edit()'s rule as the API's may_edit: the walk's leader always, the author until the
    walk ends."""
    return actor is not None and (walk_service.is_leader(actor, walk)
                                  or (own and walk.status != "afsluttet"))


def _properties(spot, codes: list[str], photos: list[dict], role_label: str | None,
                actor: Actor | None, walk: Walk, own_ids: set[int] | None = None) -> dict:
    if own_ids is None:
        own_ids = set(actor.guest_participations.values()) if actor else set()
    own = spot.participant_id is not None and spot.participant_id in own_ids
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
        "may_edit": edit_allowed(actor, walk, own),
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
                       spot.walk)


def _codes(joined: str | None, order: dict[str, int]) -> list[str]:
    if not joined:
        return []
    codes = joined.split(",")
    return codes if len(codes) == 1 else sorted(codes, key=order.get)


def spot_features(session, actor: Actor, f: SpotFilter, photo_url: Callable) -> list[dict]:
    """Return the GeoJSON Features of query_spots(), built from plain rows (the API's hot path)."""
    codes_of = (sa.select(sa.func.aggregate_strings(spot_categories.c.code, ","))
                .where(spot_categories.c.spot_id == Spot.id).scalar_subquery())
    q = _filtered(sa.select(
        Spot.id, Spot.client_uuid, Spot.walk_id, Spot.kind, Spot.feeling, Spot.note, Spot.light,
        Spot.visibility, Spot.hidden, Spot.accuracy_m, Spot.location_source, Spot.participant_id,
        Spot.version, Spot.observed_at, Spot.created_at, Spot.updated_at,
        gf.ST_X(Spot.geom).label("x"), gf.ST_Y(Spot.geom).label("y"),
        Participant.role_label, codes_of.label("codes"),
    ).outerjoin(Participant, Participant.id == Spot.participant_id), session, actor, f)
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
    walks = {w.id: w for w in session.scalars(sa.select(Walk).options(
        so.load_only(Walk.id, Walk.leader_id, Walk.status)).where(
        Walk.id.in_(list({r.walk_id for r in rows}))))} if rows else {}
    return [
        {"type": "Feature", "id": r.id,
         "geometry": {"type": "Point", "coordinates": [r.x, r.y]},
         "properties": _properties(r, _codes(r.codes, order), photos[r.id], r.role_label, actor,
                                   walks[r.walk_id], own_ids)}
        for r in rows
    ]


def spot_feature(spot: Spot, photo_url, actor: Actor | None = None) -> dict:
    return feature(from_db(spot.geom), spot_properties(spot, photo_url, actor), fid=spot.id)
