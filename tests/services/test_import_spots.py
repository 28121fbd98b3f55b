import json

import pytest
import sqlalchemy as sa
from shapely.geometry import box

from tests.factories import make_area, make_walk
from walkapp.models import Spot, SpotImport, SpotSource, Walk, spot_categories
from walkapp.services.imports import ImportFailed, import_spots

ALBERTSLUND = box(12.30, 55.64, 12.40, 55.71)

GOOD = """lat,lon,kind,categories,feeling,observed_at,note,source_id
55.6601,12.3501,utryg,LYS;BEV,2,2023-11-14T19:05:00+01:00,Mørk sti,a-1
55.6610,12.3512,tryg,GOD,5,2023-11-14T19:20:00,Fin plads,a-2
55.6620,12.3530,utryg,,,2023-06-01,,a-3
"""

BAD = """lat,lon,kind,categories,feeling,observed_at,note
55.6601,12.3501,utryg,LYS,2,2023-11-14T19:05:00+01:00,ok
,12.3501,utryg,LYS,2,2023-11-14T19:05:00+01:00,missing lat
6172000,710000,utryg,LYS,2,2023-11-14T19:05:00+01:00,projected
55.6601,12.3501,utryg,XYZ;LYS,2,2023-11-14T19:05:00+01:00,unknown category
55.6601,12.3501,utryg,LYS,2,14/11/2023,bad date
55.6601,12.3501,maybe,LYS,9,2023-11-14,bad kind and feeling
"""


@pytest.fixture
def area(session):
    a = make_area(session, "Albertslund", ALBERTSLUND)
    session.commit()
    return a


def count(session, model=Spot):
    return session.scalar(sa.select(sa.func.count()).select_from(model))


def test_bad_rows_import_nothing_and_every_bad_row_is_reported(session, area):
    with pytest.raises(ImportFailed) as info:
        import_spots(session, BAD, "bad.csv")
    errors = info.value.errors
    by_line = {}
    for e in errors:
        by_line.setdefault(e.line, []).append(e.text())
    assert sorted(by_line) == [3, 4, 5, 6, 7]
    assert "missing coordinates" in by_line[3][0]
    assert "projected" in by_line[4][0]
    assert "XYZ" in by_line[5][0]
    assert "ISO 8601" in by_line[6][0]
    assert any("kind" in t for t in by_line[7]) and any("feeling" in t for t in by_line[7])
    assert count(session) == 0 and count(session, Walk) == 0 and count(session, SpotImport) == 0


def test_dry_run_checks_and_imports_nothing(session, area):
    report = import_spots(session, GOOD, "good.csv", dry_run=True)
    assert report.ok and len(report.rows) == 3
    assert count(session) == 0


def test_import_creates_spots_with_categories_and_source(session, area):
    report = import_spots(session, GOOD, "good.csv")
    assert report.created_walk and report.walk.area_id == area.id
    spots = session.scalars(sa.select(Spot).order_by(Spot.id)).all()
    assert [s.kind for s in spots] == ["utryg", "tryg", "utryg"]
    assert spots[0].category_codes == ["LYS", "BEV"]
    assert spots[0].light == "moerke"  # 19:05 in November: from the sun
    assert spots[2].light == "dagslys"
    assert spots[1].observed_at.hour == 18  # 19:20 local time is 18:20 UTC in November
    sources = session.scalars(sa.select(SpotSource).order_by(SpotSource.spot_id)).all()
    assert [s.line for s in sources] == [2, 3, 4]
    assert sources[0].extra == {"source_id": "a-1"}
    assert sources[0].spot_import.source_name == "good.csv"


def test_same_file_twice_is_refused(session, area):
    import_spots(session, GOOD, "good.csv")
    from walkapp.domain.errors import Conflict

    with pytest.raises(Conflict):
        import_spots(session, GOOD, "again.csv")
    assert count(session) == 3


def test_import_into_a_given_walk(session, area):
    walk = make_walk(session, area=area)
    session.commit()
    report = import_spots(session, GOOD, "good.csv", walk_id=walk.id)
    assert not report.created_walk
    assert session.scalar(sa.select(sa.func.count(Spot.id)).where(Spot.walk_id == walk.id)) == 3


def test_geojson_import_and_projected_geojson_is_refused(session, area):
    fc = {"type": "FeatureCollection", "features": [
        {"type": "Feature", "geometry": {"type": "Point", "coordinates": [12.35, 55.66]},
         "properties": {"kind": "utryg", "categories": ["LYS"], "observed_at": "2022-10-01T20:00",
                        "note": "x", "tool": "other"}},
        {"type": "Feature", "geometry": {"type": "LineString", "coordinates": [[0, 0], [1, 1]]},
         "properties": {"kind": "utryg", "observed_at": "2022-10-01"}},
    ]}
    with pytest.raises(ImportFailed) as info:
        import_spots(session, json.dumps(fc), "f.geojson")
    assert [e.line for e in info.value.errors] == [2]
    fc["features"].pop()
    report = import_spots(session, json.dumps(fc), "f.geojson")
    assert report.file_format == "geojson" and count(session) == 1
    assert session.scalar(sa.select(SpotSource.extra)) == {"tool": "other"}
    fc["crs"] = {"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::25832"}}
    fc["features"][0]["properties"]["note"] = "changed"
    with pytest.raises(ImportFailed) as info:
        import_spots(session, json.dumps(fc), "p.geojson")
    assert "projected" in info.value.errors[0].text()


def test_far_away_or_swapped_coordinates_are_reported(session, area):
    text = "lat,lon,kind,observed_at\n12.35,55.66,utryg,2023-01-01\n"
    with pytest.raises(ImportFailed) as info:
        import_spots(session, text, "swapped.csv")
    assert "swapped" in info.value.errors[0].text()


def test_semicolon_csv_with_decimal_commas(session, area):
    text = "lat;lon;kind;categories;observed_at\n55,6601;12,3501;utryg;\"LYS;BEV\";2023-01-05\n"
    import_spots(session, text, "excel.csv")
    assert session.scalar(sa.select(sa.func.count()).select_from(spot_categories)) == 2


def test_cli_reports_lines_and_exit_code(app, session, area, tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text(BAD, encoding="utf-8")
    runner = app.test_cli_runner()
    result = runner.invoke(args=["import-spots", str(bad)])
    assert result.exit_code != 0
    assert "line 3:" in result.output and "line 7:" in result.output
    good = tmp_path / "good.csv"
    good.write_text(GOOD, encoding="utf-8")
    result = runner.invoke(args=["import-spots", str(good), "--dry-run"])
    assert result.exit_code == 0 and "3 rows are valid" in result.output
    assert count(session) == 0
    result = runner.invoke(args=["import-spots", str(good)])
    assert result.exit_code == 0, result.output
    assert count(session) == 3
