"""Contractor links: one remedy, no account, a note, an after photo, mark it done."""

from flask import Blueprint, redirect, request, url_for

from walkapp.extensions import db
from walkapp.services.remedies import access as remedy_access
from walkapp.services.remedies import contractor as contractor_links
from walkapp.services.remedies import lifecycle
from walkapp.web import error_message, remember_contractor_link, render
from walkapp.web.inputs import photo_store, remedy_photo_upload

bp = Blueprint("contractor", __name__, url_prefix="/c")


def _page(link, status=200, **extra):
    ctx = {"link": link, "remedy": link.remedy, "before": contractor_links.before_photos(link),
           "errors": {}, "form": {}, "done": contractor_links.is_done(link), **extra}
    return render("remedies/contractor.html", status=status, **ctx)


def _link(token: str):
    link = contractor_links.resolve_contractor_link(db.session, token)
    remember_contractor_link(link.id)
    return link


@bp.get("/<token>")
def show(token: str):
    return _page(_link(token), token=token, saved=request.args.get("saved"))


@bp.post("/<token>")
def act(token: str):
    link, form = _link(token), request.form
    refusal = lifecycle.attempt(
        db.session, remedy_access.contractor_who(link.remedy_id), link.remedy_id,
        lambda: contractor_links.act(db.session, link, form.get("action"),
                                     form.get("comment", ""), form.get("version"),
                                     remedy_photo_upload(request.files), photo_store()))
    if refusal is None:
        return redirect(url_for("contractor.show", token=token, saved=1))
    if refusal.stale:
        return _page(link, 409, token=token, conflict=error_message(refusal.error))
    return _page(link, 422, token=token, form=form,
                 errors={refusal.error.field or "_form": error_message(refusal.error)})
