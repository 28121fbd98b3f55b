"""The remedy catalogue: typical remedies (templates) and the principles they follow."""

import sqlalchemy as sa

from walkapp.domain import remedies as rd
from walkapp.domain.actor import Actor
from walkapp.domain.catalogue import CATEGORY_CODES, ORG_KINDS
from walkapp.domain.errors import N_, NotFound, PermissionDenied, ValidationError
from walkapp.domain.roles import Role
from walkapp.models import Principle, RemedyTemplate


def list_templates(session, active_only: bool = True) -> list[RemedyTemplate]:
    q = sa.select(RemedyTemplate).order_by(RemedyTemplate.sort, RemedyTemplate.id)
    if active_only:
        q = q.where(RemedyTemplate.active)
    return list(session.scalars(q))


TEMPLATE_FIELDS = ("title_da", "title_en", "description_da", "description_en", "target_da",
                   "target_en", "categories", "principles", "owner_kind", "effort")


def save_template(session, actor: Actor, template_id: int | None, data: dict) -> RemedyTemplate:
    """Create or change a catalogue template (administrators only)."""
    if actor.role != Role.ADMIN:
        raise PermissionDenied(N_("Only administrators can edit the catalogue."))
    values = {k: (data.get(k) or "").strip() for k in TEMPLATE_FIELDS}
    for name in ("title_da", "title_en"):
        if not values[name]:
            raise ValidationError(N_("The template needs a title."), name)
        if len(values[name]) > 200:
            raise ValidationError(N_("The title is too long."), name)
    cats = [c.strip().upper() for c in values["categories"].split(",") if c.strip()]
    for c in cats:
        if c not in CATEGORY_CODES:
            raise ValidationError(N_("Unknown category: %(code)s."), "categories", code=c)
    values["categories"] = ",".join(cats)
    known = {p.code for p in rd.PRINCIPLES}
    prins = [p.strip().upper() for p in values["principles"].split(",") if p.strip()]
    for p in prins:
        if p not in known:
            raise ValidationError(N_("Unknown principle: %(code)s."), "principles", code=p)
    values["principles"] = ",".join(prins)
    if values["owner_kind"] not in ORG_KINDS:
        raise ValidationError(N_("Unknown organisation kind."), "owner_kind")
    if values["effort"] not in rd.EFFORT_BANDS:
        raise ValidationError(N_("Unknown effort band."), "effort")
    if template_id is None:
        code = (data.get("code") or "").strip().upper()
        if not code or len(code) > 20:
            raise ValidationError(N_("The template needs a short code."), "code")
        if session.scalar(sa.select(RemedyTemplate).where(RemedyTemplate.code == code)):
            raise ValidationError(N_("That code is taken."), "code")
        tpl = RemedyTemplate(code=code, sort=1000)
        session.add(tpl)
    else:
        tpl = session.get(RemedyTemplate, template_id)
        if tpl is None:
            raise NotFound(N_("No such template."))
    for k, v in values.items():
        setattr(tpl, k, v)
    tpl.active = bool(data.get("active", True))
    session.flush()
    return tpl


def list_principles(session) -> list[Principle]:
    return list(session.scalars(sa.select(Principle).order_by(Principle.sort)))


def template_for_edit(session, actor: Actor, template_id: int | None) -> RemedyTemplate | None:
    """The template an administrator edits (None: a new one); 403 for others, 404 if unknown."""
    if actor.role != Role.ADMIN:
        raise PermissionDenied(N_("Only administrators can edit the catalogue."))
    if not template_id:
        return None
    tpl = session.get(RemedyTemplate, template_id)
    if tpl is None:
        raise NotFound(N_("The page was not found."))
    return tpl
