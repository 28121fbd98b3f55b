"""Folium map builders; pages embed only the map's html and script parts (never its header)."""
