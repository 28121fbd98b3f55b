"""Errors as users get them: a page in their language, or JSON for API clients; never a 500
for bad input. Domain errors carry an untranslated message, translated here."""

from flask import abort, jsonify, make_response, redirect, render_template, request, url_for
from flask.json.provider import DefaultJSONProvider
from flask_babel import gettext
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from walkapp.domain.errors import DomainError
from walkapp.extensions import db


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


def unauthorized():
    """Flask-Login's handler: API clients and posts get 401, pages go to the login form."""
    if is_api_request() or request.method != "GET":
        return error_response(401, gettext("Log in first."))
    return redirect(url_for("auth.login", next=request.full_path))


class JSONProvider(DefaultJSONProvider):
    """Flask's JSON, with a request body nested past Python's recursion limit counted as
    malformed JSON (a ValueError: get_json() answers 400, get_json(silent=True) None), not a
    RecursionError and a 500."""

    def loads(self, s, **kwargs):
        try:
            data = super().loads(s, **kwargs)
        except RecursionError as exc:
            raise ValueError("the JSON is nested too deeply") from exc
        if _holds_nul(data):  # as in forms: no typed text holds NUL, PostgreSQL refuses it
            raise ValueError("the JSON holds a NUL character")
        return data


def _holds_nul(data) -> bool:
    stack = [data]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            if "\x00" in item:
                return True
        elif isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return False


def has_nul(values) -> bool:
    """True if any key or value of a (multi)dict holds a NUL character."""
    return any("\x00" in str(key) or "\x00" in str(value) for key, value in values)


def refuse_nul() -> None:
    """Answer 400 to query strings and form fields holding a NUL character: no text a person
    types holds one, and PostgreSQL refuses it in text columns (a 500 otherwise). Uploaded
    files are not looked at (their bytes may hold anything)."""
    if has_nul(request.args.items(multi=True)) or (
            request.method != "GET" and has_nul(request.form.items(multi=True))):
        abort(400)


def init_app(app) -> None:
    app.json = JSONProvider(app)
    app.before_request(refuse_nul)

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
