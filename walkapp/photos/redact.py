"""Find faces and number plates (OpenCV Haar cascades shipped in the wheel) and blur boxes."""

import hashlib
import threading
from dataclasses import dataclass

from PIL import Image, ImageFilter

# The cascades ship inside opencv-python-headless (cv2/data); nothing is downloaded.
# name: (file, scale factor, min neighbours, padding around a hit). Haar cascades are old but
# offline and light; the profile-face cascade was left out because it doubled the time spent.
CASCADES = {
    "face": ("haarcascade_frontalface_default.xml", 1.15, 5, 0.2),
    "plate": ("haarcascade_russian_plate_number.xml", 1.15, 4, 0.1),
}
# Detection runs on this long side (a face must be about 24 px there, 40 px on the display
# rendition); smaller faces are left to the coordinators' manual rectangles.
DETECT_PX = 960
MIN_SIDE = 24
_local = threading.local()


@dataclass(frozen=True)
class Box:
    """A rectangle on the upright photo, in fractions of its width and height (0..1)."""

    x: float
    y: float
    w: float
    h: float
    source: str = "manual"

    def clamped(self) -> "Box":
        x, y = min(max(self.x, 0.0), 1.0), min(max(self.y, 0.0), 1.0)
        w, h = min(max(self.w, 0.0), 1.0 - x), min(max(self.h, 0.0), 1.0 - y)
        return Box(round(x, 4), round(y, 4), round(w, 4), round(h, 4), self.source)

    def pixels(self, width: int, height: int) -> tuple[int, int, int, int]:
        left, top = int(self.x * width), int(self.y * height)
        right = max(left + 1, round((self.x + self.w) * width))
        bottom = max(top + 1, round((self.y + self.h) * height))
        return left, top, min(right, width), min(bottom, height)


def redaction_key(sha256: str, boxes) -> str | None:
    """Return a short key naming the set of *boxes* on a photo, or None when there are none."""
    parts = sorted(f"{b.x:.4f},{b.y:.4f},{b.w:.4f},{b.h:.4f}" for b in boxes)
    if not parts:
        return None
    return hashlib.sha256((sha256 + "|" + ";".join(parts)).encode()).hexdigest()[:16]


def _classifiers():
    if not hasattr(_local, "cascades"):
        import cv2

        _local.cascades = {
            name: cv2.CascadeClassifier(cv2.data.haarcascades + file)
            for name, (file, *_rest) in CASCADES.items()
        }
        for name, clf in _local.cascades.items():
            if clf.empty():
                raise RuntimeError(f"OpenCV cascade {name} could not be loaded")
    return _local.cascades


def detect(img: Image.Image) -> list[Box]:
    """Return boxes around faces and number plates in the upright RGB image *img*."""
    import cv2
    import numpy as np

    scale = min(1.0, DETECT_PX / max(img.size))
    small = img if scale == 1.0 else img.resize(
        (max(1, round(img.width * scale)), max(1, round(img.height * scale))),
        Image.Resampling.BILINEAR)
    gray = np.asarray(small.convert("L"))
    gray = cv2.equalizeHist(gray)
    w, h = small.size
    boxes = []
    for name, clf in _classifiers().items():
        _file, factor, neighbours, pad = CASCADES[name]
        found = list(clf.detectMultiScale(gray, scaleFactor=factor, minNeighbors=neighbours,
                                          minSize=(MIN_SIDE, MIN_SIDE)))
        source = "plate" if name == "plate" else "face"
        for x, y, bw, bh in found:
            px, py = bw * pad, bh * pad
            boxes.append(Box((x - px) / w, (y - py) / h, (bw + 2 * px) / w, (bh + 2 * py) / h,
                             source).clamped())
    return _merge(boxes)


def _merge(boxes: list[Box]) -> list[Box]:
    """Drop boxes lying mostly inside a bigger one (frontal and profile hits on one face)."""
    boxes = sorted(boxes, key=lambda b: -b.w * b.h)
    kept: list[Box] = []
    for b in boxes:
        inside = False
        for k in kept:
            ix = max(0.0, min(b.x + b.w, k.x + k.w) - max(b.x, k.x))
            iy = max(0.0, min(b.y + b.h, k.y + k.h) - max(b.y, k.y))
            if b.w * b.h and ix * iy / (b.w * b.h) > 0.6:
                inside = True
                break
        if not inside:
            kept.append(b)
    return kept


def blur(img: Image.Image, boxes) -> Image.Image:
    """Return a copy of *img* with every box pixelated and blurred beyond recognition."""
    out = img.copy()
    for b in boxes:
        left, top, right, bottom = b.pixels(img.width, img.height)
        region = out.crop((left, top, right, bottom))
        rw, rh = region.size
        # Pixelate to about 8 blocks across, then blur the blocks: neither step alone is enough.
        block = max(1, max(rw, rh) // 8)
        tiny = region.resize((max(1, rw // block), max(1, rh // block)), Image.Resampling.BOX)
        region = tiny.resize((rw, rh), Image.Resampling.NEAREST)
        region = region.filter(ImageFilter.GaussianBlur(max(2, block // 2)))
        out.paste(region, (left, top))
    return out
