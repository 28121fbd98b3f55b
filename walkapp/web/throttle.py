"""Throttling of logins (Flask-Limiter): failed attempts per e-mail address and per client
address, limits from the config (LOGIN_LIMIT_PER_ACCOUNT, LOGIN_LIMIT_PER_IP), counts in
RATELIMIT_STORAGE_URI (memory:// by default)."""

from flask import current_app, request
from flask_babel import gettext

from walkapp.extensions import limiter


def _account_key() -> str:
    return "account:" + (request.form.get("email") or "").strip().lower()[:254]


def _failed(response) -> bool:
    """Only failed attempts count: a successful login redirects."""
    return response.status_code != 302


def _message() -> str:
    return gettext("Too many login attempts. Wait a few minutes and try again.")


def throttle_login(view):
    """Decorate the login view: POSTs beyond either limit answer 429, even with the right
    password, until the window has passed."""
    per_ip = limiter.limit(lambda: current_app.config["LOGIN_LIMIT_PER_IP"], methods=["POST"],
                           deduct_when=_failed, error_message=_message, scope="login-ip")
    per_account = limiter.limit(lambda: current_app.config["LOGIN_LIMIT_PER_ACCOUNT"],
                                key_func=_account_key, methods=["POST"], deduct_when=_failed,
                                error_message=_message, scope="login-account")
    return per_ip(per_account(view))
