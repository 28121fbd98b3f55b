"""Every user-facing string has a Danish translation (Danish is the default language)."""

import re
from pathlib import Path

from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[2]
KEYWORDS = {**DEFAULT_KEYWORDS, "N_": None, "_l": None, "lazy_gettext": None}
PLACEHOLDER = re.compile(r"%\(\w+\)[-.\d]*[sdf]")


def source_messages() -> set[str]:
    found = set()
    for subdir, method in (("walkapp", "python"), ("templates", "jinja2")):
        pattern = "**.py" if method == "python" else "**.html"
        for _file, _line, msg, _c, _ctx in extract_from_dir(
            ROOT / subdir, method_map=[(pattern, method)], keywords=KEYWORDS
        ):
            found.add(msg[0] if isinstance(msg, tuple) else msg)
    return {m for m in found if m}


def danish() -> dict[str, str]:
    with open(ROOT / "walkapp/translations/da/LC_MESSAGES/messages.po", "rb") as fh:
        catalog = read_po(fh, locale="da")
    out = {}
    for m in catalog:
        if not m.id:
            continue
        if isinstance(m.id, str):
            out[m.id] = m.string
        else:  # plural forms: every form must be translated
            strings = m.string if isinstance(m.string, tuple) else (m.string,)
            out[m.id[0]] = "" if not all(strings) else strings[0]
    return out


def test_every_message_has_danish():
    da = danish()
    missing = sorted(m for m in source_messages() if not (da.get(m) or "").strip())
    assert not missing, f"{len(missing)} messages without Danish: {missing[:40]}"


def test_placeholders_survive_translation():
    bad = [
        (k, v)
        for k, v in danish().items()
        if isinstance(v, str)
        and v
        and sorted(PLACEHOLDER.findall(k)) != sorted(PLACEHOLDER.findall(v))
    ]
    assert not bad, bad
