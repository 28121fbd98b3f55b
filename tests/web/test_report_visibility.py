"""The walk report (HTML and PDF) holds exactly what the caller may see (issue 12, points 1, 2):
police-only findings for police and coordinators only, partner findings not for guests, and
every embedded photo the variant the caller may see (blurred unless coordinator or police,
pending photos blurred first, never the clean fallback)."""

import hashlib
import io
import subprocess

import pytest
from PIL import Image

from tests.conftest import AuthActions
from tests.factories import actor_for, add_spot, make_guest, make_user, make_walk
from walkapp.models import Photo
from walkapp.photos.processing import Settings
from walkapp.photos.store import FileStore
from walkapp.services import photos as photo_service
from walkapp.services import walks as walk_service

POLICE_NOTE = "Narkosalg ved cykelkælderen"
PARTNER_NOTE = "Boligselskabets kælderdør står åben"
PUBLIC_NOTE = "Mørk sti langs hækken"


@pytest.fixture
def world(app, session):
    photo_dir = app.config["PHOTO_DIR"]
    users = {
        "koordinator": make_user(session, "koordinator"),
        "planlaegger": make_user(session, "planlaegger"),
        "leder": make_user(session, "vandringsleder"),
        "politi": make_user(session, "deltager", org="Politiet", org_kind="politi"),
        "deltager": make_user(session, "deltager", org=None),
    }
    walk = make_walk(session, coordinator=users["koordinator"], leader_id=users["leder"].id)
    public = add_spot(session, walk, note=PUBLIC_NOTE, photo_dir=photo_dir,
                      photo=noisy_jpeg(1))
    pending = add_spot(session, walk, 55.6547, 12.3602, note="Lys mangler",
                       photo_dir=photo_dir, photo=noisy_jpeg(2))
    add_spot(session, walk, 55.6548, 12.3604, note=PARTNER_NOTE, visibility="partnere")
    add_spot(session, walk, 55.6550, 12.3610, ("ADF",), visibility="politi", note=POLICE_NOTE,
             photo_dir=photo_dir, photo=noisy_jpeg(3))
    for who in ("politi", "deltager"):
        walk_service.join_walk(session, actor_for(users[who]), walk)
    guest, _ = make_guest(session, walk)
    session.commit()
    store = FileStore(photo_dir)
    photo = public.photos[0]
    photo.blur_pending = False
    photo_service.add_redaction(session, actor_for(users["koordinator"]), photo,
                                (0.1, 0.1, 0.4, 0.4), store, Settings())
    pending.photos[0].blur_pending = True  # detection has not run yet
    session.commit()
    return {"users": users, "walk": walk, "guest": guest, "photo": photo,
            "pending": pending.photos[0], "store": store}


def noisy_jpeg(seed: int) -> bytes:
    """A photo with detail in it, so its blurred rendition differs from the clean one."""
    bands = [Image.effect_noise((800, 600), 40 + 20 * ((seed + i) % 3)) for i in range(3)]
    buf = io.BytesIO()
    Image.merge("RGB", bands).save(buf, "JPEG", quality=85)
    return buf.getvalue()


def client_as(app, world, who):
    actions = AuthActions(app.test_client())
    if who == "gæst":
        actions.join(world["walk"].id, world["guest"].id)
    else:
        actions.enter(world["users"][who])
    return actions.client


def pdf_text(data: bytes, tmp_path) -> str:
    path = tmp_path / "report.pdf"
    path.write_bytes(data)
    return subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True,
                          check=True).stdout


def pdf_image_hashes(data: bytes, tmp_path) -> set[str]:
    """The SHA-256 of every image the PDF embeds, as stored (pdfimages -all keeps JPEGs)."""
    path = tmp_path / "images.pdf"
    path.write_bytes(data)
    out = tmp_path / "img"
    out.mkdir(exist_ok=True)
    subprocess.run(["pdfimages", "-all", str(path), str(out / "i")], check=True)
    return {hashlib.sha256(f.read_bytes()).hexdigest() for f in out.glob("i-*.jpg")}


def file_hash(store, photo, name) -> str:
    return hashlib.sha256(store.path(photo.sha256, name).read_bytes()).hexdigest()


# Who sees which notes in the default (full) version.
SEES = {
    "koordinator": {POLICE_NOTE, PARTNER_NOTE, PUBLIC_NOTE},
    "politi": {POLICE_NOTE, PARTNER_NOTE, PUBLIC_NOTE},
    "planlaegger": {PARTNER_NOTE, PUBLIC_NOTE},
    "leder": {PARTNER_NOTE, PUBLIC_NOTE},
    "deltager": {PARTNER_NOTE, PUBLIC_NOTE},
    "gæst": {PUBLIC_NOTE},
}


@pytest.mark.parametrize("who", list(SEES))
def test_report_html_holds_what_the_caller_may_see(app, world, who):
    html = client_as(app, world, who).get(f"/walks/{world['walk'].id}/report")
    assert html.status_code == 200
    text = html.get_data(as_text=True)
    got = {n for n in (POLICE_NOTE, PARTNER_NOTE, PUBLIC_NOTE) if n in text}
    assert got == SEES[who]


@pytest.mark.parametrize("who", ["koordinator", "planlaegger", "gæst"])
def test_publishable_version_never_has_police_or_more_than_the_caller_sees(app, world, who):
    c = client_as(app, world, who)
    text = c.get(f"/walks/{world['walk'].id}/report?public=1").get_data(as_text=True)
    got = {n for n in (POLICE_NOTE, PARTNER_NOTE, PUBLIC_NOTE) if n in text}
    assert got == SEES[who] - {POLICE_NOTE}


@pytest.mark.parametrize("who", ["planlaegger", "leder", "gæst", "politi", "koordinator"])
def test_report_pdf_holds_what_the_caller_may_see(app, world, who, tmp_path):
    resp = client_as(app, world, who).get(f"/walks/{world['walk'].id}/report.pdf")
    assert resp.status_code == 200 and resp.mimetype == "application/pdf"
    text = " ".join(pdf_text(resp.data, tmp_path).split())
    got = {n for n in (POLICE_NOTE, PARTNER_NOTE, PUBLIC_NOTE) if n in text}
    assert got == SEES[who]


@pytest.mark.parametrize("who", ["planlaegger", "leder", "gæst"])
def test_report_pdf_embeds_the_blurred_photo_for_others(app, session, world, who, tmp_path):
    photo, store = world["photo"], world["store"]
    clean = file_hash(store, photo, "thumb.jpg")
    blurred = file_hash(store, photo, f"r-{photo.redaction_key}-thumb.jpg")
    resp = client_as(app, world, who).get(f"/walks/{world['walk'].id}/report.pdf")
    images = pdf_image_hashes(resp.data, tmp_path)
    assert blurred in images and clean not in images
    # The pending photo went through detection before it was embedded.
    session.expire_all()
    assert session.get(Photo, world["pending"].id).blur_pending is False


def test_report_pdf_embeds_clean_photos_for_coordinators(app, world, tmp_path):
    photo, store = world["photo"], world["store"]
    c = client_as(app, world, "koordinator")
    full = pdf_image_hashes(c.get(f"/walks/{world['walk'].id}/report.pdf").data, tmp_path)
    assert file_hash(store, photo, "thumb.jpg") in full
    public = c.get(f"/walks/{world['walk'].id}/report.pdf?public=1").data
    (tmp_path / "p").mkdir()
    images = pdf_image_hashes(public, tmp_path / "p")
    blurred = file_hash(store, photo, f"r-{photo.redaction_key}-thumb.jpg")
    assert blurred in images and file_hash(store, photo, "thumb.jpg") not in images


def test_report_html_photo_urls_give_others_the_blurred_file(app, world):
    photo, store = world["photo"], world["store"]
    c = client_as(app, world, "planlaegger")
    html = c.get(f"/walks/{world['walk'].id}/report").get_data(as_text=True)
    assert photo.token in html
    got = c.get(f"/remedies/spot-photos/{photo.token}/thumb.jpg")
    assert got.status_code == 200
    assert got.data == store.path(photo.sha256, f"r-{photo.redaction_key}-thumb.jpg").read_bytes()
