"""Issue 12, point 6: every response carries the Content-Security-Policy (a fresh nonce per
request, no framing) and every page satisfies it: each inline script and style block carries the
request's nonce, and no page has an inline event handler or a javascript: URL. The browser
test (tests/e2e/test_csp.py) runs the pages under the policy; this one is the fast guard.
"""

import json
import re
from html.parser import HTMLParser

import folium
import pytest

from tests.web.test_permissions import build_url, endpoints
from tests.web.test_permissions import world as world  # noqa: F401 (the fixture)
from walkapp.maps.builder import parts
from walkapp.web.security import content_security_policy, tile_source

NONCE = re.compile(r"'nonce-([A-Za-z0-9_-]{20,})'")
JS_TYPES = ("", "text/javascript", "application/javascript", "module")
URL_ATTRS = {"href", "src", "action", "formaction", "data", "poster", "xlink:href"}


def directives(policy: str) -> dict[str, list[str]]:
    found = {}
    for part in policy.split(";"):
        name, *sources = part.split()
        assert name not in found, f"{name} twice in {policy!r}"
        found[name] = sources
    return found


class InlineParts(HTMLParser):
    """Inline scripts and styles (with their nonce), event handler attributes, script URLs."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.scripts: list[str | None] = []  # the nonce of each inline script
        self.styles: list[str | None] = []
        self.handlers: list[str] = []
        self.script_urls: list[str] = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        self.handlers += [f"<{tag} {n}>" for n, _v in attrs if n.startswith("on")]
        self.script_urls += [f"<{tag} {n}={v}>" for n, v in attrs if n in URL_ATTRS and v and
                             re.sub(r"[\s\x00-\x1f]", "", v).lower().startswith("javascript:")]
        if tag == "script" and "src" not in a and (a.get("type") or "").lower() in JS_TYPES:
            self.scripts.append(a.get("nonce"))
        if tag == "style":
            self.styles.append(a.get("nonce"))


def page_problems(resp, where: str) -> tuple[str, list[str]]:
    """The response's nonce, and what is wrong with its headers or its page."""
    policy = resp.headers.get("Content-Security-Policy", "")
    problems = []
    found = NONCE.findall(policy)
    if len(set(found)) != 1:
        return "", [f"{where}: no single nonce in {policy!r}"]
    nonce = found[0]
    d = directives(policy)
    if d.get("frame-ancestors") != ["'none'"] or resp.headers.get("X-Frame-Options") != "DENY":
        problems.append(f"{where}: may be framed")
    doc = InlineParts()
    doc.feed(resp.get_data(as_text=True))
    problems += [f"{where}: inline script with nonce {n!r}" for n in doc.scripts if n != nonce]
    problems += [f"{where}: <style> with nonce {n!r}" for n in doc.styles if n != nonce]
    problems += [f"{where}: inline handler {h}" for h in doc.handlers]
    problems += [f"{where}: script URL {u}" for u in doc.script_urls]
    return nonce, problems


def test_every_page_carries_the_policy_and_satisfies_it(app, world):
    """Every HTML page an admin reaches, the join page and walk mode as a guest, and the
    anonymous login and error pages: one fresh nonce each, carried by every inline script and
    style block; no inline handlers, no javascript: URLs; never framed."""
    client = app.test_client()
    world.act_as(client, "admin")
    responses = []
    for endpoint, method, rule in endpoints(app):
        url = build_url(app, rule, world.args_for(endpoint))
        if method != "GET" or url is None or endpoint == "static":
            continue
        resp = client.get(url)
        if resp.mimetype == "text/html":
            responses.append((url, resp))
    guest = app.test_client()
    world.act_as(guest, "guest")
    anonymous = app.test_client()
    responses += [(f"guest {u}", guest.get(u)) for u in (
        f"/j/{world.url_args['code']}", f"/walks/{world.walk_id}/mode")]
    responses += [(f"anonymous {u}", anonymous.get(u)) for u in ("/login", "/no-such-page")]
    nonces, problems = [], []
    for where, resp in responses:
        nonce, wrong = page_problems(resp, where)
        nonces.append(nonce)
        problems += wrong
    assert len(responses) >= 30, [w for w, _r in responses]
    assert sum(r.status_code == 200 for _w, r in responses) >= 25
    assert not problems, "\n  ".join(problems)
    assert len(set(nonces)) == len(nonces), "a nonce was used twice"
    # The map pages' scripts, the report's style block: there is something to carry the nonce.
    assert any("/report" in w for w, _r in responses)
    mode = dict(responses)[f"guest /walks/{world.walk_id}/mode"].get_data(as_text=True)
    assert re.search(r'<script nonce="[^"]+">\s*var map_', mode)


def test_the_checker_sees_what_breaks_the_policy(app):
    """A page with an inline script lacking the nonce, a wrong-nonce style, an onclick and a
    javascript: link fails the check (so the test above can fail)."""
    with app.test_request_context():
        bad = app.make_response("""<!doctype html><script>alert(1)</script>
            <style nonce="wrong">p{}</style><button onclick="go()">x</button>
            <a href=" JaVa&#x09;script:alert(1)">y</a><script type="application/json">{}</script>
            <script src="/static/js/overview.js"></script>""")
        bad = app.process_response(bad)
    _nonce, problems = page_problems(bad, "bad")
    assert len(problems) == 4, problems


def test_each_request_gets_its_own_nonce_and_non_pages_the_policy_too(app, world):
    client = app.test_client()
    world.act_as(client, "guest")
    first, second = (client.get(f"/walks/{world.walk_id}/mode") for _ in range(2))
    n1, n2 = (NONCE.findall(r.headers["Content-Security-Policy"])[0] for r in (first, second))
    assert n1 != n2
    assert f'<script nonce="{n1}">' in first.get_data(as_text=True)  # the page's own nonce
    assert n2 not in first.get_data(as_text=True)
    for url in ("/static/css/app.css", "/healthz", "/api/spots.geojson"):
        resp = client.get(url)
        d = directives(resp.headers["Content-Security-Policy"])
        assert d["frame-ancestors"] == ["'none'"] and resp.headers["X-Frame-Options"] == "DENY"
        assert resp.headers["X-Content-Type-Options"] == "nosniff"


def test_the_policy_names_what_the_pages_need_and_no_more(app, client):
    d = directives(client.get("/login").headers["Content-Security-Policy"])
    nonce = [s for s in d["script-src"] if s.startswith("'nonce-")]
    assert d["default-src"] == ["'self'"]
    assert d["script-src"] == ["'self'", *nonce] and len(nonce) == 1  # no unsafe-inline/-eval
    assert d["style-src"] == ["'self'", *nonce]  # <style> blocks need the nonce
    assert d["style-src-attr"] == ["'unsafe-inline'"]  # style="" attributes (see security.py)
    assert d["img-src"] == ["'self'", "data:", "blob:", "https://tile.openstreetmap.org"]
    assert d["connect-src"] == ["'self'"] and d["object-src"] == ["'none'"]
    assert d["base-uri"] == ["'self'"] and d["form-action"] == ["'self'"]
    assert d["frame-ancestors"] == ["'none'"]
    app.config["TILE_URL"] = "https://{s}.tiles.example.dk:8443/{z}/{x}/{y}.png"
    d = directives(client.get("/login").headers["Content-Security-Policy"])
    assert d["img-src"][-1] == "https://*.tiles.example.dk:8443"


@pytest.mark.parametrize(("tile_url", "source"), [
    ("https://tile.openstreetmap.org/{z}/{x}/{y}.png", "https://tile.openstreetmap.org"),
    ("https://{s}.tile.example.org/{z}/{x}/{y}.png", "https://*.tile.example.org"),
    ("HTTP://Tiles.Example.dk:8080/t/{z}/{x}/{y}", "http://tiles.example.dk:8080"),
    ("//tiles.example.dk/{z}/{x}/{y}.png", "tiles.example.dk"),  # the page's scheme
    ("/tiles/{z}/{x}/{y}.png", None),  # our own origin: 'self'
])
def test_tile_source(tile_url, source):
    assert tile_source(tile_url) == source
    policy = content_security_policy("n" * 24, tile_url)
    assert directives(policy)["img-src"] == ["'self'", "data:", "blob:"] + (
        [source] if source else [])


@pytest.mark.parametrize("tile_url", ["https://tiles.{s}.example.org/{z}/{x}/{y}.png",
                                      "javascript:alert(1)//{z}/{x}/{y}"])
def test_a_tile_url_no_policy_can_allow_is_refused(tile_url):
    with pytest.raises(ValueError, match="TILE_URL"):
        tile_source(tile_url)


def test_folium_scripts_and_styles_leave_the_maps_html_part():
    """What folium puts in its html part runs under the page's nonce: inline scripts join the
    map's script, style blocks go to MapParts.style; JSON data blocks stay; the div stays."""
    m = folium.Map(tiles=None)
    root = m.get_root()
    root.html.add_child(folium.Element(
        '<style>.legend { color: red }</style><script>window.fromHtml = 1;</script>'
        '<script type="application/json" id="d">{"a": 1}</script>'))
    mp = parts(m)
    assert "<script>" not in mp.html and "<style" not in mp.html
    assert f'id="{mp.name}"' in mp.html and 'type="application/json"' in mp.html
    assert "window.fromHtml = 1;" in mp.script and mp.script.index("fromHtml") < mp.script.index(
        "L.map(")
    assert mp.style.strip() == ".legend { color: red }"
    root.html.add_child(folium.Element('<script src="https://cdn.example/x.js"></script>'))
    with pytest.raises(ValueError, match="map_libraries"):
        parts(m)


def test_htmx_adds_no_inline_style_and_evaluates_nothing(client):
    """htmx would insert a <style> for its request indicators (blocked by style-src) and may
    eval trigger filters and hx-on code (blocked by script-src): both off, on every page."""
    html = client.get("/login").get_data(as_text=True)
    config = re.search(r"""<meta name="htmx-config" content='([^']*)'>""", html)
    assert config, "base.html's htmx-config meta is missing"
    settings = json.loads(config.group(1))
    assert settings["includeIndicatorStyles"] is False and settings["allowEval"] is False
