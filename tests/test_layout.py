"""The design card's rules, checked: every package is installed, and only
app/ui imports Qt widgets."""

from __future__ import annotations

import ast
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_every_package_under_app_is_listed_for_installation():
    listed = set(
        tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"]
    )
    found = {
        ".".join(init.parent.relative_to(ROOT).parts)
        for init in (ROOT / "app").rglob("__init__.py")
    }
    assert found - listed == set(), "add these packages to pyproject.toml"
    assert "app.resources" in listed


def test_only_the_ui_imports_qt_widgets():
    offenders = []
    for source in (ROOT / "app").rglob("*.py"):
        if "ui" in source.relative_to(ROOT / "app").parts[:1]:
            continue
        for node in ast.walk(ast.parse(source.read_text(), str(source))):
            names = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            if any(n.startswith("PySide6.QtWidgets") for n in names):
                offenders.append(str(source.relative_to(ROOT)))
    assert offenders == []
