"""Remedies: Mine opgaver, one remedy with its history, the follow-up board, the catalogue."""

from flask import Blueprint, abort, current_app, redirect, request, send_file, session, url_for
from flask_babel import gettext
from flask_login import current_user, login_required

from walkapp.domain import clock
from walkapp.domain import params as parse
from walkapp.domain import remedies as rd
from walkapp.domain.errors import DomainError, ValidationError
from walkapp.extensions import db
from walkapp.maps import remedies as remedy_maps
from walkapp.services import notifications
from walkapp.services import walks as walk_service
from walkapp.services.remedies import access as remedy_access
from walkapp.services.remedies import catalogue as remedy_catalogue
from walkapp.services.remedies import contractor as contractor_links
from walkapp.services.remedies import lifecycle
from walkapp.services.remedies import photos as remedy_photos
from walkapp.services.remedies import queries as remedy_queries
from walkapp.web import current_actor, error_message, render
from walkapp.web.inputs import photo_settings, photo_store, remedy_photo_upload
from walkapp.web.urls import photo_url

bp = Blueprint("remedies", __name__, url_prefix="/remedies")


def _who() -> rd.Who:
    return remedy_access.who_of(current_actor())


@bp.get("/")
@login_required
def index():
    return redirect(url_for("remedies." + remedy_queries.index_target(current_actor())))


@bp.get("/mine")
@login_required
def mine():
    query = remedy_queries.parse_task_query(request.args)
    tasks = remedy_queries.my_tasks(db.session, current_actor(), query.sort, query.lat,
                                    query.lon)
    task_map, points = remedy_maps.task_map(
        current_app.config, tasks, lambda remedy_id: url_for("remedies.show",
                                                             remedy_id=remedy_id))
    return render("remedies/mine.html", "remedies/_task_list.html", tasks=tasks,
                  sort=query.sort, lat=query.lat, lon=query.lon, map=task_map, points=points,
                  today=clock.today())


@bp.get("/board")
@login_required
def board():
    data = remedy_queries.follow_up_board(db.session, current_actor(),
                                          soon_days=current_app.config["FOLLOW_UP_SOON_DAYS"])
    return render("remedies/board.html", board=data, statuses=rd.STATUSES,
                  today=clock.today(),
                  walks=walk_service.visible_walks(db.session, current_actor())[:20])


def _show(remedy, status: int = 200, **extra):
    page = remedy_queries.remedy_page(db.session, current_actor(), remedy)
    ctx = {**page.context(), "new_link": session.pop("new_link", None), "errors": {},
           "form": {}, "today": clock.today(), **extra}
    return render("remedies/show.html", status=status, **ctx)


def _show_refused(refusal: lifecycle.Refusal, form):
    """The remedy page again after a refused change: 409 names the conflict, 422 the field."""
    if refusal.stale:
        return _show(refusal.remedy, 409, conflict=error_message(refusal.error), form=form)
    return _show(refusal.remedy, 422, form=form,
                 errors={refusal.error.field or "_form": error_message(refusal.error)})


@bp.get("/<int:remedy_id>")
@login_required
def show(remedy_id: int):
    return _show(lifecycle.get_remedy(db.session, _who(), remedy_id))


@bp.post("/<int:remedy_id>/transition")
@login_required
def transition(remedy_id: int):
    actor, form = current_actor(), request.form
    refusal = lifecycle.attempt(db.session, _who(), remedy_id, lambda: lifecycle.actor_transition(
        db.session, actor, remedy_id, form.get("to", ""), form.get("comment", ""),
        lifecycle.parse_version(form.get("version")), photo=remedy_photo_upload(request.files),
        store=photo_store(), new_owner_org_id=parse.optional_id(form, "owner_org_id")))
    if refusal:
        return _show_refused(refusal, form)
    return redirect(url_for("remedies.show", remedy_id=remedy_id))


@bp.post("/<int:remedy_id>/edit")
@login_required
def edit(remedy_id: int):
    actor, form = current_actor(), request.form
    refusal = lifecycle.attempt(db.session, _who(), remedy_id, lambda: lifecycle.update_remedy(
        db.session, actor, remedy_id, lifecycle.parse_version(form.get("version")),
        lifecycle.parse_change(form)))
    if refusal:
        return _show_refused(refusal, form)
    return redirect(url_for("remedies.show", remedy_id=remedy_id))


@bp.post("/<int:remedy_id>/links")
@login_required
def create_link(remedy_id: int):
    days = contractor_links.link_days(request.form, current_app.config["CONTRACTOR_LINK_DAYS"])
    _link, token = contractor_links.create_contractor_link(
        db.session, current_actor(), remedy_id, request.form.get("label", ""), days)
    db.session.commit()
    session["new_link"] = url_for("contractor.show", token=token, _external=True)
    return redirect(url_for("remedies.show", remedy_id=remedy_id) + "#links")


@bp.post("/links/<int:link_id>/revoke")
@login_required
def revoke_link(link_id: int):
    link = contractor_links.revoke_contractor_link(db.session, current_actor(), link_id)
    db.session.commit()
    return redirect(url_for("remedies.show", remedy_id=link.remedy_id) + "#links")


# ---------------------------------------------------------------- photos

@bp.get("/photos/<token>/<rendition>.jpg")
def remedy_photo(token: str, rendition: str):
    """An old remedy-photo URL: the photo service serves remedy photos now."""
    if rendition not in ("thumb", "display"):
        abort(404)
    photo = remedy_photos.photo_by_token(db.session, current_actor(), token)
    resp = redirect(photo_url(photo, rendition))
    resp.headers["Cache-Control"] = "private, no-store"
    return resp


@bp.get("/spot-photos/<token>/<rendition>.jpg")
def spot_photo(token: str, rendition: str):
    """A spot photo for whoever may see the spot, or a remedy covering it (before photos):
    blurred for everyone but coordinators and police; ?blur=1 asks for the blurred set even
    then (the publishable report). Never falls back to the clean file."""
    if rendition not in ("thumb", "display"):
        abort(404)
    served = remedy_photos.spot_photo_file(db.session, current_actor(), token, rendition,
                                           photo_store(), photo_settings(),
                                           blurred=request.args.get("blur") == "1")
    if served.path is None:
        abort(served.status)
    resp = send_file(served.path, mimetype="image/jpeg", max_age=31536000, conditional=True)
    # The variant depends on who asks and may change when rectangles do: no shared caching.
    resp.headers["Cache-Control"] = "private, no-cache"
    return resp


# ---------------------------------------------------------------- catalogue and settings

@bp.get("/catalogue")
@login_required
def catalogue():
    return render("remedies/catalogue.html",
                  templates=remedy_catalogue.list_templates(db.session, active_only=False),
                  principles=remedy_catalogue.list_principles(db.session),
                  admin=current_actor().role == "admin")


@bp.route("/catalogue/<int:template_id>", methods=["GET", "POST"])
@bp.route("/catalogue/new", methods=["GET", "POST"], defaults={"template_id": None})
@login_required
def template_form(template_id):
    actor = current_actor()
    tpl = remedy_catalogue.template_for_edit(db.session, actor, template_id)
    if request.method == "GET":
        return render("remedies/template_form.html", tpl=tpl, form={}, errors={})
    data = {**request.form.to_dict(), "active": request.form.get("active") == "1"}
    try:
        remedy_catalogue.save_template(db.session, actor, template_id, data)
        db.session.commit()
    except ValidationError as exc:
        db.session.rollback()
        return render("remedies/template_form.html", tpl=tpl, form=request.form,
                      errors={exc.field or "_form": error_message(exc)}, status=422)
    return redirect(url_for("remedies.catalogue"))


@bp.route("/settings", methods=["GET", "POST"])
@login_required
def settings():
    if request.method == "POST":
        try:
            notifications.set_preference(db.session, current_user.id, request.form.get("mode"))
            db.session.commit()
        except DomainError as exc:
            db.session.rollback()
            return render("remedies/settings.html", mode=request.form.get("mode"),
                          errors={"mode": error_message(exc)}, status=422)
        return redirect(url_for("remedies.settings", saved=1))
    return render("remedies/settings.html",
                  mode=notifications.preference(db.session, current_user.id), errors={},
                  saved=request.args.get("saved"))


@bp.app_context_processor
def remedy_labels():
    return {
        "status_label": lambda s: gettext(rd.STATUS_LABELS.get(s, s)),
        "priority_label": lambda p: gettext(rd.PRIORITY_LABELS.get(p, str(p))),
    }
