"""Decode, orient, strip and shrink an uploaded photo into the renditions we serve.

Every rendition is re-encoded from pixels (or, for an upright JPEG original, losslessly cut down
to its image-coding segments), so no EXIF, XMP, GPS, maker notes or comments survive. The
position and capture time are read first and kept on the photo's record instead.
"""

import hashlib
import io
import logging
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pillow_heif
from PIL import ExifTags, Image, ImageCms, ImageOps, UnidentifiedImageError

from walkapp.domain.errors import N_, TooLarge, UnsupportedMedia, ValidationError
from walkapp.photos import redact
from walkapp.photos.jpegstrip import NotAJpeg, strip_jpeg

pillow_heif.register_heif_opener()
log = logging.getLogger(__name__)

SIZES = ("thumb", "display")
FORMATS = {"webp": "image/webp", "jpg": "image/jpeg"}
RENDITIONS = {"thumb": 320, "display": 1600}  # defaults; Settings holds the configured sizes
UNSUPPORTED = N_("This file type is not supported. Use JPEG, PNG, WebP or HEIC.")
BROKEN = N_("The photo is broken or incomplete.")
TOO_MANY_PIXELS = N_("The photo has too many pixels (at most %(mp)s megapixels).")
_HEIF_BRANDS = {b"heic", b"heix", b"hevc", b"hevx", b"heim", b"heis", b"hevm", b"hevs",
                b"mif1", b"msf1"}
_AVIF_BRANDS = {b"avif", b"avis"}
# Which Pillow plugins may open a sniffed type (MPO is Pillow's name for multi-frame JPEG).
_PLUGINS = {"JPEG": ["JPEG", "MPO"], "PNG": ["PNG"], "WEBP": ["WEBP"], "HEIF": ["HEIF"],
            "AVIF": ["AVIF", "HEIF"]}
_XMP_ORIENTATION = re.compile(rb'tiff:Orientation(?:="|>)\s*(\d)')
_SRGB = ImageCms.createProfile("sRGB")


@dataclass(frozen=True)
class Settings:
    max_bytes: int = 25 * 2**20
    max_pixels: int = 60_000_000
    thumb_px: int = 320
    display_px: int = 1600
    keep_original: bool = True
    original_max_px: int = 4096
    auto_redact: bool = True
    # Leave detection and the blurred renditions to a later step (services.photos.blur_pending):
    # the photo is marked pending and nobody who must get it blurred sees it until then.
    defer_redact: bool = False
    webp_quality: int = 80
    jpeg_quality: int = 82
    original_quality: int = 90
    local_tz: str = "Europe/Copenhagen"

    @classmethod
    def from_config(cls, cfg: Mapping) -> "Settings":
        """Build settings from a Flask-style config mapping (PHOTO_* keys)."""
        return cls(
            max_bytes=int(cfg.get("PHOTO_MAX_BYTES", cls.max_bytes)),
            max_pixels=int(cfg.get("PHOTO_MAX_PIXELS", cls.max_pixels)),
            thumb_px=int(cfg.get("PHOTO_THUMB_PX", cls.thumb_px)),
            display_px=int(cfg.get("PHOTO_DISPLAY_PX", cls.display_px)),
            keep_original=bool(cfg.get("PHOTO_KEEP_ORIGINAL", cls.keep_original)),
            original_max_px=int(cfg.get("PHOTO_ORIGINAL_MAX_PX", cls.original_max_px)),
            auto_redact=bool(cfg.get("PHOTO_AUTO_REDACT", cls.auto_redact)),
            defer_redact=bool(cfg.get("PHOTO_DEFER_REDACT", cls.defer_redact)),
            local_tz=str(cfg.get("BABEL_DEFAULT_TIMEZONE", cls.local_tz)),
        )

    def size_of(self, rendition: str) -> int:
        return self.thumb_px if rendition == "thumb" else self.display_px


def file_name(rendition: str, ext: str, key: str | None = None) -> str:
    """Return the store name of a rendition; *key* names a redacted (blurred) variant."""
    return f"r-{key}-{rendition}.{ext}" if key else f"{rendition}.{ext}"


@dataclass
class ProcessedPhoto:
    sha256: str
    source_format: str
    width: int
    height: int
    files: dict[str, bytes]
    byte_size: int = 0
    has_original: bool = False
    gps_lat: float | None = None
    gps_lon: float | None = None
    gps_alt: float | None = None
    gps_direction: float | None = None
    taken_at: datetime | None = None
    boxes: list[redact.Box] = field(default_factory=list)
    redaction_key: str | None = None
    notes: list[str] = field(default_factory=list)
    blur_pending: bool = False  # detection deferred: no blurred renditions yet

    @property
    def has_gps(self) -> bool:
        return self.gps_lat is not None and self.gps_lon is not None


def sniff(data: bytes) -> str | None:
    """Return the image type from the first bytes (never from a name or a MIME type)."""
    if data[:3] == b"\xff\xd8\xff":
        return "JPEG"
    if data[:8] == b"\x89PNG\r\n\x1a\n":
        return "PNG"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "WEBP"
    if data[4:8] == b"ftyp":
        size = int.from_bytes(data[:4], "big")
        box = data[8:min(max(size, 16), 4096)]
        brands = {box[0:4]} | {box[i:i + 4] for i in range(8, len(box) - 3, 4)}
        if brands & _AVIF_BRANDS:
            return "AVIF"
        if brands & _HEIF_BRANDS:
            return "HEIF"
    return None


# --- metadata ---------------------------------------------------------------------------------


def _ratio(value) -> float:
    if isinstance(value, tuple):
        return float(value[0]) / float(value[1])
    return float(value)


def _ref(value) -> str:
    if isinstance(value, bytes):
        value = value.decode("ascii", "replace")
    return str(value or "").strip("\x00 ").upper()


def read_gps(exif: Image.Exif) -> dict:
    """Return lat, lon, alt, direction and problem from EXIF; malformed GPS gives no position."""
    out = {"lat": None, "lon": None, "alt": None, "direction": None, "problem": None}
    try:
        gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
    except Exception as exc:  # noqa: BLE001 - any malformed IFD means "no position"
        out["problem"] = f"unreadable GPS IFD: {exc!r}"
        return out
    if not gps:
        return out
    try:
        lat = sum(_ratio(v) / 60**i for i, v in enumerate(gps[2]))
        lon = sum(_ratio(v) / 60**i for i, v in enumerate(gps[4]))
        if _ref(gps.get(1, "N")).startswith("S"):
            lat = -lat
        if _ref(gps.get(3, "E")).startswith("W"):
            lon = -lon
    except (KeyError, TypeError, ValueError, ZeroDivisionError, IndexError) as exc:
        out["problem"] = f"malformed GPS: {exc!r}"
        return out
    if not (math.isfinite(lat) and math.isfinite(lon)) or not (-90 <= lat <= 90) \
            or not (-180 <= lon <= 180) or (lat == 0 and lon == 0):
        out["problem"] = f"GPS out of range: {lat}, {lon}"
        return out
    out["lat"], out["lon"] = lat, lon
    try:
        if 6 in gps:
            alt = _ratio(gps[6])
            ref = gps.get(5, 0)
            if isinstance(ref, bytes):
                ref = ref[:1] == b"\x01"
            if math.isfinite(alt) and abs(alt) < 100_000:
                out["alt"] = -alt if ref in (1, True) else alt
        if 17 in gps:
            direction = _ratio(gps[17])
            if math.isfinite(direction) and 0 <= direction <= 360:
                out["direction"] = direction % 360
    except (TypeError, ValueError, ZeroDivisionError, IndexError):
        pass  # altitude and direction are extras; a bad one is simply absent
    return out


def read_taken_at(exif: Image.Exif, local_tz: str = "Europe/Copenhagen") -> datetime | None:
    """Return the capture time in UTC; without an offset tag the time is taken as local."""
    try:
        sub = exif.get_ifd(ExifTags.IFD.Exif)
        raw = sub.get(36867) or exif.get(306)
        if not raw:
            return None
        text = str(raw).strip("\x00 ")
        utc = text.endswith("Z")
        stamp = datetime.strptime(text.rstrip("Z")[:19], "%Y:%m:%d %H:%M:%S")
        offset = str(sub.get(36881) or "").strip("\x00 ")
        if utc:
            return stamp.replace(tzinfo=UTC)
        match = re.fullmatch(r"([+-])(\d\d):(\d\d)", offset)
        if match:
            delta = timedelta(hours=int(match[2]), minutes=int(match[3]))
            tz = timezone(delta if match[1] == "+" else -delta)
            return stamp.replace(tzinfo=tz).astimezone(UTC)
        return stamp.replace(tzinfo=ZoneInfo(local_tz)).astimezone(UTC)
    except Exception:  # noqa: BLE001 - a bad timestamp is simply absent
        return None


def _orientation(img: Image.Image, exif: Image.Exif) -> int:
    value = exif.get(ExifTags.Base.Orientation)
    if value not in (None, 1):
        return value if value in range(2, 9) else 1
    for key in ("xmp", "XML:com.adobe.xmp"):
        xmp = img.info.get(key)
        if xmp:
            match = _XMP_ORIENTATION.search(xmp if isinstance(xmp, bytes) else xmp.encode())
            if match and match[1] != b"1":
                return int(match[1]) if int(match[1]) in range(2, 9) else 1
    return 1


# --- pixels -----------------------------------------------------------------------------------


def _fit(size: tuple[int, int], longest: int) -> tuple[int, int]:
    w, h = size
    scale = min(1.0, longest / max(w, h))
    return max(1, round(w * scale)), max(1, round(h * scale))


def _to_rgb(img: Image.Image) -> Image.Image:
    if img.mode == "RGB":
        return img
    if img.mode in ("RGBA", "LA", "PA", "RGBa", "La") or (
            img.mode == "P" and "transparency" in img.info):
        rgba = img.convert("RGBA")
        out = Image.new("RGB", img.size, (255, 255, 255))
        out.paste(rgba, mask=rgba.getchannel("A"))
        return out
    if img.mode.startswith("I") or img.mode == "F":
        return img.convert("I").point(lambda v: v * (1 / 256)).convert("L").convert("RGB")
    return img.convert("RGB")


def _to_srgb(img: Image.Image, icc: bytes | None) -> Image.Image:
    if not icc:
        return img
    try:
        src = ImageCms.ImageCmsProfile(io.BytesIO(icc))
        return ImageCms.profileToProfile(img, src, _SRGB, outputMode="RGB")
    except Exception:  # noqa: BLE001 - a broken profile: keep the pixels as they are
        return img


def encode(img: Image.Image, ext: str, quality: int) -> bytes:
    """Encode *img* with no metadata at all (info is cleared: Pillow copies comments from it)."""
    img.info = {}
    buf = io.BytesIO()
    if ext == "webp":
        # method 1: about 4x faster than the default 4 and only ~5 % larger files
        img.save(buf, "WEBP", quality=quality, method=1)
    else:
        img.save(buf, "JPEG", quality=quality)
    return buf.getvalue()


def resize(img: Image.Image, longest: int) -> Image.Image:
    size = _fit(img.size, longest)
    if size == img.size:
        return img
    return img.resize(size, Image.Resampling.LANCZOS, reducing_gap=2.0)


def render_sizes(display: Image.Image, settings: Settings, boxes=(), key: str | None = None,
                 formats=FORMATS) -> dict[str, bytes]:
    """Return the thumb and display files (every format) of an upright display-size image."""
    if boxes:
        display = redact.blur(display, boxes)
    thumb = resize(display, settings.thumb_px)
    files = {}
    for name, img in (("display", display), ("thumb", thumb)):
        for ext in formats:
            q = settings.webp_quality if ext == "webp" else settings.jpeg_quality
            files[file_name(name, ext, key)] = encode(img.copy() if img is display else img,
                                                      ext, q)
    return files


def decode_upright(data: bytes, longest: int | None = None) -> Image.Image:
    """Open stored rendition bytes (ours, so trusted) as an upright RGB image.

    With *longest*, a JPEG is decoded at the smallest DCT scale still covering that size.
    """
    img = Image.open(io.BytesIO(data))
    if longest and img.format == "JPEG":
        img.draft("RGB", _fit(img.size, longest))
    img.load()
    return _to_rgb(img)


# --- the pipeline -----------------------------------------------------------------------------


def process(data: bytes, settings: Settings | None = None, *, max_bytes: int | None = None,
            max_pixels: int | None = None) -> ProcessedPhoto:
    """Return the processed photo, or raise a 413/415/422 domain error."""
    settings = settings or Settings()
    if max_bytes is not None or max_pixels is not None:
        settings = Settings(**{**settings.__dict__,
                               "max_bytes": max_bytes or settings.max_bytes,
                               "max_pixels": max_pixels or settings.max_pixels})
    if len(data) > settings.max_bytes:
        raise TooLarge(N_("The photo is larger than %(mb)s MB."), "photo",
                       mb=settings.max_bytes // 2**20)
    if not data:
        raise ValidationError(N_("The photo file is empty."), "photo")
    kind = sniff(data)
    if kind is None:
        raise UnsupportedMedia(UNSUPPORTED, "photo")
    mp = settings.max_pixels // 1_000_000
    try:
        img = Image.open(io.BytesIO(data), formats=_PLUGINS[kind])
        if img.width * img.height > settings.max_pixels:
            raise TooLarge(TOO_MANY_PIXELS, "photo", mp=mp)
        fmt = img.format
        src_size = img.size
        lossless = False
        if fmt in ("JPEG", "MPO"):
            # Decode at the smallest DCT scale that still covers what we must produce; an
            # upright original is kept by cutting its metadata out, without decoding it.
            lossless = settings.keep_original and max(src_size) <= settings.original_max_px \
                and _orientation(img, img.getexif()) == 1
            need = settings.display_px
            if settings.keep_original and not lossless:
                need = max(need, min(settings.original_max_px, max(src_size)))
            img.draft("RGB", _fit(src_size, need))
        img.load()
        exif = img.getexif()
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise TooLarge(TOO_MANY_PIXELS, "photo", mp=mp) from exc
    except UnidentifiedImageError as exc:
        raise ValidationError(BROKEN, "photo") from exc
    except (OSError, SyntaxError, ValueError, EOFError, IndexError, TypeError,
            KeyError, MemoryError, RuntimeError) as exc:
        raise ValidationError(BROKEN, "photo") from exc

    notes = []
    gps = read_gps(exif)
    if gps["problem"]:
        notes.append(gps["problem"])
        log.info("photo GPS ignored: %s", gps["problem"])
    taken_at = read_taken_at(exif, settings.local_tz)
    orientation = _orientation(img, exif)
    icc = img.info.get("icc_profile")
    try:
        if orientation != 1:
            img = ImageOps.exif_transpose(img)
        img = _to_rgb(img)
    except (OSError, ValueError, SyntaxError) as exc:
        raise ValidationError(BROKEN, "photo") from exc
    sha = hashlib.sha256(data).hexdigest()
    files: dict[str, bytes] = {}

    has_original = False
    if lossless and kind == "JPEG":
        try:
            files["original.jpg"] = strip_jpeg(data)
            has_original = True
        except NotAJpeg as exc:
            notes.append(f"lossless strip failed: {exc}")
    if settings.keep_original and not has_original:
        original = _to_srgb(resize(img, settings.original_max_px), icc)
        files["original.jpg"] = encode(original.copy(), "jpg", settings.original_quality)
        has_original = True

    display = _to_srgb(resize(img, settings.display_px), icc)
    width, height = src_size[::-1] if orientation in (5, 6, 7, 8) else src_size
    del img
    boxes: list[redact.Box] = []
    pending = settings.auto_redact and settings.defer_redact
    if settings.auto_redact and not pending:
        try:
            boxes = redact.detect(display)
        except Exception as exc:  # noqa: BLE001 - detection must never lose a participant's photo
            notes.append(f"face/plate detection failed: {exc!r}")
            log.warning("photo detection failed: %r", exc)
    files.update(render_sizes(display, settings))
    key = redact.redaction_key(sha, boxes)
    if key:
        files.update(render_sizes(display, settings, boxes, key))
    return ProcessedPhoto(
        sha256=sha, source_format=fmt, width=width, height=height, files=files,
        byte_size=len(data), has_original=has_original, gps_lat=gps["lat"], gps_lon=gps["lon"],
        gps_alt=gps["alt"], gps_direction=gps["direction"], taken_at=taken_at, boxes=boxes,
        redaction_key=key, notes=notes, blur_pending=pending,
    )

