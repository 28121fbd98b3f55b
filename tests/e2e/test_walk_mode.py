"""Walk mode on a phone: join by link, tag a spot with a photo, and see it live on another phone."""

import io

from PIL import Image

JOIN_BUTTON = "#join-form button[type=submit]"


def jpeg(color=(60, 90, 140)) -> bytes:
    buf = io.BytesIO()
    img = Image.new("RGB", (1600, 1200), color)
    for x in range(0, 1600, 100):  # some structure, so it is not a trivially tiny file
        img.paste((200, 180, 40), (x, 500, x + 50, 700))
    img.save(buf, "JPEG", quality=85)
    return buf.getvalue()


def join(ctx, server, code, role="beboer"):
    page = ctx.new_page()
    page.goto(f"{server.url}/j/{code}")
    page.check(f"input[name=role_label][value={role}]", force=True)
    page.click(JOIN_BUTTON)
    page.wait_for_url("**/mode")
    page.wait_for_selector("#gps-status.gps-ok, #gps-status.gps-weak, #gps-status.gps-bad")
    return page


def open_sheet(page):
    page.click("#mark-here")
    page.wait_for_selector("#spot-sheet:not([hidden])")


def test_guest_tags_an_unsafe_spot_and_another_phone_sees_it(live_server, phone, artifacts):
    walk_id, code = live_server.plan_walk()
    anna_ctx, bo_ctx = phone(), phone()
    bo = join(bo_ctx, live_server, code, role="kommune")
    anna = join(anna_ctx, live_server, code)
    assert "GPS ±8 m" in anna.inner_text("#gps-status")
    anna.screenshot(path=str(artifacts / "walk-mode.png"))

    open_sheet(anna)
    assert anna.locator(".pin-state").get_attribute("class") == "pin-state ok"
    anna.click("label.kind.utryg")
    anna.click("#spot-form label.chip:has(input[value=LYS])")
    anna.click("#spot-form .scale label.chip:has(input[value='2'])")
    anna.fill("#spot-note", "Mørk sti bag garagerne")
    anna.set_input_files(
        "#photo-files", files=[{"name": "sti.jpg", "mimeType": "image/jpeg", "buffer": jpeg()}]
    )
    # previews appear once photo-prep.js has shrunk the photo (asynchronous)
    anna.wait_for_function("() => document.querySelectorAll('#photo-previews img').length === 1")
    anna.screenshot(path=str(artifacts / "walk-mode-sheet.png"))
    anna.click("#save-spot")

    anna.wait_for_selector("path.spot-marker.utryg.own")
    assert anna.locator("#spot-sheet").is_hidden()
    assert anna.inner_text("#wm-toast") == "Gemt."
    assert live_server.spots(walk_id) == [("utryg", "device", "Mørk sti bag garagerne", 1)]

    # The list shows it too, with its photo (refreshed by htmx, no reload)
    anna.click("#view-toggle")
    item = anna.locator("#spot-list li.spot-item.utryg")
    item.wait_for()
    assert "Mørk sti bag garagerne" in item.inner_text() and "Belysning" in item.inner_text()
    anna.wait_for_function(
        "() => { const i = document.querySelector('#spot-list img.thumb');"
        " return i && i.complete && i.naturalWidth > 0; }"
    )

    # Bo's phone polls and shows it without a reload, not as his own
    bo.wait_for_selector("path.spot-marker.utryg", timeout=15000)
    assert bo.locator("path.spot-marker.own").count() == 0
    assert bo.inner_text("#spot-count-badge") == "1"
    bo.click("#view-toggle")
    bo.locator("#spot-list li.spot-item", has_text="Mørk sti bag garagerne").wait_for()
    bo.click("#view-toggle")
    bo.click("path.spot-marker.utryg", force=True)
    bo.wait_for_selector("#spot-detail:not([hidden])")
    assert "Mørk sti bag garagerne" in bo.inner_text("#detail-body")
    assert bo.locator("#detail-body a.button").count() == 0  # not Bo's to edit
    anna.click("#view-toggle")
    anna.screenshot(path=str(artifacts / "walk-mode-after.png"))
    anna.click("path.spot-marker.utryg.own", force=True)
    anna.wait_for_selector("#spot-detail:not([hidden])")
    assert anna.locator("#detail-body a.button").count() == 1  # hers, and the walk is on

    # Tiles were requested and blocked (as offline), yet outlines and spots are on the map
    assert any("tile.openstreetmap.org" in u for u in anna_ctx.blocked)
    assert anna.locator(".leaflet-overlay-pane path").count() >= 3  # area, route, spot


def test_a_far_off_fix_must_be_placed_by_hand(live_server, phone, artifacts):
    walk_id, code = live_server.plan_walk()
    page = join(
        phone({"latitude": 55.6545, "longitude": 12.36, "accuracy": 300}), live_server, code
    )
    assert "gps-bad" in page.get_attribute("#gps-status", "class")
    open_sheet(page)
    assert "need" in page.get_attribute("#pin-state", "class")
    assert page.locator(".pin-icon").count() == 0
    page.click("#save-spot")
    assert page.inner_text("#err-lat") == "Sæt først nålen på kortet."
    assert live_server.spots(walk_id) == []

    # Tap the map above the sheet to place the pin; it is then "manual"
    box = page.locator("#wm-map").bounding_box()
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + 120)
    page.wait_for_selector(".pin-icon")
    assert "manual" in page.get_attribute("#pin-state", "class")
    page.screenshot(path=str(artifacts / "walk-mode-manual-pin.png"))
    page.click("label.kind.tryg")
    page.click("#save-spot")
    page.wait_for_selector("path.spot-marker.tryg.own")
    assert live_server.spots(walk_id) == [("tryg", "manual", "", 0)]


def test_a_weak_fix_warns_but_is_used(live_server, phone):
    _, code = live_server.plan_walk()
    page = join(phone({"latitude": 55.6545, "longitude": 12.36, "accuracy": 40}), live_server, code)
    assert "gps-weak" in page.get_attribute("#gps-status", "class")
    assert "40" in page.inner_text("#gps-status")
    open_sheet(page)
    assert "weak" in page.get_attribute("#pin-state", "class")
    assert page.locator(".pin-icon").count() == 1


def test_server_refusal_is_shown_next_to_the_field(live_server, phone):
    walk_id, code = live_server.plan_walk()
    # 10 km from the area: the server answers 422 naming "lat"
    page = join(phone({"latitude": 55.70, "longitude": 12.50, "accuracy": 5}), live_server, code)
    open_sheet(page)
    page.click("#save-spot")
    page.wait_for_function("() => document.querySelector('#err-lat').textContent.includes('km')")
    assert page.locator("#spot-sheet").is_visible()
    assert live_server.spots(walk_id) == []


def test_a_lost_answer_is_retried_without_duplicates(live_server, phone):
    walk_id, code = live_server.plan_walk()
    ctx = phone()
    page = join(ctx, live_server, code)
    lost = []

    def lose_first_answer(route):
        if not lost:
            route.fetch()  # the server saves the spot...
            lost.append(route.request.url)
            route.abort("connectionreset")  # ...but the phone never hears back
        else:
            route.continue_()

    page.route(f"**/api/walks/{walk_id}/spots", lose_first_answer)
    open_sheet(page)
    page.fill("#spot-note", "Knust lampe")
    page.click("#save-spot")
    page.wait_for_function(
        "() => document.querySelector('#save-spot').textContent.includes('igen')"
    )
    page.wait_for_selector("path.spot-marker.utryg.own", timeout=20000)
    assert len(lost) == 1
    assert live_server.spots(walk_id) == [("utryg", "device", "Knust lampe", 0)]


def test_leader_hides_a_spot_and_participants_lose_it(live_server, phone):
    walk_id, code = live_server.plan_walk(leader_email="leder-e2e@example.dk")
    guest = join(phone(), live_server, code)
    open_sheet(guest)
    guest.fill("#spot-note", "Tags på muren")
    guest.click("#save-spot")
    guest.wait_for_selector("path.spot-marker.own")

    leader = phone().new_page()
    live_server.login(leader, "leder-e2e@example.dk")
    leader.goto(f"{live_server.url}/walks/{walk_id}/mode")
    leader.wait_for_selector("path.spot-marker.utryg")
    # the keyboard way: the list, then "show on the map" opens the spot's sheet
    leader.click("#view-toggle")
    leader.click("#spot-list button[data-show-spot]")
    leader.wait_for_selector("#spot-detail:not([hidden])")
    assert leader.locator("#detail-body a.button").count() == 1  # the leader may edit it
    leader.click("#detail-body button[data-hide='1']")
    leader.wait_for_selector("path.spot-marker.is-hidden")

    # The guest's map drops it at the next full refresh
    guest.wait_for_function(
        "() => document.querySelectorAll('path.spot-marker').length === 0", timeout=30000
    )
