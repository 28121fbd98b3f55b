from flask import Blueprint, current_app, redirect, request, url_for

from walkapp.domain.catalogue import PARTICIPANT_ROLES
from walkapp.domain.errors import DomainError
from walkapp.extensions import db
from walkapp.services import walks as walk_service
from walkapp.web import current_actor, error_message, remember_guest, render

bp = Blueprint("join", __name__, url_prefix="/j")


def _walk(code: str):
    return walk_service.walk_by_code(db.session, code,
                                     current_app.config["JOIN_LINK_VALID_DAYS_AFTER_WALK"])


@bp.get("/<code>")
def show(code: str):
    walk = _walk(code)
    participant = walk_service.participant_of(db.session, current_actor(), walk)
    if participant is not None:
        return redirect(url_for("walks.mode", walk_id=walk.id))
    return render("join/join.html", walk=walk, roles=PARTICIPANT_ROLES, error=None)


@bp.post("/<code>")
def join(code: str):
    walk = _walk(code)
    actor = current_actor()
    try:
        participant = walk_service.join_walk(
            db.session, actor, walk, request.form.get("display_name", ""),
            request.form.get("role_label", "beboer"))
    except DomainError as exc:
        db.session.rollback()
        return render("join/join.html", walk=walk, roles=PARTICIPANT_ROLES,
                      error=error_message(exc), status=422)
    db.session.commit()
    if not actor.is_user:
        remember_guest(walk.id, participant.id)
    return redirect(url_for("walks.mode", walk_id=walk.id))
