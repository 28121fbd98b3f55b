from urllib.parse import urlsplit

from flask import Blueprint, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import login_required, login_user, logout_user

from walkapp.extensions import db
from walkapp.services.accounts import authenticate
from walkapp.web import render

bp = Blueprint("auth", __name__)


def _safe_next(target: str | None) -> str:
    if not target:
        return url_for("main.index")
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/"):
        return url_for("main.index")
    return target


@bp.route("/login", methods=["GET", "POST"])
def login():
    error = None
    if request.method == "POST":
        user = authenticate(db.session, request.form.get("email", ""),
                            request.form.get("password", ""))
        if user is not None:
            login_user(user, remember=True)
            return redirect(_safe_next(request.args.get("next") or request.form.get("next")))
        error = _("Wrong e-mail or password.")
    status = 422 if error else 200
    return render("auth/login.html", error=error, status=status,
                  email=request.form.get("email", ""), next=request.args.get("next", ""))


@bp.post("/logout")
@login_required
def logout():
    logout_user()
    return redirect(url_for("auth.login"))
