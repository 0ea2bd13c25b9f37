"""The design card's rules, checked: every package is installed, and only
app/ui imports Qt (any part of it)."""

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


QT = ("PySide6", "shiboken6")


def test_only_the_ui_imports_qt():
    """Not QtWidgets only: no module outside app/ui imports any part of Qt (QtCore, QtGui,
    QtMultimedia...), at the top or inside a function, by an import statement or by
    importlib, so the domain, the CLI and their tests run without a QApplication."""
    offenders = []
    for source in (ROOT / "app").rglob("*.py"):
        if "ui" in source.relative_to(ROOT / "app").parts[:1]:
            continue
        for node in ast.walk(ast.parse(source.read_text(), str(source))):
            for name in _imported(node):
                if name.split(".")[0] in QT:
                    offenders.append(f"{source.relative_to(ROOT)}:{node.lineno} {name}")
    assert offenders == []


def _imported(node: ast.AST) -> list[str]:
    """The modules ``node`` imports: ``import a.b``, ``from a.b import c`` and
    ``importlib.import_module("a.b")`` / ``__import__("a.b")`` with a literal name."""
    if isinstance(node, ast.Import):
        return [a.name for a in node.names]
    if isinstance(node, ast.ImportFrom):
        return [node.module] if node.module and not node.level else []
    if isinstance(node, ast.Call) and node.args and isinstance(node.args[0], ast.Constant):
        func = node.func
        called = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
        if called in ("import_module", "__import__") and isinstance(node.args[0].value, str):
            return [node.args[0].value]
    return []


def test_the_qt_import_check_sees_every_form_of_import():
    found = [
        name
        for node in ast.walk(
            ast.parse(
                "import PySide6\n"
                "from PySide6 import QtCore\n"
                "def f():\n"
                "    from PySide6.QtGui import QPdfWriter\n"
                "    import PySide6.QtMultimedia as m\n"
                "    importlib.import_module('PySide6.QtWidgets')\n"
                "    __import__('shiboken6')\n"
                "from . import PySide6ish\n"
                "about = 'Qt for Python (PySide6)'\n"
            )
        )
        for name in _imported(node)
        if name.split(".")[0] in QT
    ]
    assert found == [
        "PySide6",
        "PySide6",
        "PySide6.QtGui",
        "PySide6.QtMultimedia",
        "PySide6.QtWidgets",
        "shiboken6",
    ]


RENAMES = {("os", "replace"), ("os", "rename"), ("os", "renames"), ("os", "link")}
RENAMES |= {("shutil", "move")}


def test_only_the_atomic_file_helper_renames_files_into_place():
    """Every rename into place goes through app.core.files, which flushes the file and
    its folder to disk; a bare rename can leave a truncated file after a power cut."""
    offenders = []
    for source in (ROOT / "app").rglob("*.py"):
        if source == ROOT / "app" / "core" / "files.py":
            continue
        for node in ast.walk(ast.parse(source.read_text(), str(source))):
            if not isinstance(node, ast.Call) or not isinstance(node.func, ast.Attribute):
                continue
            owner = node.func.value
            name = node.func.attr
            if isinstance(owner, ast.Name) and (owner.id, name) in RENAMES:
                offenders.append(f"{source.relative_to(ROOT)}:{node.lineno} {owner.id}.{name}")
            elif name in ("rename", "replace", "link_to", "hardlink_to") and _is_path_call(node):
                offenders.append(f"{source.relative_to(ROOT)}:{node.lineno} .{name}()")
    assert offenders == [], "use app.core.files.commit / move / write_atomically"


def _is_path_call(node: ast.Call) -> bool:
    """``x.rename(y)`` / ``x.replace(y)`` with one positional argument and no keywords is
    pathlib's rename; ``str.replace`` takes two arguments."""
    return node.func.attr in ("rename", "link_to", "hardlink_to") or (
        len(node.args) == 1 and not node.keywords
    )


def test_the_atomic_file_helper_flushes_the_file_and_its_folder(tmp_path, monkeypatch):
    from app.core import files

    flushed = []
    real = files.fsync_path
    monkeypatch.setattr(files, "fsync_path", lambda p: (flushed.append(Path(p)), real(p)))
    target = tmp_path / "out" / "settings.json"
    assert files.write_atomically(target, b"{}")
    assert target.read_bytes() == b"{}"
    assert flushed[0].parent == target.parent and flushed[0].name.endswith(".tmp")
    assert flushed[-1] == target.parent
    assert not files.write_atomically(target, b"other", overwrite=False)
    assert target.read_bytes() == b"{}"
    assert [p.name for p in target.parent.iterdir()] == ["settings.json"]
