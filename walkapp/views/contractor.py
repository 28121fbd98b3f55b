"""Contractor links: one remedy, no account, a note, an after photo, mark it done."""

from flask import Blueprint, redirect, request, url_for

from walkapp.domain.errors import ValidationError
from walkapp.extensions import db
from walkapp.services.remedies import contractor as contractor_links
from walkapp.services.remedies import lifecycle
from walkapp.web import error_message, remember_contractor_remedy, render
from walkapp.web.inputs import photo_store, remedy_photo_upload

bp = Blueprint("contractor", __name__, url_prefix="/c")


def _page(link, status=200, **extra):
    remedy = link.remedy
    before = [p for s in remedy.spots if s.visibility == "offentlig" and not s.hidden
              for p in s.photos]
    ctx = {"link": link, "remedy": remedy, "before": before, "errors": {}, "form": {},
           "done": remedy.status not in ("tildelt", "i_gang")}
    ctx.update(extra)
    return render("remedies/contractor.html", status=status, **ctx)


@bp.get("/<token>")
def show(token: str):
    link = contractor_links.resolve_contractor_link(db.session, token)
    remember_contractor_remedy(link.remedy_id)
    return _page(link, token=token, saved=request.args.get("saved"))


@bp.post("/<token>")
def act(token: str):
    link = contractor_links.resolve_contractor_link(db.session, token)
    remember_contractor_remedy(link.remedy_id)
    form = request.form
    try:
        photo = remedy_photo_upload(request.files)
        if form.get("action") == "done":
            contractor_links.contractor_transition(
                db.session, link, "udfoert", form.get("comment", ""),
                lifecycle.parse_version(form.get("version")), photo, photo_store())
        else:
            contractor_links.contractor_note(db.session, link, form.get("comment", ""), photo,
                                             photo_store())
        db.session.commit()
    except lifecycle.StaleRemedy as exc:
        db.session.rollback()
        return _page(link, 409, token=token, conflict=error_message(exc))
    except ValidationError as exc:
        db.session.rollback()
        return _page(link, 422, token=token, form=form,
                     errors={exc.field or "_form": error_message(exc)})
    return redirect(url_for("contractor.show", token=token, saved=1))
