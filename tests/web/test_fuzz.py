"""No input gives a 5xx: property-based tests (hypothesis) over every form, query string and
JSON endpoint, on both databases (issue 12).

The endpoints come from ``app.url_map`` and the world from tests/web/test_permissions.py (a user
of every role, a walk with a guest, a spot with a photo, remedies, a contractor link, a focus
area...). For each endpoint, as a role that reaches it (``EXPECT`` there), hypothesis draws:

- GET: query strings; POST: url-encoded or multipart forms (with files) or JSON bodies (any
  JSON value, NaN and deep nesting included, or bytes that are no JSON at all);
- field names from the forms the app's own pages render for that endpoint (read from the
  pages), the fields the scripts post, and every request value the code reads (VOCABULARY);
- values: the values the pages offer (select options, hidden versions, ids), the world's ids,
  text with control characters, huge/negative/non-ASCII numbers, dates good and bad, NaN and
  Infinity, GeoJSON (nested, NaN, crossing itself), long text, repeated fields;
- now and then a URL argument replaced by a huge or unknown id.

Every answer below 500 passes (the permission matrix checks the statuses themselves); a 5xx or
an exception is collected with its input, and the test fails listing them all.

Examples per endpoint: the hypothesis profile ``walkapp`` (15 per POST endpoint, a fifth of that
per GET endpoint, whose query strings share one parser: about 40 s per database in ``make
test``), or ``fuzz`` (300) with
``WALKAPP_FUZZ_PROFILE=fuzz``; ``WALKAPP_FUZZ_EXAMPLES=n`` overrides either.
"""

import io
import json
import os
import re
from collections import Counter, defaultdict
from html.parser import HTMLParser
from pathlib import Path

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from werkzeug.exceptions import MethodNotAllowed, NotFound

from tests.factories import INSIDE, jpeg_bytes, spot_form
from tests.web.test_permissions import EXPECT, ROLES, build_url, endpoints
from tests.web.test_permissions import world as world  # noqa: F401 (the fixture)
from walkapp.domain import remedies as rd

ROOT = Path(__file__).resolve().parents[2]
_COMMON = {"deadline": None, "database": None,
           "phases": (Phase.explicit, Phase.reuse, Phase.generate),  # collect, never shrink
           "suppress_health_check": list(HealthCheck)}
# `make test` draws the same examples every run (derandomize: a red CI is reproducible, never a
# roll of the dice); the "fuzz" profile explores new ones each time.
settings.register_profile("walkapp", max_examples=15, derandomize=True, **_COMMON)
settings.register_profile("fuzz", max_examples=300, derandomize=False, **_COMMON)
PROFILE = settings.get_profile(os.environ.get("WALKAPP_FUZZ_PROFILE", "walkapp"))
if os.environ.get("WALKAPP_FUZZ_EXAMPLES"):
    PROFILE = settings(PROFILE, max_examples=int(os.environ["WALKAPP_FUZZ_EXAMPLES"]))

# Who to try first: the role that reaches the most; each example draws among those allowed.
PREFERENCE = ("admin", "koordinator", "vandringsleder", "inspektoer", "planlaegger",
              "deltager", "guest", "anonymous")
# Endpoints whose POST ends the state the next ones need run last (logging out ends every
# session of the user; deletions remove the world's focus area, link, redaction...).
LAST = re.compile(r"logout|delete|revoke|remove|hide|join\.join")
SKIP = {"static"}


def _vocabulary() -> set[str]:
    """Every request value name the code reads or the templates and scripts send."""
    names = {"bbox", "q", "page", "limit", "format", "lang"}
    for path in (ROOT / "walkapp").rglob("*.py"):
        src = path.read_text()
        names |= set(re.findall(r'\.get(?:list)?\(\s*"([a-z_]\w*)"', src))
        names |= set(re.findall(r'parse\.\w+\(\s*[\w.]+,\s*"([a-z_]\w*)"', src))
    for path in [*(ROOT / "templates").rglob("*.html"), *(ROOT / "static/js").rglob("*.js")]:
        src = path.read_text()
        names |= set(re.findall(r'name="([a-z_]\w*)"', src))
        names |= set(re.findall(r'\.(?:append|set)\(\s*"([a-z_]\w*)"', src))
    return names - {"csrf_token"}


VOCABULARY = sorted(_vocabulary())
# What the scripts post (walk mode's spot form goes through FormData, the API by fetch).
SPOT_FIELDS = {*spot_form(), "observed_at", "location_source", "photo_lat", "photo_lon",
               "photo_taken_at", "visibility", "light", "hidden", "version"}
JS_FIELDS = {"api.create_spot": SPOT_FIELDS, "api.update_spot": SPOT_FIELDS,
             "api.hide_spot": {"hidden", "version"},
             "api.transition": {"to", "comment", "version", "owner_org_id"}}
FILE_FIELDS = {"photo", "file", "route_file"}

_POLYGON = [[12.35, 55.65], [12.36, 55.65], [12.36, 55.66], [12.35, 55.66], [12.35, 55.65]]
_BOW_TIE = [[12.35, 55.65], [12.36, 55.66], [12.36, 55.65], [12.35, 55.66], [12.35, 55.65]]
GEOJSON = [
    json.dumps({"type": "Polygon", "coordinates": [_POLYGON]}),
    json.dumps({"type": "Polygon", "coordinates": [_BOW_TIE]}),
    json.dumps({"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"name": "A"},
         "geometry": {"type": "Polygon", "coordinates": [ring]}} for ring in (_POLYGON, _BOW_TIE)
    ]}),
    json.dumps({"type": "LineString", "coordinates": _POLYGON[:3]}),
    '{"type": "Polygon", "coordinates": [[[NaN, 55.65], [12.36, 55.65], [12.36, 55.66]]]}',
    '{"type": "Polygon", "coordinates": ' + "[" * 5000 + "]" * 5000 + "}",
    '{"type": "Point", "coordinates": [' + "9" * 5000 + ", 55]}",
    '{"type": "Polygon", "coordinates": [[[1e400, 2], [3, 4], [5, 6], [1e400, 2]]]}',
    '{"type": "GeometryCollection", "geometries": [{"type": "Point", "coordinates": [1, 2]}]}',
    "[]", "{}", "null", '{"type": "Polygon"}', '{"type": "Polygon", "coordinates": 5}',
]
text = st.text(st.characters(exclude_categories=("Cs",)), max_size=40)
control = st.text(st.characters(max_codepoint=0x9f, categories=("Cc",)), min_size=1,
                  max_size=5)
numbers = st.one_of(
    st.integers(-(2**70), 2**70).map(str),
    st.sampled_from(["0", "-1", "9" * 30, "1e309", "NaN", "nan", "inf", "-Infinity", "1_000",
                     "0x10", " 7 ", "+3", "٣", "１２", "²", "1.5", "-0", "55,65"]),
    st.floats(allow_nan=True, allow_infinity=True).map(str),
    st.text(alphabet="٠١٢٣٤٥٦٧٨٩０１２３४५", min_size=1, max_size=6),
)
dates = st.one_of(
    st.dates().map(lambda d: d.isoformat()),
    st.datetimes().map(lambda d: d.isoformat()),
    st.sampled_from(["2026-02-30", "2026-13-01", "0000-01-01", "9999-12-31T23:59:59+14:00",
                     "2026-06-01T25:00", "1970-01-01", "-1-01-01", "2026-06-01Z"]),
)
junk_values = st.one_of(text, control, numbers, dates, st.sampled_from(GEOJSON),
                        st.just("x" * 5000), st.just(""), text.map(lambda t: t + "\r\n" + t))


def json_values(leaf):
    return st.recursive(
        st.one_of(st.none(), st.booleans(), st.integers(-(2**70), 2**70),
                  st.floats(allow_nan=True, allow_infinity=True), leaf),
        lambda inner: st.lists(inner, max_size=4) | st.dictionaries(text, inner, max_size=4),
        max_leaves=12)


class _Forms(HTMLParser):
    """The forms of a page: (action, method, {field: {values}}, {file fields})."""

    def __init__(self):
        super().__init__()
        self.forms, self._open = [], None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form":
            self._open = (a.get("action") or "", (a.get("method") or "get").upper(),
                          defaultdict(set), set())
            self.forms.append(self._open)
        elif self._open is not None and tag in ("input", "select", "textarea", "button",
                                                "option"):
            if tag == "option":
                if getattr(self, "_select", None) and a.get("value") is not None:
                    self._open[2][self._select].add(a["value"])
                return
            name = a.get("name")
            if not name:
                return
            fields = self._open[2]
            fields[name]  # noqa: B018 (the name alone is worth knowing)
            if a.get("value") is not None:
                fields[name].add(a["value"])
            if a.get("type") == "file":
                self._open[3].add(name)
            if tag == "select":
                self._select = name

    def handle_endtag(self, tag):
        if tag == "form":
            self._open = None
        elif tag == "select":
            self._select = None


def crawl(app, world, urls: dict[str, str]) -> tuple[dict, dict, dict]:
    """Read every page as an admin and a coordinator: per POST endpoint the fields its forms
    send, per field the values the pages offer, per endpoint its file fields."""
    fields, values, files = defaultdict(set), defaultdict(set), defaultdict(set)
    adapter = app.url_map.bind("localhost")
    for who in ("admin", "koordinator", "inspektoer"):
        client = app.test_client()
        world.act_as(client, who)
        for url in urls.values():
            resp = client.get(url)
            if resp.status_code != 200 or "html" not in (resp.content_type or ""):
                continue
            parser = _Forms()
            parser.feed(resp.get_data(as_text=True))
            for action, method, form_fields, file_fields in parser.forms:
                target = (action or url).split("?")[0].split("#")[0]
                try:
                    endpoint, _args = adapter.match(target, method=method)
                except (NotFound, MethodNotAllowed):
                    endpoint = None
                for name, seen in form_fields.items():
                    values[name] |= {v for v in seen if len(v) < 200}
                    if endpoint:
                        fields[endpoint].add(name)
                if endpoint:
                    files[endpoint] |= file_fields
    return fields, values, files


def reachable(endpoint: str, method: str) -> list[str]:
    """Who gets past the login and permission checks of *endpoint* (test_permissions.EXPECT)."""
    expected = EXPECT.get((endpoint, method), {})
    return [who for who in PREFERENCE if who in expected
            and not expected[who] & {401, 403} and expected[who] != {302}]


class Fuzzer:
    """Draws one request for an endpoint, sends it, and records what gave a 5xx."""

    def __init__(self, app, world):
        self.app, self.world = app, world
        self.failures: dict[str, list[str]] = defaultdict(list)
        self.probes: Counter = Counter()
        self.failed: Counter = Counter()
        self.rules = [(e, m, r) for e, m, r in endpoints(app) if e not in SKIP]
        self.rules.sort(key=lambda row: (row[1] != "GET", bool(LAST.search(row[0]))))
        self.urls = {e: u for e, m, r in self.rules
                     if m == "GET" and (u := build_url(app, r, world.args_for(e)))}
        self.fields, self.values, self.files = crawl(app, world, self.urls)
        ids = {str(v) for v in world.url_args.values() if isinstance(v, int)}
        ids |= {str(v) for v in world.users.values()} | {str(v) for v in world.remedies.values()}
        self.plausible = st.one_of(
            st.sampled_from(sorted(ids)), st.integers(0, 12).map(str),
            st.sampled_from([*rd.STATUSES, *ROLES, "on", "1", "true", "works", "not_fixed",
                             "utryg", "tryg", "LYS", "BEV", str(INSIDE[0]), str(INSIDE[1]),
                             "12.3,55.6,12.4,55.7", "boligomraade", "kommune", "politi",
                             "public", "offentlig", "partner", "done", "moerke", "lyst"]))

    def category(self, endpoint: str, method: str, body: str) -> str:
        if method == "GET":
            return "GET query strings"
        if body == "json":
            return "POST JSON bodies"
        return "POST forms" + (" with files" if body == "multipart" else "")

    def field_values(self, name: str):
        offered = sorted(self.values.get(name, ()))
        choices = [junk_values, self.plausible]
        if offered:
            choices.insert(0, st.sampled_from(offered))
        one = st.one_of(*choices)
        return st.one_of(one, one, one, st.lists(one, min_size=2, max_size=3))

    def names(self, endpoint: str, method: str):
        known = sorted(self.fields.get(endpoint, set()) | JS_FIELDS.get(endpoint, set()))
        some_known = st.lists(st.sampled_from(known), unique=True, max_size=len(known)) \
            if known else st.just([])
        return st.tuples(some_known, st.lists(st.sampled_from(VOCABULARY), max_size=4),
                         st.lists(text, max_size=2)).map(lambda t: [*dict.fromkeys(
                             [*t[0], *t[1], *t[2]])])

    def request(self, endpoint: str, method: str, rule):
        """A strategy of (who, url, kwargs for client.open, category)."""
        who = st.sampled_from(reachable(endpoint, method) or ["admin"])
        base = self.world.args_for(endpoint)
        int_args = [a for a in rule.arguments if isinstance(base.get(a), int)]
        swap = st.one_of(st.just({}), st.just({}), st.just({}), st.fixed_dictionaries(
            {a: st.one_of(st.integers(0, 2**64), st.sampled_from([0, 1, 2, 3]))
             for a in int_args}) if int_args else st.just({}))

        @st.composite
        def draw(draw_):
            args = {**base, **draw_(swap)}
            url = build_url(self.app, rule, args) or build_url(self.app, rule, base)
            names = draw_(self.names(endpoint, method))
            data = {n: draw_(self.field_values(n)) for n in names}
            if method == "GET":
                return draw_(who), url, {"query_string": _pairs(data)}, "GET query strings"
            api = rule.rule.startswith("/api/")
            body = draw_(st.sampled_from(["json", "json", "form", "multipart"] if api else
                                         ["form", "form", "multipart", "json"]))
            if body == "json":
                shape = draw_(st.sampled_from(["object", "object", "any", "raw"]))
                if shape == "object":
                    payload = json.dumps({n: draw_(st.one_of(self.field_values(n),
                                                             json_values(junk_values)))
                                          for n in names}, allow_nan=True)
                elif shape == "any":
                    payload = json.dumps(draw_(json_values(text)), allow_nan=True)
                else:
                    payload = draw_(st.one_of(st.binary(max_size=60).map(
                        lambda b: b.decode("latin-1")), st.just("[" * 3000),
                        st.just('{"to": NaN}')))
                kwargs = {"data": payload.encode("utf-8", "surrogatepass"),
                          "content_type": "application/json"}
            elif body == "multipart":
                for name in sorted(self.files.get(endpoint, set()) | FILE_FIELDS):
                    if draw_(st.booleans()):
                        data[name] = (io.BytesIO(draw_(st.sampled_from(FILES))),
                                      draw_(st.sampled_from(["a.jpg", "a.geojson", "", "x\r\n"
                                                             ".heic", "../../a.png"])))
                kwargs = {"data": _multidict(data), "content_type": "multipart/form-data"}
            else:
                kwargs = {"data": _multidict(data)}
            return draw_(who), url, kwargs, self.category(endpoint, method, body)

        return draw()

    def probe(self, endpoint: str, method: str, who: str, url: str, kwargs: dict,
              category: str) -> None:
        self.probes[category] += 1
        client = self.app.test_client()
        self.world.act_as(client, who)
        try:
            resp = client.open(url, method=method, headers={"Accept": "text/html"}, **kwargs)
            status, detail = resp.status_code, resp.get_data()[:200].decode("utf-8", "replace")
        except Exception as exc:  # TESTING propagates what would be a 500 to the client
            status, detail = 500, f"{type(exc).__name__}: {str(exc)[:200]}"
        if status >= 500:
            self.failed[category] += 1
            shown = {k: (v if k != "data" or not isinstance(v, bytes) else v[:200])
                     for k, v in kwargs.items()}
            self.failures[f"{method} {endpoint}"].append(
                f"as {who}: {method} {url} {shown!r:.400} -> {status} {detail}")

    def run(self, endpoint: str, method: str, rule) -> None:
        examples = PROFILE.max_examples if method != "GET" else max(1, PROFILE.max_examples // 5)

        @settings(PROFILE, max_examples=examples)
        @given(self.request(endpoint, method, rule))
        def fuzz(req):
            self.probe(endpoint, method, *req)

        fuzz()

    def report(self) -> str:
        lines = [f"{cat}: {n} probes, {self.failed[cat]} 5xx"
                 for cat, n in sorted(self.probes.items())]
        return "\n".join(lines)


FILES = [jpeg_bytes((40, 30)), b"", b"\x00" * 64, b"\xff\xd8\xff\xe0garbage", b"GIF89a",
         GEOJSON[0].encode(), GEOJSON[5].encode(), "ÆØÅ".encode("utf-16")]


def _pairs(data: dict) -> list[tuple[str, str]]:
    return [(k, v) for k, vs in data.items() for v in (vs if isinstance(vs, list) else [vs])]


def _multidict(data: dict):
    from werkzeug.datastructures import MultiDict

    out = MultiDict()
    for k, vs in data.items():
        for v in vs if isinstance(vs, list) else [vs]:
            out.add(k, v)
    return out


@pytest.mark.parametrize("app", [{"WTF_CSRF_ENABLED": False}], indirect=True)
def test_no_input_gives_a_5xx(app, world, capsys):
    """Every form, query string and JSON endpoint, as a role that reaches it: any input is
    answered below 500 (CSRF is off here: the token is tested in test_permissions)."""
    fuzzer = Fuzzer(app, world)
    assert len(fuzzer.rules) > 80, "the url_map walk found the endpoints"
    assert fuzzer.fields["admin.user_new"] and fuzzer.fields["remedies.edit"], \
        "the pages' forms were read"
    for endpoint, method, rule in fuzzer.rules:
        fuzzer.run(endpoint, method, rule)
    with capsys.disabled():
        print(f"\nfuzz ({app.config['DATABASE_URL'].split(':')[0]}):\n{fuzzer.report()}")
    found = {k: v[:3] for k, v in fuzzer.failures.items()}
    assert not found, f"{sum(map(len, fuzzer.failures.values()))} inputs gave a 5xx:\n" + \
        "\n".join(f"{k} ({len(fuzzer.failures[k])}):\n    " + "\n    ".join(v)
                  for k, v in found.items())
