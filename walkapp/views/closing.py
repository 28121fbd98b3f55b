"""After the walk: the closing meeting, the walk report (HTML and PDF), the re-walk."""

import base64
from pathlib import Path

from flask import Blueprint, Response, current_app, redirect, render_template, request, url_for
from flask_login import login_required

from walkapp.domain import clock
from walkapp.domain import remedies as rd
from walkapp.domain.errors import ValidationError
from walkapp.extensions import db, login
from walkapp.maps import remedies as remedy_maps
from walkapp.services import photos as photo_service
from walkapp.services import privacy as privacy_service
from walkapp.services import report as report_service
from walkapp.services import walks as walk_service
from walkapp.services.remedies import closing as remedy_closing
from walkapp.services.remedies import lifecycle
from walkapp.services.remedies import queries as remedy_queries
from walkapp.web import current_actor, error_message, render
from walkapp.web.inputs import photo_settings, photo_store, spot_limits

bp = Blueprint("closing", __name__)


def _closing_page(walk, status: int = 200, **extra):
    merge_distance = current_app.config["REMEDY_MERGE_DISTANCE_M"]
    meeting = remedy_closing.closing_meeting(db.session, walk, merge_distance)
    spots = [s for ns in meeting.numbered for s in ns.all_spots]
    ctx = {"walk": walk, **meeting.context(), "merge_distance": merge_distance, "errors": {},
           "note_flags": privacy_service.note_flags(spots),
           "kind_labels": privacy_service.KIND_LABELS,
           "note_history": privacy_service.note_events(db.session, [s.id for s in spots]),
           "map": remedy_maps.spots_map(current_app.config, walk, meeting.numbered),
           "form": {}, "today": clock.today(), **extra}
    return render("closing/closing.html", status=status, **ctx)


def _managed_walk(walk_id: int):
    return remedy_closing.managed_walk(db.session, current_actor(), walk_id)


@bp.get("/walks/<int:walk_id>/closing")
@login_required
def closing(walk_id: int):
    return _closing_page(_managed_walk(walk_id))


@bp.post("/walks/<int:walk_id>/closing/merge")
@login_required
def merge(walk_id: int):
    walk = _managed_walk(walk_id)
    keep, other = remedy_closing.parse_merge(request.form)
    remedy_closing.merge_spots(db.session, current_actor(), walk, keep, other)
    db.session.commit()
    return redirect(url_for("closing.closing", walk_id=walk.id) + "#spots")


@bp.post("/walks/<int:walk_id>/closing/unmerge")
@login_required
def unmerge(walk_id: int):
    walk = _managed_walk(walk_id)
    spot_id = remedy_closing.parse_unmerge(request.form)
    remedy_closing.unmerge_spot(db.session, current_actor(), walk, spot_id)
    db.session.commit()
    return redirect(url_for("closing.closing", walk_id=walk.id) + "#spots")


@bp.post("/walks/<int:walk_id>/closing/note")
@login_required
def redact_note(walk_id: int):
    """Replace a flagged note's personal parts by "[fjernet]", or save a corrected note."""
    walk = _managed_walk(walk_id)
    change = privacy_service.parse_note_change(request.form)
    privacy_service.redact_note(db.session, current_actor(), walk, change,
                                spot_limits().note_max_chars)
    db.session.commit()
    return redirect(url_for("closing.closing", walk_id=walk.id) + f"#spot-{change.spot_id}")


@bp.post("/walks/<int:walk_id>/closing/remedies")
@login_required
def create_remedy(walk_id: int):
    walk = _managed_walk(walk_id)
    try:
        data = remedy_closing.parse_remedy_form(request.form)
        remedy_closing.create_remedy(db.session, current_actor(), walk, data)
        db.session.commit()
    except ValidationError as exc:
        db.session.rollback()
        return _closing_page(walk, 422, errors={exc.field or "_form": error_message(exc)},
                             form=request.form, failed_spot=request.form.get("spot_ids"))
    return redirect(url_for("closing.closing", walk_id=walk.id) + "#remedies")


# ---------------------------------------------------------------- report

def _photo_src(public: bool, pdf: bool):
    """The report's photo sources: URLs for the page (remedies.spot_photo decides what each
    caller gets), embedded files for the PDF (the same decision: photos.report_file)."""
    if not pdf:
        return lambda photo, rendition="thumb": url_for(
            "remedies.spot_photo", token=photo.token, rendition=rendition,
            blur="1" if public else None)
    actor, store, settings = current_actor(), photo_store(), photo_settings()

    def file_uri(photo, rendition="thumb"):
        path = photo_service.report_file(db.session, actor, photo, rendition, store, settings,
                                         public)
        return path.as_uri() if path else None
    return file_uri


def _report(walk_id: int, pdf: bool):
    walk = walk_service.get_walk(db.session, walk_id)
    public = report_service.check_access(db.session, current_actor(), walk,
                                         request.args.get("public") == "1")
    data = report_service.build(db.session, current_actor(), walk, public)
    map_uri = "data:image/png;base64," + base64.b64encode(data.map_png).decode()
    return data, dict(report=data, walk=walk, photo_src=_photo_src(data.public, pdf),
                      map_uri=map_uri, pdf=pdf, status_labels=rd.STATUS_LABELS,
                      priority_labels=rd.PRIORITY_LABELS)


def _needs_login() -> bool:
    """The report is for users and the walk's guests; anyone else logs in first."""
    actor = current_actor()
    return not actor.is_user and not actor.guest_participations


@bp.get("/walks/<int:walk_id>/report")
def report(walk_id: int):
    if _needs_login():
        return login.unauthorized()
    data, ctx = _report(walk_id, pdf=False)
    resp = render("report/report.html", **ctx)
    report_service.record_view(db.session, current_actor(), data, pdf=False)
    return resp


@bp.get("/walks/<int:walk_id>/report.pdf")
def report_pdf(walk_id: int):
    if _needs_login():
        return login.unauthorized()
    data, ctx = _report(walk_id, pdf=True)
    html = render_template("report/report.html", **ctx)
    css_dir = Path(current_app.static_folder)
    pdf = report_service.render_pdf(html, base_url=css_dir.as_uri() + "/")
    name = f"protokol-{walk_id}{'-offentlig' if data.public else ''}.pdf"
    report_service.record_view(db.session, current_actor(), data, pdf=True)
    return Response(pdf, mimetype="application/pdf",
                    headers={"Content-Disposition": f'inline; filename="{name}"',
                             "Cache-Control": "private, no-store"})


# ---------------------------------------------------------------- re-walk

def _followup_walk(walk_id: int):
    walk = walk_service.get_walk(db.session, walk_id)
    lifecycle.check_rewalker(db.session, current_actor(), walk)
    return walk


@bp.get("/walks/<int:walk_id>/followup")
def followup(walk_id: int):
    walk = _followup_walk(walk_id)
    page = remedy_queries.follow_up(db.session, current_actor(), walk)
    spots_map = remedy_maps.spots_map(current_app.config, walk, page.numbered, page.remedies) \
        if page.previous else None
    return render("closing/followup.html", walk=walk, previous=page.previous,
                  remedies=page.remedies, numbers=page.numbers, verdicts=page.verdicts,
                  map=spots_map, manage=page.manage)


@bp.post("/walks/<int:walk_id>/followup/<int:remedy_id>")
def followup_verdict(walk_id: int, remedy_id: int):
    walk = _followup_walk(walk_id)
    works = lifecycle.parse_verdict(request.form)
    lifecycle.verdict(db.session, current_actor(), walk, remedy_id, works,
                      request.form.get("comment", ""))
    db.session.commit()
    return redirect(url_for("closing.followup", walk_id=walk.id) + f"#remedy-{remedy_id}")
