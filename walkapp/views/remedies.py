"""Remedies: Mine opgaver, one remedy with its history, the follow-up board, the catalogue."""

from datetime import date

import sqlalchemy as sa
from flask import Blueprint, abort, current_app, redirect, request, send_file, session, url_for
from flask_login import current_user, login_required

from walkapp.domain import clock
from walkapp.domain import params as parse
from walkapp.domain import remedies as rd
from walkapp.domain.errors import DomainError, PermissionDenied, ValidationError
from walkapp.extensions import db
from walkapp.maps.builder import base_map, parts
from walkapp.models import Organisation, Photo, Remedy, User
from walkapp.services import notifications
from walkapp.services import photos as photo_service
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
    actor = current_actor()
    if actor.role == "inspektoer":
        return redirect(url_for("remedies.mine"))
    if rd.may_view_all(actor.role):
        return redirect(url_for("remedies.board"))
    raise PermissionDenied(rd.N_("You do not have access to remedies."))


def _float(name: str) -> float | None:
    try:
        value = float(request.args.get(name, ""))
    except ValueError:
        return None
    return value if -180 <= value <= 180 else None


def task_map(tasks):
    """A map of the tasks' places; the numbered pins are added by remedies.js from JSON.

    One folium marker per task costs about 1.5 ms of template compiling, too slow for a
    phone list of hundreds, so the map carries only tiles and bounds.
    """
    points = [{"n": i, "lat": t.remedy.lat, "lon": t.remedy.lon, "title": t.remedy.title,
               "late": t.overdue, "url": url_for("remedies.show", remedy_id=t.remedy.id)}
              for i, t in enumerate(tasks, start=1) if t.remedy.lat is not None]
    bounds = None
    if points:
        lats, lons = [p["lat"] for p in points], [p["lon"] for p in points]
        pad = 0.0005
        bounds = (min(lons) - pad, min(lats) - pad, max(lons) + pad, max(lats) + pad)
    return parts(base_map(current_app.config, zoom=14, bounds=bounds)), points


@bp.get("/mine")
@login_required
def mine():
    actor = current_actor()
    sort = request.args.get("sort", "deadline")
    if sort not in ("deadline", "distance"):
        sort = "deadline"
    lat, lon = _float("lat"), _float("lon")
    tasks = remedy_queries.my_tasks(db.session, actor, sort, lat, lon)
    map_parts, points = task_map(tasks)
    return render("remedies/mine.html", "remedies/_task_list.html", tasks=tasks, sort=sort,
                  lat=lat, lon=lon, map=map_parts, points=points,
                  today=clock.today())


@bp.get("/board")
@login_required
def board():
    data = remedy_queries.follow_up_board(db.session, current_actor(),
                                          soon_days=current_app.config["FOLLOW_UP_SOON_DAYS"])
    from walkapp.services.walks import visible_walks

    return render("remedies/board.html", board=data, statuses=rd.STATUSES,
                  today=clock.today(),
                  walks=visible_walks(db.session, current_actor())[:20])


def _show_context(remedy: Remedy, who: rd.Who, **extra) -> dict:
    actor = current_actor()
    manage = rd.may_manage(actor.role)
    ctx = {
        "remedy": remedy,
        "moves": lifecycle.available_moves(remedy, who),
        "state": remedy_queries.remedy_state(remedy),
        "before": before_photos(remedy, actor.visibility),
        "links": contractor_links.links_of(db.session, remedy.id)
        if rd.roles_for(who, remedy.id, remedy.owner_org_id) else [],
        "new_link": session.pop("new_link", None),
        "organisations": db.session.scalars(sa.select(Organisation).order_by(
            Organisation.name)).all() if manage else [],
        "people": db.session.scalars(sa.select(User).where(
            User.organisation_id == remedy.owner_org_id).order_by(User.name)).all()
        if manage and remedy.owner_org_id else [],
        "manage": manage,
        "errors": {},
        "form": {},
        "today": clock.today(),
    }
    ctx.update(extra)
    return ctx


def before_photos(remedy: Remedy, levels) -> list[Photo]:
    """The spots' photos the viewer may see: the "before" pictures of the remedy."""
    return [p for s in remedy.spots if s.visibility in levels and not s.hidden for p in s.photos]


@bp.get("/<int:remedy_id>")
@login_required
def show(remedy_id: int):
    who = _who()
    remedy = lifecycle.get_remedy(db.session, who, remedy_id)
    return render("remedies/show.html", **_show_context(remedy, who))


@bp.post("/<int:remedy_id>/transition")
@login_required
def transition(remedy_id: int):
    actor = current_actor()
    who = remedy_access.who_of(actor)
    form = request.form
    try:
        lifecycle.actor_transition(
            db.session, actor, remedy_id, form.get("to", ""), form.get("comment", ""),
            lifecycle.parse_version(form.get("version")),
            photo=remedy_photo_upload(request.files), store=photo_store(),
            new_owner_org_id=parse.optional_id(form, "owner_org_id"))
        db.session.commit()
    except lifecycle.StaleRemedy as exc:
        db.session.rollback()
        remedy = lifecycle.get_remedy(db.session, who, remedy_id)
        return render("remedies/show.html", status=409, **_show_context(
            remedy, who, conflict=error_message(exc), form=form))
    except ValidationError as exc:
        db.session.rollback()
        remedy = lifecycle.get_remedy(db.session, who, remedy_id)
        return render("remedies/show.html", status=422, **_show_context(
            remedy, who, errors={exc.field or "_form": error_message(exc)}, form=form,
            chosen=form.get("to")))
    return redirect(url_for("remedies.show", remedy_id=remedy_id))


@bp.post("/<int:remedy_id>/edit")
@login_required
def edit(remedy_id: int):
    actor = current_actor()
    who = remedy_access.who_of(actor)
    form = request.form

    def opt_int(name):
        raw = (form.get(name) or "").strip()
        return int(raw) if raw.isdigit() else None

    try:
        deadline = None
        if (form.get("deadline") or "").strip():
            try:
                deadline = date.fromisoformat(form["deadline"].strip())
            except ValueError as exc:
                raise ValidationError(rd.N_("%(name)s must be a date (YYYY-MM-DD)."),
                                      "deadline", name="deadline") from exc
        change = lifecycle.RemedyChange(
            owner_org_id=opt_int("owner_org_id"), assignee_id=opt_int("assignee_id"),
            deadline=deadline, priority=opt_int("priority"))
        lifecycle.update_remedy(db.session, actor, remedy_id,
                                lifecycle.parse_version(form.get("version")), change)
        db.session.commit()
    except lifecycle.StaleRemedy as exc:
        db.session.rollback()
        remedy = lifecycle.get_remedy(db.session, who, remedy_id)
        return render("remedies/show.html", status=409, **_show_context(
            remedy, who, conflict=error_message(exc)))
    except ValidationError as exc:
        db.session.rollback()
        remedy = lifecycle.get_remedy(db.session, who, remedy_id)
        return render("remedies/show.html", status=422, **_show_context(
            remedy, who, errors={exc.field or "_form": error_message(exc)}, form=form))
    return redirect(url_for("remedies.show", remedy_id=remedy_id))


@bp.post("/<int:remedy_id>/links")
@login_required
def create_link(remedy_id: int):
    days = request.form.get("days", "") or str(current_app.config["CONTRACTOR_LINK_DAYS"])
    if not days.isdigit():
        raise ValidationError(rd.N_("A link lasts from 1 to 365 days."), "days")
    _link, token = contractor_links.create_contractor_link(
        db.session, current_actor(), remedy_id, request.form.get("label", ""), int(days))
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
    actor = current_actor()
    photo = remedy_photos.spot_photo(db.session, actor, token)
    served = photo_service.jpeg_for(db.session, actor, photo, rendition, photo_store(),
                                    photo_settings(), blurred=request.args.get("blur") == "1")
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
    from walkapp.models import Principle

    principles = db.session.scalars(sa.select(Principle).order_by(Principle.sort)).all()
    return render("remedies/catalogue.html",
                  templates=remedy_catalogue.list_templates(db.session, active_only=False),
                  principles=principles, admin=current_actor().role == "admin")


@bp.route("/catalogue/<int:template_id>", methods=["GET", "POST"])
@bp.route("/catalogue/new", methods=["GET", "POST"], defaults={"template_id": None})
@login_required
def template_form(template_id):
    from walkapp.models import RemedyTemplate

    actor = current_actor()
    if actor.role != "admin":
        raise PermissionDenied(rd.N_("Only administrators can edit the catalogue."))
    tpl = db.session.get(RemedyTemplate, template_id) if template_id else None
    if template_id and tpl is None:
        abort(404)
    errors = {}
    if request.method == "POST":
        data = request.form.to_dict()
        data["active"] = request.form.get("active") == "1"
        try:
            remedy_catalogue.save_template(db.session, actor, template_id, data)
            db.session.commit()
            return redirect(url_for("remedies.catalogue"))
        except ValidationError as exc:
            db.session.rollback()
            errors = {exc.field or "_form": error_message(exc)}
            return render("remedies/template_form.html", tpl=tpl, form=request.form,
                          errors=errors, status=422)
    return render("remedies/template_form.html", tpl=tpl, form={}, errors=errors)


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
    from flask_babel import gettext

    return {
        "status_label": lambda s: gettext(rd.STATUS_LABELS.get(s, s)),
        "priority_label": lambda p: gettext(rd.PRIORITY_LABELS.get(p, str(p))),
    }
