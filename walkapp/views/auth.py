from flask import Blueprint, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user

from walkapp.extensions import db
from walkapp.services import accounts
from walkapp.web import render, safe_next, throttle_login

bp = Blueprint("auth", __name__)


@bp.route("/login", methods=["GET", "POST"])
@throttle_login
def login():
    error = None
    if request.method == "POST":
        user = accounts.authenticate(db.session, request.form.get("email", ""),
                                     request.form.get("password", ""))
        if user is not None:
            login_user(user, remember=True)
            return redirect(safe_next(request.args.get("next") or request.form.get("next")))
        error = _("Wrong e-mail or password.")
    status = 422 if error else 200
    return render("auth/login.html", error=error, status=status,
                  email=request.form.get("email", ""), next=request.args.get("next", ""))


@bp.post("/logout")
@login_required
def logout():
    """Log out here and everywhere else: the old session and remember cookies stop working."""
    accounts.end_sessions(db.session, current_user)
    db.session.commit()
    logout_user()
    return redirect(url_for("auth.login"))
