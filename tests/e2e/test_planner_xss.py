"""Issue 12, points 4 and 5, in a real Chromium: names of focus areas, housing areas and remedies
that are scripts stay text on /planner/ and /planner/focus, on page load and on hover."""

import uuid
from datetime import UTC, datetime

import pytest
from shapely.geometry import MultiPolygon, Polygon

from walkapp.extensions import db

FOCUS_NAME = '<img src=x onerror="window.__xss=1">Fokus'
AREA_NAME = '${window.__xss=2}<img src=x onerror="window.__xss=3">Område'
REMEDY_TITLE = '</script><script>window.__xss=4</script>`${window.__xss=5}`\\u{41}'
AREA_RING = [(12.3480, 55.6525), (12.3530, 55.6525), (12.3530, 55.6565), (12.3480, 55.6565)]
FOCUS_RING = [(12.3650, 55.6530), (12.3700, 55.6530), (12.3700, 55.6560), (12.3650, 55.6560)]
DESKTOP = {"viewport": {"width": 1280, "height": 900}, "locale": "da-DK",
           "timezone_id": "Europe/Copenhagen"}


@pytest.fixture(scope="module")
def planner_email(live_server):
    """A planner, and an area, a focus area and a remedy named with scripts, side by side
    (west to east: the area, the remedy, Hyldespjældet, the focus area)."""
    from walkapp.geo.shapes import to_db
    from walkapp.models import Area, FocusArea, Remedy, User
    from walkapp.services import accounts

    email = f"p-{uuid.uuid4().hex[:6]}@example.dk"
    walk_id, _code = live_server.plan_walk(status="afsluttet")
    with live_server.app.app_context():
        s = db.session
        planner = accounts.create_user(s, email, "planlaegger", "secret-pass",
                                       "Albertslund Kommune DKE", org_kind="kommune")
        area = s.query(Area).filter_by(name="Hyldespjældet").one()
        s.add(Area(name=AREA_NAME, kind="boligomraade",
                   geom=to_db(MultiPolygon([Polygon(AREA_RING)]))))
        s.add(FocusArea(name=FOCUS_NAME, notes="", created_by_id=planner.id,
                        geom=to_db(MultiPolygon([Polygon(FOCUS_RING)]))))
        s.add(Remedy(walk_id=walk_id, area_id=area.id, title=REMEDY_TITLE, status="tildelt",
                     lat=55.6545, lon=12.3542, created_at=datetime(2024, 11, 20, tzinfo=UTC)))
        s.commit()
        assert s.query(User).filter_by(email=email).one()
    return email


@pytest.fixture
def page(browser, live_server, planner_email):
    ctx = browser.new_context(**DESKTOP)
    ctx.route("**/*", lambda route: route.continue_()
              if route.request.url.startswith(live_server.url) else route.abort())
    ctx.set_default_timeout(15000)
    page = ctx.new_page()
    page.dialogs = []
    page.on("dialog", lambda d: (page.dialogs.append(d.message), d.dismiss()))
    page.goto(live_server.url + "/login")
    page.fill("#email", planner_email)
    page.fill("#password", "secret-pass")
    page.locator("form button[type=submit]").first.click()
    page.wait_for_load_state()
    yield page
    ctx.close()


def _no_script_ran(page) -> None:
    page.wait_for_timeout(300)  # give an <img onerror> time to fire
    assert page.evaluate("typeof window.__xss") == "undefined"
    assert page.dialogs == []


def _hover(page, lon: float, lat: float, text: str) -> str:
    """Centre the map on *lon*, *lat* and hover there (the maps draw on a canvas) until the
    tooltip that shows *text* opens (the map may still be fitting its bounds); return the
    tooltip's text."""
    tip = page.locator(".leaflet-tooltip-pane .leaflet-tooltip", has_text=text)
    for _attempt in range(20):
        page.mouse.move(1, 1)
        x, y = page.evaluate("""([lat, lon]) => {
            const box = document.querySelector('.planner-map [id^="map_"]');
            box.walkappMap.setView([lat, lon], 17, {animate: false});
            const p = box.walkappMap.latLngToContainerPoint([lat, lon]);
            const r = box.getBoundingClientRect();
            return [r.left + p.x, r.top + p.y];
        }""", [lat, lon])
        page.mouse.move(x, y, steps=4)
        page.wait_for_timeout(100)  # Leaflet's canvas ignores moves 32 ms after the last one
        page.mouse.move(x + 1, y)
        page.wait_for_timeout(200)
        if tip.count():
            return tip.last.text_content()
    raise AssertionError(f"no tooltip with {text!r} at {lon}, {lat}")


@pytest.mark.parametrize("path", ["/planner/", "/planner/?sync=1"])
def test_hotspot_map_shows_hostile_names_as_text(page, live_server, path):
    page.goto(live_server.url + path)
    _no_script_ran(page)
    assert FOCUS_NAME in _hover(page, 12.3675, 55.6545, "Fokus")  # the focus area's tooltip
    _no_script_ran(page)
    assert REMEDY_TITLE in _hover(page, 12.3542, 55.6545, "__xss=4")  # the title as typed
    _no_script_ran(page)
    assert AREA_NAME in _hover(page, 12.3505, 55.6545, "Område")
    _no_script_ran(page)


def test_focus_page_shows_hostile_names_as_text(page, live_server):
    page.goto(live_server.url + "/planner/focus")
    _no_script_ran(page)
    assert FOCUS_NAME in _hover(page, 12.3675, 55.6545, "Fokus")
    _no_script_ran(page)
    assert AREA_NAME in _hover(page, 12.3505, 55.6545, "Område")
    _no_script_ran(page)
