"""Planner pages: hotspot map, over time, statistics, focus areas.

Each view reads the page state from the URL (walkapp.services.hotspots.filters), asks one
service for what the page shows, has walkapp.maps.hotspots draw the map, and renders.
"""

from flask import Blueprint, Response, current_app, redirect, request, url_for
from flask_babel import format_date, get_locale
from flask_babel import gettext as _
from flask_login import login_required

from walkapp.domain import clock
from walkapp.domain import params as parse
from walkapp.domain.errors import ValidationError
from walkapp.domain.remedies import STATUS_LABELS
from walkapp.extensions import db
from walkapp.maps import hotspots as hmap
from walkapp.services import focus_areas
from walkapp.services import statistics as stats
from walkapp.services.hotspots import filters, layers
from walkapp.services.hotspots.access import check_analyst
from walkapp.web import current_actor, error_message, render

bp = Blueprint("planner", __name__, url_prefix="/planner")


@bp.before_request
@login_required
def only_analysts():
    check_analyst(current_actor())


def _language() -> str:
    return get_locale().language


def _labels() -> dict:
    """The map's texts in the request's language: layer names, tooltip field names, category
    names by code, and the locale its numbers are written in."""
    return {
        "spots": _("Spots (grouped)"), "density": _("Density"), "gi": _("Gi* hotspots"),
        "clusters": _("Clusters"), "focus": _("Focus areas"), "areas": _("Housing areas"),
        "remedies": _("Remedies"),
        "gi_fields": [_("Cell"), _("Spots"), "z", _("p (FDR)")],
        "cluster_fields": [_("Cluster"), _("Spots"), _("Categories"), _("In darkness (per cent)")],
        "spot_fields": [_("Unsafe spots"), _("In darkness")],
        "few": _("Very few findings: read this cell with care."),
        "categories": stats.category_names(db.session, _language()),
        "locale": str(get_locale()),
    }


def _state():
    """The filter and the method settings of the request."""
    return filters.page_state(db.session, request.args, current_app.config)


def _label_remedies(rows: list[dict]) -> list[dict]:
    """Add the translated status label and the map's tooltip to each remedy marker."""
    for r in rows:
        label = _(STATUS_LABELS[r["status"]]) if r["status"] in STATUS_LABELS else r["status"]
        due = f" · {_('deadline')} {format_date(r['deadline'])}" if r["deadline"] else ""
        late = f" · {_('overdue')}" if r["overdue"] else ""
        r["tooltip"] = f"{r['title']} ({label}){due}{late}"
        r["status_label"] = label
    return rows


def _analysis_args() -> dict:
    """The request's filter and settings arguments, for the API URLs of the deferred layers."""
    return {k: request.args.getlist(k) for k in request.args
            if k not in ("layers", "c", "sync", "method")}


def _index_map(hm: layers.HotspotMap, shown: set[str], labels: dict) -> hmap.PlannerMap:
    """The hotspot map; planner.js fetches the deferred layers from the API with the same
    filter and settings."""
    args = _analysis_args()
    return hmap.hotspot_page_map(
        current_app.config, hm, labels=labels, view=filters.parse_view(request.args),
        shown=shown, deferred_urls={key: url_for("api.hotspots_geojson", method=method, **args)
                       for key, method in hm.deferred.items()},
        sync_url=url_for("planner.index", sync="1", **args))


@bp.get("/")
def index():
    """The hotspot map. Gi* and DBSCAN are slow over many spots, so by default the page renders
    at once with the cheap layers and planner.js fetches those two from /api/hotspots.geojson;
    ``?sync=1`` (the no-JS link) computes everything before rendering."""
    f, s = _state()
    shown = filters.parse_layers(request.args, hmap.LAYER_KEYS, hmap.DEFAULT_LAYERS)
    hm = layers.hotspot_map(db.session, current_actor(), f, s, request.args.get("sync") == "1",
                            clock.today())
    _label_remedies(hm.remedies)
    kept = {k: request.args[k] for k in ("layers", "c") if k in request.args}
    labels = _labels()
    return render("planner/index.html", hm=hm, f=f, s=s, map=_index_map(hm, shown, labels),
                  layers=shown, category_names=labels["categories"],
                  choices=filters.choices(db.session), gi_colours=hmap.GI_COLOURS,
                  remedy_colours=hmap.REMEDY_COLOURS,
                  sync_url=url_for("planner.index", sync="1", **_analysis_args(), **kept))


@bp.get("/over-time")
def over_time():
    f, s = _state()
    periods = filters.parse_periods(request.args, clock.today())
    ot = layers.over_time_map(db.session, current_actor(), f, s, periods)
    status_labels = {"new": _("New"), "persistent": _("Persistent"), "gone": _("Gone")}
    labels = {**_labels(), "gi": _("Hotspots over time")}
    m = hmap.over_time_page_map(current_app.config, ot, labels=labels,
                                status_labels=status_labels)
    return render("planner/over_time.html", ot=ot, f=f, s=s, map=m,
                  compare_colours=hmap.COMPARE_COLOURS, status_labels=status_labels,
                  choices=filters.choices(db.session))


@bp.get("/statistics")
def statistics():
    f, _s = _state()
    grain = request.args.get("grain", "year")
    tables = stats.statistics(db.session, current_actor(), f, grain, clock.today(), _language())
    return render("planner/statistics.html", f=f, tables=tables, grain=grain,
                  choices=filters.choices(db.session))


@bp.get("/statistics/<name>.csv")
def statistics_csv(name: str):
    """A statistics table as CSV; ``?dialect=excel-da`` for a spreadsheet set to Danish."""
    f, _s = _state()
    table = stats.statistics_table(db.session, current_actor(), f,
                                   request.args.get("grain", "year"), clock.today(), name,
                                   _language())
    text = stats.csv_download(table, [_(h) for h in table.headers],
                              parse.text(request.args, "dialect") or "excel")
    resp = Response(text, mimetype="text/csv")
    resp.headers["Content-Disposition"] = f'attachment; filename="walkapp-{name}.csv"'
    return resp


@bp.get("/focus")
def focus_index():
    return _focus_page()


def _focus_page(form=None, error=None, status=200):
    fm = layers.focus_map(db.session, current_actor())
    return render("planner/focus.html", areas=fm.areas, status=status, form=form or {},
                  map=hmap.focus_page_map(current_app.config, fm, labels=_labels()),
                  error=error)


@bp.post("/focus")
def focus_create():
    try:
        fa = focus_areas.save_focus_area(db.session, current_actor(), request.form.get("name", ""),
                                         request.form.get("geometry", ""),
                                         request.form.get("notes", ""))
        db.session.commit()
    except ValidationError as exc:
        db.session.rollback()
        return _focus_page(request.form, {"field": exc.field, "message": error_message(exc)}, 422)
    return redirect(url_for("planner.focus_show", focus_id=fa.id))


@bp.get("/focus/<int:focus_id>")
def focus_show(focus_id: int):
    f, s = _state()
    fd = layers.focus_detail(db.session, current_actor(), focus_id, f, s)
    labels = _labels()
    return render("planner/focus_show.html", fa=fd.focus, st=fd.stats, f=f,
                  map=hmap.focus_detail_map(current_app.config, fd, labels=labels),
                  choices=filters.choices(db.session), category_names=labels["categories"])


@bp.post("/focus/<int:focus_id>")
def focus_update(focus_id: int):
    fa = focus_areas.get_focus_area(db.session, current_actor(), focus_id)
    focus_areas.save_focus_area(db.session, current_actor(), request.form.get("name", ""),
                                request.form.get("geometry", ""), request.form.get("notes", ""),
                                fa)
    db.session.commit()
    return redirect(url_for("planner.focus_show", focus_id=fa.id))


@bp.post("/focus/<int:focus_id>/delete")
def focus_delete(focus_id: int):
    fa = focus_areas.get_focus_area(db.session, current_actor(), focus_id)
    focus_areas.delete_focus_area(db.session, current_actor(), fa)
    db.session.commit()
    return redirect(url_for("planner.focus_index"))
