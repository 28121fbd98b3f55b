"""walkapp: safety walks (tryghedsvandringer) and CPTED follow-up.

Rooms, from the bottom up, and what each may import:

- ``domain/``   pure rules (no database, no Flask): roles, catalogue, remedy lifecycle,
                hotspot statistics, photo rules, parsing of request values (params), clock
- ``db.py``, ``models/``   the schema (Alembic migrations are the only schema path)
- ``geo/``, ``photos/``   geometry and photo processing/storage, no Flask
- ``services/`` use cases named after resources; take a Session, raise domain errors, no Flask
- ``maps/``     every folium/Leaflet map builder
- ``web/``      actor, locale, rendering, errors, request inputs, URLs; never views/ or api/
- ``views/``, ``api/``   thin blueprints over web/ and services/; never each other or models/
- ``cli/``      flask commands; ``demo/`` the Albertslund demo data
"""

import gc

from flask import Flask

from walkapp.config import ROOT

__all__ = ["ROOT", "create_app"]


def create_app(test_config: dict | None = None) -> Flask:
    """Create and configure an app; nothing is configured at import time."""
    # Imported here, not at the top: `import walkapp.domain...` (unit tests, migrations' env)
    # must not pull in the views, the services and the scientific stack.
    from walkapp import api, cli, config, extensions, views, web
    from walkapp.geo import shapes  # lazy too: shapely

    db = extensions.db

    app = Flask(
        __name__,
        instance_relative_config=True,
        template_folder=str(ROOT / "templates"),
        static_folder=str(ROOT / "static"),
    )
    config.load(app, test_config)
    shapes.set_limits(shapes.GeometryLimits.from_config(app.config))
    app.json.sort_keys = False  # GeoJSON keeps its natural order, and big answers encode faster

    db.init_app(app)
    extensions.migrate.init_app(app, db, directory=str(ROOT / "migrations"), compare_type=True)
    extensions.csrf.init_app(app)
    extensions.htmx.init_app(app)
    extensions.login.init_app(app)
    extensions.limiter.init_app(app)
    extensions.babel.init_app(app, locale_selector=web.select_locale,
                              timezone_selector=lambda: None)
    web.init_app(app)
    for bp in views.BLUEPRINTS:
        app.register_blueprint(bp)
    app.register_blueprint(api.bp)
    cli.init_app(app)
    if app.config.get("GC_FREEZE", True):
        # Move everything loaded so far (modules, the scientific stack, metadata) out of the
        # collector's reach: full collections then scan only per-request garbage, which took
        # the 95th percentile of a 1,000-spot GeoJSON answer from ~110 ms to ~30 ms.
        gc.collect()
        gc.freeze()
    return app
