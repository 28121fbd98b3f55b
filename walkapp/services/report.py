"""The walk report (protokol): data, a static map image with numbered spots, and the PDF."""

import io
from collections import Counter
from dataclasses import dataclass, field

import sqlalchemy as sa
import sqlalchemy.orm as so
from PIL import Image, ImageDraw, ImageFont

from walkapp.domain.actor import Actor
from walkapp.domain.errors import N_, PermissionDenied
from walkapp.geo.crs import to_metric
from walkapp.geo.shapes import from_db
from walkapp.models import Participant, Remedy, Walk
from walkapp.services import audit, visibility
from walkapp.services import photos as photo_service
from walkapp.services import walks as walk_service
from walkapp.services.remedies import closing as remedy_closing


@dataclass
class ReportData:
    walk: Walk
    public: bool
    spots: list[remedy_closing.NumberedSpot]
    remedies: list[tuple[Remedy, list[int]]]  # remedy, the numbers of its spots
    participants: list[tuple[str, int]]  # role label, count
    map_png: bytes
    spot_numbers: dict[int, int] = field(default_factory=dict)
    levels: tuple[str, ...] = visibility.PUBLISHABLE

    def police_spot_ids(self) -> list[int]:
        """The police-only spots in this report (what the audit log records)."""
        return [s.id for ns in self.spots for s in ns.all_spots
                if s.visibility == visibility.POLICE]

    def photos(self) -> list:
        return [p for ns in self.spots for s in ns.all_spots for p in s.photos]


def check_access(session, actor: Actor, walk: Walk, public: bool) -> bool:
    """Return whether the actor gets the publishable version: participants do, unless they
    may see police-only findings (police, DKE); readers and the walk's leader choose."""
    if actor.reads_all or walk_service.is_leader(actor, walk):
        return public
    if walk_service.participant_of(session, actor, walk) is not None:
        return public if visibility.sees_police(actor) else True
    raise PermissionDenied(N_("You do not have access to this walk's report."))


def build(session, actor: Actor, walk: Walk, public: bool, map_size=(1000, 640)) -> ReportData:
    """The report *actor* gets: the spots at the levels they may see (services.visibility),
    in the publishable version never police-only ones; remedies about none of those spots
    stay out unless the caller sees every level."""
    levels = visibility.report_levels(actor, public)
    spots = remedy_closing.numbered_spots(session, walk, levels)
    numbers = {}
    for ns in spots:
        for s in ns.all_spots:
            numbers[s.id] = ns.number
    remedies = list(session.scalars(
        sa.select(Remedy).where(Remedy.walk_id == walk.id).order_by(Remedy.id).options(
            so.selectinload(Remedy.spots), so.selectinload(Remedy.owner_org),
            so.selectinload(Remedy.assignee))))
    rows = []
    for r in remedies:
        nums = sorted({numbers[s.id] for s in r.spots if s.id in numbers})
        if not nums and (public or not visibility.sees_police(actor)):
            continue  # a remedy only about spots the reader may not see stays out
        rows.append((r, nums))
    roles = Counter(session.scalars(sa.select(Participant.role_label).where(
        Participant.walk_id == walk.id)))
    return ReportData(walk, public, spots, rows, sorted(roles.items()),
                      map_png(walk, spots, map_size), numbers, levels)


def record_view(session, actor: Actor, data: ReportData, pdf: bool) -> None:
    """Write the audit entry of a served report (police-only spots; the PDF's embedded
    unblurred photos). Commits: call it once the report has been rendered."""
    clean = [p.id for p in data.photos() if photo_service.shows_clean(actor, p, data.public)] \
        if pdf else []
    audit.report(session, actor, data.walk.id, data.police_spot_ids(), pdf, clean)


# ---------------------------------------------------------------- static map

COLOURS = {"utryg": (200, 40, 40), "tryg": (30, 130, 60)}


def _font(size: int):
    for name in ("DejaVuSans-Bold.ttf", "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf"):
        try:
            return ImageFont.truetype(name, size)
        except OSError:
            continue
    return ImageFont.load_default()


def map_png(walk: Walk, spots: list[remedy_closing.NumberedSpot], size=(1000, 640)) -> bytes:
    """Draw the area outline and numbered spots, projected to EPSG:25832 (no tiles needed)."""
    w, h = size
    area = to_metric(from_db(walk.area.geom))
    pts = [(ns.number, ns.spot.kind, to_metric(from_db(ns.spot.geom))) for ns in spots]
    minx, miny, maxx, maxy = area.bounds
    for _, _, p in pts:
        minx, miny, maxx, maxy = min(minx, p.x), min(miny, p.y), max(maxx, p.x), max(maxy, p.y)
    pad = 40
    scale = min((w - 2 * pad) / max(maxx - minx, 1.0), (h - 2 * pad) / max(maxy - miny, 1.0))
    ox = pad + ((w - 2 * pad) - (maxx - minx) * scale) / 2
    oy = pad + ((h - 2 * pad) - (maxy - miny) * scale) / 2

    def xy(x, y):
        return ox + (x - minx) * scale, h - (oy + (y - miny) * scale)

    img = Image.new("RGB", size, (246, 246, 242))
    draw = ImageDraw.Draw(img)
    polys = getattr(area, "geoms", [area])
    for poly in polys:
        draw.polygon([xy(x, y) for x, y in poly.exterior.coords], fill=(226, 232, 245),
                     outline=(29, 78, 216), width=3)
    font = _font(15)
    r = 13
    for number, kind, p in pts:
        cx, cy = xy(p.x, p.y)
        draw.ellipse((cx - r, cy - r, cx + r, cy + r), fill=COLOURS.get(kind, (90, 90, 90)),
                     outline=(255, 255, 255), width=2)
        draw.text((cx, cy), str(number), fill=(255, 255, 255), font=font, anchor="mm")
    # scale bar
    metres = _nice(100 / scale if scale else 100)
    bar = metres * scale
    draw.line((pad, h - 18, pad + bar, h - 18), fill=(30, 30, 30), width=3)
    draw.text((pad + bar + 6, h - 18), f"{metres:g} m", fill=(30, 30, 30), font=_font(12),
              anchor="lm")
    buf = io.BytesIO()
    img.save(buf, "PNG", optimize=True)
    return buf.getvalue()


def _nice(value: float) -> float:
    for step in (5, 10, 20, 25, 50, 100, 200, 250, 500, 1000, 2000, 5000):
        if step >= value:
            return step
    return 10000


def render_pdf(html: str, base_url: str) -> bytes:
    """Render the report HTML to PDF (WeasyPrint; local files and data: URIs only)."""
    from PIL import ImageFile
    from weasyprint import HTML
    from weasyprint.urls import URLFetcher

    # Importing WeasyPrint makes Pillow accept truncated images in the whole process; uploads
    # must keep refusing them, and a report embeds only our own complete renditions.
    ImageFile.LOAD_TRUNCATED_IMAGES = False
    fetcher = URLFetcher(allowed_protocols=("file", "data"))
    return HTML(string=html, base_url=base_url, url_fetcher=fetcher).write_pdf()
