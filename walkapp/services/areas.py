"""Areas: the kommune and its housing areas."""

import sqlalchemy as sa

from walkapp.domain.errors import N_, ValidationError
from walkapp.geo.shapes import GeometryError, as_multipolygon, parse_geojson, to_db
from walkapp.models import Area


def save_area(session, name: str, geom, kind: str = "boligomraade", owner_org_id=None) -> Area:
    """Create or replace the area called *name*."""
    name = (name or "").strip()
    if not name:
        raise ValidationError(N_("The area needs a name."), "name")
    try:
        multi = as_multipolygon(geom)
    except GeometryError as exc:
        raise ValidationError(N_("The area outline is not usable: %(reason)s"), "geometry",
                              reason=str(exc)) from exc
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
    """Import every polygon feature of a GeoJSON FeatureCollection as an area."""
    import json

    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ValidationError(N_("The file is not valid GeoJSON."), "file") from exc
    if not isinstance(data, dict):
        raise ValidationError(N_("The file is not valid GeoJSON."), "file")
    features = data.get("features") if data.get("type") == "FeatureCollection" else [data]
    areas = []
    for i, feat in enumerate(features if isinstance(features, list) else [], start=1):
        if not isinstance(feat, dict):
            raise ValidationError(N_("The file is not valid GeoJSON."), "file")
        props = feat.get("properties") if isinstance(feat.get("properties"), dict) else {}
        name = (props.get(name_property) if name_property else None) or props.get("name") \
            or props.get("navn") or f"Område {i}"
        try:
            geom = parse_geojson(feat)
        except GeometryError as exc:
            raise ValidationError(N_("Feature %(n)s: %(reason)s"), "file", n=i,
                                  reason=str(exc)) from exc
        kind = props.get("kind") or ("kommune" if props.get("kommunekode") else "boligomraade")
        areas.append(save_area(session, str(name), geom, kind))
    if not areas:
        raise ValidationError(N_("The file has no areas."), "file")
    return areas
