"""Decode, orient, strip and shrink an uploaded photo into the renditions we serve."""

import hashlib
import io
import logging
import warnings
from dataclasses import dataclass, field
from datetime import UTC, datetime

import pillow_heif
from PIL import ExifTags, Image, ImageOps, UnidentifiedImageError

from walkapp.domain.errors import N_, TooLarge, UnsupportedMedia, ValidationError

pillow_heif.register_heif_opener()
log = logging.getLogger(__name__)

ACCEPTED_FORMATS = {"JPEG", "PNG", "WEBP", "HEIF", "MPO"}
RENDITIONS = {"thumb": 320, "display": 1600}


@dataclass
class ProcessedPhoto:
    sha256: str
    source_format: str
    width: int
    height: int
    renditions: dict[str, bytes]
    gps_lat: float | None = None
    gps_lon: float | None = None
    taken_at: datetime | None = None
    notes: list[str] = field(default_factory=list)


def _ratio(value) -> float:
    return float(value[0]) / float(value[1]) if isinstance(value, tuple) else float(value)


def read_gps(exif: Image.Exif) -> tuple[float | None, float | None, str | None]:
    """Return (lat, lon, problem) from EXIF; malformed GPS gives (None, None, reason)."""
    try:
        gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
    except Exception as exc:  # noqa: BLE001 - any malformed IFD means "no position"
        return None, None, f"unreadable GPS IFD: {exc}"
    if not gps:
        return None, None, None
    try:
        lat_dms, lon_dms = gps[2], gps[4]
        lat = sum(_ratio(v) / 60**i for i, v in enumerate(lat_dms))
        lon = sum(_ratio(v) / 60**i for i, v in enumerate(lon_dms))
        if str(gps.get(1, "N")).upper().startswith("S"):
            lat = -lat
        if str(gps.get(3, "E")).upper().startswith("W"):
            lon = -lon
    except (KeyError, TypeError, ValueError, ZeroDivisionError, IndexError) as exc:
        return None, None, f"malformed GPS: {exc!r}"
    if not (-90 <= lat <= 90 and -180 <= lon <= 180) or (lat == 0 and lon == 0):
        return None, None, f"GPS out of range: {lat}, {lon}"
    return lat, lon, None


def read_taken_at(exif: Image.Exif) -> datetime | None:
    try:
        raw = exif.get_ifd(ExifTags.IFD.Exif).get(36867) or exif.get(306)
        if not raw:
            return None
        return datetime.strptime(str(raw).strip("\x00 "), "%Y:%m:%d %H:%M:%S").replace(tzinfo=UTC)
    except Exception:  # noqa: BLE001 - a bad timestamp is simply absent
        return None


def process(data: bytes, *, max_bytes: int, max_pixels: int) -> ProcessedPhoto:
    """Return the processed photo, or raise a 413/415/422 domain error."""
    if len(data) > max_bytes:
        raise TooLarge(N_("The photo is larger than %(mb)s MB."), "photo", mb=max_bytes // 2**20)
    if not data:
        raise ValidationError(N_("The photo file is empty."), "photo")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            Image.MAX_IMAGE_PIXELS = max_pixels
            img = Image.open(io.BytesIO(data))
            fmt = img.format
            if fmt not in ACCEPTED_FORMATS:
                raise UnsupportedMedia(
                    N_("This file type is not supported. Use JPEG, PNG, WebP or HEIC."), "photo"
                )
            if img.width * img.height > max_pixels:
                raise TooLarge(
                    N_("The photo has too many pixels (at most %(mp)s megapixels)."),
                    "photo",
                    mp=max_pixels // 1_000_000,
                )
            exif = img.getexif()
            if fmt == "JPEG":
                img.draft("RGB", (RENDITIONS["display"], RENDITIONS["display"]))
            img.load()
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise TooLarge(
            N_("The photo has too many pixels (at most %(mp)s megapixels)."),
            "photo",
            mp=max_pixels // 1_000_000,
        ) from exc
    except UnidentifiedImageError as exc:
        raise UnsupportedMedia(
            N_("This file type is not supported. Use JPEG, PNG, WebP or HEIC."), "photo"
        ) from exc
    except (OSError, SyntaxError, ValueError, EOFError) as exc:
        raise ValidationError(N_("The photo is broken or incomplete."), "photo") from exc

    notes = []
    lat, lon, problem = read_gps(exif)
    if problem:
        notes.append(problem)
        log.info("photo GPS ignored: %s", problem)
    try:
        img = ImageOps.exif_transpose(img)
    except Exception as exc:  # noqa: BLE001 - a bad orientation tag leaves the photo as it is
        notes.append(f"orientation ignored: {exc!r}")
    img = img.convert("RGB")
    renditions = {}
    for name, size in sorted(RENDITIONS.items(), key=lambda kv: -kv[1]):
        copy = img.copy()
        copy.thumbnail((size, size), Image.Resampling.LANCZOS, reducing_gap=2.0)
        buf = io.BytesIO()
        copy.save(buf, "JPEG", quality=82, optimize=True, progressive=True)
        renditions[name] = buf.getvalue()
    return ProcessedPhoto(
        sha256=hashlib.sha256(data).hexdigest(),
        source_format=fmt,
        width=img.width,
        height=img.height,
        renditions=renditions,
        gps_lat=lat,
        gps_lon=lon,
        taken_at=read_taken_at(exif),
        notes=notes,
    )
