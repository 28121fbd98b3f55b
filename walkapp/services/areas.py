"""Areas: the kommune and its housing areas (imported, or administered on the map)."""

import json

import sqlalchemy as sa
import sqlalchemy.exc as sa_exc
import sqlalchemy.orm as so

from walkapp.domain.actor import Actor
from walkapp.domain.errors import N_, Conflict, TooLarge, ValidationError
from walkapp.geo.shapes import (
    GeometryError,
    as_multipolygon,
    from_db,
    load_geojson,
    parse_geojson,
    to_db,
    to_geojson,
)
from walkapp.models import Area, Walk
from walkapp.services import accounts

AREA_KINDS = ("boligomraade", "kommune", "andet")
GEOJSON_MAX_BYTES = 20 * 1024 * 1024


def save_area(session, name: str, geom, kind: str = "boligomraade", owner_org_id=None) -> Area:
    """Create or replace the area called *name*."""
    name = _area_name(name)
    try:
        multi = as_multipolygon(geom)
    except GeometryError as exc:
        raise ValidationError(N_("The area outline is not usable: %(reason)s"), "geometry",
                              reason=str(exc)) from exc
    return _store_area(session, name, multi, kind, owner_org_id)


def _area_name(name) -> str:
    name = (name or "").strip()
    if not name:
        raise ValidationError(N_("The area needs a name."), "name")
    if len(name) > 200:
        raise ValidationError(N_("The name may have at most %(n)s characters."), "name", n=200)
    return name


def _store_area(session, name: str, multi, kind: str, owner_org_id=None) -> Area:
    area = session.scalar(sa.select(Area).where(Area.name == name))
    if area is None:
        area = Area(name=name)
        session.add(area)
    area.kind = kind
    area.geom = to_db(multi)
    if owner_org_id is not None:
        area.owner_organisation_id = owner_org_id
    session.flush()
    return area


def import_areas(session, text: str, name_property: str | None = None) -> list[Area]:
    """Import every polygon feature of a GeoJSON FeatureCollection as an area.

    The file is parsed with the geometry parser's bounds (NaN, huge numbers and deep nesting
    are a 422), and every feature is parsed and repaired before the first write: no write lock
    is held while an outline is computed, and a bad feature leaves nothing half-imported.
    """
    try:
        data = load_geojson(text, max_bytes=GEOJSON_MAX_BYTES)
    except GeometryError as exc:
        raise ValidationError(N_("The file is not valid GeoJSON."), "file") from exc
    if not isinstance(data, dict):
        raise ValidationError(N_("The file is not valid GeoJSON."), "file")
    features = data.get("features") if data.get("type") == "FeatureCollection" else [data]
    prepared = [_prepare_feature(feat, i, name_property)
                for i, feat in enumerate(features if isinstance(features, list) else [],
                                         start=1)]
    if not prepared:
        raise ValidationError(N_("The file has no areas."), "file")
    return [_store_area(session, name, multi, kind) for name, multi, kind in prepared]


def _prepare_feature(feat, i: int, name_property: str | None) -> tuple[str, object, str]:
    """Feature *i*'s name, outline (a valid MultiPolygon) and kind, or a ValidationError
    naming the feature."""
    if not isinstance(feat, dict):
        raise ValidationError(N_("The file is not valid GeoJSON."), "file")
    props = feat.get("properties") if isinstance(feat.get("properties"), dict) else {}
    name = (props.get(name_property) if name_property else None) or props.get("name") \
        or props.get("navn") or f"Område {i}"
    try:
        multi = as_multipolygon(parse_geojson(feat))
        name = _area_name(str(name))
        kind = _area_kind(str(props.get("kind") or (
            "kommune" if props.get("kommunekode") else "boligomraade")))
    except GeometryError as exc:
        raise ValidationError(N_("Feature %(n)s: %(reason)s"), "file", n=i,
                              reason=str(exc)) from exc
    return name, multi, kind


def outline_areas(session, area_id: int | None = None) -> list[Area]:
    """Return the areas to outline on a map of spots (one area when a filter names one)."""
    q = sa.select(Area).order_by(Area.kind != "kommune", Area.name)
    if area_id:
        q = q.where(Area.id == area_id)
    return list(session.scalars(q))


# --- administration ------------------------------------------------------------------------

def list_areas(session, actor: Actor) -> list[tuple[Area, int]]:
    """Return every area with the number of walks that use it, by name."""
    accounts.require_admin(actor)
    walks = sa.select(sa.func.count(Walk.id)).where(Walk.area_id == Area.id).scalar_subquery()
    return [tuple(r) for r in session.execute(
        sa.select(Area, walks).options(so.selectinload(Area.owner_organisation))
        .order_by(Area.name)).all()]


def get_area(session, actor: Actor, area_id: int) -> Area:
    accounts.require_admin(actor)
    return accounts.get_or_404(session, Area, area_id, N_("No such area."))


def _area_kind(raw) -> str:
    kind = (raw or "boligomraade").strip()
    if kind not in AREA_KINDS:
        raise ValidationError(N_("Unknown area kind."), "kind")
    return kind


def _geometry(text: str):
    try:
        return as_multipolygon(parse_geojson(text))
    except GeometryError as exc:
        raise ValidationError(N_("The area outline is not usable: %(reason)s"), "geometry",
                              reason=str(exc)) from exc


def _decode(upload: bytes) -> str:
    if len(upload) > GEOJSON_MAX_BYTES:
        raise TooLarge(N_("The file is larger than %(mb)s MB."), "file",
                       mb=GEOJSON_MAX_BYTES // (1024 * 1024))
    try:
        return upload.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ValidationError(N_("The file is not valid GeoJSON."), "file") from exc


def create_areas(session, actor: Actor, form, upload: bytes | None) -> list[Area]:
    """Create or replace areas from an uploaded GeoJSON file, or one area from a drawn outline.

    A file's features are named by their ``name``/``navn`` property; a name typed in the form
    names the area when the file holds one feature. Same-named areas are replaced.
    """
    accounts.require_admin(actor)
    kind = _area_kind(form.get("kind"))
    owner = accounts.organisation_id(session, form.get("owner_organisation_id"))
    name = (form.get("name") or "").strip()
    if len(name) > 200:
        raise ValidationError(N_("The name may have at most %(n)s characters."), "name", n=200)
    if upload:
        text = _decode(upload)
        if name:
            try:
                single = parse_geojson(text)
            except GeometryError as exc:
                raise ValidationError(N_("The file is not valid GeoJSON."), "file") from exc
            areas = [save_area(session, name, _file_geometry(single), kind)]
        else:
            try:
                areas = import_areas(session, text)
            except ValidationError as exc:
                exc.field = "file"  # the outline came from the file: show the error there
                raise
    elif (form.get("geometry") or "").strip():
        if not name:
            raise ValidationError(N_("The area needs a name."), "name")
        areas = [save_area(session, name, _geometry(form["geometry"]), kind)]
    else:
        raise ValidationError(N_("Upload a GeoJSON file or draw the area on the map."), "geometry")
    for area in areas:
        area.owner_organisation_id = owner
        if not upload or name:
            area.kind = kind
    session.flush()
    return areas


def _file_geometry(geom):
    try:
        return as_multipolygon(geom)
    except GeometryError as exc:
        raise ValidationError(N_("The area outline is not usable: %(reason)s"), "file",
                              reason=str(exc)) from exc


def update_area(session, actor: Actor, area: Area, form, upload: bytes | None = None) -> Area:
    """Rename an area, change its kind and owner, and optionally replace its outline."""
    accounts.require_admin(actor)
    name = (form.get("name") or "").strip()
    if not name:
        raise ValidationError(N_("The area needs a name."), "name")
    if len(name) > 200:
        raise ValidationError(N_("The name may have at most %(n)s characters."), "name", n=200)
    other = session.scalar(sa.select(Area.id).where(Area.name == name, Area.id != area.id))
    if other is not None:
        raise ValidationError(N_("An area with that name already exists."), "name")
    kind = _area_kind(form.get("kind"))
    owner = accounts.organisation_id(session, form.get("owner_organisation_id"))
    if upload:
        try:
            geom = parse_geojson(_decode(upload))
        except GeometryError as exc:
            raise ValidationError(N_("The file is not valid GeoJSON."), "file") from exc
        area.geom = to_db(_file_geometry(geom))
    elif (form.get("geometry") or "").strip():
        area.geom = to_db(_geometry(form["geometry"]))
    area.name, area.kind, area.owner_organisation_id = name, kind, owner
    session.flush()
    return area


def delete_area(session, actor: Actor, area: Area) -> None:
    """Delete an area no walk uses."""
    accounts.require_admin(actor)
    used = session.scalar(sa.select(sa.func.count(Walk.id)).where(Walk.area_id == area.id))
    if used:
        raise Conflict(N_("The area is used by %(n)s walks and cannot be deleted."), n=used)
    try:
        with session.begin_nested():
            session.delete(area)
            session.flush()
    except sa_exc.IntegrityError as exc:
        raise Conflict(N_("The area is still in use and cannot be deleted.")) from exc


def area_form_values(area: Area | None) -> dict[str, str]:
    """Return the area form's values for *area* (a new area's defaults when None)."""
    if area is None:
        return {"kind": "boligomraade", "owner_organisation_id": "", "geometry": ""}
    return {"name": area.name, "kind": area.kind,
            "owner_organisation_id": str(area.owner_organisation_id or ""),
            "geometry": json.dumps(to_geojson(from_db(area.geom)))}
