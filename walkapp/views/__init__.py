"""Blueprints: parse the request, call one service, render a page or fragment."""


def register(app) -> None:
    from walkapp.api import bp as api_bp
    from walkapp.views import admin, auth, join, main, photos, spots, walks

    for module in (main, auth, walks, join, spots, photos, admin):
        app.register_blueprint(module.bp)
    app.register_blueprint(api_bp)
    from walkapp.views import closing, contractor, remedies

    for module in (remedies, closing, contractor):
        app.register_blueprint(module.bp)
    from walkapp.views import planner

    app.register_blueprint(planner.bp)
