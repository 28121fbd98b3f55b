"""Pages and htmx fragments from one view: render the page, or only its fragment for htmx."""

from flask import make_response, render_template

from walkapp.extensions import htmx


def wants_fragment() -> bool:
    """True for an htmx request that asks for a part of a page (not boosted, not history)."""
    return bool(htmx and not htmx.boosted and not htmx.history_restore_request)


def render(page: str, fragment: str | None = None, status: int = 200, **ctx):
    """Render the full *page*, or only *fragment* for htmx; always Vary on HX-Request."""
    template = fragment if fragment and wants_fragment() else page
    resp = make_response(render_template(template, **ctx), status)
    resp.vary.add("HX-Request")
    return resp
