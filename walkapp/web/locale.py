"""The request's language: Danish unless the user chose English."""

from flask import request, session
from flask_login import current_user

LANGUAGES = ("da", "en")


def select_locale():
    lang = request.args.get("lang")
    if lang in LANGUAGES:
        session["lang"] = lang
    if session.get("lang") in LANGUAGES:
        return session["lang"]
    if current_user and getattr(current_user, "locale", None):
        return current_user.locale
    # Danish unless the user chose English: many phones here run in English, and walks are Danish.
    return "da"
