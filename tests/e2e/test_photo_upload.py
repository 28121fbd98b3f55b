"""A phone without a position tags a spot from a gallery photo: the page shrinks the photo,
sends its GPS and time as fields, and the spot lands where the photo was taken."""

import shutil
import subprocess
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from tests.e2e.conftest import PHONE
from tests.factories import INSIDE

SHOTS = Path("/tmp/shots-D")


@pytest.fixture
def albertslund_photo(shared_data, tmp_path) -> Path:
    """A real 4608x1976 phone JPEG, re-tagged with exiftool as taken in Hyldespjældet."""
    if shutil.which("exiftool") is None:
        pytest.fail("exiftool (Debian libimage-exiftool-perl) is needed for this test")
    path = tmp_path / "nokia-albertslund.jpg"
    shutil.copy(shared_data / "images/exif-py/tests/resources/jpg/mobile/HMD_Nokia_8.3_5G.jpg",
                path)
    subprocess.run(["exiftool", "-q", "-overwrite_original",
                    f"-GPSLatitude={INSIDE[0]}", "-GPSLatitudeRef=N",
                    f"-GPSLongitude={INSIDE[1]}", "-GPSLongitudeRef=E",
                    "-DateTimeOriginal=2026:11:20 19:05:00", "-OffsetTimeOriginal=+01:00",
                    str(path)], check=True)
    return path


def test_gallery_photo_is_shrunk_and_places_the_spot(live_server, browser, albertslund_photo,
                                                      artifacts):
    walk_id, code = live_server.plan_walk()
    ctx = browser.new_context(**PHONE)  # no geolocation permission: the phone has no position
    ctx.route("**/*", lambda route: route.continue_()
              if urlsplit(route.request.url).hostname in ("127.0.0.1", "localhost")
              else route.abort())
    ctx.set_default_timeout(20000)
    page = ctx.new_page()
    page.goto(f"{live_server.url}/j/{code}")
    page.check("input[name=role_label][value=beboer]", force=True)
    page.click("#join-form button[type=submit]")
    page.wait_for_url("**/mode")
    page.click("#mark-here")
    page.wait_for_selector("#spot-sheet:not([hidden])")
    page.click("label.kind.utryg")
    page.click("#spot-form label.chip:has(input[value=BEV])")
    page.fill("#spot-note", "Buske ved stien")

    uploads = []
    page.on("request", lambda r: uploads.append(r) if r.method == "POST"
            and "/spots" in r.url else None)
    page.set_input_files("#photo-files", str(albertslund_photo))
    page.wait_for_function("() => document.querySelectorAll('#photo-previews img').length === 1")
    page.wait_for_selector(".pin-state.manual")
    assert "fotoet" in page.inner_text(".pin-state")
    SHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SHOTS / "photo-upload-sheet.png"))
    page.screenshot(path=str(artifacts / "photo-upload-sheet.png"))
    page.click("#save-spot")
    page.wait_for_selector("path.spot-marker.utryg.own")
    page.screenshot(path=str(SHOTS / "photo-upload-saved.png"))

    body = uploads[0].post_data_buffer
    original = albertslund_photo.stat().st_size
    assert len(body) < original * 0.8, (len(body), original)  # shrunk before it left the phone
    assert b"photo_lat" in body and b"photo_taken_at" in body

    from walkapp.extensions import db
    from walkapp.geo.shapes import from_db
    from walkapp.models import Photo, Spot

    with live_server.app.app_context():
        spot = db.session.scalars(db.select(Spot).where(Spot.walk_id == walk_id)).one()
        photo = db.session.scalars(db.select(Photo).where(Photo.spot_id == spot.id)).one()
        geom = from_db(spot.geom)
        assert spot.location_source == "photo"
        assert (geom.y, geom.x) == pytest.approx(INSIDE, abs=1e-6)
        assert max(photo.width, photo.height) == 2560  # 4608 px shrunk on the phone
        assert photo.byte_size < original
        assert photo.gps_lat == pytest.approx(INSIDE[0], abs=1e-6)
        assert photo.taken_at.isoformat() == "2026-11-20T18:05:00+00:00"
    ctx.close()
