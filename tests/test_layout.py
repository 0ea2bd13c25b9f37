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
