"""Folium map builders; pages embed only the map's html and script parts (never its header).

``builder`` (tiles, area, route, MapParts), ``walks`` (walk, planning, overview, spot and admin
area maps), ``hotspots`` (the planner's maps), ``remedies`` (the
closing meeting's and the re-walk's numbered spots, Mine opgaver).
"""
