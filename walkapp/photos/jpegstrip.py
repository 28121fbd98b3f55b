"""Remove metadata from a JPEG without decoding it (lossless, fast)."""

# Segments a decoder needs; everything else (APP1 EXIF/XMP, APP13 IPTC, maker data in other
# APPn, COM comments, MPF indexes and trailing images after EOI) is dropped.
_SOF = set(range(0xC0, 0xD0)) - {0xC4, 0xC8, 0xCC}
_KEEP = _SOF | {0xC4, 0xCC, 0xDB, 0xDD, 0xDC, 0xEE}  # DHT, DAC, DQT, DRI, DNL, APP14 Adobe
_ICC = b"ICC_PROFILE\x00"


class NotAJpeg(ValueError):
    pass


def strip_jpeg(data: bytes) -> bytes:
    """Return *data* with only the image-coding segments (and an ICC profile) kept."""
    if data[:2] != b"\xff\xd8":
        raise NotAJpeg("no SOI marker")
    out = bytearray(b"\xff\xd8")
    i, n = 2, len(data)
    while i < n:
        if data[i] != 0xFF:
            raise NotAJpeg(f"expected a marker at {i}")
        while i < n and data[i] == 0xFF:  # fill bytes
            i += 1
        if i >= n:
            break
        marker = data[i]
        i += 1
        if marker == 0xD9:  # EOI: anything after it (MPO frames, gain maps) is not ours
            out += b"\xff\xd9"
            return bytes(out)
        if 0xD0 <= marker <= 0xD7 or marker == 0x01:
            out += bytes((0xFF, marker))
            continue
        if i + 2 > n:
            raise NotAJpeg("truncated segment length")
        length = int.from_bytes(data[i:i + 2], "big")
        if length < 2 or i + length > n:
            raise NotAJpeg("bad segment length")
        segment = data[i - 2:i + length]
        i += length
        if marker == 0xDA:  # SOS: copy the header and the entropy-coded data that follows
            out += segment
            start = i
            while i < n:
                if data[i] == 0xFF and i + 1 < n:
                    nxt = data[i + 1]
                    if nxt == 0x00 or 0xD0 <= nxt <= 0xD7 or nxt == 0xFF:
                        i += 2 if nxt != 0xFF else 1
                        continue
                    break
                i += 1
            out += data[start:i]
            continue
        if marker in _KEEP or (marker == 0xE2 and segment[4:4 + len(_ICC)] == _ICC):
            out += segment
    raise NotAJpeg("no EOI marker")
