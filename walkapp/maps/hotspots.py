"""The planner's maps: folium layers built from an analysis (server-side aggregates).

planner_map() draws the layers; the *_page_map() functions take what a planner page's service
gathered (walkapp.services.hotspots.layers) and the page's translated labels, and return a
PlannerMap: the map's parts plus the JSON wiring planner.js reads from ``data-planner``.
"""

from __future__ import annotations

import base64
import io
import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

import folium
import numpy as np
from babel.numbers import format_decimal
from jinja2.utils import htmlsafe_json_dumps
from markupsafe import Markup

from walkapp.maps import safe
from walkapp.maps.builder import MapParts, base_map, parts

if TYPE_CHECKING:
    from walkapp.services.hotspots.layers import FocusDetail, FocusMap, HotspotMap, OverTimeMap

GI_COLOURS = {
    "hot99": "#b2182b", "hot95": "#ef6548", "hot90": "#fdae6b",
    "cold90": "#9ecae1", "cold95": "#4292c6", "cold99": "#08519c",
}
COMPARE_COLOURS = {"new": "#d7301f", "persistent": "#7a0177", "gone": "#41ab5d"}
REMEDY_COLOURS = {
    "foreslaaet": "#9ca3af", "godkendt": "#60a5fa", "tildelt": "#2563eb", "i_gang": "#f59e0b",
    "udfoert": "#10b981", "verificeret": "#047857", "afvist": "#6b7280",
    "ikke_vores_ansvar": "#a855f7",
}
LAYER_KEYS = ("spots", "density", "gi", "clusters", "focus", "areas", "remedies")
DEFAULT_LAYERS = ("spots", "gi", "clusters", "areas", "focus", "remedies")


@dataclass
class PlannerMap(MapParts):
    """A planner page's map: its parts, and the wiring (layer names by key) as JSON."""

    wiring: Markup


def _fc(features) -> dict:
    return {"type": "FeatureCollection", "features": list(features)}


def _point_fc(rows: list[dict]) -> dict:
    return _fc({"type": "Feature",
                "geometry": {"type": "Point", "coordinates": [r["lon"], r["lat"]]},
                "properties": {k: v for k, v in r.items() if k not in ("lon", "lat")}}
               for r in rows)


def number(value, locale: str, pattern: str | None = None) -> str:
    """*value* written for *locale* ("3,2" in Danish); *pattern* is a Babel number pattern."""
    return format_decimal(value, pattern, locale=locale)


def gi_tooltip_cells(fc: dict, labels: dict) -> dict:
    """The Gi* cells with their tooltip's texts: z to one decimal, p (FDR) to two significant
    digits, in the page's locale, and a note on a cell with very few findings (``few``)."""
    loc = labels.get("locale", "da")
    out = []
    for feat in fc["features"]:
        p = feat["properties"]
        out.append({**feat, "properties": {
            **p, "z_text": number(p["z"], loc, "0.0"), "p_text": number(p["p_fdr"], loc, "@#"),
            "note": labels.get("few", "") if p.get("few") else ""}})
    return {**fc, "features": out}


def cluster_tooltip_fc(fc: dict, labels: dict) -> dict:
    """The clusters with their categories named (in the page's language) for the tooltip."""
    names = labels.get("categories", {})
    out = []
    for feat in fc["features"]:
        counts = feat["properties"].get("category_counts", {})
        text = ", ".join(f"{names.get(c, c)} ({n})" for c, n in counts.items())
        out.append({**feat, "properties": {**feat["properties"], "categories_text": text}})
    return {**fc, "features": out}


def _radius(n: int) -> float:
    return round(min(22.0, 4.0 + 2.2 * math.sqrt(n)), 1)


def _spot_layer(rows: list[dict], label_fields, label_names) -> folium.GeoJson:
    data = _point_fc(rows)
    for f in data["features"]:
        props = f["properties"]
        f["properties"] = {"n": props["n"], "dark": props["dark"], "r": _radius(props["n"])}
    return safe.geojson(
        data, fields=label_fields, aliases=label_names,
        marker=folium.CircleMarker(radius=6, weight=1.5, fill=True),
        style_function=lambda f: {"radius": f["properties"]["r"], "color": "#7f1d1d",
                                  "fillColor": "#dc2626", "fillOpacity": 0.55},
    )


def density_png(values: np.ndarray) -> str:
    """Colour a 0..1 density raster (transparent to yellow to dark red) as a PNG data URI."""
    from PIL import Image

    v = np.clip(values, 0, 1)
    r = np.clip(255 - 90 * v ** 2, 0, 255)
    g = np.clip(230 * (1 - v) ** 1.1, 0, 255)
    b = np.clip(60 * (1 - v) ** 3, 0, 255)
    a = np.where(v < 0.04, 0, np.clip(60 + 170 * v, 0, 230))
    img = Image.fromarray(np.dstack([r, g, b, a]).astype(np.uint8), "RGBA")
    buf = io.BytesIO()
    img.save(buf, "PNG")  # optimize=True costs ~0.2 s per page for ~6 % fewer bytes
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode("ascii")


def planner_map(config, *, bounds, labels: dict, shown: set[str], spots_fine=(),
                spots_coarse=(), density=None, gi_cells=None, cluster_fc=None, focus_fc=None,
                area_fc=None, remedies=(), compare_fc=None,
                pending=()) -> tuple[MapParts, dict]:
    """Return the map parts and the JS wiring (layer variable names by key).

    Layers named in *pending* get an empty group that planner.js fills after the page loaded.
    """
    m = base_map(config, bounds=bounds)
    groups: dict[str, folium.FeatureGroup] = {}

    def group(key: str) -> folium.FeatureGroup:
        fg = folium.FeatureGroup(name=labels[key], show=key in shown, overlay=True)
        fg.add_to(m)
        groups[key] = fg
        return fg

    wiring: dict = {"layers": {}, "names": {}}
    if area_fc and area_fc["features"]:
        safe.geojson(area_fc, fields=["name"], labels=False, style_function=lambda _f: {
            "color": "#1d4ed8", "weight": 1.5, "fillOpacity": 0.04, "dashArray": "4 4"},
        ).add_to(group("areas"))
    if focus_fc and focus_fc["features"]:
        safe.geojson(focus_fc, fields=["name"], labels=False, style_function=lambda _f: {
            "color": "#0f766e", "weight": 3, "fillOpacity": 0.08}).add_to(group("focus"))
    if density is not None:
        values, (s, w, n, e), _top = density
        folium.raster_layers.ImageOverlay(image=density_png(values), bounds=[[s, w], [n, e]],
                                          opacity=0.8, interactive=False,
                                          zindex=2).add_to(group("density"))
    if "gi" in pending:
        group("gi")
    elif gi_cells and gi_cells["features"]:
        cells = gi_tooltip_cells(gi_cells, labels)
        note = ["note"] if any(f["properties"]["note"] for f in cells["features"]) else []
        safe.geojson(cells, fields=["cell_id", "count", "z_text", "p_text", *note],
                     aliases=[*labels["gi_fields"], *[""] * len(note)], style_function=lambda f: {
            "color": GI_COLOURS[f["properties"]["class"]], "weight": 0.5,
            "fillColor": GI_COLOURS[f["properties"]["class"]], "fillOpacity": 0.6},
        ).add_to(group("gi"))
    if compare_fc and compare_fc["features"]:
        safe.geojson(compare_fc, fields=["cell_id", "label"], labels=False,
                     style_function=lambda f: {
            "color": COMPARE_COLOURS[f["properties"]["status"]], "weight": 1,
            "fillColor": COMPARE_COLOURS[f["properties"]["status"]], "fillOpacity": 0.6},
        ).add_to(group("gi"))
    if "clusters" in pending:
        group("clusters")
    elif cluster_fc and cluster_fc["features"]:
        safe.geojson(cluster_tooltip_fc(cluster_fc, labels),
                     fields=["cluster", "count", "categories_text", "dark_pct"],
                     aliases=labels["cluster_fields"], style_function=lambda _f: {
            "color": "#111827", "weight": 2.5, "fillOpacity": 0.0, "dashArray": "6 3"},
        ).add_to(group("clusters"))
    if spots_fine or spots_coarse:
        fg = group("spots")
        fine = _spot_layer(list(spots_fine), ["n", "dark"], labels["spot_fields"])
        coarse = _spot_layer(list(spots_coarse), ["n", "dark"], labels["spot_fields"])
        fine.add_to(fg)
        coarse.add_to(fg)
        wiring["fine"], wiring["coarse"] = fine.get_name(), coarse.get_name()
    if remedies:
        fg = group("remedies")
        for r in remedies:
            folium.CircleMarker(
                location=[r["lat"], r["lon"]], radius=8 if r["overdue"] else 6,
                color="#b91c1c" if r["overdue"] else "#1f2937",
                weight=4 if r["overdue"] else 1.5, fill=True,
                fill_color=REMEDY_COLOURS.get(r["status"], "#9ca3af"), fill_opacity=0.9,
                tooltip=safe.tooltip(r["tooltip"]),
            ).add_to(fg)
    folium.LayerControl(collapsed=True, position="topright").add_to(m)
    for key, fg in groups.items():
        wiring["layers"][key] = fg.get_name()
        wiring["names"][labels[key]] = key
    return parts(m), wiring


def wiring_json(wiring: dict) -> Markup:
    """The wiring as JSON for an HTML attribute (quoted with ' in templates/planner/_map.html):
    ``<``, ``>``, ``&`` and ``'`` as JSON escapes."""
    return htmlsafe_json_dumps(wiring)


def _page_map(m: MapParts, wiring: dict) -> PlannerMap:
    return PlannerMap(m.html, m.script, m.name, wiring_json(wiring), style=m.style)


def hotspot_page_map(config, hm: HotspotMap, *, labels: dict, shown: set[str], view,
                     deferred_urls: dict[str, str], sync_url: str) -> PlannerMap:
    """The hotspot map; the layers still pending are fetched by planner.js from
    *deferred_urls* (layer key -> URL), with *sync_url* as the fallback."""
    m, wiring = planner_map(
        config, bounds=hm.bounds, labels=labels, shown=shown, spots_fine=hm.spots_fine,
        spots_coarse=hm.spots_coarse, density=hm.density, gi_cells=hm.gi_cells,
        cluster_fc=hm.cluster_fc, focus_fc=hm.focus_fc, area_fc=hm.area_fc,
        remedies=hm.remedies, pending=hm.pending)
    wiring["view"] = view
    if hm.pending:
        wiring["deferred"] = deferred_urls
        wiring["colours"] = GI_COLOURS
        wiring["sync_url"] = sync_url
        wiring["labels"] = {k: v for k, v in labels.items()
                            if k.endswith("_fields") or k in ("few", "categories")}
    return _page_map(m, wiring)


def over_time_page_map(config, ot: OverTimeMap, *, labels: dict,
                       status_labels: dict) -> PlannerMap:
    """The cells new, persistent and gone between the periods (tooltips: *status_labels*)."""
    compare_fc = ot.compare_fc
    for feat in compare_fc["features"] if compare_fc else []:
        feat["properties"]["label"] = status_labels[feat["properties"]["status"]]
    m, wiring = planner_map(config, bounds=ot.bounds, labels=labels, shown={"gi", "areas"},
                            area_fc=ot.area_fc, compare_fc=compare_fc)
    wiring["view"] = None
    return _page_map(m, wiring)


def focus_page_map(config, fm: FocusMap, *, labels: dict) -> PlannerMap:
    """The saved focus areas over the housing areas, with the drawing tools."""
    m, wiring = planner_map(config, bounds=fm.bounds, labels=labels, shown={"areas", "focus"},
                            area_fc=fm.area_fc, focus_fc=fm.focus_fc)
    wiring["view"] = None
    wiring["draw"] = True
    return _page_map(m, wiring)


def focus_detail_map(config, fd: FocusDetail, *, labels: dict) -> PlannerMap:
    m, wiring = planner_map(config, bounds=fd.bounds, labels=labels, shown={"focus"},
                            focus_fc=fd.focus_fc)
    wiring["view"] = None
    return _page_map(m, wiring)
