"""Administration pages: organisations, users and areas. Plain forms, POST/redirect/GET."""

from flask import Blueprint, current_app, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required, login_user

from walkapp.domain import params as parse
from walkapp.domain.catalogue import ORG_KINDS
from walkapp.domain.errors import DomainError
from walkapp.domain.roles import ROLES
from walkapp.extensions import db
from walkapp.maps.walks import area_form_map
from walkapp.services import accounts, audit, privacy
from walkapp.services import areas as area_service
from walkapp.services import organisations as org_service
from walkapp.web import current_actor, error_message, render

bp = Blueprint("admin", __name__, url_prefix="/admin")

ROLE_LABELS = {
    "admin": _l("Administrator"),
    "koordinator": _l("Coordinator (DKE)"),
    "vandringsleder": _l("Walk leader"),
    "deltager": _l("Participant"),
    "inspektoer": _l("Inspector or caretaker"),
    "planlaegger": _l("Planner or analyst"),
}
ORG_KIND_LABELS = {
    "kommune": _l("Municipality"),
    "politi": _l("Police"),
    "boligselskab": _l("Housing company"),
    "forsyning": _l("Utility"),
    "andet": _l("Other"),
}
AREA_KIND_LABELS = {
    "boligomraade": _l("Housing area"),
    "kommune": _l("Municipality"),
    "andet": _l("Other"),
}


@bp.before_request
@login_required
def _admins_only():
    accounts.require_admin(current_actor())


@bp.context_processor
def _labels():
    return {"role_labels": ROLE_LABELS, "org_kind_labels": ORG_KIND_LABELS,
            "area_kind_labels": AREA_KIND_LABELS,
            "role_options": [(r, ROLE_LABELS[r]) for r in ROLES],
            "org_kind_options": [(k, ORG_KIND_LABELS[k]) for k in ORG_KINDS],
            "area_kind_options": [(k, AREA_KIND_LABELS[k]) for k in area_service.AREA_KINDS]}


def _failed(exc: DomainError) -> dict:
    """Roll back and return the form errors for *exc*, keyed by field."""
    db.session.rollback()
    return {exc.field or "form": error_message(exc)}


def _upload() -> bytes | None:
    f = request.files.get("file")
    if not f or not f.filename:
        return None
    return f.read(area_service.GEOJSON_MAX_BYTES + 1)


@bp.get("/")
def index():
    counts = {
        "organisations": len(org_service.list_organisations(db.session, current_actor())),
        "users": len(accounts.list_users(db.session, current_actor())),
        "areas": len(area_service.list_areas(db.session, current_actor())),
    }
    return render("admin/index.html", counts=counts)


# Organisations

@bp.get("/organisations")
def organisations():
    rows = org_service.list_organisations(db.session, current_actor())
    return render("admin/organisations.html", rows=rows)


def _organisation(org_id: int | None):
    return org_service.get_organisation(db.session, current_actor(), org_id) if org_id else None


@bp.route("/organisations/new", methods=["GET", "POST"])
@bp.route("/organisations/<int:org_id>/edit", methods=["GET", "POST"], endpoint="organisation_edit")
def organisation_new(org_id: int | None = None):
    org = _organisation(org_id)
    errors, status = {}, 200
    if request.method == "POST":
        try:
            org = org_service.save_organisation(db.session, current_actor(), request.form, org)
            db.session.commit()
            flash(_("The organisation %(name)s was saved.", name=org.name))
            return redirect(url_for("admin.organisations"))
        except DomainError as exc:
            errors, status = _failed(exc), exc.status
            org = _organisation(org_id)
    values = request.form if request.method == "POST" else org_service.organisation_form_values(org)
    return render("admin/organisation_form.html", "admin/_organisation_form.html",
                  status=status, org=org, values=values, errors=errors)


# Users

@bp.get("/audit")
def audit_log():
    """Who was served police-only findings or unblurred photos: newest first, paged."""
    log = audit.entries(db.session, current_actor(), audit.parse_query(request.args))
    return render("admin/audit.html", log=log, kinds=audit.KINDS)


@bp.get("/privacy-log")
def privacy_log():
    """Retention runs and erasures: newest first, paged."""
    log = privacy.log_page(db.session, current_actor(), parse.integer(request.args, "page"))
    return render("admin/privacy_log.html", log=log, summary_items=privacy.summary_items)


@bp.get("/users")
def users():
    return render("admin/users.html", users=accounts.list_users(db.session, current_actor()))


def _org_choices() -> list[tuple[str, str]]:
    """Return the organisation select's options, 'none' first."""
    return [("", _("No organisation"))] + org_service.organisation_choices(db.session,
                                                                           current_actor())


def _user_form(user, values, errors: dict, status: int = 200, fragment: bool = True):
    fragment_template = "admin/_user_form.html" if fragment else None
    return render("admin/user_form.html", fragment_template, status=status, user=user,
                  values=values, errors=errors, orgs=_org_choices())


@bp.route("/users/new", methods=["GET", "POST"])
def user_new():
    if request.method == "GET":
        return _user_form(None, accounts.user_form_values(None), {})
    try:
        user = accounts.add_user(db.session, current_actor(), request.form)
        db.session.commit()
    except DomainError as exc:
        return _user_form(None, request.form, _failed(exc), exc.status)
    flash(_("The user %(email)s was created.", email=user.email))
    return redirect(url_for("admin.users"))


def _user(user_id: int):
    return accounts.get_user(db.session, current_actor(), user_id)


@bp.route("/users/<int:user_id>/edit", methods=["GET", "POST"])
def user_edit(user_id: int):
    user = _user(user_id)
    if request.method == "GET":
        return _user_form(user, accounts.user_form_values(user), {})
    try:
        accounts.update_user(db.session, current_actor(), user, request.form)
        db.session.commit()
    except DomainError as exc:
        errors = _failed(exc)
        return _user_form(_user(user_id), request.form, errors, exc.status)
    flash(_("The user %(email)s was saved.", email=user.email))
    return redirect(url_for("admin.users"))


@bp.post("/users/<int:user_id>/password")
def user_password(user_id: int):
    user = _user(user_id)
    try:
        accounts.reset_password(db.session, current_actor(), user,
                                request.form.get("password", ""))
        db.session.commit()
        if user.id == current_user.id:  # the new token ended this session too: renew it
            login_user(user, remember=True)
    except DomainError as exc:
        errors = _failed(exc)
        user = _user(user_id)
        return _user_form(user, accounts.user_form_values(user), errors, exc.status,
                          fragment=False)
    flash(_("The password of %(email)s was changed.", email=user.email))
    return redirect(url_for("admin.user_edit", user_id=user.id))


# Erasure: a person's name and contact details go, their findings stay

def _confirmed() -> bool:
    return request.form.get("confirm") == "1"


def _erase_page(subject: str, action: str, back: str, status: int = 200, errors=None):
    return render("admin/erase.html", status=status, subject=subject, action=action,
                  back=back, errors=errors or {})


@bp.route("/users/<int:user_id>/erase", methods=["GET", "POST"])
def user_erase(user_id: int):
    user = _user(user_id)
    page = (_("the account %(email)s", email=user.email),
            url_for("admin.user_erase", user_id=user.id),
            url_for("admin.user_edit", user_id=user.id))
    if request.method == "GET" or not _confirmed():
        errors = {"confirm": _("Tick the box to confirm.")} if request.method == "POST" else {}
        return _erase_page(*page, status=422 if errors else 200, errors=errors)
    try:
        privacy.erase_user(db.session, current_actor(), user)
        db.session.commit()
    except DomainError as exc:
        return _erase_page(*page, status=exc.status, errors=_failed(exc))
    flash(_("The personal data of user %(id)s were erased; the findings stay.", id=user_id))
    return redirect(url_for("admin.users"))


@bp.get("/walks")
def walks():
    return render("admin/walks.html", walks=privacy.recent_walks(db.session, current_actor()))


@bp.get("/walks/<int:walk_id>/participants")
def participants(walk_id: int):
    walk, rows = privacy.walk_participants(db.session, current_actor(), walk_id)
    return render("admin/participants.html", walk=walk, rows=rows)


@bp.route("/walks/<int:walk_id>/participants/<int:participant_id>/erase",
          methods=["GET", "POST"])
def participant_erase(walk_id: int, participant_id: int):
    p = privacy.get_participant(db.session, current_actor(), walk_id, participant_id)
    page = (_("participant %(id)s of this walk", id=p.id),
            url_for("admin.participant_erase", walk_id=walk_id, participant_id=p.id),
            url_for("admin.participants", walk_id=walk_id))
    if request.method == "GET" or not _confirmed():
        errors = {"confirm": _("Tick the box to confirm.")} if request.method == "POST" else {}
        return _erase_page(*page, status=422 if errors else 200, errors=errors)
    privacy.erase_participant(db.session, current_actor(), p)
    db.session.commit()
    flash(_("The participant's name was erased; the findings stay."))
    return redirect(url_for("admin.participants", walk_id=walk_id))


# Areas

@bp.get("/areas")
def areas():
    return render("admin/areas.html", rows=area_service.list_areas(db.session, current_actor()))


def _draw_local() -> dict:
    """Return the leaflet-draw texts we use, translated (admin-draw.js merges them)."""
    return {
        "polygon": _("Draw an outline"), "edit": _("Change the outline"),
        "remove": _("Delete outlines"), "cancel": _("Cancel"), "finish": _("Finish"),
        "undo": _("Undo the last point"), "save": _("Done"), "clearAll": _("Delete all"),
        "start": _("Tap the map to place the first corner."),
        "cont": _("Tap to place the next corner."),
        "end": _("Tap the first corner to close the outline."),
        "editTip": _("Drag the corners to change the outline."),
        "removeTip": _("Tap an outline to delete it."),
        "intersect": _("The outline may not cross itself."),
    }


def _area_form(area, values, errors: dict, status: int = 200):
    others = [] if area is not None else \
        [a for a, _n in area_service.list_areas(db.session, current_actor())]
    map_parts, bounds = area_form_map(current_app.config, area, others)
    return render("admin/area_form.html", status=status, area=area, values=values,
                  errors=errors, orgs=_org_choices(), map=map_parts, bounds=bounds,
                  draw_local=_draw_local())


@bp.route("/areas/new", methods=["GET", "POST"])
def area_new():
    if request.method == "GET":
        return _area_form(None, area_service.area_form_values(None), {})
    try:
        created = area_service.create_areas(db.session, current_actor(), request.form,
                                            _upload())
        db.session.commit()
    except DomainError as exc:
        return _area_form(None, request.form, _failed(exc), exc.status)
    flash(_("Saved areas: %(names)s.", names=", ".join(a.name for a in created)))
    return redirect(url_for("admin.areas"))


def _area(area_id: int):
    return area_service.get_area(db.session, current_actor(), area_id)


@bp.route("/areas/<int:area_id>/edit", methods=["GET", "POST"])
def area_edit(area_id: int):
    area = _area(area_id)
    if request.method == "GET":
        return _area_form(area, area_service.area_form_values(area), {})
    try:
        area_service.update_area(db.session, current_actor(), area, request.form, _upload())
        db.session.commit()
    except DomainError as exc:
        errors = _failed(exc)
        return _area_form(_area(area_id), request.form, errors, exc.status)
    flash(_("The area %(name)s was saved.", name=area.name))
    return redirect(url_for("admin.areas"))


@bp.post("/areas/<int:area_id>/delete")
def area_delete(area_id: int):
    actor = current_actor()
    area = _area(area_id)
    name = area.name
    try:
        area_service.delete_area(db.session, actor, area)
        db.session.commit()
    except DomainError as exc:
        errors = _failed(exc)
        return render("admin/areas.html", status=exc.status, errors=errors,
                      rows=area_service.list_areas(db.session, actor))
    flash(_("The area %(name)s was deleted.", name=name))
    return redirect(url_for("admin.areas"))
