from flask import Blueprint, jsonify, redirect, request, session, url_for
from flask_login import current_user

from walkapp.extensions import db
from walkapp.services import walks as walk_service
from walkapp.web import current_actor, render, safe_next

bp = Blueprint("main", __name__)


@bp.get("/")
def index():
    actor = current_actor()
    if not current_user.is_authenticated and not actor.guest_participations:
        return redirect(url_for("auth.login"))
    walks = walk_service.visible_walks(db.session, actor)
    return render("main/index.html", walks=walks)


@bp.get("/healthz")
def healthz():
    db.session.execute(db.text("SELECT 1"))
    return jsonify(status="ok", database=db.engine.dialect.name)


@bp.get("/lang/<code>")
def set_language(code: str):
    if code in ("da", "en"):
        session["lang"] = code
    return redirect(safe_next(request.args.get("next")))
