"""The web layer's shared parts, between Flask and the services: who asks (actor), in which
language (locale), how answers are rendered (pages or htmx fragments), errors, request inputs
and URLs. ``views/`` and ``api/`` import from here; this package never imports them.
"""

import sqlalchemy.orm as so

from walkapp.db import configure_sqlite
from walkapp.domain.walks import PARTICIPANT_ROLE_LABELS
from walkapp.extensions import db, login
from walkapp.models import User
from walkapp.web import errors
from walkapp.web.actor import (
    CONTRACTOR_KEY,
    GUEST_KEY,
    contractor_remedy_ids,
    current_actor,
    remember_contractor_remedy,
    remember_guest,
)
from walkapp.web.errors import error_message, error_response, is_api_request
from walkapp.web.locale import select_locale
from walkapp.web.rendering import render, wants_fragment
from walkapp.web.urls import photo_sources

__all__ = [
    "CONTRACTOR_KEY", "GUEST_KEY", "contractor_remedy_ids", "current_actor", "error_message",
    "error_response", "init_app", "is_api_request", "remember_contractor_remedy",
    "remember_guest", "render", "select_locale", "wants_fragment",
]


def load_user(user_id: str):
    # The organisation is needed by every request's Actor: load it in the same query.
    return db.session.get(User, int(user_id), options=[so.joinedload(User.organisation)])


def init_app(app) -> None:
    with app.app_context():
        configure_sqlite(db.engine)

    login.user_loader(load_user)
    login.login_view = "auth.login"
    login.login_message = None
    login.unauthorized_handler(errors.unauthorized)
    errors.init_app(app)
    app.add_template_global(photo_sources)
    app.add_template_global(PARTICIPANT_ROLE_LABELS, "participant_role_labels")

    @app.context_processor
    def inject():
        return {"actor": current_actor(), "current_locale": select_locale()}

    @app.after_request
    def security_headers(resp):
        resp.headers.setdefault("X-Content-Type-Options", "nosniff")
        resp.headers.setdefault("Referrer-Policy", "same-origin")
        return resp
