"""Issue 14, "maps and tables that speak the user's language": the planner pages, their map
tooltips, the statistics and the API name categories and statuses and write numbers for the
user's language; a Danish spreadsheet dialect beside plain CSV; too few data hides Gi* and the
clusters."""

import csv
import io
import json
import re
from datetime import UTC, date, datetime

import pytest

from tests.factories import make_area, make_user
from tests.web.test_planner import ALBERTSLUND, TO_LL, synthetic_csv
from walkapp.services.imports import import_spots


def safe_spots_csv(n=40) -> str:
    """Safe spots (feeling 4) spread over Albertslund, so shares and means are not whole."""
    lines = ["lat,lon,kind,categories,feeling,observed_at,note"]
    for i in range(n):
        lon, lat = TO_LL.transform(708000 + 130 * i, 6172000 + 90 * i)
        lines.append(f"{lat:.6f},{lon:.6f},tryg,LYS,4,2024-10-{1 + i % 28:02d}T12:00:00,")
    return "\n".join(lines) + "\n"


@pytest.fixture
def world(session):
    import sqlalchemy as sa

    from walkapp.models import Remedy, Walk

    area = make_area(session, "Albertslund", ALBERTSLUND)
    planner = make_user(session, "planlaegger")
    session.commit()
    import_spots(session, synthetic_csv(), "history.csv")
    import_spots(session, safe_spots_csv(), "safe.csv")
    walk = session.scalar(sa.select(Walk).order_by(Walk.id))
    session.add(Remedy(walk_id=walk.id, area_id=area.id, title="Ny lampe", status="i_gang",
                       deadline=date(2024, 1, 5), lat=55.662, lon=12.352,
                       created_at=datetime(2024, 11, 20, tzinfo=UTC)))
    session.commit()
    return {"area": area, "planner": planner}


def _wiring(html: str) -> dict:
    raw = re.search(r"data-planner='([^']*)'", html).group(1)
    return json.loads(raw.replace("&#34;", '"').replace("&amp;", "&"))


def _section(html: str, start: str, end: str) -> str:
    return html.split(start, 1)[1].split(end, 1)[0]


def test_danish_map_page_names_categories_and_statuses_and_writes_decimal_commas(
        client, auth, world):
    auth.login(world["planner"])
    html = client.get("/planner/?sync=1").get_data(as_text=True)
    clusters = _section(html, "<h2>Klynger</h2>", "</table>")
    assert "Belysning (" in clusters and "Graffiti (" in clusters
    assert "LYS (" not in clusters and "BEV (" not in clusters
    legend = _section(html, "<h3>Tiltag</h3>", "</ul>")
    for name in ("foreslået", "i gang", "udført", "ikke vores ansvar"):
        assert f"</span>{name}</li>" in legend
    for code in ("foreslaaet", "i_gang", "udfoert", "ikke_vores_ansvar"):
        assert f"</span>{code}</li>" not in legend
    assert "Hotspot, 99\xa0% sikkerhed" in html  # Babel's Danish percent: a no-break space
    hot = _section(html, 'id="hot-list-h"', "</table>")
    z = re.findall(r"<tr><td>100m_\d+_\d+</td><td>\d+</td><td>(-?[\d.,]+)</td>"
                   r"<td>([\d.,]+)</td>", hot)
    assert z and all(re.fullmatch(r"-?\d+,\d", a) and re.fullmatch(r"\d,\d{4}", b)
                     for a, b in z)
    # The map's tooltips: categories by name, z with a decimal comma, the remedy overdue.
    assert re.search(r'"categories_text": "[^"]*Belysning \(\d+\)', html)
    assert re.search(r'"z_text": "-?\d+,\d"', html)
    assert "Ny lampe (i gang) · deadline 5. jan. 2024 · overskredet" in html
    assert "OVERDUE" not in html and "OVERSKREDET" not in html
    assert "<td>5. jan. 2024</td>" in html  # the remedy table's deadline


def test_english_map_page_uses_english_names_and_decimal_points(client, auth, world):
    auth.login(world["planner"])
    html = client.get("/planner/?sync=1&lang=en").get_data(as_text=True)
    clusters = _section(html, "<h2>Clusters</h2>", "</table>")
    assert "Lighting (" in clusters and "Graffiti (" in clusters and "LYS (" not in clusters
    legend = _section(html, "<h3>Remedies</h3>", "</ul>")
    for name in ("proposed", "in progress", "done", "not our responsibility"):
        assert f"</span>{name}</li>" in legend
    assert re.search(r'"z_text": "-?\d+\.\d"', html)
    assert re.search(r'"categories_text": "[^"]*Lighting \(\d+\)', html)
    assert "Ny lampe (in progress) · deadline Jan 5, 2024 · overdue" in html


def test_deferred_page_sends_category_names_and_the_few_note_to_planner_js(
        client, auth, world):
    auth.login(world["planner"])
    html = client.get("/planner/").get_data(as_text=True)
    labels = _wiring(html)["labels"]
    assert labels["categories"]["LYS"] == "Belysning"
    assert labels["few"].startswith("Meget få fund")
    # the progress status sits over the map, inside the map's frame
    frame = _section(html, '<div class="map-frame">', "</section>")
    assert "data-deferred-status" in frame and 'aria-live="polite"' in frame


def test_statistics_page_names_categories_and_writes_decimal_commas(client, auth, world):
    auth.login(world["planner"])
    html = client.get("/planner/statistics").get_data(as_text=True)
    cats = _section(html, 'id="t-categories"', "</section>")
    labels = re.findall(r'<span class="bar-label" title="([^"]+)"', cats)
    assert "Belysning" in labels and "Graffiti" in labels and "LYS" not in labels
    shares = re.findall(r'<td class="num">(\d+[.,]\d+)</td>', cats)
    assert shares and all("," in v and "." not in v for v in shares)
    english = client.get("/planner/statistics?lang=en").get_data(as_text=True)
    cats_en = _section(english, 'id="t-categories"', "</section>")
    assert "Lighting" in re.findall(r'<span class="bar-label" title="([^"]+)"', cats_en)
    assert re.findall(r'<td class="num">\d+\.\d+</td>', cats_en)
    quarters = client.get("/planner/statistics?grain=quarter&lang=en").get_data(as_text=True)
    assert "2024 Q4" in quarters and "2024 K4" not in quarters
    assert "2024 K4" in client.get("/planner/statistics?grain=quarter&lang=da").get_data(
        as_text=True)


def test_csv_in_the_danish_spreadsheet_dialect_beside_plain_csv(client, auth, world):
    auth.login(world["planner"])
    page = client.get("/planner/statistics").get_data(as_text=True)
    assert "dialect=excel-da" in page and "categories.csv?" in page
    plain = client.get("/planner/statistics/categories.csv").get_data(as_text=True)
    assert plain.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(plain[1:])))
    assert rows[0][:2] == ["Kode", "Kategori"]
    assert any(re.fullmatch(r"\d+\.\d+", v) for row in rows[1:] for v in row)
    resp = client.get("/planner/statistics/categories.csv?dialect=excel-da")
    assert resp.status_code == 200 and resp.mimetype == "text/csv"
    raw = resp.get_data()
    assert raw.startswith(b"\xef\xbb\xbf")  # UTF-8 with BOM
    text = raw.decode("utf-8")[1:]
    da = list(csv.reader(io.StringIO(text), delimiter=";"))
    assert da[0][:2] == ["Kode", "Kategori"] and len(da[0]) == len(rows[0])
    lys = next(row for row in da if row[0] == "LYS")
    assert lys[1] == "Belysning"
    decimals = [v for row in da[1:] for v in row if re.fullmatch(r"\d+[.,]\d+", v)]
    assert decimals and all("," in v for v in decimals)
    assert [row[0] for row in da] == [row[0] for row in rows]  # the same table
    bad = client.get("/planner/statistics/categories.csv?dialect=lotus")
    assert bad.status_code == 422
    assert "Ukendt CSV-format" in bad.get_data(as_text=True)


def test_api_too_few_message_follows_the_callers_language(client, auth, world):
    auth.login(world["planner"])
    da = client.get("/api/hotspots.geojson?method=gi&from=2030-01-01").get_json()
    assert da["too_few_data"] is True
    assert da["message"].startswith("For få data: der skal mindst være 30 utrygge steder")
    assert "message_params" not in da
    en = client.get("/api/hotspots.geojson?method=gi&from=2030-01-01&lang=en").get_json()
    assert en["message"] == ("Too few data: at least 30 unsafe spots are needed before "
                             "hotspots are drawn.")


def test_too_few_data_hides_gi_and_clusters_and_never_says_they_are_shown(
        client, auth, world):
    auth.login(world["planner"])
    for path in ("/planner/?from=2030-01-01", "/planner/?from=2030-01-01&sync=1"):
        html = client.get(path).get_data(as_text=True)
        assert '<strong class="too-few">For få data' in html
        assert "Gi*-hotspots og klynger er vist" not in html
        assert "Beregner Gi*-hotspots" not in html
        wiring = _wiring(html)
        assert "deferred" not in wiring
        assert "gi" not in wiring["layers"] and "clusters" not in wiring["layers"]
        clusters = _section(html, "<h2>Klynger</h2>", "</section>")
        assert "For få data." in clusters and 'id="cluster-list"' not in clusters
