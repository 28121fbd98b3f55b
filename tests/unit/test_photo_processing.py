"""Photo processing on real files (../shared/data/images, INDEX.csv) and on made-up ones."""

import csv
import io
import logging
import math
import subprocess

import pytest
from PIL import Image, ImageChops, ImageStat

from tests.conftest import SHARED_DATA
from tests.factories import face_jpeg
from walkapp.domain.errors import DomainError, TooLarge, UnsupportedMedia, ValidationError
from walkapp.photos import redact
from walkapp.photos.jpegstrip import strip_jpeg
from walkapp.photos.processing import Settings, process, sniff

INDEX = SHARED_DATA / "images" / "INDEX.csv"
FAST = Settings(auto_redact=False)
ROWS = list(csv.DictReader(INDEX.read_text(encoding="utf-8").splitlines())) if INDEX.exists() \
    else []
DECODABLE = [r for r in ROWS if r["pillow_decode"].startswith("ok")]
BROKEN = [r for r in ROWS if not r["pillow_decode"].startswith("ok")]


def _data(shared_data, row) -> bytes:
    return (shared_data / "images" / row["file"]).read_bytes()


def assert_no_metadata(name: str, blob: bytes) -> None:
    """Read a rendition back: no EXIF, XMP, GPS, IPTC, maker notes or comments."""
    img = Image.open(io.BytesIO(blob))
    assert len(img.getexif()) == 0, f"{name}: EXIF"
    for key in ("exif", "xmp", "XML:com.adobe.xmp", "comment", "photoshop", "iptc", "mp"):
        assert key not in img.info, f"{name}: {key}"
    # (the EXIF check above covers the GPS IFD; three bytes "GPS" occur in image data by chance)
    for marker in (b"Exif\x00\x00", b"http://ns.adobe.com/xap", b"Photoshop 3.0", b"MakerNote"):
        assert marker not in blob, f"{name}: {marker!r}"
    if blob[:2] == b"\xff\xd8":
        assert b"\xff\xfe" not in blob[: blob.find(b"\xff\xda")], f"{name}: JPEG comment"
        assert blob.rstrip(b"\x00").endswith(b"\xff\xd9"), f"{name}: data after EOI"
    if blob[:4] == b"RIFF":
        assert b"EXIF" not in blob[:64] and b"XMP " not in blob, f"{name}: WebP metadata chunk"


def upright_size(row) -> tuple[int, int]:
    w, h = (int(v) for v in row["pillow_decode"].split()[-1].rstrip(")").split("x"))
    fmt = row["pillow_decode"].split("(")[1].split()[0]
    # pillow-heif applies HEIF rotations while decoding, so its sizes are upright already.
    if fmt != "HEIF" and row["orientation"] in ("5", "6", "7", "8"):
        return h, w
    return w, h


def _decodable(row):
    # hopper_bad_exif.jpg is broken on purpose: Pillow warns while reading its EXIF, and we still
    # accept the picture.
    bad_exif = pytest.mark.filterwarnings("ignore:Corrupt EXIF data:UserWarning")
    return pytest.param(row, id=row["file"], marks=[bad_exif] if "bad_exif" in row["file"] else [])


@pytest.mark.parametrize("row", [_decodable(r) for r in DECODABLE])
def test_decodable_image_is_accepted_upright_located_and_clean(shared_data, row):
    photo = process(_data(shared_data, row), FAST)
    assert (photo.width, photo.height) == upright_size(row)
    display = Image.open(io.BytesIO(photo.files["display.jpg"]))
    w, h = upright_size(row)
    if min(w, h) >= 8:  # aspect ratio survives (tiny images round too much)
        assert display.width / display.height == pytest.approx(w / h, rel=0.02)
    assert max(display.size) == min(1600, max(w, h))
    assert max(Image.open(io.BytesIO(photo.files["thumb.webp"])).size) == min(320, max(w, h))
    if row["has_gps"] == "yes":
        assert photo.gps_lat == pytest.approx(float(row["gps_lat"]), abs=1e-6)
        assert photo.gps_lon == pytest.approx(float(row["gps_lon"]), abs=1e-6)
    else:
        assert photo.gps_lat is None and photo.gps_lon is None
    if row["gps_alt"]:
        assert photo.gps_alt == pytest.approx(float(row["gps_alt"]), abs=1e-3)
    for name, blob in photo.files.items():
        assert_no_metadata(name, blob)


@pytest.mark.parametrize("row", BROKEN, ids=[r["file"] for r in BROKEN])
def test_undecodable_image_is_refused_with_a_clear_4xx(shared_data, row):
    with pytest.raises(DomainError) as info:
        process(_data(shared_data, row), FAST)
    assert 400 <= info.value.status < 500
    assert info.value.field == "photo"
    assert info.value.message.startswith("The photo") or "not supported" in info.value.message


def test_200_megapixel_heic_is_refused_as_too_large(shared_data):
    data = (shared_data / "images/pillow-heif/tests/images/heif_special/200MP.heic").read_bytes()
    with pytest.raises(TooLarge) as info:
        process(data, FAST)
    assert info.value.params == {"mp": 60}
    assert "megapixels" in info.value.message


@pytest.mark.parametrize("kind", ["landscape", "portrait"])
def test_all_eight_orientations_look_the_same_upright(shared_data, kind):
    folder = shared_data / "images/exif-py/tests/resources/jpg/orientation"
    ref = Image.open(io.BytesIO(process((folder / f"{kind}_1.jpg").read_bytes(), FAST)
                                .files["thumb.jpg"])).convert("L")
    for n in range(2, 9):
        img = Image.open(io.BytesIO(process((folder / f"{kind}_{n}.jpg").read_bytes(), FAST)
                                    .files["thumb.jpg"])).convert("L")
        assert img.size == ref.size, n
        diff = ImageStat.Stat(ImageChops.difference(img, ref)).mean[0]
        assert diff < 12, f"orientation {n} differs from 1 by {diff:.1f}"


def test_heic_with_orientation_6_is_upright(shared_data):
    data = (shared_data / "images/pillow-heif/tests/images/heif_other/arrow.heic").read_bytes()
    photo = process(data, FAST)
    assert photo.height > photo.width  # stored landscape, shown portrait


def test_gps_latitude_4294967295_keeps_photo_without_position(shared_data, caplog):
    data = (shared_data / "images/pillow/Tests/images/exif_gps.jpg").read_bytes()
    with caplog.at_level(logging.INFO, logger="walkapp.photos.processing"):
        photo = process(data, FAST)
    assert photo.gps_lat is None and photo.files
    assert any("GPS" in n for n in photo.notes)
    assert "photo GPS ignored" in caplog.text


def test_type_comes_from_content_not_name(shared_data):
    data = (shared_data / "images/exif-py/tests/resources/heic/heic_hdlr_box.jpg").read_bytes()
    assert sniff(data) == "HEIF"
    assert process(data, FAST).source_format == "HEIF"


@pytest.mark.parametrize("fmt", ["GIF", "TIFF", "BMP"])
def test_other_image_types_are_415(fmt):
    buf = io.BytesIO()
    Image.new("RGB", (40, 30), (200, 10, 10)).save(buf, fmt)
    with pytest.raises(UnsupportedMedia):
        process(buf.getvalue(), FAST)


def test_pdf_and_text_are_415():
    for data in (b"%PDF-1.4\n...", b"just text, not a photo"):
        with pytest.raises(UnsupportedMedia):
            process(data, FAST)


def test_empty_and_oversized_files():
    with pytest.raises(ValidationError):
        process(b"", FAST)
    with pytest.raises(TooLarge):
        process(b"\xff\xd8\xff" + b"0" * 2000, Settings(max_bytes=1000, auto_redact=False))


def _jpeg_with_metadata(size=(64, 48), orientation=1) -> bytes:
    img = Image.new("RGB", size, (10, 120, 200))
    exif = Image.Exif()
    exif[0x0112] = orientation
    exif[0x010F] = "PhoneMaker"
    exif[0x8825] = {1: "N", 2: (55.0, 39.0, 24.48), 3: "E", 4: (12.0, 21.0, 48.6)}
    buf = io.BytesIO()
    img.save(buf, "JPEG", exif=exif, comment=b"secret comment", quality=90)
    return buf.getvalue()


def test_lossless_strip_keeps_pixels_and_drops_metadata():
    data = _jpeg_with_metadata()
    stripped = strip_jpeg(data)
    assert_no_metadata("stripped", stripped)
    a, b = Image.open(io.BytesIO(data)), Image.open(io.BytesIO(stripped))
    assert ImageChops.difference(a.convert("RGB"), b.convert("RGB")).getbbox() is None


def test_upright_jpeg_keeps_a_lossless_original_and_reads_gps():
    photo = process(_jpeg_with_metadata(), FAST)
    assert photo.has_original and "original.jpg" in photo.files
    assert photo.gps_lat == pytest.approx(55 + 39 / 60 + 24.48 / 3600, abs=1e-6)
    assert photo.gps_lon == pytest.approx(12 + 21 / 60 + 48.6 / 3600, abs=1e-6)
    for name, blob in photo.files.items():
        assert_no_metadata(name, blob)


def test_original_can_be_switched_off_and_is_capped():
    assert "original.jpg" not in process(_jpeg_with_metadata(), Settings(
        keep_original=False, auto_redact=False)).files
    big = process(_jpeg_with_metadata((3000, 1000)), Settings(original_max_px=1000,
                                                              auto_redact=False))
    assert Image.open(io.BytesIO(big.files["original.jpg"])).size == (1000, 333)


def test_exif_time_without_offset_is_copenhagen_time():
    img = Image.new("RGB", (20, 20))
    exif = Image.Exif()
    exif.get_ifd(0x8769)[36867] = "2026:06:01 21:30:00"
    buf = io.BytesIO()
    img.save(buf, "JPEG", exif=exif)
    taken = process(buf.getvalue(), FAST).taken_at
    assert taken.isoformat() == "2026-06-01T19:30:00+00:00"  # CEST is UTC+2


def test_detector_finds_a_face_and_blur_hides_it(shared_data):
    face = Image.open(shared_data / "images/pillow/Tests/images/hopper.jpg").convert("RGB")
    scene = Image.new("RGB", (1200, 900), (120, 140, 120))
    scene.paste(face.resize((384, 384)), (400, 200))
    boxes = redact.detect(scene)
    assert boxes, "no face found"
    b = boxes[0]
    cx, cy = (b.x + b.w / 2) * 1200, (b.y + b.h / 2) * 900
    assert 400 < cx < 784 and 200 < cy < 584 and b.source == "face"
    blurred = redact.blur(scene, boxes)
    left, top, right, bottom = b.pixels(1200, 900)
    before = ImageStat.Stat(scene.crop((left, top, right, bottom)).convert("L")).stddev[0]
    after = ImageStat.Stat(blurred.crop((left, top, right, bottom)).convert("L")).stddev[0]
    assert after < before * 0.7
    assert ImageChops.difference(scene.crop((0, 0, 300, 150)),
                                 blurred.crop((0, 0, 300, 150))).getbbox() is None


def test_processing_with_detection_writes_blurred_renditions(shared_data):
    scene = face_jpeg(shared_data)
    photo = process(scene, Settings())
    assert photo.boxes and photo.redaction_key
    assert f"r-{photo.redaction_key}-display.webp" in photo.files
    assert photo.redaction_key == redact.redaction_key(photo.sha256, photo.boxes)
    assert redact.redaction_key(photo.sha256, []) is None
    deferred = process(scene, Settings(defer_redact=True))
    assert deferred.blur_pending and not deferred.boxes and deferred.redaction_key is None
    assert not [n for n in deferred.files if n.startswith("r-")]  # only the clean renditions
    assert deferred.files["display.jpg"] == photo.files["display.jpg"]


def test_alpha_png_becomes_white_background():
    buf = io.BytesIO()
    Image.new("RGBA", (50, 50), (0, 0, 0, 0)).save(buf, "PNG")
    thumb = Image.open(io.BytesIO(process(buf.getvalue(), FAST).files["thumb.jpg"]))
    assert thumb.convert("RGB").getpixel((25, 25)) > (240, 240, 240)


def test_exiftool_finds_no_metadata_in_renditions(shared_data, tmp_path):
    data = (shared_data / "images/fixmystreet-potbot/photo_2.JPG").read_bytes()
    photo = process(data, FAST)
    for name, blob in photo.files.items():
        path = tmp_path / name
        path.write_bytes(blob)
        out = subprocess.run(["exiftool", "-s", "-G1", "-a", "-EXIF:all", "-XMP:all",
                              "-GPS:all", "-MakerNotes:all", "-IPTC:all", "-Comment", str(path)],
                             capture_output=True, text=True, check=True).stdout
        assert out.strip() == "", f"{name}: {out}"
    assert math.isfinite(photo.gps_lat)
