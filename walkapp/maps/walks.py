"""The maps of walks and their spots: a walk (page, walk mode, spot editing), the planning map,
the overview of every walk's spots, one spot, and the administration's area map."""

import folium

from walkapp.geo.shapes import from_db
from walkapp.maps.builder import MapParts, add_area, add_route, base_map, centre, extent, parts


def walk_map(config, walk) -> MapParts:
    """The walk's area and route, fitted to the area."""
    m = base_map(config, bounds=from_db(walk.area.geom).bounds)
    add_area(m, walk.area)
    add_route(m, walk.route)
    return parts(m)


def plan_map(config, areas) -> MapParts:
    """Every area outlined, fitted to all of them (walk-plan.js highlights the chosen one)."""
    m = base_map(config, bounds=extent(a.geom for a in areas), zoom=13)
    for a in areas:
        add_area(m, a)
    return parts(m)


def overview_map(config, areas) -> tuple[MapParts, tuple | None]:
    """Return the overview's map and the areas' extent; overview.js fits the view once it has
    spots."""
    bounds = extent(a.geom for a in areas)
    m = base_map(config, center=centre(bounds), zoom=13)
    for area in areas:
        add_area(m, area)
    return parts(m), bounds


def spot_map(config, spot) -> MapParts:
    """One spot as a marker in its walk's area."""
    pt = from_db(spot.geom)
    m = base_map(config, center=(pt.y, pt.x), zoom=17)
    add_area(m, spot.walk.area)
    folium.CircleMarker((pt.y, pt.x), radius=10, weight=3, color="#fff", fill=True,
                        fill_color="#c2410c" if spot.kind == "utryg" else "#15803d",
                        fill_opacity=0.95).add_to(m)
    return parts(m)


def area_form_map(config, area, others) -> tuple[MapParts, tuple | None]:
    """Return the area form's map and the extent to show (admin-draw.js fits the view): the
    area being edited, or, for a new area, every other area outlined."""
    bounds = extent([area.geom] if area is not None else [a.geom for a in others])
    m = base_map(config, center=centre(bounds), zoom=14)
    if area is None:
        for other in others:
            add_area(m, other)
    return parts(m), bounds
