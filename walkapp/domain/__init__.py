"""Pure domain rules: no Flask, no SQLAlchemy, nothing of walkapp outside domain/.

actor (who asks), roles, catalogue (categories, organisation kinds), walks (participant roles,
who may edit a spot), remedies (the lifecycle's one transition table), hotspots (grid, Gi*,
DBSCAN, KDE), photos (redaction and visibility rules), params (parsing of request values),
clock (Copenhagen's today), errors (domain errors carrying untranslated messages).
"""
