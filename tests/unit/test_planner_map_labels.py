"""The planner map's tooltips speak the page's language (issue 14): numbers for the locale,
categories by name, and a note on a Gi* cell with very few findings, when the analysis marks it
(``few``) and without fuss when it does not."""

from walkapp.config import Defaults
from walkapp.maps import hotspots as hmap

CONFIG = {k: getattr(Defaults, k) for k in ("MAP_CENTER", "TILE_URL", "TILE_ATTRIBUTION",
                                           "TILE_MAX_ZOOM")}
LABELS = {"gi": "Gi*", "clusters": "Klynger", "gi_fields": ["Celle", "Steder", "z", "p (FDR)"],
          "cluster_fields": ["Klynge", "Steder", "Kategorier", "I mørke (procent)"],
          "few": "Meget få fund: læs denne celle med forsigtighed.",
          "categories": {"LYS": "Belysning", "BEV": "Bevoksning og skjulesteder"},
          "locale": "da"}
SQUARE = {"type": "Polygon", "coordinates": [[[12.35, 55.66], [12.351, 55.66], [12.351, 55.661],
                                              [12.35, 55.661], [12.35, 55.66]]]}


def cells(**extra) -> dict:
    props = {"cell_id": "100m_61730_7100", "count": 3, "z": 3.2145, "p_fdr": 0.0123,
             "class": "hot95", **extra}
    return {"type": "FeatureCollection",
            "features": [{"type": "Feature", "geometry": SQUARE, "properties": props}]}


def draw(labels=LABELS, **kw) -> str:
    m, _wiring = hmap.planner_map(CONFIG, bounds=None, labels=labels, shown={"gi"}, **kw)
    return m.html + m.script


def test_gi_tooltip_in_danish_numbers_and_the_few_note():
    out = draw(gi_cells=cells(few=True))
    assert '"z_text": "3,2"' in out and '"p_text": "0,012"' in out
    assert '"note": "Meget f\\u00e5 fund' in out
    assert 'let fields = ["cell_id", "count", "z_text", "p_text", "note"];' in out
    english = draw({**LABELS, "locale": "en"}, gi_cells=cells(few=False))
    assert '"z_text": "3.2"' in english and '"p_text": "0.012"' in english


def test_gi_tooltip_without_few_has_no_note_row():
    out = draw(gi_cells=cells())
    assert '"note": ""' in out and "Meget f" not in out
    assert 'let fields = ["cell_id", "count", "z_text", "p_text"];' in out


def test_cluster_tooltip_names_the_categories():
    fc = {"type": "FeatureCollection", "features": [{"type": "Feature", "geometry": SQUARE,
          "properties": {"cluster": 1, "count": 12, "category_counts": {"LYS": 8, "XYZ": 4},
                         "dark_share": 0.5, "dark_pct": 50}}]}
    out = draw(cluster_fc=fc)
    assert "Belysning (8), XYZ (4)" in out and "LYS (8)" not in out
