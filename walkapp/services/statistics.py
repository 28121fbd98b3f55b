"""The planner's statistics tables: spots per category, area and period, remedies per owner."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

import numpy as np
import sqlalchemy as sa

from walkapp.domain import hotspots as hs
from walkapp.domain import spreadsheet
from walkapp.domain.actor import Actor
from walkapp.domain.clock import TZ
from walkapp.domain.errors import N_, NotFound, ValidationError
from walkapp.domain.remedies import AFVIST, UDFOERT, VERIFICERET, is_overdue
from walkapp.models import Area, Category, Remedy, Spot, Walk
from walkapp.services.hotspots.access import check_analyst
from walkapp.services.hotspots.filters import HotspotFilter
from walkapp.services.hotspots.points import categories_of, filter_clauses
from walkapp.services.remedy_effects import verified_times

GRAINS = ("year", "quarter", "month")


@dataclass
class Table:
    name: str
    title: str  # English msgid
    headers: list[str]  # English msgids
    rows: list[list]
    chart: list[tuple[str, float, float]] = field(default_factory=list)  # label, part, total

    def csv_rows(self) -> list[list]:
        return [["" if v is None else v for v in row] for row in self.rows]


def _share(part: int, total: int) -> float | None:
    return round(100 * part / total, 1) if total else None


def _mean(values: list) -> float | None:
    vals = [v for v in values if v is not None]
    return round(sum(vals) / len(vals), 2) if vals else None


QUARTER = {"da": "K", "en": "Q"}  # 2024 K1 (kvartal), 2024 Q1


def _period_label(when: datetime, grain: str, language: str = "da") -> str:
    local = when.astimezone(TZ)
    if grain == "month":
        return f"{local.year}-{local.month:02d}"
    if grain == "quarter":
        return f"{local.year} {QUARTER.get(language, 'Q')}{(local.month - 1) // 3 + 1}"
    return str(local.year)


def category_names(session, language: str) -> dict[str, str]:
    """Every category's name in *language* ("da" or "en"), by code, from the categories table
    (administrators may rename them)."""
    english = language == "en"
    return {c.code: (c.name_en if english else c.name_da) or c.code
            for c in session.scalars(sa.select(Category))}


def statistics(session, actor: Actor, f: HotspotFilter, grain: str, today: date,
               language: str = "da") -> dict:
    """Return the statistics tables: per category, area and period, and remedies per owner;
    categories are named, and quarters written, in *language*."""
    check_analyst(actor)
    if grain not in GRAINS:
        raise ValidationError(N_("grain must be year, quarter or month."), "grain")
    rows = session.execute(sa.select(Spot.id, Spot.kind, Spot.feeling, Spot.observed_at,
                                     Walk.area_id).join(Walk, Walk.id == Spot.walk_id)
                           .where(*filter_clauses(actor, f))).all()
    by_id = {r[0]: r for r in rows}
    area_names = dict(session.execute(sa.select(Area.id, Area.name)).all())
    cat_names = category_names(session, language)
    cats = categories_of(session, np.fromiter(by_id, np.int64, len(by_id)))

    def agg(groups: dict) -> list[list]:
        out = []
        for key, members in groups.items():
            n = len(members)
            bad = sum(1 for m in members if m[1] == "utryg")
            out.append([key, n, bad, n - bad, _share(n - bad, n), _mean([m[2] for m in members])])
        return out

    per_cat: dict = {}
    for sid, codes in cats.items():
        for code in codes:
            per_cat.setdefault(code, []).append(by_id[sid])
    per_area: dict = {}
    per_period: dict = {}
    for r in rows:
        per_area.setdefault(area_names.get(r[4], "?"), []).append(r)
        per_period.setdefault(_period_label(r[3], grain, language), []).append(r)
    headers = [N_("Spots"), N_("Unsafe"), N_("Safe"), N_("Safe share (per cent)"),
               N_("Mean feeling of safety")]
    cat_rows = sorted(agg(per_cat), key=lambda row: -row[1])
    for row in cat_rows:
        row.insert(1, cat_names.get(row[0], row[0]))
    area_rows = sorted(agg(per_area), key=lambda row: -row[1])
    period_rows = sorted(agg(per_period), key=lambda row: row[0])
    return {
        "categories": Table("categories", N_("Per category"),
                            [N_("Code"), N_("Category")] + headers, cat_rows,
                            [(r[1], r[3], r[2]) for r in cat_rows]),
        "areas": Table("areas", N_("Per area"), [N_("Area")] + headers, area_rows,
                       [(r[0], r[2], r[1]) for r in area_rows]),
        "periods": Table("periods", N_("Per period"), [N_("Period")] + headers, period_rows,
                         [(r[0], r[2], r[1]) for r in period_rows]),
        "remedies": remedy_owner_table(session, f, today),
    }


def csv_download(table: Table, headers: list[str], dialect: str) -> str:
    """*table* as CSV text under the (translated) *headers*: Excel's dialect, or "excel-da"
    (semicolons, decimal commas) for a spreadsheet set to Danish; a BOM first, so either opens
    as UTF-8."""
    if dialect not in spreadsheet.DIALECTS:
        raise ValidationError(N_("Unknown CSV format."), "dialect")
    return "\ufeff" + spreadsheet.csv_text(headers, table.csv_rows(), dialect)


def statistics_table(session, actor: Actor, f: HotspotFilter, grain: str, today: date,
                     name: str, language: str = "da") -> Table:
    """One of the statistics tables by name (for its CSV download); NotFound for another."""
    table = statistics(session, actor, f, grain, today, language).get(name)
    if table is None:
        raise NotFound(N_("No such table."))
    return table


def remedy_owner_table(session, f: HotspotFilter, today: date) -> Table:
    """Remedies per owner: open, overdue, done, verified, median days to close."""
    q = sa.select(Remedy)
    if f.area_id:
        q = q.where(Remedy.area_id == f.area_id)
    remedies = list(session.scalars(q))
    verified = verified_times(session, [r.id for r in remedies]) if remedies else {}
    groups: dict = {}
    for r in remedies:
        owner = (r.owner_org.name if r.owner_org else None) or "-"
        g = groups.setdefault(owner, {"open": 0, "overdue": 0, "done": 0, "verified": 0,
                                      "days": []})
        if r.status == UDFOERT:
            g["done"] += 1
        elif r.status == VERIFICERET:
            g["verified"] += 1
            if r.id in verified and r.created_at:
                g["days"].append((verified[r.id] - r.created_at).total_seconds() / 86400)
        elif r.status != AFVIST:
            g["open"] += 1
        if is_overdue(r.status, r.deadline, today):
            g["overdue"] += 1
    rows = []
    for owner, g in sorted(groups.items()):
        med = hs.median(g["days"])
        rows.append([owner, g["open"], g["overdue"], g["done"], g["verified"],
                     None if med is None else round(med, 1)])
    return Table("remedies", N_("Remedies per owner"),
                 [N_("Owner"), N_("Open"), N_("Overdue"), N_("Done"), N_("Verified"),
                  N_("Median days to close")], rows,
                 [(r[0], r[4], r[1] + r[3] + r[4]) for r in rows])
