"""Layering: domain/ and services/ never import Flask; domain/ is pure Python.

Parses every module's imports with ast (nothing is imported, so a broken module still gets
checked), including imports inside functions.
"""

import ast
from pathlib import Path

import pytest

PKG = Path(__file__).resolve().parents[2] / "walkapp"


def imported_modules(path: Path, pkg: Path = PKG) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:  # relative: resolve against the module's package
                base = path.relative_to(pkg.parent).with_suffix("").parts[:-node.level]
                names.add(".".join(base + ((node.module,) if node.module else ())))
            elif node.module:
                names.add(node.module)
    return names


def is_flask(module: str) -> bool:
    top = module.split(".")[0]
    return top == "flask" or top.startswith("flask_")


def modules(layer: str) -> list[Path]:
    found = sorted((PKG / layer).rglob("*.py"))
    assert found, f"no modules under walkapp/{layer}"
    return found


@pytest.mark.parametrize("layer", ["domain", "services"])
def test_layer_does_not_import_flask(layer):
    bad = {str(p.relative_to(PKG.parent)): sorted(m for m in imported_modules(p) if is_flask(m))
           for p in modules(layer)}
    bad = {k: v for k, v in bad.items() if v}
    assert not bad, (f"walkapp/{layer} must not import Flask "
                     f"(take a Session, raise domain errors): {bad}")


@pytest.mark.parametrize("layer", ["domain", "services"])
def test_layer_does_not_import_the_web_layer(layer):
    upward = ("walkapp.web", "walkapp.views", "walkapp.api", "walkapp.extensions", "walkapp.cli")
    bad = {str(p.relative_to(PKG.parent)): sorted(m for m in imported_modules(p)
                                                  if m.startswith(upward))
           for p in modules(layer)}
    bad = {k: v for k, v in bad.items() if v}
    assert not bad, f"walkapp/{layer} imports the web layer: {bad}"


def test_domain_is_pure_python():
    banned = ("sqlalchemy", "geoalchemy2", "walkapp.models", "walkapp.services", "werkzeug")
    bad = {str(p.relative_to(PKG.parent)): sorted(m for m in imported_modules(p)
                                                  if m.startswith(banned))
           for p in modules("domain")}
    bad = {k: v for k, v in bad.items() if v}
    assert not bad, f"walkapp/domain must stay free of the database and the web: {bad}"


def test_the_checker_sees_flask_imports(tmp_path):
    code = tmp_path / "walkapp" / "services" / "x.py"
    code.parent.mkdir(parents=True)
    code.write_text("import os\ndef f():\n    from flask import g\n    import flask_login.utils\n")
    found = {m for m in imported_modules(code, tmp_path / "walkapp") if is_flask(m)}
    assert found == {"flask", "flask_login.utils"}

