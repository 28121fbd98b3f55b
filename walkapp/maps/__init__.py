"""Folium map builders; pages embed only the map's html and script parts (never its header).

``builder`` (tiles, area, route, MapParts), ``hotspots`` (the planner's map), ``remedies`` (the
closing meeting's and the re-walk's numbered spots, Mine opgaver).
"""
