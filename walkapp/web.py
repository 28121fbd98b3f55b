"""Glue between Flask and the services: actor, locale, errors, fragments, blueprints."""

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask import g, jsonify, make_response, render_template, request, session
from flask_babel import gettext
from flask_login import current_user
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from walkapp.domain.actor import ANONYMOUS, Actor
from walkapp.domain.errors import DomainError
from walkapp.extensions import db, htmx, login

GUEST_KEY = "guest_walks"  # session: {walk_id: participant_id} for guests


def select_locale():
    lang = request.args.get("lang")
    if lang in ("da", "en"):
        session["lang"] = lang
    if session.get("lang") in ("da", "en"):
        return session["lang"]
    if current_user and getattr(current_user, "locale", None):
        return current_user.locale
    # Danish unless the user chose English: many phones here run in English, and walks are Danish.
    return "da"


def current_actor() -> Actor:
    """Return the Actor of this request (cached on g)."""
    if "actor" in g:
        return g.actor
    from walkapp.models import Participant

    parts = {int(k): int(v) for k, v in (session.get(GUEST_KEY) or {}).items()}
    if current_user.is_authenticated:
        rows = db.session.execute(sa.select(Participant.walk_id, Participant.id).where(
            Participant.user_id == current_user.id)).all()
        parts.update({w: p for w, p in rows})
        org = current_user.organisation
        g.actor = Actor(user_id=current_user.id, role=current_user.role,
                        org_id=org.id if org else None, org_kind=org.kind if org else None,
                        guest_participations=parts)
    elif parts:
        g.actor = Actor(guest_participations=parts)
    else:
        g.actor = ANONYMOUS
    return g.actor


def remember_guest(walk_id: int, participant_id: int) -> None:
    walks = dict(session.get(GUEST_KEY) or {})
    walks[str(walk_id)] = participant_id
    session[GUEST_KEY] = walks
    session.permanent = True
    g.pop("actor", None)


def wants_fragment() -> bool:
    """True for an htmx request that asks for a part of a page (not boosted, not history)."""
    return bool(htmx and not htmx.boosted and not htmx.history_restore_request)


def render(page: str, fragment: str | None = None, status: int = 200, **ctx):
    """Render the full *page*, or only *fragment* for htmx; always Vary on HX-Request."""
    template = fragment if fragment and wants_fragment() else page
    resp = make_response(render_template(template, **ctx), status)
    resp.vary.add("HX-Request")
    return resp


def error_message(exc: DomainError) -> str:
    return gettext(exc.message, **exc.params)


def is_api_request() -> bool:
    return request.path.startswith("/api/") or request.accept_mimetypes.best == "application/json"


def error_response(status: int, message: str, field: str | None = None):
    if is_api_request():
        body = {"error": message, "status": status}
        if field:
            body["field"] = field
        return jsonify(body), status
    resp = make_response(render_template("error.html", status=status, message=message), status)
    resp.vary.add("HX-Request")
    return resp


def init_app(app) -> None:
    from walkapp.db_events import configure_sqlite
    from walkapp.views import register

    with app.app_context():
        configure_sqlite(db.engine)

    @login.user_loader
    def load_user(user_id: str):
        from walkapp.models import User

        # The organisation is needed by every request's Actor: load it in the same query.
        return db.session.get(User, int(user_id), options=[so.joinedload(User.organisation)])

    login.login_view = "auth.login"
    login.login_message = None

    @login.unauthorized_handler
    def unauthorized():
        from flask import redirect, url_for

        if is_api_request() or request.method != "GET":
            return error_response(401, gettext("Log in first."))
        return redirect(url_for("auth.login", next=request.full_path))

    @app.errorhandler(DomainError)
    def domain_error(exc: DomainError):
        db.session.rollback()
        return error_response(exc.status, error_message(exc), exc.field)

    @app.errorhandler(CSRFError)
    def csrf_error(exc):
        return error_response(400, gettext("The form has expired. Reload the page and try again."))

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException):
        messages = {
            400: gettext("The request could not be understood."),
            401: gettext("Log in first."),
            403: gettext("You do not have access to this."),
            404: gettext("The page was not found."),
            405: gettext("That method is not allowed here."),
            413: gettext("The upload is too large."),
        }
        return error_response(exc.code or 500, messages.get(exc.code, exc.description))

    @app.context_processor
    def inject():
        return {"actor": current_actor(), "current_locale": select_locale()}

    @app.after_request
    def security_headers(resp):
        resp.headers.setdefault("X-Content-Type-Options", "nosniff")
        resp.headers.setdefault("Referrer-Policy", "same-origin")
        return resp

    register(app)
