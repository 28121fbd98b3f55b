"""Use cases, named after the resource they act on. They take a Session and an Actor, raise
domain errors (``walkapp.domain.errors``), and never touch Flask or the request.

accounts (users, logins), organisations, areas, walks (plans, times, who may open walk mode),
spots (capture, edits, queries, the GeoJSON feed), visibility (who sees which spots),
photos (the one photo pipeline for spot and remedy photos: store, renditions, blurring, access,
redactions), imports (import-spots), notifications (the e-mail outbox), report (the walk's
protokol and PDF), hotspots/ (the planner's analysis), focus_areas, statistics, remedy_effects,
remedies/ (catalogue, closing meeting, lifecycle, queries, contractor links).

services/ has no import cycles and imports no Flask (tests/unit/test_layers.py).
"""
