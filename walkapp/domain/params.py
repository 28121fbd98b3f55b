"""Parsing of request values in one place: ints, dates, lists, bboxes.

Each function takes a mapping (a Werkzeug MultiDict, a form, or a plain dict) and a key, and
returns a Python value or None when the value is absent; a present but malformed value raises
a ValidationError naming the field, so the caller answers 422 in the user's language.
"""

import math
from datetime import date, datetime

from walkapp.domain.errors import N_, ValidationError

# The largest id or count a database column holds: the ids are INTEGER columns, 32-bit signed
# on PostgreSQL ("integer out of range" past it; SQLite overflows past 64 bits). A bigger number
# in a form or URL is the caller's mistake, never a 500.
MAX_INT = 2**31 - 1


def whole(raw: str) -> int | None:
    """The whole number *raw* (digits only, at most MAX_INT), or None if it is not one."""
    if not raw.isdigit() or not raw.isascii():
        return None
    value = int(raw)
    return value if value <= MAX_INT else None


def _number(raw: str, name: str) -> int:
    value = whole(raw)
    if value is None:
        raise ValidationError(N_("The field %(name)s must be a number."), name, name=name)
    return value


def text(args, name: str) -> str:
    return str(args.get(name) or "").strip()


def integer(args, name: str) -> int | None:
    """A whole number (digits only, at most MAX_INT), or None when absent."""
    raw = text(args, name)
    return _number(raw, name) if raw else None


def optional_id(args, name: str) -> int | None:
    """An id from a select or hidden field: None when absent or not a positive whole number.

    For fields where "no choice" is a valid answer (an owner left blank); use integer() where
    a malformed value must be refused. A number beyond MAX_INT is refused as integer() does:
    it is no "no choice", and no row has that id.
    """
    raw = text(args, name)
    return _number(raw, name) if raw.isascii() and raw.isdigit() else None


def day(args, name: str) -> date | None:
    """An ISO date (YYYY-MM-DD), or None when absent."""
    raw = text(args, name)
    if not raw:
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError as exc:
        raise ValidationError(N_("%(name)s must be a date (YYYY-MM-DD)."), name,
                              name=name) from exc


def timestamp(args, name: str, message: str) -> datetime | None:
    """An ISO 8601 date and time, or None when absent; *message* (an N_() msgid) when bad."""
    raw = text(args, name)
    if not raw:
        return None
    try:
        return datetime.fromisoformat(raw)
    except ValueError as exc:
        raise ValidationError(message, name, name=name) from exc


def values(args, name: str) -> list[str]:
    """Every value of a repeated or comma/semicolon-separated parameter, stripped, no blanks."""
    if hasattr(args, "getlist"):
        raw = args.getlist(name)
    else:
        value = args.get(name)
        raw = value if isinstance(value, list) else [value] if value else []
    out = []
    for v in raw:
        out.extend(p.strip() for p in str(v).replace(";", ",").split(",") if p.strip())
    return out


def ids(args, name: str) -> list[int]:
    """Every value of a repeated id parameter; any that is not a whole number is an error."""
    out = []
    for v in values(args, name):
        out.append(_number(v, name))
    return out


def bbox(args, name: str = "bbox") -> tuple[float, float, float, float] | None:
    """minlon,minlat,maxlon,maxlat (finite, min <= max), or None when absent."""
    raw = text(args, name)
    if not raw:
        return None
    try:
        box = tuple(float(p) for p in raw.split(","))
    except ValueError:
        box = ()
    if len(box) != 4 or not all(math.isfinite(v) for v in box) or box[0] > box[2] \
            or box[1] > box[3]:
        raise ValidationError(N_("bbox must be minlon,minlat,maxlon,maxlat."), name)
    return box
