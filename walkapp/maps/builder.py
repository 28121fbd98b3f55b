"""The shared base of every map: folium maps with our configured tiles, area outlines, routes,
extents, and the split into embeddable parts (walks.py and hotspots.py build on it)."""

import json
import re
from dataclasses import dataclass, field

import folium
from flask_babel import gettext
from markupsafe import Markup
from shapely.ops import unary_union

from walkapp.geo.shapes import from_db, to_geojson
from walkapp.maps import safe


@dataclass
class MapParts:
    """What a page embeds: the map's div, its script, and the JS variable holding the map; and
    CSS that folium put in the html part, if any (templates/layouts/map.html puts the script
    and the style in nonce-carrying tags; the html part holds neither)."""

    html: Markup
    script: Markup
    name: str
    style: Markup = field(default=Markup(""), kw_only=True)


_INLINE_SCRIPT = re.compile(r"<script\b([^>]*)>(.*?)</script\s*>", re.S | re.I)
_INLINE_STYLE = re.compile(r"<style\b[^>]*>(.*?)</style\s*>", re.S | re.I)
_SCRIPT_TYPE = re.compile(r"""(?:^|\s)type\s*=\s*["']?([^"'\s>]+)""", re.I)
_SCRIPT_SRC = re.compile(r"(?:^|\s)src\s*=", re.I)


def _split_html(html: str) -> tuple[str, list[str], list[str]]:
    """Take folium's inline scripts and styles out of its html part: return the markup left,
    the scripts' code and the styles' CSS. Data blocks (a type other than JavaScript) stay."""
    scripts: list[str] = []

    def script(match: re.Match) -> str:
        attrs, code = match.group(1), match.group(2)
        kind = _SCRIPT_TYPE.search(attrs)
        if kind and kind.group(1).lower() not in ("text/javascript", "application/javascript"):
            return match.group(0)
        if _SCRIPT_SRC.search(attrs):
            raise ValueError("a library a map needs goes in the page's map_libraries block")
        scripts.append(code)
        return ""

    styles: list[str] = []

    def style(match: re.Match) -> str:
        styles.append(match.group(1))
        return ""

    html = _INLINE_SCRIPT.sub(script, html)
    return _INLINE_STYLE.sub(style, html), scripts, styles


def base_map(config, center=None, zoom: int = 15, bounds=None) -> folium.Map:
    """Return a map with the configured tile layer (the only outside resource a page loads)."""
    m = folium.Map(
        location=list(center or config["MAP_CENTER"]),
        zoom_start=zoom,
        tiles=None,
        control_scale=True,
        prefer_canvas=True,
        width="100%",
        height="100%",
    )
    folium.TileLayer(
        tiles=config["TILE_URL"],
        attr=config["TILE_ATTRIBUTION"],
        max_zoom=config["TILE_MAX_ZOOM"],
        name="tiles",
        control=False,
    ).add_to(m)
    if bounds is not None:
        minx, miny, maxx, maxy = bounds
        # Fitted by parts() once the page has laid the map out: fitting a map whose container
        # has no size yet (a full-screen map styled after the script ran) zooms to the world.
        m._walkapp_bounds = [[miny, minx], [maxy, maxx]]
    return m


def extent(geoms) -> tuple[float, float, float, float] | None:
    """Return (minx, miny, maxx, maxy) around database geometries, or None for none."""
    shapes = [from_db(g) for g in geoms]
    return unary_union(shapes).bounds if shapes else None


def centre(bounds) -> tuple[float, float] | None:
    """Return the (lat, lon) middle of *bounds*, or None."""
    if not bounds:
        return None
    return (bounds[1] + bounds[3]) / 2, (bounds[0] + bounds[2]) / 2


def add_area(m: folium.Map, area, name: str | None = None) -> None:
    """Outline an area (drawn without tiles too, so the map is useful offline)."""
    folium.GeoJson(
        to_geojson(from_db(area.geom)),
        name=name or area.name,
        style_function=lambda _f: {"color": "#1d4ed8", "weight": 2, "fillOpacity": 0.06},
        tooltip=safe.tooltip(area.name),
    ).add_to(m)


def add_route(m: folium.Map, route) -> None:
    geom = from_db(route)
    if geom is not None:
        folium.PolyLine(
            [(y, x) for x, y in geom.coords],
            color="#7c3aed",
            weight=4,
            dash_array="8 6",
            tooltip=safe.tooltip(gettext("Route")),
        ).add_to(m)


def parts(m: folium.Map) -> MapParts:
    """Render *m* and return its html and script parts only (no CDN header)."""
    root = m.get_root()
    root.render()
    name = m.get_name()
    # Expose the Leaflet map to our scripts without guessing folium's generated names.
    tail = (
        f"\ndocument.getElementById({name!r}).walkappMap = {name};\n"
        "document.dispatchEvent(new CustomEvent('walkapp:map-ready', "
        f"{{detail: {{id: {name!r}}}}}));"
    )
    bounds = getattr(m, "_walkapp_bounds", None)
    if bounds:
        # Fit again the first time the container has a size (it may be laid out after the script).
        tail += (
            "\n(function (m, b) { var el = m.getContainer(), done = false;"
            " function fit() { if (done || !el.offsetWidth || !el.offsetHeight) return;"
            " done = true; m.invalidateSize(); m.fitBounds(b, {animate: false}); }"
            " m.fitBounds(b); if (window.ResizeObserver) {"
            " var ro = new ResizeObserver(function () { fit(); if (done) ro.disconnect(); });"
            " ro.observe(el); } requestAnimationFrame(fit);"
            f" }})({name}, {json.dumps(bounds)});"
        )
    # The page runs the script and applies the style under the request's CSP nonce.
    html, html_scripts, styles = _split_html(root.html.render())
    script = "\n".join([*html_scripts, root.script.render()]) + tail
    return MapParts(html=Markup(html), script=Markup(script), name=name,
                    style=Markup("\n".join(styles)))
