"""Geometry in one place: shapes, coordinate systems and the portable spatial queries."""
