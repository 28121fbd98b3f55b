"""A coordinator plans a walk in the browser: area on the map, route drawn with leaflet-draw."""

from datetime import UTC, datetime


def test_coordinator_draws_a_route_and_plans_the_walk(live_server, browser, artifacts):
    live_server.plan_walk()  # makes sure the Hyldespjældet area exists
    live_server.user("koordinator", "plan-e2e@example.dk")
    ctx = browser.new_context(
        viewport={"width": 1280, "height": 800}, locale="da-DK", timezone_id="Europe/Copenhagen"
    )
    ctx.route("**/*", lambda r: r.continue_() if "127.0.0.1" in r.request.url else r.abort())
    page = ctx.new_page()
    errors = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    live_server.login(page, "plan-e2e@example.dk")
    page.goto(f"{live_server.url}/walks/new")
    before = len(live_server.walks())

    page.fill("#title", "Genvandring Hyldespjældet")
    page.select_option("#area_id", label="Hyldespjældet")
    page.wait_for_selector("path.area-chosen")
    page.fill("#date", "2027-01-20")
    page.fill("#time", "18:45")
    assert page.get_attribute(".leaflet-draw-draw-polyline", "title") == "Tegn ruten"

    page.click(".leaflet-draw-draw-polyline")
    box = page.locator(".plan-map .map-box").bounding_box()
    cx, cy = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    vertices = page.locator(".plan-map .leaflet-editing-icon")
    for n, (dx, dy) in enumerate(((-120, 60), (0, 0), (110, -50)), start=1):
        page.mouse.click(cx + dx, cy + dy)
        # leaflet-draw ignores a click while the map still moves: wait for each vertex.
        for _ in range(3):
            try:
                page.wait_for_function(
                    "n => document.querySelectorAll('.plan-map .leaflet-editing-icon').length >= n",
                    arg=n, timeout=2000)
                break
            except Exception:
                page.mouse.click(cx + dx, cy + dy)
        assert vertices.count() == n
        page.wait_for_timeout(400)  # not a double click
    page.mouse.click(cx + 110, cy - 50)  # the last point again finishes the line
    page.wait_for_function("() => document.getElementById('route').value.includes('LineString')")
    assert page.inner_text("#route-state") == "Der er tegnet en rute."
    page.screenshot(path=str(artifacts / "walk-plan.png"))

    page.click("form button[type=submit].primary")
    page.wait_for_url("**/walks/*")
    assert page.locator("img.qr").evaluate("i => i.complete && i.naturalWidth > 0")
    walks = live_server.walks()
    assert len(walks) == before + 1
    title, starts_at, route = walks[-1]
    assert title == "Genvandring Hyldespjældet"
    assert starts_at == datetime(2027, 1, 20, 17, 45, tzinfo=UTC)
    assert route.geom_type == "LineString" and len(route.coords) == 3
    assert errors == []
    ctx.close()
