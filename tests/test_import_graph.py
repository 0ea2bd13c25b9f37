"""The layers of app/: which part may import which.

LAYERS lists the parts of the application, lowest first. A module may import
modules of its own part and of the parts below it, never of a part above it,
so there is no cycle between parts either (checked on its own too, so that
a loop is named as a loop). Every import counts: at module level, inside a
function, under ``if TYPE_CHECKING:``, ``import app.x``, ``from app.x import y``,
relative imports, and ``importlib.import_module("app.x...")`` with a literal name.

Why this order (lowest first):

- ``app``: ``app/__init__.py``, the version and nothing else.
- ``app.core``: domain model, database, migrations, files, paths, settings, profiles.
- ``app.identity``: key pairs, the vault, acting as someone, and ``AppContext`` (the
  open installation with the person acting in it), which every service above is handed.
- ``app.scenarios``: packs, the library, rubrics (review and practice both score by them).
- ``app.recorder``: ffmpeg, recording, storing and recovering takes, take check; it is
  handed practice's attempt rules by its caller.
- ``app.practice``: attempts and rounds, takes, submissions, assignments (records with
  the recorder).
- ``app.review``: scoring, comments, decisions, Top Videos, leaderboard, reports.
- ``app.sync``: remotes, merge, signing, the roster (uses identity's keys).
- ``app.about``, ``app.bootstrap``: what the About box lists; opening an installation
  for the CLI and the GUI.
- ``app.cli``, then ``app.ui``, then ``app.__main__``: no arguments opens the UI,
  anything else is the CLI; the CLI never imports the UI.

A new package under app/ must be given its place here before it can be imported.
"""

from __future__ import annotations

import ast
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

LAYERS = (
    "app",
    "app.core",
    "app.identity",
    "app.scenarios",
    "app.recorder",
    "app.practice",
    "app.review",
    "app.sync",
    "app.about",
    "app.bootstrap",
    "app.cli",
    "app.ui",
    "app.__main__",
)


@dataclass(frozen=True)
class Import:
    source: str  # the importing module, e.g. app.recorder.record
    path: str  # its file, relative to the repository
    line: int
    target: str  # the imported module, e.g. app.practice.rounds

    def __str__(self) -> str:
        return f"{self.path}:{self.line} ({self.source}) imports {self.target}"


def module_names(root: Path) -> dict[str, Path]:
    """Every module under ``root/app``, by dotted name (a package by its own name)."""
    found = {}
    for path in sorted((root / "app").rglob("*.py")):
        parts = list(path.relative_to(root).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        found[".".join(parts)] = path
    return found


def part_of(module: str) -> str:
    """``app`` for app/__init__.py, else ``app.`` and the first name after it."""
    return ".".join(module.split(".")[:2])


def _resolve_from(module: str, is_package: bool, node: ast.ImportFrom) -> str:
    if not node.level:
        return node.module or ""
    base = module.split(".")
    if not is_package:
        base.pop()
    if node.level > 1:
        base = base[: len(base) - (node.level - 1)]
    return ".".join([*base, node.module] if node.module else base)


def _literal_start(arg: ast.expr) -> str | None:
    """The module a literal (or an f-string's leading literal) names, whole names only."""
    if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
        return arg.value
    if isinstance(arg, ast.JoinedStr) and arg.values:
        first = arg.values[0]
        if isinstance(first, ast.Constant) and isinstance(first.value, str):
            return first.value.rpartition(".")[0] or None
    return None


def _is_import_call(node: ast.Call) -> bool:
    func = node.func
    name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", None)
    return name in ("import_module", "__import__") and bool(node.args)


def imports_of(root: Path) -> list[Import]:
    """Every import of an ``app`` module by a module under ``root/app``."""
    modules = module_names(root)
    found = []
    for module, path in modules.items():
        is_package = path.name == "__init__.py"
        rel = path.relative_to(root).as_posix()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), rel)):
            targets = []
            if isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = _resolve_from(module, is_package, node)
                for alias in node.names:  # ``from app import about`` imports app.about
                    inner = f"{base}.{alias.name}"
                    targets.append(inner if inner in modules else base)
            elif isinstance(node, ast.Call) and _is_import_call(node):
                targets = [_literal_start(node.args[0]) or ""]
            for target in dict.fromkeys(targets):  # ``from m import a, b`` imports m once
                if target == "app" or target.startswith("app."):
                    found.append(Import(module, rel, node.lineno, target))
    return found


def _cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected groups of more than one part (Tarjan), each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    groups = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for nxt in sorted(edges.get(node, ())):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            group = []
            while True:
                member = stack.pop()
                group.append(member)
                if member == node:
                    break
            if len(group) > 1:
                groups.append(sorted(group))

    for node in sorted(edges):
        if node not in index:
            visit(node)
    return groups


def layer_problems(root: Path, layers: tuple[str, ...] = LAYERS) -> list[str]:
    """Every import that breaks the layer order or closes a loop, in plain sentences."""
    imports = imports_of(root)
    rank = {part: n for n, part in enumerate(layers)}
    problems = []
    parts = {part_of(m) for m in module_names(root)}
    for part in sorted(parts - set(rank)):
        problems.append(f"{part} has no place in LAYERS (tests/test_import_graph.py): add it")
    edges: dict[str, set[str]] = defaultdict(set)
    sites: dict[tuple[str, str], list[Import]] = defaultdict(list)
    for imp in imports:
        src, dst = part_of(imp.source), part_of(imp.target)
        if src == dst:
            continue
        edges[src].add(dst)
        sites[src, dst].append(imp)
        if dst not in parts:
            problems.append(f"{imp}, which does not exist")
        elif src in rank and dst in rank and rank[dst] > rank[src]:
            problems.append(f"upward import: {imp} ({src} is below {dst} in LAYERS)")
    for group in _cycles(edges):
        loop = [f"  {i}" for a in group for b in group if b in edges[a] for i in sites[a, b]]
        problems.append("import cycle between " + ", ".join(group) + ":\n" + "\n".join(loop))
    return problems


def test_no_part_of_the_app_imports_a_part_above_it_or_closes_a_loop():
    problems = layer_problems(ROOT)
    assert problems == [], "\n".join(problems)


def test_the_checker_sees_the_imports_it_is_meant_to_see():
    """Not vacuous: known imports of the real app are found (one of each kind)."""
    seen = {(i.source, i.target) for i in imports_of(ROOT)}
    assert ("app.ui.launch", "app.core.errors") in seen  # from app.x import name
    assert ("app.__main__", "app.ui.launch") in seen  # inside a function
    assert ("app.cli.main", "app.cli") in seen  # importlib.import_module(f"app.cli.{name}")
    assert ("app.core.logs", "app") in seen  # from app import __version__
    assert set(LAYERS) == {part_of(m) for m in module_names(ROOT)}, "LAYERS names a lost part"


def _tree(tmp_path: Path, files: dict[str, str]) -> Path:
    for name, text in {"app/__init__.py": "", **files}.items():
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return tmp_path


def test_an_upward_import_of_any_kind_is_named(tmp_path):
    root = _tree(
        tmp_path,
        {
            "app/core/__init__.py": "",
            "app/core/a.py": "import app.ui.w\n",
            "app/core/b.py": "def f():\n    from app.cli import main\n",
            "app/core/c.py": (
                "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from app.sync.x import X\n"
            ),
            "app/recorder/__init__.py": "from ..practice import rounds\n",
            "app/scenarios/__init__.py": "import importlib\nimportlib.import_module('app.review.q')\n",
            "app/practice/__init__.py": "",
            "app/practice/rounds.py": "from app.core import a\n",
            "app/ui/__init__.py": "",
            "app/ui/w.py": "",
            "app/cli/__init__.py": "",
            "app/cli/main.py": "",
            "app/sync/__init__.py": "",
            "app/sync/x.py": "",
            "app/review/__init__.py": "",
            "app/review/q.py": "",
        },
    )
    problems = layer_problems(root, ("app", "app.core", "app.scenarios", "app.recorder",
                                     "app.practice", "app.review", "app.sync", "app.cli",
                                     "app.ui"))  # fmt: skip
    assert problems == [
        "upward import: app/core/a.py:1 (app.core.a) imports app.ui.w "
        "(app.core is below app.ui in LAYERS)",
        "upward import: app/core/b.py:2 (app.core.b) imports app.cli.main "
        "(app.core is below app.cli in LAYERS)",
        "upward import: app/core/c.py:3 (app.core.c) imports app.sync.x "
        "(app.core is below app.sync in LAYERS)",
        "upward import: app/recorder/__init__.py:1 (app.recorder) imports app.practice.rounds "
        "(app.recorder is below app.practice in LAYERS)",
        "upward import: app/scenarios/__init__.py:2 (app.scenarios) imports app.review.q "
        "(app.scenarios is below app.review in LAYERS)",
    ]


def test_a_loop_and_a_part_without_a_place_are_named(tmp_path):
    root = _tree(
        tmp_path,
        {
            "app/core/__init__.py": "from app.recorder import finalize\n",
            "app/recorder/__init__.py": "",
            "app/recorder/finalize.py": "from app.core import models\n",
            "app/core/models.py": "",
            "app/analysis/__init__.py": "",
        },
    )
    problems = layer_problems(root, ("app", "app.core", "app.recorder"))
    assert problems == [
        "app.analysis has no place in LAYERS (tests/test_import_graph.py): add it",
        "upward import: app/core/__init__.py:1 (app.core) imports app.recorder.finalize "
        "(app.core is below app.recorder in LAYERS)",
        "import cycle between app.core, app.recorder:\n"
        "  app/core/__init__.py:1 (app.core) imports app.recorder.finalize\n"
        "  app/recorder/finalize.py:1 (app.recorder.finalize) imports app.core.models",
    ]
