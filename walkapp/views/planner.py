"""Planner pages: hotspot map, over time, statistics, focus areas."""

import csv
import io
from datetime import date

import numpy as np
from flask import Blueprint, Response, current_app, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import login_required

from walkapp.domain import clock
from walkapp.domain import hotspots as hs
from walkapp.domain import params as parse
from walkapp.extensions import db
from walkapp.geo.shapes import feature_collection
from walkapp.maps import hotspots as hmap
from walkapp.services import hotspots as svc
from walkapp.web import current_actor, render

bp = Blueprint("planner", __name__, url_prefix="/planner")

DEFAULT_LAYERS = ("spots", "gi", "clusters", "areas", "focus", "remedies")


@bp.before_request
@login_required
def only_analysts():
    svc.check_analyst(current_actor())


def _labels() -> dict:
    return {
        "spots": _("Spots (grouped)"), "density": _("Density"), "gi": _("Gi* hotspots"),
        "clusters": _("Clusters"), "focus": _("Focus areas"), "areas": _("Housing areas"),
        "remedies": _("Remedies"),
        "gi_fields": [_("Cell"), _("Spots"), "z", _("p (FDR)")],
        "cluster_fields": [_("Cluster"), _("Spots"), _("Categories"), _("In darkness (per cent)")],
        "spot_fields": [_("Unsafe spots"), _("In darkness")],
    }


def _state():
    """Parse the whole page state from the URL: filter, settings, layers, view."""
    session = db.session
    f = svc.parse_filter(request.args, [c.code for c in svc.choices(session)["categories"]])
    s = svc.parse_settings(request.args, svc.Settings.from_config(current_app.config))
    raw = request.args.get("layers")
    layers = set(raw.split(",")) & set(hmap.LAYER_KEYS) if raw is not None else \
        set(DEFAULT_LAYERS)
    return f, s, layers


def _view_center():
    raw = request.args.get("c", "")
    try:
        lat, lon, zoom = (float(v) for v in raw.split(","))
    except ValueError:
        return None
    if -90 <= lat <= 90 and -180 <= lon <= 180 and 1 <= zoom <= 20:
        return lat, lon, int(zoom)
    return None


def _bounds(points: svc.Points, areas: dict):
    if len(points):
        return (float(np.percentile(points.lon, 1)), float(np.percentile(points.lat, 1)),
                float(np.percentile(points.lon, 99)), float(np.percentile(points.lat, 99)))
    from shapely.geometry import shape

    geoms = [shape(f["geometry"]) for f in areas["features"]]
    if geoms:
        from shapely.ops import unary_union

        return unary_union(geoms).bounds
    return None


def _cluster_fc(found):
    fc = feature_collection(svc.cluster_features(found))
    for feat in fc["features"]:
        p = feat["properties"]
        p["categories_text"] = ", ".join(f"{c} ({n})" for c, n in p["category_counts"].items())
        p["dark_pct"] = round(100 * p["dark_share"])
    return fc


def _remedy_rows(f):
    from flask_babel import format_date

    try:
        from walkapp.domain.remedies import STATUS_LABELS
    except ImportError:
        STATUS_LABELS = {}
    rows = svc.remedy_markers(db.session, current_actor(), f, clock.today())
    for r in rows:
        msgid = STATUS_LABELS.get(r["status"])  # N_()-marked in domain/remedies.py
        label = _(msgid) if msgid else r["status"]
        due = f" · {_('deadline')} {format_date(r['deadline'])}" if r["deadline"] else ""
        late = f" · {_('OVERDUE')}" if r["overdue"] else ""
        r["tooltip"] = f"{r['title']} ({label}){due}{late}"
        r["status_label"] = label
    return rows


ASYNC_LAYERS = {"gi": "gi", "clusters": "dbscan"}  # map layer -> /api/hotspots.geojson method


def _analysis_args() -> dict:
    """The request's filter and settings arguments, for the API URLs of the deferred layers."""
    return {k: request.args.getlist(k) for k in request.args
            if k not in ("layers", "c", "sync", "method")}


@bp.get("/")
def index():
    """The hotspot map. Gi* and DBSCAN are slow over many spots, so by default the page renders
    at once with the cheap layers and planner.js fetches those two from /api/hotspots.geojson;
    ``?sync=1`` (the no-JS link) computes everything before rendering."""
    f, s, layers = _state()
    sync = request.args.get("sync") == "1"
    a = svc.analyse(db.session, current_actor(), f, s,
                    methods=svc.METHODS if sync else ("kde",))
    too_few = len(a.utryg) < s.min_points
    areas = feature_collection(svc.area_features(db.session))
    focus = svc.list_focus_areas(db.session, current_actor())
    remedies = _remedy_rows(f) if svc.remedy_model() is not None else []
    gi_fc = None if (too_few or not sync) else feature_collection(svc.gi_features(a.gi, True))
    map_gi = None if gi_fc is None else feature_collection([
        {"type": "Feature", "geometry": feat["geometry"], "properties": {
            k: feat["properties"][k] for k in ("cell_id", "count", "z", "p_fdr", "class")}}
        for feat in gi_fc["features"]])
    for feat in map_gi["features"] if map_gi else []:
        feat["properties"]["p_fdr"] = float(f"{feat['properties']['p_fdr']:.2g}")
    raster = svc.density_raster(a.kde, max_px=360)
    pending = () if sync else tuple(ASYNC_LAYERS)
    parts, wiring = hmap.planner_map(
        current_app.config, bounds=_bounds(a.points, areas), labels=_labels(), shown=layers,
        spots_fine=svc.spot_aggregates(a.utryg, 100), spots_coarse=svc.spot_aggregates(a.utryg,
                                                                                     1000),
        density=raster, gi_cells=map_gi, cluster_fc=_cluster_fc(a.clusters) if sync else None,
        focus_fc=feature_collection(svc.focus_features(focus)), area_fc=areas, remedies=remedies,
        pending=pending)
    wiring["view"] = _view_center()
    if pending:
        args = _analysis_args()
        wiring["deferred"] = {
            key: url_for("api.hotspots_geojson", method=method, **args)
            for key, method in ASYNC_LAYERS.items() if not (too_few and key == "gi")}
        wiring["colours"] = hmap.GI_COLOURS
        wiring["sync_url"] = url_for("planner.index", sync="1", **args)
        wiring["labels"] = {k: v for k, v in _labels().items() if k.endswith("_fields")}
    hot = sorted((feat["properties"] for feat in (gi_fc or {"features": []})["features"]
                  if feat["properties"]["class_level"] > 0), key=lambda p: -p["z"])
    return render("planner/index.html", a=a, f=f, s=s, layers=layers, parts=parts,
                  wiring=hmap.wiring_json(wiring), hot=hot, clusters=a.clusters,
                  remedies=remedies, density_max=raster[2] if raster else None,
                  choices=svc.choices(db.session), layer_keys=hmap.LAYER_KEYS,
                  labels=_labels(), gi_colours=hmap.GI_COLOURS, sync=sync, too_few=too_few,
                  sync_url=url_for("planner.index", sync="1", **_analysis_args(),
                                   **{k: request.args[k] for k in ("layers", "c")
                                      if k in request.args}),
                  remedy_colours=hmap.REMEDY_COLOURS)


def _period(name: str, default: tuple[date, date]) -> tuple[date, date]:
    from walkapp.domain.errors import N_, ValidationError

    start = parse.day(request.args, f"{name}_from") or default[0]
    end = parse.day(request.args, f"{name}_to") or default[1]
    if start > end:
        raise ValidationError(N_("The start date must be before the end date."),
                              f"{name}_from")
    return start, end


@bp.get("/over-time")
def over_time():
    f, s, _layers = _state()
    today = clock.today()
    a_period = _period("a", (date(today.year - 1, 1, 1), date(today.year - 1, 12, 31)))
    b_period = _period("b", (date(today.year, 1, 1), today))
    result = svc.compare_periods(db.session, current_actor(), f, s, a_period, b_period)
    labels = {"new": _("New"), "persistent": _("Persistent"), "gone": _("Gone")}
    compare_fc = None
    if result.comparison is not None:
        compare_fc = feature_collection(svc.comparison_features(result.comparison))
        for feat in compare_fc["features"]:
            feat["properties"]["label"] = labels[feat["properties"]["status"]]
    areas = feature_collection(svc.area_features(db.session))
    lbl = _labels()
    lbl["gi"] = _("Hotspots over time")
    parts, wiring = hmap.planner_map(
        current_app.config, bounds=_bounds(result.b.points if len(result.b.points)
                                           else result.a.points, areas),
        labels=lbl, shown={"gi", "areas"}, area_fc=areas, compare_fc=compare_fc)
    wiring["view"] = None
    effects = svc.before_after(db.session, current_actor(), s.remedy_radius_m)
    return render("planner/over_time.html", f=f, s=s, result=result, a_period=a_period,
                  b_period=b_period, parts=parts, wiring=hmap.wiring_json(wiring),
                  effects=effects, remedies_installed=svc.remedy_model() is not None,
                  compare_colours=hmap.COMPARE_COLOURS, status_labels=labels,
                  choices=svc.choices(db.session))


@bp.get("/statistics")
def statistics():
    f, _s, _layers = _state()
    grain = request.args.get("grain", "year")
    tables = svc.statistics(db.session, current_actor(), f, grain, clock.today())
    return render("planner/statistics.html", f=f, tables=tables, grain=grain,
                  choices=svc.choices(db.session))


@bp.get("/statistics/<name>.csv")
def statistics_csv(name: str):
    f, _s, _layers = _state()
    grain = request.args.get("grain", "year")
    tables = svc.statistics(db.session, current_actor(), f, grain, clock.today())
    table = tables.get(name)
    if table is None:
        from walkapp.domain.errors import N_, NotFound

        raise NotFound(N_("No such table."))
    buf = io.StringIO()
    writer = csv.writer(buf)
    writer.writerow([_(h) for h in table.headers])
    writer.writerows(table.csv_rows())
    resp = Response("\ufeff" + buf.getvalue(), mimetype="text/csv")
    resp.headers["Content-Disposition"] = f'attachment; filename="walkapp-{name}.csv"'
    return resp


@bp.get("/focus")
def focus_index():
    areas = svc.list_focus_areas(db.session, current_actor())
    return _focus_page(areas)


def _focus_page(areas, form=None, error=None, status=200):
    fc = feature_collection(svc.area_features(db.session))
    focus_fc = feature_collection(svc.focus_features(areas))
    parts, wiring = hmap.planner_map(
        current_app.config, bounds=_bounds(svc.Points(*([np.zeros(0)] * 9)), fc) if not
        focus_fc["features"] else _bounds(svc.Points(*([np.zeros(0)] * 9)), focus_fc),
        labels=_labels(), shown={"areas", "focus"}, area_fc=fc, focus_fc=focus_fc)
    wiring["view"] = None
    wiring["draw"] = True
    return render("planner/focus.html", areas=areas, parts=parts, status=status,
                  wiring=hmap.wiring_json(wiring), form=form or {}, error=error)


@bp.post("/focus")
def focus_create():
    from walkapp.domain.errors import ValidationError
    from walkapp.web import error_message

    try:
        fa = svc.save_focus_area(db.session, current_actor(), request.form.get("name", ""),
                                 request.form.get("geometry", ""), request.form.get("notes", ""))
        db.session.commit()
    except ValidationError as exc:
        db.session.rollback()
        return _focus_page(svc.list_focus_areas(db.session, current_actor()), request.form,
                           {"field": exc.field, "message": error_message(exc)}, 422)
    return redirect(url_for("planner.focus_show", focus_id=fa.id))


@bp.get("/focus/<int:focus_id>")
def focus_show(focus_id: int):
    f, s, _layers = _state()
    fa = svc.get_focus_area(db.session, current_actor(), focus_id)
    st = svc.focus_stats(db.session, current_actor(), fa, f, s)
    focus_fc = feature_collection(svc.focus_features([fa]))
    parts, wiring = hmap.planner_map(
        current_app.config, bounds=_bounds(svc.Points(*([np.zeros(0)] * 9)), focus_fc),
        labels=_labels(), shown={"focus"}, focus_fc=focus_fc)
    wiring["view"] = None
    return render("planner/focus_show.html", fa=fa, st=st, f=f, parts=parts,
                  wiring=hmap.wiring_json(wiring), choices=svc.choices(db.session))


@bp.post("/focus/<int:focus_id>")
def focus_update(focus_id: int):
    fa = svc.get_focus_area(db.session, current_actor(), focus_id)
    svc.save_focus_area(db.session, current_actor(), request.form.get("name", ""),
                        request.form.get("geometry", ""), request.form.get("notes", ""), fa)
    db.session.commit()
    return redirect(url_for("planner.focus_show", focus_id=fa.id))


@bp.post("/focus/<int:focus_id>/delete")
def focus_delete(focus_id: int):
    fa = svc.get_focus_area(db.session, current_actor(), focus_id)
    svc.delete_focus_area(db.session, current_actor(), fa)
    db.session.commit()
    return redirect(url_for("planner.focus_index"))


def cell_label(cell: str) -> str:
    size, e, n = hs.parse_cell_id(cell)
    return f"{cell} (E {e * size} m, N {n * size} m)"
