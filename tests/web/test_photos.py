"""Photos over HTTP: limits, broken files, who gets which variant, caching, redaction editor."""

import csv
import io
import shutil
import subprocess

import pytest
from PIL import Image

from tests.conftest import csrf_from, logged_in, post_spot
from tests.factories import INSIDE, face_jpeg, jpeg_bytes, make_user, make_walk, spot_form
from walkapp.extensions import db
from walkapp.models import Photo, Walk
from walkapp.services.photos import pending_ids
from walkapp.services.report import render_pdf


@pytest.fixture
def walk_and_guest(app, client):
    """A walk and a guest who joined it. No app context is held open during the test: an open
    one would share flask.g (and its cached CSRF token and actor) between test clients."""
    with app.app_context():
        walk = make_walk(db.session)
        db.session.commit()
        walk_id, code = walk.id, walk.join_code
    token = csrf_from(client.get(f"/j/{code}").get_data(as_text=True))
    resp = client.post(f"/j/{code}", data={"display_name": "Anna", "role_label": "beboer",
                                           "csrf_token": token})
    assert resp.status_code == 302
    return walk_id, token


def _files(app) -> list:
    from pathlib import Path

    root = Path(app.config["PHOTO_DIR"])
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


def _user(app, role="koordinator", org_kind="kommune", org="Albertslund Kommune DKE",
          lead_walk=None) -> str:
    """A new user (leading *lead_walk* if given), committed; return the e-mail address."""
    from walkapp.extensions import db

    with app.app_context():
        user = make_user(db.session, role, org=org, org_kind=org_kind)
        if lead_walk:
            db.session.get(Walk, lead_walk).leader_id = user.id
        db.session.commit()
        return user.email


@pytest.fixture
def albertslund_jpeg(shared_data, tmp_path):
    """A real phone photo re-tagged (exiftool) as taken inside the walk's area."""
    if shutil.which("exiftool") is None:
        pytest.fail("exiftool (Debian libimage-exiftool-perl) is needed for this test")
    path = tmp_path / "albertslund.jpg"
    shutil.copy(shared_data / "images/fixmystreet-potbot/photo.JPG", path)
    subprocess.run(["exiftool", "-q", "-overwrite_original",
                    f"-GPSLatitude={INSIDE[0]}", "-GPSLatitudeRef=N",
                    f"-GPSLongitude={INSIDE[1]}", "-GPSLongitudeRef=E", str(path)], check=True)
    return path.read_bytes()


def test_spot_without_position_takes_the_photos(client, walk_and_guest, albertslund_jpeg):
    walk_id, token = walk_and_guest
    form = spot_form()
    del form["lat"], form["lon"]
    resp = post_spot(client, walk_id, token, form, [albertslund_jpeg])
    assert resp.status_code == 201, resp.get_json()
    feat = resp.get_json()
    assert feat["properties"]["location_source"] == "photo"
    assert feat["geometry"]["coordinates"] == pytest.approx([INSIDE[1], INSIDE[0]], abs=1e-6)


def test_device_position_wins_when_sent(client, walk_and_guest, albertslund_jpeg):
    walk_id, token = walk_and_guest
    resp = post_spot(client, walk_id, token, spot_form(lat=55.6530, lon=12.3560),
                     [albertslund_jpeg])
    assert resp.get_json()["properties"]["location_source"] == "device"


def test_page_fields_position_a_shrunk_photo(app, client, walk_and_guest):
    walk_id, token = walk_and_guest
    form = spot_form(photo_lat="55.6551", photo_lon="12.3612",
                     photo_taken_at="2026-11-20T19:05:00")
    del form["lat"], form["lon"]
    resp = post_spot(client, walk_id, token, form, [jpeg_bytes()])
    assert resp.status_code == 201, resp.get_json()
    assert resp.get_json()["geometry"]["coordinates"] == pytest.approx([12.3612, 55.6551])

    with app.app_context():
        photo = db.session.scalars(db.select(Photo)).one()
        assert (photo.gps_lat, photo.gps_lon) == (55.6551, 12.3612)
        assert photo.taken_at.isoformat() == "2026-11-20T18:05:00+00:00"  # CET is UTC+1


def test_bad_page_fields_are_422(client, walk_and_guest):
    walk_id, token = walk_and_guest
    resp = post_spot(client, walk_id, token, spot_form(photo_lat="north", photo_lon="1"),
                     [jpeg_bytes()])
    assert resp.status_code == 422 and resp.get_json()["field"] == "photo_lat"


def _decodes(path) -> bool:
    import warnings

    import pillow_heif
    from PIL import Image

    pillow_heif.register_heif_opener()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            with Image.open(path) as img:
                if img.width * img.height > 60_000_000:
                    return False
                img.load()
        return True
    except Exception:
        return False


def test_broken_files_get_4xx_and_leave_nothing(app, client, walk_and_guest, shared_data):
    walk_id, token = walk_and_guest
    index = (shared_data / "images/INDEX.csv").read_text(encoding="utf-8")
    rows = list(csv.DictReader(index.splitlines()))
    # Broken means: this Pillow + pillow-heif cannot decode it (INDEX.csv was made with
    # other versions; a newer pillow-heif reads e.g. exiftool's QuickTime.heic).
    broken = [r for r in rows if not _decodes(shared_data / "images" / r["file"])]
    assert len(broken) >= 10
    for row in broken:
        data = (shared_data / "images" / row["file"]).read_bytes()
        resp = post_spot(client, walk_id, token, spot_form(), [jpeg_bytes(), data])
        assert resp.status_code in (413, 415, 422), row["file"]
        body = resp.get_json()
        assert body["field"] == "photo" and body["error"], row["file"]
    assert client.get(f"/api/spots.geojson?walk={walk_id}").get_json()["features"] == []
    assert _files(app) == []


def test_danish_message_for_unsupported_type(client, walk_and_guest):
    walk_id, token = walk_and_guest
    buf = io.BytesIO()
    Image.new("RGB", (20, 20)).save(buf, "GIF")
    resp = post_spot(client, walk_id, token, spot_form(), [buf.getvalue()])
    assert resp.status_code == 415
    assert "understøttes ikke" in resp.get_json()["error"]


@pytest.mark.parametrize("app", [{"PHOTO_MAX_BYTES": 20_000, "PHOTOS_PER_SPOT": 2}],
                         indirect=True)
def test_limits_are_configurable(app, client, walk_and_guest):
    walk_id, token = walk_and_guest
    noisy = io.BytesIO()
    Image.effect_noise((400, 400), 80).convert("RGB").save(noisy, "JPEG", quality=95)
    resp = post_spot(client, walk_id, token, spot_form(), [noisy.getvalue()])
    assert resp.status_code == 413 and resp.get_json()["field"] == "photo"
    three = post_spot(client, walk_id, token, spot_form(), [jpeg_bytes()] * 3)
    assert three.status_code == 422


def test_served_files_are_immutable_and_typed(client, walk_and_guest):
    walk_id, token = walk_and_guest
    feat = post_spot(client, walk_id, token, spot_form(), [jpeg_bytes()]).get_json()
    photo = feat["properties"]["photos"][0]
    for key, mime in (("thumb", "image/jpeg"), ("display_webp", "image/webp")):
        first = client.get(photo[key])  # detection pending: run, then send to the final URL
        assert first.status_code == 302 and "no-store" in first.headers["Cache-Control"]
        resp = client.get(first.headers["Location"])
        assert resp.status_code == 200 and resp.mimetype == mime
        assert "immutable" in resp.headers["Cache-Control"]
        assert "private" in resp.headers["Cache-Control"]
    assert "original" not in photo  # participants never get the full-size copy
    assert client.get(photo["thumb"].replace("/thumb.jpg", "/original.jpg")).status_code == 404
    assert client.get(photo["thumb"].replace(photo["thumb"].split("/")[2], "x" * 43)) \
        .status_code == 404


def test_faces_blurred_for_guests_not_for_coordinators_and_police(app, client, walk_and_guest,
                                                                  shared_data):
    walk_id, token = walk_and_guest
    feat = post_spot(client, walk_id, token, spot_form(), [face_jpeg(shared_data)]).get_json()
    pending = feat["properties"]["photos"][0]
    # Detection runs after the upload: the guest's URL names the pending variant, never "c".
    assert pending["redacted"] is True and "/p/" in pending["display"]
    clean_url = pending["display"].replace("/p/", "/c/")
    assert client.get(clean_url).status_code == 404  # refused while pending
    first = client.get(pending["display"])  # detection runs before any bytes are sent
    assert first.status_code == 302 and "/r-" in first.headers["Location"]
    served = client.get(first.headers["Location"])
    assert served.status_code == 200 and "immutable" in served.headers["Cache-Control"]
    assert client.get(clean_url).status_code == 404  # and refused after detection
    guest_photo = client.get(f"/api/spots/{feat['id']}").get_json()["properties"]["photos"][0]
    assert guest_photo["redacted"] is True and "/r-" in guest_photo["display"]
    assert guest_photo["display"] == first.headers["Location"]
    coord, _ = logged_in(app, _user(app))
    coord_photo = coord.get(f"/api/spots/{feat['id']}").get_json()["properties"]["photos"][0]
    assert coord_photo["redacted"] is False and coord_photo["redactions"] >= 1
    assert coord.get(coord_photo["display"]).status_code == 200
    assert coord.get(coord_photo["original"]).status_code == 200
    police, _ = logged_in(app, _user(app, "vandringsleder", "politi", "Københavns Vestegns Politi",
                                     walk_id))
    assert police.get(clean_url).status_code == 200
    clean = Image.open(io.BytesIO(coord.get(coord_photo["display"]).data)).convert("L")
    blurred = Image.open(io.BytesIO(served.data)).convert("L")
    assert blurred.size == clean.size and blurred.tobytes() != clean.tobytes()
    assert _no_metadata(served.data)


def test_redaction_editor_add_remove_and_stale_urls(app, client, walk_and_guest):
    walk_id, token = walk_and_guest
    feat = post_spot(client, walk_id, token, spot_form(), [jpeg_bytes()]).get_json()
    pending = feat["properties"]["photos"][0]
    first = client.get(pending["display"])  # no face: after detection the clean file is fine
    assert first.status_code == 302 and "/c/" in first.headers["Location"]
    photo = client.get(f"/api/spots/{feat['id']}").get_json()["properties"]["photos"][0]
    assert photo["redacted"] is False and photo["display"] == first.headers["Location"]
    coord, ctoken = logged_in(app, _user(app))
    page = coord.get(f"/photos/{photo['id']}/redactions")
    assert page.status_code == 200 and "photo-" in page.get_data(as_text=True)
    assert client.get(f"/photos/{photo['id']}/redactions").status_code in (302, 401, 403)
    bad = coord.post(f"/photos/{photo['id']}/redactions",
                     data={"x": "10", "y": "10", "w": "0", "h": "5", "csrf_token": ctoken})
    assert bad.status_code == 422
    added = coord.post(f"/photos/{photo['id']}/redactions",
                       data={"x": "10", "y": "10", "w": "30", "h": "40", "csrf_token": ctoken})
    assert added.status_code == 303
    now = client.get(f"/api/spots/{feat['id']}").get_json()["properties"]["photos"][0]
    assert now["redacted"] is True
    assert client.get(photo["display"]).status_code == 404  # the clean URL is closed now
    frag = coord.post(f"/photos/{photo['id']}/redactions",
                      data={"x": "50", "y": "50", "w": "10", "h": "10", "csrf_token": ctoken},
                      headers={"HX-Request": "true"})
    html = frag.get_data(as_text=True)
    assert frag.status_code == 200 and html.lstrip().startswith(
        f'<section id="photo-{photo["id"]}-redactions"')
    assert frag.headers["HX-Trigger"] == "photo-redacted"
    stale = client.get(now["display"])  # made for the first rectangle set
    assert stale.status_code == 302 and "/r-" in stale.headers["Location"]


def test_photos_check_cli(app, runner, client, walk_and_guest):
    walk_id, token = walk_and_guest
    post_spot(client, walk_id, token, spot_form(), [jpeg_bytes()])
    ok = runner.invoke(args=["photos-check"])
    assert ok.exit_code == 0 and "OK" in ok.output
    victim = next(p for p in _files(app) if p.name == "thumb.webp")
    victim.unlink()
    bad = runner.invoke(args=["photos-check"])
    assert bad.exit_code == 1 and "thumb.webp" in bad.output
    fixed = runner.invoke(args=["photos-check", "--repair"])
    assert fixed.exit_code == 0 and "rebuilt" in fixed.output
    assert victim.exists()


def _no_metadata(data: bytes) -> bool:
    img = Image.open(io.BytesIO(data))
    return not img.getexif() and not img.info.get("xmp") and not img.info.get("comment") \
        and b"Exif" not in data[:64]


def _pending_count(app) -> int:
    with app.app_context():
        return len(pending_ids(db.session))


def test_photos_blur_empties_the_pending_set(app, runner, client, walk_and_guest, shared_data):
    walk_id, token = walk_and_guest
    feat = post_spot(client, walk_id, token, spot_form(),
                     [face_jpeg(shared_data), jpeg_bytes()]).get_json()
    assert _pending_count(app) == 2
    assert not [p for p in _files(app) if p.name.startswith("r-")]  # nothing blurred yet
    out = runner.invoke(args=["photos-blur"])
    assert out.exit_code == 0 and "2 photos blurred" in out.output
    assert _pending_count(app) == 0
    assert [p for p in _files(app) if p.name.startswith("r-")]
    photos = client.get(f"/api/spots/{feat['id']}").get_json()["properties"]["photos"]
    assert "/r-" in photos[0]["display"] and "/c/" in photos[1]["display"]
    again = runner.invoke(args=["photos-blur"])
    assert again.exit_code == 0 and "0 photos blurred" in again.output
    ok = runner.invoke(args=["photos-check"])
    assert ok.exit_code == 0 and "OK" in ok.output


def test_manual_rectangle_while_pending_stays_withheld(app, client, walk_and_guest, shared_data):
    walk_id, token = walk_and_guest
    feat = post_spot(client, walk_id, token, spot_form(), [face_jpeg(shared_data)]).get_json()
    pending = feat["properties"]["photos"][0]
    coord, ctoken = logged_in(app, _user(app))
    added = coord.post(f"/photos/{pending['id']}/redactions",
                       data={"x": "0", "y": "0", "w": "10", "h": "10", "csrf_token": ctoken})
    assert added.status_code == 303
    now = client.get(f"/api/spots/{feat['id']}").get_json()["properties"]["photos"][0]
    assert "/p/" in now["display"]  # the manual rectangle alone is not enough: still pending
    coord_view = coord.get(f"/api/spots/{feat['id']}").get_json()["properties"]["photos"][0]
    manual_only = coord_view["display_redacted"]
    assert coord_view["detection_pending"] is True
    assert client.get(manual_only).status_code == 302  # guests go through detection first
    assert _pending_count(app) == 0
    final = client.get(f"/api/spots/{feat['id']}").get_json()["properties"]["photos"][0]
    assert "/r-" in final["display"] and final["display"] != manual_only
    coord_view = coord.get(f"/api/spots/{feat['id']}").get_json()["properties"]["photos"][0]
    assert coord_view["redactions"] >= 2 and coord_view["detection_pending"] is False


def test_failed_detection_serves_a_placeholder_never_the_photo(app, client, walk_and_guest):
    walk_id, token = walk_and_guest
    feat = post_spot(client, walk_id, token, spot_form(), [jpeg_bytes()]).get_json()
    photo = feat["properties"]["photos"][0]
    for p in _files(app):
        if p.name.startswith("original"):
            p.write_bytes(b"not a jpeg any more")  # detection cannot read its source
    resp = client.get(photo["display"])
    assert resp.status_code == 200 and "no-store" in resp.headers["Cache-Control"]
    assert Image.open(io.BytesIO(resp.data)).size == (320, 240)
    assert client.get(photo["display"].replace("/p/", "/c/")).status_code == 404
    assert _pending_count(app) == 1


def test_truncated_photo_refused_after_a_pdf_report(app, client, walk_and_guest):
    """WeasyPrint flips Pillow's LOAD_TRUNCATED_IMAGES on import; uploads must still refuse."""
    from PIL import ImageFile


    assert render_pdf("<p>x</p>", "file:///").startswith(b"%PDF")
    assert ImageFile.LOAD_TRUNCATED_IMAGES is False
    walk_id, token = walk_and_guest
    whole = jpeg_bytes(size=(1200, 900))
    resp = post_spot(client, walk_id, token, spot_form(), [whole[: len(whole) // 2]])
    assert resp.status_code == 422 and resp.get_json()["field"] == "photo"
