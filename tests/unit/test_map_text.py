"""User text reaches folium only through walkapp.maps.safe (see its docstring for why)."""

import ast
from pathlib import Path

PKG = Path(__file__).resolve().parents[2] / "walkapp"
FOLIUM_TEXT = {"Tooltip", "Popup", "GeoJsonTooltip", "GeoJsonPopup"}


def unsafe_uses(tree: ast.AST) -> list[int]:
    """Lines that pass text to folium other than through safe.*: a tooltip=/popup= keyword
    whose value is not a call of safe.something, or folium's text classes called directly."""
    bad = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        if isinstance(func, ast.Attribute) and func.attr in FOLIUM_TEXT:
            bad.append(node.lineno)
        for kw in node.keywords:
            if kw.arg in ("tooltip", "popup") and not (
                    isinstance(kw.value, ast.Call) and isinstance(kw.value.func, ast.Attribute)
                    and isinstance(kw.value.func.value, ast.Name)
                    and kw.value.func.value.id == "safe") \
                    and not (isinstance(kw.value, ast.Constant) and kw.value.value is None):
                bad.append(kw.value.lineno)
    return bad


def test_every_tooltip_and_popup_goes_through_maps_safe():
    found = {}
    for path in PKG.rglob("*.py"):
        if path == PKG / "maps" / "safe.py":
            continue
        lines = unsafe_uses(ast.parse(path.read_text(encoding="utf-8")))
        if lines:
            found[str(path.relative_to(PKG.parent))] = lines
    assert not found, f"user text reaches folium without walkapp.maps.safe: {found}"


def test_the_guard_sees_a_raw_tooltip():
    code = ("import folium\nfrom walkapp.maps import safe\n"
            "folium.Marker((1, 2), tooltip=area.name)\n"
            "folium.Marker((1, 2), tooltip=safe.tooltip(area.name))\n"
            "folium.Tooltip(name)\n")
    assert unsafe_uses(ast.parse(code)) == [3, 5]
