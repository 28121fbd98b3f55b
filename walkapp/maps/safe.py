"""User text in folium tooltips and popups: the one way to put it there.

folium writes a ``Tooltip``'s or ``Popup``'s text unescaped into a JS template literal inside the
page's <script> (so ``</script>`` ends the script and ``${...}`` runs), and a
``GeoJsonTooltip`` writes feature properties into ``innerHTML``. Names of areas, focus areas and
remedies are typed by users, so every such text goes through :func:`text` first: HTML-escaped
(markupsafe), and with the characters a template literal treats specially (backtick, ``$``,
backslash) as HTML character references too. The result holds no ``<``, no backtick, no ``$``
and no backslash: inert in the script and in the template literal, and shown by the browser's
HTML parser as exactly the text the user typed.

Build tooltips with :func:`tooltip` (markers), :func:`popup` and :func:`geojson` (GeoJSON
layers with a tooltip of some of their properties); never with folium's classes directly.
"""

from __future__ import annotations

import json
from collections.abc import Sequence

import folium
from markupsafe import Markup, escape

# What markupsafe leaves alone but a JS template literal does not.
_TEMPLATE_LITERAL = str.maketrans({"`": "&#96;", "$": "&#36;", "\\": "&#92;"})


def text(value) -> Markup:
    """*value* as HTML text that is safe inside folium's JS template literals and innerHTML."""
    return Markup(str(escape("" if value is None else value)).translate(_TEMPLATE_LITERAL))


def _shown(value):
    """A property as GeoJsonTooltip may show it: numbers as they are, anything else as text
    (folium would JSON.stringify a list or an object into innerHTML)."""
    if value is None or isinstance(value, bool | int | float):
        return value
    if isinstance(value, list | dict):
        value = json.dumps(value, ensure_ascii=False)
    return text(value)


def tooltip(value, **options) -> folium.Tooltip:
    """A marker's tooltip showing *value* as text."""
    return folium.Tooltip(text(value), **options)


def popup(value, **options) -> folium.Popup:
    """A popup showing *value* as text."""
    return folium.Popup(text(value), **options)


def geojson(data: dict, *, fields: Sequence[str], aliases: Sequence[str] | None = None,
            labels: bool = True, **options) -> folium.GeoJson:
    """A GeoJSON layer of the FeatureCollection *data* with a tooltip of the properties
    *fields* (headed by *aliases* when *labels*). The shown properties are made text in a copy
    of the features; *data* itself and the other properties (style functions read them) stay
    as they are."""
    shown = set(fields)
    features = [{**f, "properties": {k: _shown(v) if k in shown else v
                                     for k, v in (f.get("properties") or {}).items()}}
                for f in data["features"]]
    heads = [text(a) for a in (aliases if aliases is not None else fields)]
    return folium.GeoJson(
        {**data, "features": features},
        tooltip=folium.GeoJsonTooltip(fields=list(fields), aliases=heads, labels=labels),
        **options)
