"""No page loads anything from another site, except the configured map tiles.

Renders every GET page an admin can reach (every rule in app.url_map with sample arguments),
plus the join page as a guest sees it, and checks script, stylesheet, image, frame and font
references, inline and linked CSS (@import, url()), inline scripts and our own JS files.
The configured TILE_URL is the only outside URL allowed, and only inside a script.
"""

import re
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlsplit

from tests.web.test_permissions import build_url, endpoints
from tests.web.test_permissions import world as world  # noqa: F401 (the fixture)

ROOT = Path(__file__).resolve().parents[2]
URL_IN_TEXT = re.compile(r"""(?:https?:)?//[a-z0-9-]+(?:\.[a-z0-9-]+)+(?::\d+)?[^\s"'`<>()\\]*""",
                         re.I)
DATA_URI = re.compile(r"""data:[a-z/+.-]+;base64,[a-z0-9+/=]+""", re.I)
CSS_URL = re.compile(r"""url\(\s*['"]?([^'")\s]+)""", re.I)
CSS_IMPORT = re.compile(r"""@import\s+['"]([^'"]+)""", re.I)  # the url() form is CSS_URL's
# Attributes that make the browser fetch something (navigation links are not assets).
FETCHING = {("script", "src"), ("link", "href"), ("img", "src"), ("img", "srcset"),
            ("source", "src"), ("source", "srcset"), ("iframe", "src"), ("embed", "src"),
            ("object", "data"), ("video", "src"), ("video", "poster"), ("audio", "src"),
            ("input", "src"), ("image", "href"), ("use", "href")}


def offsite(url: str) -> bool:
    """True for a URL that leaves our host (absolute or protocol-relative)."""
    url = url.strip()
    if url.startswith(("data:", "#", "blob:")):
        return False
    parts = urlsplit(url)
    return bool(parts.scheme in ("http", "https") or url.startswith("//")) and \
        parts.hostname not in ("localhost", "127.0.0.1", None)


class Collector(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.fetches: list[tuple[str, str]] = []
        self.scripts: list[str] = []
        self.styles: list[str] = []
        self._in = None

    def handle_starttag(self, tag, attrs):
        for name, value in attrs:
            if value is None:
                continue
            if (tag, name) in FETCHING:
                for candidate in value.split(",") if name == "srcset" else [value]:
                    self.fetches.append((f"<{tag} {name}>", candidate.strip().split(" ")[0]))
            if name == "style":
                self.styles.append(value)
        if tag in ("script", "style"):
            self._in = tag

    def handle_endtag(self, tag):
        if tag == self._in:
            self._in = None

    def handle_data(self, data):
        if self._in == "script":
            self.scripts.append(data)
        elif self._in == "style":
            self.styles.append(data)


def css_problems(css: str, where: str) -> list[str]:
    found = CSS_URL.findall(css) + CSS_IMPORT.findall(css)
    return [f"{where}: {u}" for u in found if offsite(u)]


def page_problems(client, html: str, where: str, tile_url: str, attribution: str) -> list[str]:
    doc = Collector()
    doc.feed(html)
    problems = [f"{where} {kind}: {url}" for kind, url in doc.fetches if offsite(url)]
    for style in doc.styles:
        problems += css_problems(style, f"{where} inline CSS")
    for script in doc.scripts:
        text = DATA_URI.sub("", script.replace("\\/", "/"))
        for url in URL_IN_TEXT.findall(text):
            if url == tile_url or url in attribution:
                continue  # the tile template; the attribution's link (text, not loaded)
            problems.append(f"{where} inline script: {url[:200]}")
    for kind, url in doc.fetches:
        if kind == "<link href>" and url.split("?")[0].endswith(".css") and not offsite(url):
            css = client.get(url)
            assert css.status_code == 200, f"{where}: stylesheet {url} is {css.status_code}"
            problems += css_problems(css.get_data(as_text=True), f"{where} {url}")
    # The tile URL may appear only in a script.
    for kind, url in doc.fetches:
        if url == tile_url:
            problems.append(f"{where}: the tile URL used outside a script ({kind})")
    return problems


def test_no_page_loads_anything_offsite(app, world):
    tile, attribution = app.config["TILE_URL"], app.config["TILE_ATTRIBUTION"]
    problems, pages = [], 0
    client = app.test_client()
    world.act_as(client, "admin")
    for endpoint, method, rule in endpoints(app):
        url = build_url(app, rule, world.url_args)
        if method != "GET" or url is None or endpoint == "static":
            continue
        resp = client.get(url)
        if resp.status_code != 200 or resp.mimetype != "text/html":
            continue
        pages += 1
        problems += page_problems(client, resp.get_data(as_text=True), url, tile, attribution)
    guest = app.test_client()
    join = guest.get(f"/j/{world.url_args['code']}")
    assert join.status_code == 200
    problems += page_problems(guest, join.get_data(as_text=True), "join page", tile, attribution)
    assert pages >= 8, f"only {pages} pages rendered; is the admin world broken?"
    assert not problems, "Off-site assets:\n  " + "\n  ".join(problems)


def test_map_pages_use_the_configured_tile_url(app, world):
    """The overview map's script carries the configured tile template, and nothing else."""
    app.config["TILE_URL"] = "https://tiles.example.dk/{z}/{x}/{y}.png"
    client = app.test_client()
    world.act_as(client, "admin")
    html = client.get("/spots/").get_data(as_text=True)
    assert "https://tiles.example.dk/{z}/{x}/{y}.png" in html
    assert page_problems(client, html, "/spots/", app.config["TILE_URL"],
                         app.config["TILE_ATTRIBUTION"]) == []


def test_the_checker_catches_offsite_references(app, world):
    """The checker itself fails on a CDN script, stylesheet, @import, url() and font."""
    client = app.test_client()
    bad = """<html><head>
      <script src="https://unpkg.com/leaflet.js"></script>
      <link rel="stylesheet" href="//cdn.example.com/x.css">
      <style>@import url("https://fonts.googleapis.com/css?family=Inter");
             @font-face { src: url(https://fonts.gstatic.com/a.woff2); }</style>
    </head><body style="background: url('http://evil.example/bg.png')">
      <img src="https://example.org/p.png"><script>fetch("https://api.example.org/x")</script>
    </body></html>"""
    problems = page_problems(client, bad, "bad", app.config["TILE_URL"], "")
    assert len(problems) == 7, problems


def test_our_scripts_name_no_outside_urls():
    scripts = sorted((ROOT / "static" / "js").rglob("*.js"))  # modules sit in subfolders too
    assert any(js.parent.name == "walk-mode" for js in scripts)
    for js in scripts:
        urls = [u for u in URL_IN_TEXT.findall(js.read_text(encoding="utf-8")) if offsite(u)
                and "www.w3.org/2000/svg" not in u]
        assert not urls, f"{js.relative_to(ROOT)} names outside URLs: {urls}"


def test_our_stylesheets_load_nothing_offsite():
    for css in sorted((ROOT / "static" / "css").glob("*.css")):
        assert css_problems(css.read_text(encoding="utf-8"), css.name) == []


IMPORT = re.compile(r"""^\s*import\s[^"']*["']([^"']+)["']""", re.M)


def test_our_modules_import_only_our_own_files():
    """Every import in static/js is a relative path to a file there (served by us, no CDN)."""
    js_root = ROOT / "static" / "js"
    imports = 0
    for js in sorted(js_root.rglob("*.js")):
        for spec in IMPORT.findall(js.read_text(encoding="utf-8")):
            imports += 1
            assert spec.startswith(("./", "../")), f"{js.name} imports {spec}"
            target = (js.parent / spec).resolve()
            assert target.is_file() and js_root in target.parents, f"{js.name}: {spec}"
    assert imports >= 10
