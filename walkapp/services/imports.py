"""Import spots from earlier walks or other tools (CSV or GeoJSON): all rows or none."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import math
import uuid
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

import numpy as np
import sqlalchemy as sa

from walkapp.domain import hotspots as hs
from walkapp.domain import params as parse
from walkapp.domain.catalogue import KINDS, LIGHT, VISIBILITY
from walkapp.domain.errors import N_, Conflict, NotFound, ValidationError
from walkapp.geo.crs import lonlat_to_metric, to_metric
from walkapp.geo.shapes import from_db, point, to_db
from walkapp.models import Area, Category, Spot, SpotImport, SpotSource, Walk, spot_categories
from walkapp.models.types import utcnow

TZ = ZoneInfo("Europe/Copenhagen")
KNOWN_COLUMNS = {"lat", "lon", "kind", "categories", "feeling", "observed_at", "note", "light",
                 "visibility"}


@dataclass
class RowError:
    line: int  # CSV: line in the file (header is line 1); GeoJSON: feature number
    reason: str  # English msgid with %(name)s params
    params: dict = field(default_factory=dict)

    def text(self, translate=lambda s, **kw: s % kw if kw else s) -> str:
        return translate(self.reason, **self.params)


@dataclass
class ParsedRow:
    line: int
    lat: float
    lon: float
    kind: str
    categories: list[str]
    feeling: int | None
    observed_at: datetime
    note: str
    light: str | None
    visibility: str
    extra: dict


@dataclass
class ImportReport:
    source: str
    file_format: str
    rows: list[ParsedRow]
    errors: list[RowError]
    dry_run: bool
    walk: Walk | None = None
    created_walk: bool = False
    spot_import: SpotImport | None = None

    @property
    def ok(self) -> bool:
        return not self.errors


class ImportFailed(ValidationError):
    """Raised when any row is bad; carries every row error."""

    def __init__(self, errors: list[RowError]):
        super().__init__(N_("%(n)s rows have errors; nothing was imported."), "file",
                         n=len(errors))
        self.errors = errors


def _float(raw) -> float | None:
    if raw is None:
        return None
    if isinstance(raw, int | float):
        return float(raw)
    text = str(raw).strip().replace(",", ".")
    if not text:
        return None
    try:
        return float(text)
    except ValueError:
        return math.nan


def _parse_time(raw) -> datetime | None:
    text = str(raw or "").strip()
    if not text:
        return None
    if text.endswith("Z"):
        text = text[:-1] + "+00:00"
    try:
        if len(text) == 10:  # a date alone: noon local time (its light is then daylight)
            value = datetime.combine(date.fromisoformat(text), time(12, 0))
        else:
            value = datetime.fromisoformat(text)
    except ValueError:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=TZ)
    return value.astimezone(UTC)


def validate_row(line: int, raw: dict, known: set[str], note_max: int,
                 now: datetime) -> tuple[ParsedRow | None, list[RowError]]:
    """Validate one input row; return the parsed row or every reason it is bad."""
    errors: list[RowError] = []
    lat, lon = _float(raw.get("lat")), _float(raw.get("lon"))
    if lat is None or lon is None:
        errors.append(RowError(line, N_("missing coordinates (lat and lon are required)")))
    elif math.isnan(lat) or math.isnan(lon) or math.isinf(lat) or math.isinf(lon):
        errors.append(RowError(line, N_("lat and lon must be numbers")))
    elif abs(lat) > 90 or abs(lon) > 180:
        errors.append(RowError(line, N_("coordinates %(lat)s, %(lon)s look projected (metres, "
                                        "e.g. EPSG:25832); give WGS84 degrees"),
                               {"lat": raw.get("lat"), "lon": raw.get("lon")}))
    kind = str(raw.get("kind") or "").strip().lower()
    if kind not in KINDS:
        errors.append(RowError(line, N_("kind must be tryg or utryg, not '%(kind)s'"),
                               {"kind": raw.get("kind") or ""}))
    cats_raw = raw.get("categories") or ""
    cats_list = cats_raw if isinstance(cats_raw, list) else str(cats_raw).split(";")
    codes: list[str] = []
    unknown = []
    for c in cats_list:
        code = str(c).strip().upper()
        if not code:
            continue
        if code not in known:
            unknown.append(str(c).strip())
        elif code not in codes:
            codes.append(code)
    if unknown:
        errors.append(RowError(line, N_("unknown categories: %(codes)s"),
                               {"codes": ", ".join(unknown)}))
    feeling = None
    f_raw = str(raw.get("feeling") if raw.get("feeling") is not None else "").strip()
    if f_raw:
        feeling = parse.whole(f_raw)
        if feeling is None or not 1 <= feeling <= 5:
            feeling = None
            errors.append(RowError(line, N_("feeling must be a whole number from 1 to 5")))
    observed = _parse_time(raw.get("observed_at"))
    if not str(raw.get("observed_at") or "").strip():
        errors.append(RowError(line, N_("observed_at is missing")))
    elif observed is None:
        errors.append(RowError(line, N_("observed_at '%(value)s' is not an ISO 8601 date"),
                               {"value": raw.get("observed_at")}))
    elif observed > now:
        errors.append(RowError(line, N_("observed_at lies in the future")))
    note = str(raw.get("note") or "")
    if len(note) > note_max:
        errors.append(RowError(line, N_("the note is longer than %(n)s characters"),
                               {"n": note_max}))
    light = str(raw.get("light") or "").strip().lower() or None
    if light is not None and light not in LIGHT:
        errors.append(RowError(line, N_("light must be dagslys or moerke")))
    visibility = str(raw.get("visibility") or "").strip().lower() or "offentlig"
    if visibility not in VISIBILITY:
        errors.append(RowError(line, N_("visibility must be offentlig, partnere or politi")))
    if errors:
        return None, errors
    extra = {k: v for k, v in raw.items() if k not in KNOWN_COLUMNS and k is not None}
    return ParsedRow(line, lat, lon, kind, codes, feeling, observed, note.strip(), light,
                     visibility, extra), []


def read_csv(text: str) -> list[tuple[int, dict]]:
    """Return (line number, row dict) of a CSV file; comma or semicolon separated."""
    text = text.lstrip("\ufeff")
    first = text.split("\n", 1)[0]
    delimiter = ";" if first.count(";") > first.count(",") else ","
    reader = csv.DictReader(io.StringIO(text), delimiter=delimiter)
    if not reader.fieldnames:
        raise ValidationError(N_("The file is empty."), "file")
    reader.fieldnames = [(h or "").strip().lower() for h in reader.fieldnames]
    missing = {"lat", "lon", "kind", "observed_at"} - set(reader.fieldnames)
    if missing:
        raise ValidationError(N_("The file lacks the columns: %(columns)s."), "file",
                              columns=", ".join(sorted(missing)))
    rows = []
    start = 2
    for row in reader:
        if not any((v or "").strip() for k, v in row.items() if k is not None):
            start = reader.line_num + 1
            continue
        rows.append((start, {k: v for k, v in row.items() if k is not None}))
        start = reader.line_num + 1
    return rows


def read_geojson(text: str) -> list[tuple[int, dict]]:
    """Return (feature number, row dict) of a GeoJSON FeatureCollection of points."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ValidationError(N_("The file is not valid GeoJSON."), "file") from exc
    if not isinstance(data, dict) or data.get("type") != "FeatureCollection":
        raise ValidationError(N_("The file must be a GeoJSON FeatureCollection."), "file")
    crs = json.dumps(data.get("crs") or {})
    projected = any(code in crs for code in ("25832", "25833", "3857", "UTM"))
    rows = []
    for i, feat in enumerate(data.get("features") or [], start=1):
        props = dict((feat or {}).get("properties") or {})
        geom = (feat or {}).get("geometry") or {}
        row = {k.lower(): v for k, v in props.items()}
        if geom.get("type") == "Point" and isinstance(geom.get("coordinates"), list) \
                and len(geom["coordinates"]) >= 2:
            lon, lat = geom["coordinates"][:2]
            if projected:
                lat, lon = 1e9, 1e9  # reported as projected below
            row["lon"], row["lat"] = lon, lat
        elif geom:
            row["lat"] = row["lon"] = None
            row["_geometry_type"] = geom.get("type")
        rows.append((i, row))
    return rows


def _check_distance(rows: list[ParsedRow], areas: list, max_m: float,
                    walk: Walk | None) -> tuple[list[RowError], int | None]:
    """Check every row lies near an area (the walk's, if given); return errors and best area."""
    if not rows:
        return [], None
    lon = np.array([r.lon for r in rows])
    lat = np.array([r.lat for r in rows])
    x, y = lonlat_to_metric(lon, lat)
    candidates = [a for a in areas if walk is None or a.id == walk.area_id]
    if not candidates:
        return [RowError(rows[0].line, N_("there are no areas; import areas first"))], None
    import shapely

    dists = np.vstack([shapely.distance(to_metric(from_db(a.geom)),
                                        shapely.points(np.asarray(x), np.asarray(y)))
                       for a in candidates])
    nearest = dists.min(axis=0)
    errors = [RowError(r.line, N_("lies %(km).1f km from the nearest area (lat and lon "
                                  "swapped?)"), {"km": d / 1000})
              for r, d in zip(rows, nearest, strict=True) if d > max_m]
    best = candidates[int(np.bincount(dists.argmin(axis=0)).argmax())].id
    return errors, best


def import_spots(session, text: str, source: str, walk_id: int | None = None,
                 dry_run: bool = False, note_max: int = 2000,
                 max_distance_m: float = 2000) -> ImportReport:
    """Validate every row; import all of them (one transaction) or none, recording the source.

    Without *walk_id* the spots go into a new finished walk named after the file, in the area
    most of them lie in. Spots without a light column get it from the sun's position.
    """
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
    stripped = text.lstrip("\ufeff \t\r\n")
    fmt = "geojson" if stripped.startswith("{") else "csv"
    raw_rows = read_geojson(text) if fmt == "geojson" else read_csv(text)
    if not raw_rows:
        raise ValidationError(N_("The file has no rows."), "file")
    walk = None
    if walk_id is not None:
        walk = session.get(Walk, walk_id)
        if walk is None:
            raise NotFound(N_("No such walk."))
    known = set(session.scalars(sa.select(Category.code)))
    now = utcnow()
    parsed, errors = [], []
    for line, raw in raw_rows:
        if raw.get("_geometry_type"):
            errors.append(RowError(line, N_("the geometry must be a Point, not %(type)s"),
                                   {"type": raw["_geometry_type"]}))
            continue
        row, errs = validate_row(line, raw, known, note_max, now)
        errors.extend(errs)
        if row:
            parsed.append(row)
    areas = list(session.scalars(sa.select(Area)))
    dist_errors, best_area = _check_distance(parsed, areas, max_distance_m, walk)
    errors.extend(dist_errors)
    errors.sort(key=lambda e: e.line)
    if errors:
        raise ImportFailed(errors)
    previous = session.scalar(sa.select(SpotImport).where(SpotImport.sha256 == digest))
    if previous is not None:
        raise Conflict(N_("This file was imported before (import %(id)s on %(when)s)."),
                       "file", id=previous.id, when=previous.imported_at.date().isoformat())
    report = ImportReport(source, fmt, parsed, [], dry_run, walk)
    if dry_run:
        return report
    try:
        if walk is None:
            walk = _import_walk(session, source, parsed, best_area)
            report.created_walk = True
        report.walk = walk
        imp = SpotImport(source_name=source[:300], file_format=fmt, sha256=digest,
                         walk_id=walk.id, spot_count=len(parsed))
        session.add(imp)
        session.flush()
        _insert(session, walk, imp, parsed, now)
        session.commit()
    except BaseException:
        session.rollback()
        raise
    report.spot_import = imp
    return report


def _import_walk(session, source: str, rows: list[ParsedRow], area_id: int) -> Walk:
    import secrets

    first = min(r.observed_at for r in rows)
    dark = sum(1 for r in rows if (r.light or hs.light_at(r.observed_at, r.lat, r.lon))
               == "moerke")
    walk = Walk(title=f"Import: {source}"[:200], area_id=area_id, starts_at=first,
                light="moerke" if dark * 2 >= len(rows) else "dagslys", status="afsluttet",
                join_code=secrets.token_urlsafe(12), notes="", ended_at=max(
                    r.observed_at for r in rows))
    session.add(walk)
    session.flush()
    return walk


def _insert(session, walk: Walk, imp: SpotImport, rows: list[ParsedRow], now: datetime) -> None:
    """Insert spots, categories and sources in bulk (executemany with RETURNING)."""
    values = []
    for r in rows:
        values.append({
            "client_uuid": str(uuid.uuid4()), "walk_id": walk.id, "participant_id": None,
            "geom": to_db(point(r.lon, r.lat)), "accuracy_m": None, "location_source": "manual",
            "kind": r.kind, "feeling": r.feeling, "note": r.note,
            "light": r.light or hs.light_at(r.observed_at, r.lat, r.lon),
            "visibility": r.visibility, "hidden": False, "observed_at": r.observed_at,
            "created_at": now, "updated_at": now, "version": 1,
        })
    ids: dict[str, int] = {}
    for start in range(0, len(values), 5000):
        chunk = values[start:start + 5000]
        result = session.execute(sa.insert(Spot.__table__).returning(
            Spot.__table__.c.id, Spot.__table__.c.client_uuid), chunk)
        ids.update({u: i for i, u in result})
    cat_rows, src_rows = [], []
    for r, v in zip(rows, values, strict=True):
        sid = ids[v["client_uuid"]]
        cat_rows.extend({"spot_id": sid, "code": c} for c in r.categories)
        src_rows.append({"spot_id": sid, "import_id": imp.id, "line": r.line,
                         "extra": r.extra})
    for start in range(0, len(cat_rows), 10000):
        session.execute(sa.insert(spot_categories), cat_rows[start:start + 10000])
    for start in range(0, len(src_rows), 10000):
        session.execute(sa.insert(SpotSource.__table__), src_rows[start:start + 10000])
