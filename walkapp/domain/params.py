"""Parsing of request values in one place: ints, dates, lists, bboxes.

Each function takes a mapping (a Werkzeug MultiDict, a form, or a plain dict) and a key, and
returns a Python value or None when the value is absent; a present but malformed value raises
a ValidationError naming the field, so the caller answers 422 in the user's language.
"""

import math
from datetime import date, datetime

from walkapp.domain.errors import N_, ValidationError


def text(args, name: str) -> str:
    return str(args.get(name) or "").strip()


def integer(args, name: str) -> int | None:
    """A whole number (digits only), or None when absent."""
    raw = text(args, name)
    if not raw:
        return None
    if not raw.isdigit():
        raise ValidationError(N_("The field %(name)s must be a number."), name, name=name)
    return int(raw)


def optional_id(args, name: str) -> int | None:
    """An id from a select or hidden field: None when absent or not a positive whole number.

    For fields where "no choice" is a valid answer (an owner left blank); use integer() where
    a malformed value must be refused.
    """
    raw = text(args, name)
    return int(raw) if raw.isdigit() else None


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
        if not v.isdigit():
            raise ValidationError(N_("The field %(name)s must be a number."), name, name=name)
        out.append(int(v))
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
