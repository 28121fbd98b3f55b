"""Issue 14 in a real Chromium: while Gi* and the clusters load, a status over the hotspot map
says so and the map stays usable; the deferred layers' tooltips name categories, write numbers
for the page's language and mark a cell with very few findings. Screenshots of the map and the
statistics at 360 px and at 1366x900 go to test-artifacts/."""

import json
import re
import uuid

import pytest
from playwright.sync_api import expect
from shapely.geometry import box

from tests.web.test_planner import synthetic_csv
from walkapp.extensions import db

SIZES = {"phone": {"viewport": {"width": 360, "height": 740}, "device_scale_factor": 2,
                   "is_mobile": True, "has_touch": True},
         "desktop": {"viewport": {"width": 1366, "height": 900}}}


@pytest.fixture(scope="module")
def planner_email(live_server):
    """A planner, and spots imported over Albertslund with a planted cluster."""
    from walkapp.models import Area
    from walkapp.services import accounts, areas
    from walkapp.services.imports import import_spots

    email = f"p-{uuid.uuid4().hex[:6]}@example.dk"
    with live_server.app.app_context():
        s = db.session
        accounts.create_user(s, email, "planlaegger", "secret-pass", "Albertslund Kommune DKE",
                             org_kind="kommune")
        if not s.query(Area).filter_by(name="Albertslund").first():
            # the kommune (drawn beneath the housing areas other browser tests hover)
            areas.save_area(s, "Albertslund", box(12.30, 55.64, 12.40, 55.69), kind="kommune")
        s.commit()
        import_spots(s, synthetic_csv(), f"e2e-{uuid.uuid4().hex[:6]}.csv")
    return email


@pytest.fixture
def open_page(browser, live_server, planner_email):
    contexts = []

    def make(size="desktop"):
        ctx = browser.new_context(**SIZES[size], locale="da-DK",
                                  timezone_id="Europe/Copenhagen")
        ctx.route("**/*", lambda route: route.continue_()
                  if route.request.url.startswith(live_server.url) else route.abort())
        ctx.set_default_timeout(20000)
        contexts.append(ctx)
        page = ctx.new_page()
        live_server.login(page, planner_email, "secret-pass")
        return page

    yield make
    for ctx in contexts:
        ctx.close()


def _zoom(page) -> int:
    return page.evaluate("document.querySelector('.planner-map [id^=\"map_\"]')"
                         ".walkappMap.getZoom()")


def _settled_zoom(page) -> int:
    """The map's zoom once it has fitted its bounds (it fits again when laid out)."""
    zoom = _zoom(page)
    for _attempt in range(30):
        page.wait_for_timeout(100)
        if _zoom(page) == zoom:
            return zoom
        zoom = _zoom(page)
    return zoom


def test_progress_shows_over_a_usable_map_until_the_layers_arrive(open_page, live_server):
    page = open_page()
    held = []
    page.route("**/api/hotspots.geojson*", lambda route: held.append(route))  # answer them later
    page.goto(live_server.url + "/planner/")
    status = page.locator("[data-deferred-status]")
    expect(status).to_be_visible()
    expect(status).to_have_text("Beregner Gi*-hotspots og klynger…")
    assert status.get_attribute("data-state") == "loading"
    assert page.locator("#hot-cells").get_attribute("aria-busy") == "true"
    # the status lies over the map, and the map takes clicks beneath it meanwhile
    assert page.evaluate("""() => {
        const s = document.querySelector('[data-deferred-status]').getBoundingClientRect();
        const m = document.querySelector('.planner-map').getBoundingClientRect();
        const hit = document.elementFromPoint(s.left + s.width / 2, s.top + s.height / 2);
        return s.top >= m.top && s.bottom <= m.bottom && !!hit.closest('.planner-map');
    }""")
    before = _settled_zoom(page)
    page.locator(".leaflet-control-zoom-in").click()
    for _attempt in range(100):  # polled from here: the page's CSP forbids a string predicate
        if _zoom(page) > before:
            break
        page.wait_for_timeout(50)
    assert _zoom(page) > before
    for _attempt in range(100):  # the two fetches reach the route handler
        if len(held) == 2:
            break
        page.wait_for_timeout(50)
    assert len(held) == 2
    held[0].continue_()
    expect(status).to_have_text(re.compile(r"Beregner Gi\*-hotspots og klynger… \(1 af 2 klar\)"))
    held[1].continue_()
    expect(status).to_have_text("Gi*-hotspots og klynger er vist.")
    assert status.get_attribute("data-state") == "done"
    assert page.locator("#hot-cells").get_attribute("aria-busy") is None


def _open_tooltip(page, key: str, few: bool = False) -> str:
    """Open the tooltip of the first feature (the first marked ``few`` if *few*) of the
    deferred layer *key* as hovering does; return its text."""
    return page.evaluate("""([key, few]) => {
        const box = document.querySelector('[data-planner]');
        const cfg = JSON.parse(box.getAttribute('data-planner'));
        let owner = null, found = null;
        window[cfg.layers[key]].eachLayer(g => g.eachLayer && g.eachLayer(l => {
            if (!found && (!few || l.feature.properties.few)) { owner = g; found = l; }
        }));
        const at = found.getBounds().getCenter();
        // as the pointer does: the event reaches the group the tooltip is bound to
        found.fire('mouseover', {latlng: at}, true);
        const text = owner.getTooltip().getElement().innerText;
        found.fire('mouseout', {latlng: at}, true);
        return text;
    }""", [key, few])


def test_deferred_tooltips_name_categories_write_danish_numbers_and_mark_few(
        open_page, live_server):
    page = open_page()

    def few_first(route):
        """The analysis marks cells with very few findings as ``few``; mark the first."""
        resp = route.fetch()
        fc = resp.json()
        hot = [f for f in fc["features"] if f["properties"]["class_level"] > 0]
        hot.sort(key=lambda f: -f["properties"]["z"])
        if hot:
            hot[0]["properties"]["few"] = True
        route.fulfill(response=resp, body=json.dumps(fc))

    page.route("**/api/hotspots.geojson?method=gi*", few_first)
    page.goto(live_server.url + "/planner/")
    expect(page.locator("[data-deferred-status]")).to_have_text("Gi*-hotspots og klynger er vist.")
    clusters = _open_tooltip(page, "clusters")
    assert re.search(r"Kategorier\s+[^\n]*Belysning \(\d+\)", clusters), clusters
    assert "LYS (" not in clusters and "GRA (" not in clusters
    rows = page.locator("#cluster-list tbody tr").first.inner_text()
    assert "Belysning (" in rows or "Graffiti (" in rows
    text = _open_tooltip(page, "gi", few=True)
    assert "Meget få fund" in text, text
    assert re.search(r"\bz\s+-?\d+,\d\b", text), text
    z_cells = page.locator("#hot-cells tbody tr td:nth-child(3)").all_inner_texts()
    assert z_cells and all(re.fullmatch(r"-?\d+,\d", z) for z in z_cells), z_cells


@pytest.mark.parametrize("size", ["phone", "desktop"])
def test_screenshots_of_the_map_and_the_statistics(open_page, live_server, artifacts, size):
    page = open_page(size)
    page.goto(live_server.url + "/planner/")
    expect(page.locator("[data-deferred-status]")).to_have_text("Gi*-hotspots og klynger er vist.")
    page.screenshot(path=str(artifacts / f"planner-map-{size}.png"))
    page.goto(live_server.url + "/planner/statistics")
    label = page.locator(".stats-table .bar-label").first
    size_px = float(label.evaluate("e => parseFloat(getComputedStyle(e).fontSize)"))
    row_px = float(page.locator(".stats-table td").first.evaluate(
        "e => parseFloat(getComputedStyle(e).fontSize)"))
    assert 13 <= size_px <= 18 and abs(size_px - row_px) <= 2  # as readable as the table
    page.screenshot(path=str(artifacts / f"planner-statistics-{size}.png"), full_page=True)
