"""Administration pages: organisations, users and areas. Plain forms, POST/redirect/GET."""

import json

from flask import Blueprint, current_app, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import login_required
from shapely.ops import unary_union

from walkapp.domain.catalogue import ORG_KINDS
from walkapp.domain.errors import DomainError
from walkapp.domain.roles import ROLES
from walkapp.extensions import db
from walkapp.geo.shapes import from_db, to_geojson
from walkapp.maps import builder
from walkapp.services import admin as admin_service
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
    admin_service.require_admin(current_actor())


@bp.context_processor
def _labels():
    return {"role_labels": ROLE_LABELS, "org_kind_labels": ORG_KIND_LABELS,
            "area_kind_labels": AREA_KIND_LABELS,
            "role_options": [(r, ROLE_LABELS[r]) for r in ROLES],
            "org_kind_options": [(k, ORG_KIND_LABELS[k]) for k in ORG_KINDS],
            "area_kind_options": [(k, AREA_KIND_LABELS[k]) for k in admin_service.AREA_KINDS]}


def _failed(exc: DomainError) -> dict:
    """Roll back and return the form errors for *exc*, keyed by field."""
    db.session.rollback()
    return {exc.field or "form": error_message(exc)}


def _upload() -> bytes | None:
    f = request.files.get("file")
    if not f or not f.filename:
        return None
    return f.read(admin_service.GEOJSON_MAX_BYTES + 1)


@bp.get("/")
def index():
    counts = {
        "organisations": len(admin_service.list_organisations(db.session, current_actor())),
        "users": len(admin_service.list_users(db.session, current_actor())),
        "areas": len(admin_service.list_areas(db.session, current_actor())),
    }
    return render("admin/index.html", counts=counts)


# Organisations

@bp.get("/organisations")
def organisations():
    rows = admin_service.list_organisations(db.session, current_actor())
    return render("admin/organisations.html", rows=rows)


@bp.route("/organisations/new", methods=["GET", "POST"])
@bp.route("/organisations/<int:org_id>/edit", methods=["GET", "POST"], endpoint="organisation_edit")
def organisation_new(org_id: int | None = None):
    actor = current_actor()
    org = admin_service.get_organisation(db.session, actor, org_id) if org_id else None
    errors, form, status = {}, request.form, 200
    if request.method == "POST":
        try:
            org = admin_service.save_organisation(db.session, actor, form, org)
            db.session.commit()
            flash(_("The organisation %(name)s was saved.", name=org.name))
            return redirect(url_for("admin.organisations"))
        except DomainError as exc:
            errors, status = _failed(exc), exc.status
            org = admin_service.get_organisation(db.session, actor, org_id) if org_id else None
    values = form if request.method == "POST" else {
        "name": org.name if org else "", "kind": org.kind if org else "andet",
        "contact_email": (org.contact_email or "") if org else ""}
    return render("admin/organisation_form.html", "admin/_organisation_form.html",
                  status=status, org=org, values=values, errors=errors)


# Users

@bp.get("/users")
def users():
    return render("admin/users.html", users=admin_service.list_users(db.session, current_actor()))


def _org_choices() -> list[tuple[str, str]]:
    """Return the organisation select's options, 'none' first."""
    rows = admin_service.list_organisations(db.session, current_actor())
    return [("", _("No organisation"))] + [(str(org.id), org.name) for org, _n in rows]


@bp.route("/users/new", methods=["GET", "POST"])
def user_new():
    errors, values, status = {}, request.form, 200
    if request.method == "POST":
        try:
            user = admin_service.create_user(db.session, current_actor(), request.form)
            db.session.commit()
            flash(_("The user %(email)s was created.", email=user.email))
            return redirect(url_for("admin.users"))
        except DomainError as exc:
            errors, status = _failed(exc), exc.status
    else:
        values = {"role": "deltager", "organisation_id": ""}
    return render("admin/user_form.html", "admin/_user_form.html", status=status,
                  user=None, values=values, errors=errors, orgs=_org_choices())


@bp.route("/users/<int:user_id>/edit", methods=["GET", "POST"])
def user_edit(user_id: int):
    actor = current_actor()
    user = admin_service.get_user(db.session, actor, user_id)
    errors, values, status = {}, request.form, 200
    if request.method == "POST":
        try:
            admin_service.update_user(db.session, actor, user, request.form)
            db.session.commit()
            flash(_("The user %(email)s was saved.", email=user.email))
            return redirect(url_for("admin.users"))
        except DomainError as exc:
            errors, status = _failed(exc), exc.status
            user = admin_service.get_user(db.session, actor, user_id)
    else:
        values = {"name": user.name, "role": user.role,
                  "organisation_id": str(user.organisation_id or ""),
                  "active": "1" if user.active else ""}
    return render("admin/user_form.html", "admin/_user_form.html", status=status,
                  user=user, values=values, errors=errors, orgs=_org_choices())


@bp.post("/users/<int:user_id>/password")
def user_password(user_id: int):
    actor = current_actor()
    user = admin_service.get_user(db.session, actor, user_id)
    try:
        admin_service.reset_password(db.session, actor, user, request.form.get("password", ""))
        db.session.commit()
    except DomainError as exc:
        errors = _failed(exc)
        user = admin_service.get_user(db.session, actor, user_id)
        values = {"name": user.name, "role": user.role,
                  "organisation_id": str(user.organisation_id or ""),
                  "active": "1" if user.active else ""}
        return render("admin/user_form.html", status=exc.status, user=user, values=values,
                      errors=errors, orgs=_org_choices())
    flash(_("The password of %(email)s was changed.", email=user.email))
    return redirect(url_for("admin.user_edit", user_id=user.id))


# Areas

@bp.get("/areas")
def areas():
    return render("admin/areas.html", rows=admin_service.list_areas(db.session, current_actor()))


def _area_map(area=None):
    """Return the area form's map and the extent to show (admin-draw.js fits the view)."""
    rows = admin_service.list_areas(db.session, current_actor())
    shapes = [from_db(area.geom)] if area is not None else [from_db(a.geom) for a, _n in rows]
    bounds = unary_union(shapes).bounds if shapes else None
    center = ((bounds[1] + bounds[3]) / 2, (bounds[0] + bounds[2]) / 2) if bounds else None
    m = builder.base_map(current_app.config, center=center, zoom=14)
    if area is None:
        for other, _n in rows:
            builder.add_area(m, other)
    return builder.parts(m), bounds


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


@bp.route("/areas/new", methods=["GET", "POST"])
def area_new():
    errors, values, status = {}, request.form, 200
    if request.method == "POST":
        try:
            created = admin_service.create_areas(db.session, current_actor(), request.form,
                                                 _upload())
            db.session.commit()
            flash(_("Saved areas: %(names)s.", names=", ".join(a.name for a in created)))
            return redirect(url_for("admin.areas"))
        except DomainError as exc:
            errors, status = _failed(exc), exc.status
    else:
        values = {"kind": "boligomraade", "owner_organisation_id": "", "geometry": ""}
    parts, bounds = _area_map()
    return render("admin/area_form.html", status=status, area=None,
                  values=values, errors=errors, orgs=_org_choices(), parts=parts, bounds=bounds,
                  draw_local=_draw_local())


@bp.route("/areas/<int:area_id>/edit", methods=["GET", "POST"])
def area_edit(area_id: int):
    actor = current_actor()
    area = admin_service.get_area(db.session, actor, area_id)
    errors, values, status = {}, request.form, 200
    if request.method == "POST":
        try:
            admin_service.update_area(db.session, actor, area, request.form, _upload())
            db.session.commit()
            flash(_("The area %(name)s was saved.", name=area.name))
            return redirect(url_for("admin.areas"))
        except DomainError as exc:
            errors, status = _failed(exc), exc.status
            area = admin_service.get_area(db.session, actor, area_id)
    else:
        values = {"name": area.name, "kind": area.kind,
                  "owner_organisation_id": str(area.owner_organisation_id or ""),
                  "geometry": json.dumps(to_geojson(from_db(area.geom)))}
    parts, bounds = _area_map(area)
    return render("admin/area_form.html", status=status, area=area,
                  values=values, errors=errors, orgs=_org_choices(), parts=parts, bounds=bounds,
                  draw_local=_draw_local())


@bp.post("/areas/<int:area_id>/delete")
def area_delete(area_id: int):
    actor = current_actor()
    area = admin_service.get_area(db.session, actor, area_id)
    name = area.name
    try:
        admin_service.delete_area(db.session, actor, area)
        db.session.commit()
    except DomainError as exc:
        errors = _failed(exc)
        return render("admin/areas.html", status=exc.status, errors=errors,
                      rows=admin_service.list_areas(db.session, actor))
    flash(_("The area %(name)s was deleted.", name=name))
    return redirect(url_for("admin.areas"))
