"""Security headers on every response: a Content-Security-Policy with a fresh nonce per request,
no framing, no MIME sniffing, same-origin referrers.

Templates give every inline ``<script>`` and ``<style>`` the request's nonce through the
``csp_nonce()`` template global. Scripts may come from our own origin or carry the nonce (no
'unsafe-inline', no 'unsafe-eval': Leaflet, Leaflet.draw, exifr, folium's generated code and
htmx with ``allowEval`` off need neither). Stylesheets likewise; ``style=""`` attributes are
allowed (``style-src-attr 'unsafe-inline'``): the planner's legend swatches, the redaction
rectangles (also swapped in by htmx) and folium's markup set them, an attribute styles only its
own element (no selectors, no loading: url() is held by img-src/font-src), and hashes cannot
cover values computed per page. Images: our own, data: and blob: URLs (photo previews, the
density overlay) and the origin of the configured TILE_URL.
"""

import secrets
from urllib.parse import urlsplit

from flask import g

NONCE_BYTES = 18  # 144 bits, 24 characters of URL-safe base64


def csp_nonce() -> str:
    """This request's nonce (made on first use, the same for every call in the request)."""
    nonce = g.get("_csp_nonce")
    if nonce is None:
        nonce = g._csp_nonce = secrets.token_urlsafe(NONCE_BYTES)
    return nonce


def tile_source(tile_url: str) -> str | None:
    """The CSP source expression of a Leaflet tile template's origin, or None if it is ours.

    "https://{s}.tile.example.org/{z}/{x}/{y}.png" gives "https://*.tile.example.org": a
    placeholder in the host (Leaflet's subdomains) becomes a wildcard for the labels it fills.
    """
    parts = urlsplit(tile_url)
    scheme = parts.scheme.lower()
    if scheme not in ("", "http", "https") or (scheme and not parts.netloc):
        raise ValueError(f"TILE_URL must be an http(s) URL or a path: {tile_url!r}")
    if not parts.netloc:
        return None  # a path on our own origin: 'self' covers it
    host = parts.netloc.rpartition("@")[2].lower()
    labels = host.split(".")
    if any("{" in label for label in labels):
        # Leaflet fills only the leftmost labels ({s}.tile...): keep the fixed rest.
        fixed = [label for label in labels if "{" not in label]
        if not fixed or labels[len(labels) - len(fixed):] != fixed:
            raise ValueError(f"TILE_URL's host may vary only in its leftmost labels: {tile_url!r}")
        host = "*." + ".".join(fixed)
    return f"{scheme}://{host}" if scheme else host  # //host/...: the page's own scheme


def content_security_policy(nonce: str, tile_url: str) -> str:
    """The policy for one response; *nonce* is the request's, *tile_url* the TILE_URL."""
    tiles = tile_source(tile_url)
    directives = {
        "default-src": ["'self'"],
        "script-src": ["'self'", f"'nonce-{nonce}'"],
        "style-src": ["'self'", f"'nonce-{nonce}'"],
        "style-src-attr": ["'unsafe-inline'"],
        "img-src": ["'self'", "data:", "blob:"] + ([tiles] if tiles else []),
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
    return "; ".join(f"{name} {' '.join(sources)}" for name, sources in directives.items())


def init_app(app) -> None:
    tile_source(app.config["TILE_URL"])  # a TILE_URL no policy can allow fails at start-up
    app.add_template_global(csp_nonce)

    @app.after_request
    def security_headers(resp):
        resp.headers.setdefault(
            "Content-Security-Policy",
            content_security_policy(csp_nonce(), app.config["TILE_URL"]),
        )
        resp.headers.setdefault("X-Frame-Options", "DENY")  # frame-ancestors for old browsers
        resp.headers.setdefault("X-Content-Type-Options", "nosniff")
        resp.headers.setdefault("Referrer-Policy", "same-origin")
        return resp
