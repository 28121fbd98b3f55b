"""Photo rules: who sees unblurred photos, who redacts, and the phone's metadata fields."""

import math
from dataclasses import dataclass
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from walkapp.domain.actor import Actor
from walkapp.domain.errors import N_, ValidationError
from walkapp.domain.roles import Role

UNREDACTED_ROLES = frozenset({Role.ADMIN, Role.KOORDINATOR})
REDACTING_ROLES = frozenset({Role.ADMIN, Role.KOORDINATOR})
REDACTION_SOURCES = ("face", "plate", "manual")
MIN_BOX = 0.005  # a rectangle must cover at least 0.5 % of the width and of the height


def sees_unredacted(actor: Actor | None) -> bool:
    """Coordinators, administrators and police see photos without blurring."""
    return bool(actor and (actor.role in UNREDACTED_ROLES or actor.org_kind == "politi"))


def may_redact(actor: Actor | None) -> bool:
    return bool(actor and actor.role in REDACTING_ROLES)


@dataclass(frozen=True)
class ClientPhotoMeta:
    """What the page read from a photo's EXIF before shrinking it (the shrunk copy has none)."""

    lat: float | None = None
    lon: float | None = None
    taken_at: datetime | None = None


def _number(raw, name: str) -> float | None:
    text = str(raw.get(name) or "").strip().replace(",", ".")
    if not text:
        return None
    try:
        value = float(text)
    except ValueError as exc:
        raise ValidationError(N_("The field %(name)s must be a number."), name, name=name) from exc
    if not math.isfinite(value):
        raise ValidationError(N_("The field %(name)s must be a number."), name, name=name)
    return value


def parse_client_meta(raw, local_tz: str = "Europe/Copenhagen") -> ClientPhotoMeta:
    """Validate the photo_lat, photo_lon and photo_taken_at form fields (all optional).

    A time without an offset is local time (EXIF times usually have none).
    """
    lat, lon = _number(raw, "photo_lat"), _number(raw, "photo_lon")
    if (lat is None) != (lon is None):
        raise ValidationError(N_("Send both photo_lat and photo_lon, or neither."), "photo_lat")
    if lat is not None and not (-90 <= lat <= 90 and -180 <= lon <= 180):
        raise ValidationError(N_("The photo's position is not a valid position."), "photo_lat")
    if lat == 0 and lon == 0:
        lat = lon = None  # (0, 0) is what broken EXIF readers report for "no position"
    taken_at = None
    text = str(raw.get("photo_taken_at") or "").strip()
    if text:
        try:
            taken_at = datetime.fromisoformat(text.replace("Z", "+00:00"))
        except ValueError as exc:
            raise ValidationError(N_("photo_taken_at must be an ISO 8601 time."),
                                  "photo_taken_at") from exc
        if taken_at.tzinfo is None:
            taken_at = taken_at.replace(tzinfo=ZoneInfo(local_tz))
        taken_at = taken_at.astimezone(UTC)
    return ClientPhotoMeta(lat, lon, taken_at)


def parse_box(raw) -> tuple[float, float, float, float]:
    """Validate a redaction rectangle given in per cent (x, y, w, h) of the photo."""
    values = []
    for name in ("x", "y", "w", "h"):
        value = _number(raw, name)
        if value is None:
            raise ValidationError(N_("The field %(name)s is required."), name, name=name)
        if not 0 <= value <= 100:
            raise ValidationError(N_("%(name)s must be between 0 and 100 per cent."), name,
                                  name=name)
        values.append(value / 100)
    x, y, w, h = values
    w, h = min(w, 1 - x), min(h, 1 - y)
    if w < MIN_BOX or h < MIN_BOX:
        raise ValidationError(N_("The rectangle is too small."), "w")
    return round(x, 4), round(y, 4), round(w, 4), round(h, 4)
