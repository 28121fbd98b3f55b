"""Layering: who may import whom inside walkapp (see README, Layout).

- domain/ is pure Python: no Flask, no database, nothing of walkapp but domain/.
- services/ and demo/ never import Flask or the web layer (web/, views/, api/, cli/);
  services/ has no import cycles.
- web/ imports neither views/ nor api/; views/ and api/ never import each other, and never
  models/, geo/ or photos/ (they ask a service, or maps/); cli/ asks services, not the web layer.
- An import of walkapp's own modules inside a function carries a comment (on its line or the
  line above) saying why.

Parses every module's imports with ast (nothing is imported, so a broken module still gets
checked), including imports inside functions. Every rule is a function over a package
directory, so each is also run over a small synthetic tree that breaks it.
"""

import ast
import io
import tokenize
from dataclasses import dataclass
from pathlib import Path

import pytest

PKG = Path(__file__).resolve().parents[2] / "walkapp"


@dataclass(frozen=True)
class Import:
    names: frozenset[str]  # the module, and for "from m import x" also "m.x" (maybe a module)
    line: int
    end_line: int
    in_function: bool


def _module_of(path: Path, pkg: Path) -> tuple[str, ...]:
    parts = path.relative_to(pkg.parent).with_suffix("").parts
    return parts[:-1] if parts[-1] == "__init__" else parts


def imports_of(path: Path, pkg: Path = PKG) -> list[Import]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found = []

    def visit(node, in_function):
        for child in ast.iter_child_nodes(node):
            inside = in_function or isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef
                                                       | ast.Lambda)
            names = set()
            if isinstance(child, ast.Import):
                names.update(alias.name for alias in child.names)
            elif isinstance(child, ast.ImportFrom):
                if child.level:  # relative: resolve against the module's package
                    here = _module_of(path, pkg)
                    if path.name != "__init__.py" or child.level > 1:
                        here = here[:len(here) - child.level + (path.name == "__init__.py")]
                    base = ".".join(here + ((child.module,) if child.module else ()))
                else:
                    base = child.module or ""
                names.add(base)
                names.update(f"{base}.{alias.name}" for alias in child.names
                             if alias.name != "*")
            if names:
                found.append(Import(frozenset(names), child.lineno, child.end_lineno,
                                    in_function))
            visit(child, inside)

    visit(tree, False)
    return found


def imported_modules(path: Path, pkg: Path = PKG) -> set[str]:
    return {name for imp in imports_of(path, pkg) for name in imp.names}


def is_flask(module: str) -> bool:
    top = module.split(".")[0]
    return top == "flask" or top.startswith("flask_")


def under(module: str, *prefixes: str) -> bool:
    return any(module == p or module.startswith(p + ".") for p in prefixes)


def modules(layer: str, pkg: Path = PKG) -> list[Path]:
    found = sorted((pkg / layer).rglob("*.py"))
    assert found, f"no modules under {pkg.name}/{layer}"
    return found


def offending(layer: str, bad, pkg: Path = PKG) -> dict[str, list[str]]:
    """{module path: sorted imported names for which bad(name) is true} over *layer*."""
    out = {}
    for p in modules(layer, pkg):
        hits = sorted(m for m in imported_modules(p, pkg) if bad(m))
        if hits:
            out[str(p.relative_to(pkg.parent))] = hits
    return out


def write_tree(root: Path, files: dict[str, str]) -> Path:
    """A synthetic walkapp package under *root*: {"services/a.py": source}; return its path."""
    pkg = root / "walkapp"
    for name, source in files.items():
        path = pkg / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(source, encoding="utf-8")
    return pkg


# -- domain/, services/, demo/: below the web ---------------------------------------------

WEB_LAYER = ("walkapp.web", "walkapp.views", "walkapp.api", "walkapp.extensions", "walkapp.cli")


@pytest.mark.parametrize("layer", ["domain", "services", "demo"])
def test_layer_does_not_import_flask(layer):
    bad = offending(layer, is_flask)
    assert not bad, (f"walkapp/{layer} must not import Flask "
                     f"(take a Session, raise domain errors): {bad}")


@pytest.mark.parametrize("layer", ["domain", "services", "demo"])
def test_layer_does_not_import_the_web_layer(layer):
    bad = offending(layer, lambda m: under(m, *WEB_LAYER))
    assert not bad, f"walkapp/{layer} imports the web layer: {bad}"


def domain_impurities(pkg: Path = PKG) -> dict[str, list[str]]:
    banned = ("sqlalchemy", "geoalchemy2", "werkzeug")
    return offending("domain", lambda m: under(m, *banned) or is_flask(m) or (
        under(m, pkg.name) and not under(m, f"{pkg.name}.domain")), pkg)


def test_domain_is_pure_python():
    bad = domain_impurities()
    assert not bad, f"walkapp/domain must stay free of the database, the web and the rest: {bad}"


def test_the_checker_sees_flask_imports(tmp_path):
    pkg = write_tree(tmp_path, {"services/x.py": (
        "import os\ndef f():\n    from flask import g\n    import flask_login.utils\n")})
    found = {m for m in imported_modules(pkg / "services/x.py", pkg) if is_flask(m)}
    assert found == {"flask", "flask.g", "flask_login.utils"}


def test_the_checker_sees_an_impure_domain(tmp_path):
    pkg = write_tree(tmp_path, {
        "domain/ok.py": "import math\nfrom walkapp.domain.errors import N_\n",
        "domain/db.py": "import sqlalchemy as sa\n",
        "domain/up.py": "def f():\n    from walkapp import models\n",
        "domain/rel.py": "from ..services import spots\n",
    })
    assert domain_impurities(pkg) == {
        "walkapp/domain/db.py": ["sqlalchemy"],
        "walkapp/domain/rel.py": ["walkapp.services", "walkapp.services.spots"],
        "walkapp/domain/up.py": ["walkapp", "walkapp.models"],
    }


def test_the_checker_sees_the_web_layer_from_below(tmp_path):
    pkg = write_tree(tmp_path, {"demo/seed.py": "from walkapp.web import photo_store\n",
                                "demo/ok.py": "from walkapp.services import spots\n"})
    assert offending("demo", lambda m: under(m, *WEB_LAYER), pkg) == {
        "walkapp/demo/seed.py": ["walkapp.web", "walkapp.web.photo_store"]}


# -- services/: no cycles -------------------------------------------------------------------

def import_graph(layer: str, pkg: Path = PKG) -> dict[str, set[str]]:
    """{module: the modules of *layer* it imports (at the top or inside functions)}."""
    prefix = f"{pkg.name}.{layer.replace('/', '.')}"
    paths = {".".join(_module_of(p, pkg)): p for p in modules(layer, pkg)}
    graph = {}
    for name, path in paths.items():
        graph[name] = set()
        for imp in imports_of(path, pkg):
            hits = {m for m in imp.names if m in paths and under(m, prefix)}
            # "from walkapp.services import spots" imports the module spots, not (only) the
            # package: keep the most specific module each statement names.
            hits = {m for m in hits if not any(o.startswith(m + ".") for o in hits)}
            graph[name] |= hits - {name}
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components with more than one module (Tarjan), sorted."""
    index, low, stack, on_stack, out = {}, {}, [], set(), []

    def strong(v):
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph.get(v, ())):
            if w not in index:
                strong(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                out.append(sorted(component))

    for v in sorted(graph):
        if v not in index:
            strong(v)
    return sorted(out)


def test_services_have_no_import_cycles():
    found = cycles(import_graph("services"))
    assert not found, f"import cycles in walkapp/services (split out what both need): {found}"


def test_the_checker_sees_an_import_cycle(tmp_path):
    pkg = write_tree(tmp_path, {
        "services/__init__.py": "from walkapp.services.d import x\n",  # not a cycle with d
        "services/a.py": "from walkapp.services import b\n",
        "services/b.py": "def f():\n    from walkapp.services.c import g\n",
        "services/c.py": "from . import a\n",
        "services/d.py": "from walkapp.services import a\n",  # uses the cycle, is not in it
    })
    assert cycles(import_graph("services", pkg)) == [
        ["walkapp.services.a", "walkapp.services.b", "walkapp.services.c"]]


# -- web/, views/, api/, cli/ ---------------------------------------------------------------

UPPER_RULES = {
    # layer: what it must not import, and why
    "web": (("walkapp.views", "walkapp.api"), "web/ serves views/ and api/, never the reverse"),
    "views": (("walkapp.api", "walkapp.models", "walkapp.geo", "walkapp.photos"),
              "views/ ask services/ (or maps/), never api/ or the models directly"),
    "api": (("walkapp.views", "walkapp.models", "walkapp.geo", "walkapp.photos"),
            "api/ asks services/, never views/ or the models directly"),
    "cli": (("walkapp.web", "walkapp.views", "walkapp.api"),
            "cli/ commands ask services/, not the web layer"),
}


def upper_violations(layer: str, pkg: Path = PKG) -> dict[str, list[str]]:
    banned = UPPER_RULES[layer][0]
    return offending(layer, lambda m: under(m, *banned), pkg)


@pytest.mark.parametrize("layer", sorted(UPPER_RULES))
def test_upper_layer_imports_only_downwards(layer):
    bad = upper_violations(layer)
    assert not bad, f"{UPPER_RULES[layer][1]}: {bad}"


def test_the_checker_sees_upper_layers_crossing(tmp_path):
    pkg = write_tree(tmp_path, {
        "web/ok.py": "from walkapp.services import spots\n",
        "web/bad.py": "def f():\n    from walkapp.views.walks import bp\n",
        "views/a.py": "from walkapp.api.spots import photo_url\nfrom walkapp.models import Spot\n",
        "views/b.py": "from walkapp import geo\nfrom walkapp.web import render\n",
        "api/a.py": "from ..views import walks\nimport walkapp.photos.store\n",
        "cli/a.py": "from walkapp.web.inputs import photo_store\n",
    })
    assert upper_violations("web", pkg) == {"walkapp/web/bad.py": ["walkapp.views.walks",
                                                                   "walkapp.views.walks.bp"]}
    assert upper_violations("views", pkg) == {
        "walkapp/views/a.py": ["walkapp.api.spots", "walkapp.api.spots.photo_url",
                               "walkapp.models", "walkapp.models.Spot"],
        "walkapp/views/b.py": ["walkapp.geo"]}
    assert upper_violations("api", pkg) == {
        "walkapp/api/a.py": ["walkapp.photos.store", "walkapp.views", "walkapp.views.walks"]}
    assert upper_violations("cli", pkg) == {
        "walkapp/cli/a.py": ["walkapp.web.inputs", "walkapp.web.inputs.photo_store"]}


# -- imports inside functions ---------------------------------------------------------------

def _comment_lines(source: str) -> set[int]:
    lines = set()
    for tok in tokenize.generate_tokens(io.StringIO(source).readline):
        if tok.type == tokenize.COMMENT:
            lines.add(tok.start[0])
    return lines


def unexplained_local_imports(pkg: Path = PKG) -> list[str]:
    """walkapp imports inside functions with no comment on their lines or the line above."""
    out = []
    for path in sorted(pkg.rglob("*.py")):
        comments = _comment_lines(path.read_text(encoding="utf-8"))
        for imp in imports_of(path, pkg):
            if not imp.in_function or not any(under(m, pkg.name) for m in imp.names):
                continue
            if comments & set(range(imp.line - 1, imp.end_line + 1)):
                continue
            out.append(f"{path.relative_to(pkg.parent)}:{imp.line}")
    return out


def test_imports_inside_functions_say_why():
    bad = unexplained_local_imports()
    assert not bad, ("walkapp imports inside functions without a comment saying why (import "
                     f"at the top, or say why not on the line or the line above): {bad}")


def test_the_checker_sees_unexplained_local_imports(tmp_path):
    write_tree(tmp_path, {"services/a.py": (
        "import os\n"
        "from walkapp.domain import clock\n"           # top level: fine
        "def f():\n"
        "    import json\n"                            # not walkapp: fine
        "    from walkapp.services import b\n"         # 5: no reason given
        "    # b imports a at its top\n"
        "    from walkapp.services import c\n"         # reason above: fine
        "    from walkapp.photos import redact  # heavy (OpenCV)\n"
        "    x = 1\n"
        "    from walkapp.services import (\n"        # 10: no reason on any of its lines
        "        d,\n"
        "    )\n"
        "    from walkapp.services import (  # cycle with e\n"
        "        e,\n"
        "    )\n"
        "    return lambda: __import__('walkapp')\n"
        "class K:\n"
        "    def m(self):\n"
        "        from .. import models\n"              # 19: relative counts too
    )})
    assert unexplained_local_imports(tmp_path / "walkapp") == [
        "walkapp/services/a.py:5", "walkapp/services/a.py:10", "walkapp/services/a.py:19"]
