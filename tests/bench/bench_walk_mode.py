"""Walk mode's first load on a phone: bytes of HTML, CSS and JS, gzip-compressed (no tiles,
no photos). Budget: 250 KB."""

import gzip
import re
from html.parser import HTMLParser

from tests.bench.common import fresh_app

BUDGET_BYTES = 250 * 1024


class _Assets(HTMLParser):
    def __init__(self):
        super().__init__()
        self.urls: list[tuple[str, str]] = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "script" and a.get("src"):
            self.urls.append(("js", a["src"]))
        elif tag == "link" and "stylesheet" in (a.get("rel") or "") and a.get("href"):
            self.urls.append(("css", a["href"]))


def first_load(client, path: str) -> list[tuple[str, str, int, int]]:
    """Return (kind, url, raw bytes, gzip bytes) for the page and every script and stylesheet
    it loads, plus the first spots request the page's script makes."""
    resp = client.get(path)
    assert resp.status_code == 200, resp.status_code
    html = resp.data
    rows = [("html", path, len(html), len(gzip.compress(html, 6)))]
    parser = _Assets()
    parser.feed(html.decode())
    for kind, url in parser.urls:
        body = client.get(url).data
        rows.append((kind, url, len(body), len(gzip.compress(body, 6))))
        if kind == "css":  # images referenced by CSS load lazily; @import would load now
            assert not re.search(rb"@import", body), f"{url} uses @import"
    spots = re.search(rb'"spotsUrl": "([^"]+)"', html)
    if spots:
        url = spots.group(1).decode()
        body = client.get(url).data
        rows.append(("json", url, len(body), len(gzip.compress(body, 6))))
    return rows


def _guest_in_walk_mode(app):
    from tests.factories import make_walk
    from walkapp.extensions import db

    with app.app_context():
        walk = make_walk(db.session)
        db.session.commit()
        walk_id, code = walk.id, walk.join_code
    client = app.test_client()
    page = client.get(f"/j/{code}").get_data(as_text=True)
    token = re.search(r'name="csrf-token" content="([^"]+)"', page).group(1)
    client.post(f"/j/{code}", data={"role_label": "beboer", "csrf_token": token})
    return client, walk_id


def main() -> None:
    with fresh_app("spatialite") as app:
        client, walk_id = _guest_in_walk_mode(app)
        rows = first_load(client, f"/walks/{walk_id}/mode")
    total_raw = sum(r[2] for r in rows)
    total_gz = sum(r[3] for r in rows)
    print(f"{'kind':5} {'raw KB':>8} {'gzip KB':>8}  url")
    for kind, url, raw, gz in rows:
        print(f"{kind:5} {raw / 1024:8.1f} {gz / 1024:8.1f}  {url}")
    print(
        f"{'total':5} {total_raw / 1024:8.1f} {total_gz / 1024:8.1f}  "
        f"(budget {BUDGET_BYTES / 1024:.0f} KB gzip: {'OK' if total_gz < BUDGET_BYTES else 'OVER'})"
    )


if __name__ == "__main__":
    main()
