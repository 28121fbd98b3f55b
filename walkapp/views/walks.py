from flask import Blueprint

from walkapp.extensions import db
from walkapp.services import walks as walk_service
from walkapp.web import current_actor, render

bp = Blueprint("walks", __name__, url_prefix="/walks")


@bp.get("/<int:walk_id>")
def show(walk_id: int):
    walk = walk_service.get_walk(db.session, walk_id)
    return render("walks/show.html", walk=walk)


@bp.get("/<int:walk_id>/mode")
def mode(walk_id: int):
    walk = walk_service.get_walk(db.session, walk_id)
    return render("walks/mode.html", walk=walk, actor=current_actor())
