"""Walk mode warns before saving a note that names a person, and never blocks when offline."""

from tests.e2e.test_walk_mode import join, open_sheet

NAMED = "Hans Jensen på 22 33 44 55 parkerer her"


def test_a_note_naming_a_person_is_warned_then_fixed_or_saved_anyway(live_server, phone,
                                                                     artifacts):
    walk_id, code = live_server.plan_walk()
    page = join(phone(), live_server, code)
    open_sheet(page)
    page.fill("#spot-note", NAMED)
    page.click("#save-spot")
    page.wait_for_selector("#note-warning:not([hidden])")
    text = page.inner_text("#note-warning")
    assert "Noten ser ud til" in text and "“Hans Jensen”: navn på en person" in text
    assert "“22 33 44 55”: telefonnummer" in text
    page.screenshot(path=str(artifacts / "walk-mode-note-warning.png"))
    assert live_server.spots(walk_id) == []  # nothing sent yet

    # "Ret noten": back to the note; a corrected note is saved without a warning
    page.click("#note-fix")
    assert page.locator("#note-warning").is_hidden()
    assert page.evaluate("document.activeElement.id") == "spot-note"
    page.fill("#spot-note", "Bil parkerer på stien")
    page.click("#save-spot")
    page.wait_for_selector("path.spot-marker.utryg.own")
    assert live_server.spots(walk_id) == [("utryg", "device", "Bil parkerer på stien", 0)]

    # "Gem alligevel": the participant may still save the note as written
    open_sheet(page)
    page.fill("#spot-note", NAMED)
    page.click("#save-spot")
    page.wait_for_selector("#note-warning:not([hidden])")
    page.click("#note-save-anyway")
    page.wait_for_function("() => document.querySelectorAll('path.spot-marker.own').length === 2")
    assert sorted(s[2] for s in live_server.spots(walk_id)) == ["Bil parkerer på stien", NAMED]


def test_without_the_check_the_spot_is_saved_all_the_same(live_server, phone):
    walk_id, code = live_server.plan_walk()
    page = join(phone(), live_server, code)
    page.route("**/api/notes/check", lambda route: route.abort("internetdisconnected"))
    open_sheet(page)
    page.fill("#spot-note", NAMED)
    page.click("#save-spot")
    page.wait_for_selector("path.spot-marker.utryg.own")
    assert page.locator("#note-warning").is_hidden()
    assert live_server.spots(walk_id) == [("utryg", "device", NAMED, 0)]
