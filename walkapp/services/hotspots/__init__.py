"""Hotspot analysis for planners, one module per job (import the module you use):

- ``access``: who may see hotspot maps and statistics (planners, coordinators, admins).
- ``filters``: the page state in the URL: spot filter, method settings, periods, layers, view.
- ``points``: the filtered spots as numpy arrays, and their categories.
- ``analysis``: Gi*, density and DBSCAN over the unsafe spots, with a process-wide cache.
- ``periods``: Gi* hot cells of two periods compared (new, persistent, gone).
- ``features``: GeoJSON shaping of the results (cells, clusters, density, map extent).
- ``layers``: what the planner's maps show, gathered for one page as a small result type.

Focus areas, the statistics tables and the effect of remedies are use cases of their own:
``walkapp.services.focus_areas``, ``walkapp.services.statistics`` and
``walkapp.services.remedy_effects``.
"""
