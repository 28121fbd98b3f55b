"""The planner's page state, all of it in the URL: which spots (filter), how the methods run
(settings), the periods compared over time, the map layers shown and the map view.

Request values are read with walkapp.domain.params; a bad value raises a ValidationError
naming the parameter.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import date

import sqlalchemy as sa

from walkapp.domain import params as parse
from walkapp.domain.catalogue import LIGHT, PARTICIPANT_ROLES
from walkapp.domain.errors import N_, ValidationError
from walkapp.domain.hotspots import INFERENCES
from walkapp.models import Area, Category, Walk


@dataclass(frozen=True)
class HotspotFilter:
    date_from: date | None = None
    date_to: date | None = None
    categories: tuple[str, ...] = ()
    light: str | None = None
    area_id: int | None = None
    role: str | None = None
    walk_id: int | None = None

    def query_args(self) -> dict:
        """Return the filter as URL query arguments (the inverse of parse_filter)."""
        out: dict = {}
        if self.date_from:
            out["from"] = self.date_from.isoformat()
        if self.date_to:
            out["to"] = self.date_to.isoformat()
        if self.categories:
            out["category"] = list(self.categories)
        for key, value in (("darkness", self.light), ("area", self.area_id),
                           ("role", self.role), ("walk", self.walk_id)):
            if value:
                out[key] = value
        return out


@dataclass(frozen=True)
class Settings:
    band_m: float = 200
    permutations: int = 999
    min_points: int = 30
    bandwidth_m: float = 150
    eps_m: float = 50
    min_samples: int = 5
    remedy_radius_m: float = 50
    inference: str = "exact"  # Gi* p-values: "exact" (binomial) or "permutation"

    @classmethod
    def from_config(cls, config) -> Settings:
        return cls(band_m=config["HOTSPOT_BAND_M"], permutations=config["HOTSPOT_PERMUTATIONS"],
                   min_points=config["HOTSPOT_MIN_SPOTS"],
                   bandwidth_m=config["HOTSPOT_KDE_BANDWIDTH_M"],
                   eps_m=config["HOTSPOT_DBSCAN_EPS_M"],
                   min_samples=config["HOTSPOT_DBSCAN_MIN_SPOTS"],
                   remedy_radius_m=config["HOTSPOT_REMEDY_RADIUS_M"])


def parse_filter(args, known_categories) -> HotspotFilter:
    """Parse query-string filters; raise ValidationError naming the bad parameter.

    Several categories select spots with any of them. ``darkness`` is ``moerke`` or
    ``dagslys`` (``1``/``0`` are accepted too).
    """
    date_from, date_to = parse.day(args, "from"), parse.day(args, "to")
    if date_from and date_to and date_from > date_to:
        raise ValidationError(N_("The start date must be before the end date."), "from")
    known = set(known_categories)
    cats = []
    for c in parse.values(args, "category"):
        if c.upper() not in known:
            raise ValidationError(N_("Unknown category: %(code)s."), "category", code=c)
        if c.upper() not in cats:
            cats.append(c.upper())
    light = parse.text(args, "darkness") or None
    light = {"1": "moerke", "0": "dagslys", "true": "moerke", "false": "dagslys"}.get(light, light)
    if light is not None and light not in LIGHT:
        raise ValidationError(N_("Choose daylight or darkness."), "darkness")
    role = parse.text(args, "role") or None
    if role is not None and role not in PARTICIPANT_ROLES:
        raise ValidationError(N_("Unknown participant role."), "role")
    return HotspotFilter(date_from=date_from, date_to=date_to, categories=tuple(sorted(cats)),
                         light=light, area_id=parse.integer(args, "area"), role=role,
                         walk_id=parse.integer(args, "walk"))


# name, attribute, type, smallest, largest
_SETTINGS = (
    ("band", "band_m", float, 100, 2000),
    ("permutations", "permutations", int, 99, 99999),
    ("min_spots", "min_points", int, 5, 100000),
    ("bandwidth", "bandwidth_m", float, 25, 2000),
    ("eps", "eps_m", float, 5, 1000),
    ("min_samples", "min_samples", int, 2, 1000),
    ("radius", "remedy_radius_m", float, 5, 1000),
)


def parse_settings(args, defaults: Settings) -> Settings:
    """Parse the method settings from the query string, within sane bounds."""
    values = asdict(defaults)
    for name, attr, kind, lo, hi in _SETTINGS:
        raw = parse.text(args, name)
        if not raw:
            continue
        try:
            value = kind(raw.replace(",", "."))
        except ValueError as exc:
            raise ValidationError(N_("The field %(name)s must be a number."), name,
                                  name=name) from exc
        if not lo <= value <= hi:
            raise ValidationError(N_("%(name)s must be between %(lo)s and %(hi)s."), name,
                                  name=name, lo=lo, hi=hi)
        values[attr] = value
    inference = parse.text(args, "inference") or defaults.inference
    if inference not in INFERENCES:
        raise ValidationError(N_("Choose exact or permutation inference."), "inference")
    values["inference"] = inference
    return Settings(**values)


def choices(session) -> dict:
    """Return what the filter form offers: categories, areas, walks."""
    return {
        "categories": list(session.scalars(sa.select(Category).where(Category.active)
                                           .order_by(Category.sort))),
        "areas": list(session.execute(sa.select(Area.id, Area.name).order_by(Area.name))),
        "walks": list(session.execute(sa.select(Walk.id, Walk.title, Walk.starts_at)
                                      .order_by(Walk.starts_at.desc()).limit(500))),
        "roles": PARTICIPANT_ROLES,
    }


def page_state(session, args, config) -> tuple[HotspotFilter, Settings]:
    """The filter (against the active categories) and the settings (config defaults) of *args*."""
    f = parse_filter(args, [c.code for c in choices(session)["categories"]])
    return f, parse_settings(args, Settings.from_config(config))


Period = tuple[date, date]


def default_periods(today: date) -> tuple[Period, Period]:
    """Last year against this year until *today*."""
    return ((date(today.year - 1, 1, 1), date(today.year - 1, 12, 31)),
            (date(today.year, 1, 1), today))


def parse_period(args, name: str, default: Period) -> Period:
    """Period *name* from ``<name>_from`` and ``<name>_to``, each defaulting to *default*'s."""
    start = parse.day(args, f"{name}_from") or default[0]
    end = parse.day(args, f"{name}_to") or default[1]
    if start > end:
        raise ValidationError(N_("The start date must be before the end date."),
                              f"{name}_from")
    return start, end


def parse_periods(args, today: date) -> tuple[Period, Period]:
    """Periods A and B to compare (``a_from`` ... ``b_to``); see default_periods."""
    default_a, default_b = default_periods(today)
    return parse_period(args, "a", default_a), parse_period(args, "b", default_b)


def parse_layers(args, known, default) -> set[str]:
    """The map layers shown: ``layers`` is a comma-separated list (empty: none), else *default*."""
    raw = args.get("layers")
    return set(raw.split(",")) & set(known) if raw is not None else set(default)


def parse_view(args) -> tuple[float, float, int] | None:
    """The map view ``c=lat,lon,zoom`` a shared link restores, or None when absent or unusable."""
    try:
        lat, lon, zoom = (float(v) for v in parse.text(args, "c").split(","))
    except ValueError:
        return None
    if -90 <= lat <= 90 and -180 <= lon <= 180 and 1 <= zoom <= 20:
        return lat, lon, int(zoom)
    return None
