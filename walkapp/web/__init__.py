"""The web layer's shared parts, between Flask and the services: who asks (actor), in which
language (locale), how answers are rendered (pages or htmx fragments), errors, request inputs
and URLs, and the security headers (security: the CSP and its nonce). ``views/`` and ``api/``
import from here; this package never imports them.
"""

import hmac

import sqlalchemy.orm as so

from walkapp.db import configure_sqlite
from walkapp.domain import params as parse
from walkapp.domain.walks import PARTICIPANT_ROLE_LABELS
from walkapp.extensions import db, login
from walkapp.models import User
from walkapp.web import errors, security
from walkapp.web.actor import (
    CONTRACTOR_KEY,
    GUEST_KEY,
    contractor_remedy_ids,
    current_actor,
    remember_contractor_link,
    remember_guest,
)
from walkapp.web.errors import error_message, error_response, is_api_request
from walkapp.web.locale import select_locale
from walkapp.web.rendering import render, wants_fragment
from walkapp.web.throttle import throttle_login
from walkapp.web.urls import IdConverter, photo_sources, safe_next

__all__ = [
    "CONTRACTOR_KEY", "GUEST_KEY", "contractor_remedy_ids", "current_actor", "error_message",
    "error_response", "init_app", "is_api_request", "remember_contractor_link",
    "remember_guest", "render", "safe_next", "select_locale", "throttle_login", "wants_fragment",
]


def load_user(login_id: str):
    """The user of a session or remember cookie holding "id:token" (User.get_id), or None.

    A cookie from before the user's last logout, password change or reset holds an older
    token, and one from before tokens existed holds a bare id: neither is a login any more.
    """
    raw_id, _sep, token = (login_id or "").partition(":")
    user_id = parse.whole(raw_id)
    if user_id is None or not token:
        return None
    # The organisation is needed by every request's Actor: load it in the same query.
    user = db.session.get(User, user_id, options=[so.joinedload(User.organisation)])
    if user is None or not hmac.compare_digest(user.session_token.encode(), token.encode()):
        return None
    return user


def init_app(app) -> None:
    with app.app_context():
        configure_sqlite(db.engine)

    app.url_map.converters["int"] = IdConverter  # before the blueprints add their rules
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

    security.init_app(app)  # CSP with a nonce per request, no framing, nosniff
