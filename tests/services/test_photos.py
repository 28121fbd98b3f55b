"""Photo service on both databases: redactions and their log, store checks, deduplication."""

import io

import pytest
from PIL import Image

from tests.factories import actor_for, face_jpeg, make_guest, make_user, make_walk, spot_form
from walkapp.domain.errors import PermissionDenied
from walkapp.domain.photos import sees_unredacted
from walkapp.models import Photo
from walkapp.photos.processing import Settings, process
from walkapp.photos.store import FileStore
from walkapp.services import photos as photo_service
from walkapp.services import spots

SETTINGS = Settings(auto_redact=False)


def _jpeg(color=(90, 120, 160), size=(900, 600)) -> bytes:
    img = Image.new("RGB", size, color)
    for x in range(0, size[0], 60):  # some structure, so blurring visibly changes pixels
        img.paste((250, 250, 250), (x, 0, x + 20, size[1]))
    buf = io.BytesIO()
    img.save(buf, "JPEG", quality=90)
    return buf.getvalue()


def _spot_with_photo(session, store, data=None, settings=SETTINGS):
    """A guest's spot with one photo (*data*, processed with *settings*), through the service."""
    walk = make_walk(session)
    _, guest = make_guest(session, walk)
    form = spot_form()
    inp = spots.parse_spot_input(form, form["categories"], spots.known_categories(session),
                                 spots.Limits())
    photo = process(data or _jpeg(), settings)
    result = spots.add_spot(session, guest, walk, inp, [photo], store, spots.Limits())
    return result.spot, guest


def test_coordinator_adds_and_removes_a_rectangle_with_log(session, tmp_path):
    store = FileStore(tmp_path / "photos")
    spot, guest = _spot_with_photo(session, store)
    photo = spot.photos[0]
    coord = make_user(session, "koordinator")
    actor = actor_for(coord)
    assert photo_service.variant_for(guest, photo) == photo_service.CLEAN
    row = photo_service.add_redaction(session, actor, photo, (0.1, 0.1, 0.3, 0.3), store,
                                      SETTINGS)
    key = photo.redaction_key
    assert key and photo_service.variant_for(guest, photo) == f"r-{key}"
    assert photo_service.variant_for(actor, photo) == photo_service.CLEAN
    blurred = Image.open(store.path(photo.sha256, f"r-{key}-display.jpg")).convert("L")
    clean = Image.open(store.path(photo.sha256, "display.jpg")).convert("L")
    assert blurred.size == clean.size and blurred.tobytes() != clean.tobytes()
    assert row.created_by_id == coord.id and row.created_at is not None
    photo_service.remove_redaction(session, actor, photo, row.id, store, SETTINGS)
    assert photo.redaction_key is None
    assert row.removed_by_id == coord.id and row.removed_at is not None
    assert not store.exists(photo.sha256, f"r-{key}-display.jpg")  # old variant cleaned up
    assert len(photo.redactions) == 1  # the row stays as the log


def test_participant_cannot_redact(session, tmp_path):
    store = FileStore(tmp_path / "photos")
    spot, guest = _spot_with_photo(session, store)
    with pytest.raises(PermissionDenied):
        photo_service.add_redaction(session, guest, spot.photos[0], (0, 0, 0.5, 0.5), store,
                                    SETTINGS)


def test_police_see_unredacted_inspectors_do_not(session):
    police = make_user(session, "vandringsleder", org="Københavns Vestegns Politi",
                       org_kind="politi")
    inspector = make_user(session, "inspektoer", org="Boligselskabet", org_kind="boligselskab")
    assert sees_unredacted(actor_for(police))
    assert not sees_unredacted(actor_for(inspector))


def test_same_photo_twice_is_stored_once(session, tmp_path):
    store = FileStore(tmp_path / "photos")
    data = _jpeg((1, 2, 3))
    a, _ = _spot_with_photo(session, store, data)
    files = sorted(p for p in (tmp_path / "photos").rglob("*") if p.is_file())
    b, _ = _spot_with_photo(session, store, data)
    assert a.photos[0].sha256 == b.photos[0].sha256 and a.photos[0].token != b.photos[0].token
    assert sorted(p for p in (tmp_path / "photos").rglob("*") if p.is_file()) == files


def test_check_finds_and_repairs_orphans_and_missing_files(session, tmp_path):
    store = FileStore(tmp_path / "photos")
    spot, _ = _spot_with_photo(session, store)
    photo = spot.photos[0]
    orphan_sha = "ab" * 32
    store.save(orphan_sha, "display.jpg", b"left over")
    store.path(photo.sha256, "display.webp").unlink()
    report = photo_service.check_store(session, store, SETTINGS, grace_s=0)
    assert report.orphan_files == [f"{orphan_sha}/display.jpg"]
    assert report.missing == [f"photo {photo.id}: display.webp"]
    photo_service.check_store(session, store, SETTINGS, repair=True, grace_s=0)
    assert not store.exists(orphan_sha, "display.jpg")
    with Image.open(store.path(photo.sha256, "display.webp")) as img:
        assert img.format == "WEBP"
    assert photo_service.check_store(session, store, SETTINGS, grace_s=0).problems == 0


def test_check_leaves_young_files_alone(session, tmp_path):
    store = FileStore(tmp_path / "photos")
    store.save("cd" * 32, "display.jpg", b"upload in progress")
    report = photo_service.check_store(session, store, SETTINGS, repair=True, grace_s=3600)
    assert report.orphan_files == [] and store.exists("cd" * 32, "display.jpg")


def test_row_without_any_file_is_removed_on_repair(session, tmp_path):
    store = FileStore(tmp_path / "photos")
    spot, _ = _spot_with_photo(session, store)
    photo_id, sha = spot.photos[0].id, spot.photos[0].sha256
    for name in store.names(sha):
        store.delete(sha, name)
    report = photo_service.check_store(session, store, SETTINGS, repair=True, grace_s=0)
    assert report.removed_rows == [photo_id]
    session.expire_all()
    assert session.get(Photo, photo_id) is None


def test_deferred_detection_blurs_once_and_withholds_until_then(session, tmp_path, shared_data):
    store = FileStore(tmp_path / "photos")
    deferred = Settings(defer_redact=True)
    spot, guest = _spot_with_photo(session, store, face_jpeg(shared_data), deferred)
    photo = spot.photos[0]
    coord = actor_for(make_user(session, "koordinator"))
    assert photo.blur_pending and photo_service.pending_ids(session) == [photo.id]
    assert photo_service.variant_for(guest, photo) == photo_service.PENDING
    assert photo_service.variant_for(coord, photo) == photo_service.CLEAN
    assert not photo_service.may_view(session, guest, photo, photo_service.CLEAN)
    assert photo_service.blur_pending(session, store, deferred) == (1, 0)
    assert not photo.blur_pending and photo.redaction_key
    auto = [r for r in photo.redactions if r.source in ("face", "plate")]
    assert auto and photo_service.variant_for(guest, photo) == f"r-{photo.redaction_key}"
    assert not photo_service.may_view(session, guest, photo, photo_service.CLEAN)
    assert store.exists(photo.sha256, f"r-{photo.redaction_key}-thumb.webp")
    # Running again changes nothing: no second set of rectangles.
    assert photo_service.blur_photo(session, photo, store, deferred)
    assert photo_service.blur_pending(session, store, deferred) == (0, 0)
    assert len(photo.redactions) == len(auto)


def test_pending_photo_without_files_stays_pending(session, tmp_path):
    store = FileStore(tmp_path / "photos")
    spot, guest = _spot_with_photo(session, store, settings=Settings(defer_redact=True))
    photo = spot.photos[0]
    for name in store.names(photo.sha256):
        store.delete(photo.sha256, name)
    assert photo_service.blur_pending(session, store, Settings()) == (0, 1)
    assert photo.blur_pending  # still withheld from guests
    assert photo_service.variant_for(guest, photo) == photo_service.PENDING
