"""After the walk: the closing meeting, the walk report (HTML and PDF), the re-walk."""

import base64
from pathlib import Path

import sqlalchemy as sa
from flask import Blueprint, Response, current_app, redirect, request, url_for
from flask_login import login_required

from walkapp.domain import clock
from walkapp.domain import remedies as rd
from walkapp.domain.errors import N_, PermissionDenied, ValidationError
from walkapp.extensions import db
from walkapp.geo.shapes import from_db
from walkapp.maps.builder import add_area, base_map, parts
from walkapp.models import Organisation, Remedy
from walkapp.photos.processing import Settings
from walkapp.photos.store import FileStore
from walkapp.services import photos as photo_service
from walkapp.services import report as report_service
from walkapp.services import walks as walk_service
from walkapp.services.remedies import catalogue as remedy_catalogue
from walkapp.services.remedies import closing as remedy_closing
from walkapp.services.remedies import lifecycle
from walkapp.services.remedies import queries as remedy_queries
from walkapp.web import current_actor, error_message, render

bp = Blueprint("closing", __name__)


def spots_map(walk, numbered, extra_remedies=()):
    """The area with numbered spot pins (DivIcon, our CSS), usable without tiles."""
    import folium

    m = base_map(current_app.config, bounds=from_db(walk.area.geom).bounds)
    add_area(m, walk.area)
    for ns in numbered:
        p = from_db(ns.spot.geom)
        folium.Marker(
            (p.y, p.x), tooltip=f"{ns.number}: {', '.join(ns.categories)}",
            icon=folium.DivIcon(html=f'<span class="spot-pin {ns.spot.kind}">{ns.number}</span>',
                                icon_size=(28, 28), icon_anchor=(14, 14)),
        ).add_to(m)
    for i, r in enumerate(extra_remedies, start=1):
        if r.lat is not None:
            folium.Marker(
                (r.lat, r.lon), tooltip=r.title,
                icon=folium.DivIcon(html=f'<span class="task-pin">R{i}</span>',
                                    icon_size=(32, 28), icon_anchor=(16, 14)),
            ).add_to(m)
    return parts(m)


def _closing_context(walk, **extra):
    numbered = remedy_closing.numbered_spots(db.session, walk)
    numbers = {s.id: ns.number for ns in numbered for s in ns.all_spots}
    templates = remedy_catalogue.list_templates(db.session)
    suggestions = {ns.spot.id: remedy_closing.suggest(db.session, walk.area, ns.categories,
                                                      templates) for ns in numbered}
    remedies = db.session.scalars(sa.select(Remedy).where(Remedy.walk_id == walk.id)
                                  .order_by(Remedy.id)).all()
    ctx = {
        "walk": walk, "numbered": numbered, "numbers": numbers, "suggestions": suggestions,
        "merges": remedy_closing.merge_candidates(
            db.session, walk, current_app.config["REMEDY_MERGE_DISTANCE_M"]),
        "templates": templates,
        "organisations": db.session.scalars(sa.select(Organisation).order_by(
            Organisation.name)).all(),
        "remedies": remedies, "map": spots_map(walk, numbered),
        "remedy_numbers": {r.id: sorted({numbers[s.id] for s in r.spots if s.id in numbers})
                           for r in remedies},
        "merge_distance": current_app.config["REMEDY_MERGE_DISTANCE_M"],
        "errors": {}, "form": {}, "today": clock.today(),
    }
    ctx.update(extra)
    return ctx


def _manager_walk(walk_id: int):
    if not rd.may_manage(current_actor().role):
        raise PermissionDenied(N_("Only coordinators can run the closing meeting."))
    return walk_service.get_walk(db.session, walk_id)


@bp.get("/walks/<int:walk_id>/closing")
@login_required
def closing(walk_id: int):
    walk = _manager_walk(walk_id)
    return render("closing/closing.html", **_closing_context(walk))


@bp.post("/walks/<int:walk_id>/closing/merge")
@login_required
def merge(walk_id: int):
    walk = _manager_walk(walk_id)
    keep, other = request.form.get("keep_id", ""), request.form.get("merge_id", "")
    if not keep.isdigit() or not other.isdigit():
        raise ValidationError(N_("Choose two different spots."), "merge_id")
    remedy_closing.merge_spots(db.session, current_actor(), walk, int(keep), int(other))
    db.session.commit()
    return redirect(url_for("closing.closing", walk_id=walk.id) + "#spots")


@bp.post("/walks/<int:walk_id>/closing/unmerge")
@login_required
def unmerge(walk_id: int):
    walk = _manager_walk(walk_id)
    spot = request.form.get("spot_id", "")
    if not spot.isdigit():
        raise ValidationError(N_("That spot is not merged."), "spot_id")
    remedy_closing.unmerge_spot(db.session, current_actor(), walk, int(spot))
    db.session.commit()
    return redirect(url_for("closing.closing", walk_id=walk.id) + "#spots")


@bp.post("/walks/<int:walk_id>/closing/remedies")
@login_required
def create_remedy(walk_id: int):
    walk = _manager_walk(walk_id)
    try:
        data = remedy_closing.parse_remedy_form(request.form)
        remedy_closing.create_remedy(db.session, current_actor(), walk, data)
        db.session.commit()
    except ValidationError as exc:
        db.session.rollback()
        return render("closing/closing.html", status=422, **_closing_context(
            walk, errors={exc.field or "_form": error_message(exc)}, form=request.form,
            failed_spot=request.form.get("spot_ids")))
    return redirect(url_for("closing.closing", walk_id=walk.id) + "#remedies")


# ---------------------------------------------------------------- report

def _data_uri(path: Path) -> str:
    return "data:image/jpeg;base64," + base64.b64encode(path.read_bytes()).decode()


def _report(walk_id: int, pdf: bool):
    actor = current_actor()
    walk = walk_service.get_walk(db.session, walk_id)
    public = report_service.check_access(db.session, actor, walk,
                                         request.args.get("public") == "1")
    data = report_service.build(db.session, walk, public)
    store = FileStore(current_app.config["PHOTO_DIR"])

    def photo_src(photo, rendition="thumb"):
        if not pdf:
            return url_for("remedies.spot_photo", token=photo.token, rendition=rendition,
                           blur="1" if data.public else None)
        path = photo_service.report_file(db.session, photo, rendition, store,
                                         Settings.from_config(current_app.config), data.public)
        return path.as_uri() if path else None

    map_uri = "data:image/png;base64," + base64.b64encode(data.map_png).decode()
    return data, dict(report=data, walk=walk, photo_src=photo_src, map_uri=map_uri, pdf=pdf,
                      status_labels=rd.STATUS_LABELS, priority_labels=rd.PRIORITY_LABELS)


@bp.get("/walks/<int:walk_id>/report")
def report(walk_id: int):
    if not current_actor().is_user and not current_actor().guest_participations:
        from walkapp.extensions import login

        return login.unauthorized()
    _data, ctx = _report(walk_id, pdf=False)
    return render("report/report.html", **ctx)


@bp.get("/walks/<int:walk_id>/report.pdf")
def report_pdf(walk_id: int):
    from flask import render_template

    if not current_actor().is_user and not current_actor().guest_participations:
        from walkapp.extensions import login

        return login.unauthorized()
    data, ctx = _report(walk_id, pdf=True)
    html = render_template("report/report.html", **ctx)
    css_dir = Path(current_app.static_folder)
    pdf = report_service.render_pdf(html, base_url=css_dir.as_uri() + "/")
    name = f"protokol-{walk_id}{'-offentlig' if data.public else ''}.pdf"
    return Response(pdf, mimetype="application/pdf",
                    headers={"Content-Disposition": f'inline; filename="{name}"',
                             "Cache-Control": "private, no-store"})


# ---------------------------------------------------------------- re-walk

def _followup_context(walk, **extra):
    remedies = remedy_queries.followup_remedies(db.session, walk)
    previous = walk_service.get_walk(db.session, walk.previous_walk_id) \
        if walk.previous_walk_id else None
    numbered = remedy_closing.numbered_spots(db.session, previous) if previous else []
    numbers = {s.id: ns.number for ns in numbered for s in ns.all_spots}
    actor = current_actor()
    levels = actor.visibility
    numbered = [ns for ns in numbered if ns.spot.visibility in levels]
    ctx = {"walk": walk, "previous": previous, "remedies": remedies, "numbers": numbers,
           "verdicts": {r.id: lifecycle.last_verdict(r, walk.id) for r in remedies},
           "map": spots_map(walk, numbered, remedies) if previous else None,
           "manage": rd.may_manage(actor.role)}
    ctx.update(extra)
    return ctx


def _followup_walk(walk_id: int):
    actor = current_actor()
    walk = walk_service.get_walk(db.session, walk_id)
    # The walk's leader runs the re-walk too (DOMAIN.md: walk leaders run a walk).
    if not rd.may_manage(actor.role) and not walk_service.is_leader(actor, walk) and \
            walk_service.participant_of(db.session, actor, walk) is None:
        raise PermissionDenied(N_("You are not a participant of this walk."))
    return walk


@bp.get("/walks/<int:walk_id>/followup")
def followup(walk_id: int):
    walk = _followup_walk(walk_id)
    return render("closing/followup.html", **_followup_context(walk))


@bp.post("/walks/<int:walk_id>/followup/<int:remedy_id>")
def followup_verdict(walk_id: int, remedy_id: int):
    walk = _followup_walk(walk_id)
    verdict = request.form.get("verdict")
    if verdict not in ("works", "not_fixed"):
        raise ValidationError(N_("Choose works or does not work."), "verdict")
    lifecycle.verdict(db.session, current_actor(), walk, remedy_id, verdict == "works",
                      request.form.get("comment", ""))
    db.session.commit()
    return redirect(url_for("closing.followup", walk_id=walk.id) + f"#remedy-{remedy_id}")
