"""Remedy maps: the closing meeting's and the re-walk's numbered spots, and Mine opgaver."""

from collections.abc import Callable

import folium

from walkapp.geo.shapes import from_db
from walkapp.maps import safe
from walkapp.maps.builder import MapParts, add_area, base_map, parts


def spots_map(config, walk, numbered, extra_remedies=()) -> MapParts:
    """The area with numbered spot pins (DivIcon, our CSS), usable without tiles; the re-walk
    adds its remedies as R1, R2, ..."""
    m = base_map(config, bounds=from_db(walk.area.geom).bounds)
    add_area(m, walk.area)
    for ns in numbered:
        p = from_db(ns.spot.geom)
        folium.Marker(
            (p.y, p.x), tooltip=safe.tooltip(f"{ns.number}: {', '.join(ns.categories)}"),
            icon=folium.DivIcon(html=f'<span class="spot-pin {ns.spot.kind}">{ns.number}</span>',
                                icon_size=(28, 28), icon_anchor=(14, 14)),
        ).add_to(m)
    for i, r in enumerate(extra_remedies, start=1):
        if r.lat is not None:
            folium.Marker(
                (r.lat, r.lon), tooltip=safe.tooltip(r.title),
                icon=folium.DivIcon(html=f'<span class="task-pin">R{i}</span>',
                                    icon_size=(32, 28), icon_anchor=(16, 14)),
            ).add_to(m)
    return parts(m)


def task_map(config, tasks, remedy_url: Callable[[int], str]) -> tuple[MapParts, list[dict]]:
    """A map of the tasks' places; the numbered pins are added by remedies.js from the points.

    One folium marker per task costs about 1.5 ms of template compiling, too slow for a
    phone list of hundreds, so the map carries only tiles and bounds.
    """
    points = [{"n": i, "lat": t.remedy.lat, "lon": t.remedy.lon, "title": t.remedy.title,
               "late": t.overdue, "url": remedy_url(t.remedy.id)}
              for i, t in enumerate(tasks, start=1) if t.remedy.lat is not None]
    bounds = None
    if points:
        lats, lons = [p["lat"] for p in points], [p["lon"] for p in points]
        pad = 0.0005
        bounds = (min(lons) - pad, min(lats) - pad, max(lons) + pad, max(lats) + pad)
    return parts(base_map(config, zoom=14, bounds=bounds)), points
