"""Shared fixtures: a fresh data folder per test, real SQLite, real files."""

from __future__ import annotations

import os

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


@pytest.fixture
def data_dir(tmp_path, monkeypatch):
    """An empty data folder; the environment points nowhere else."""
    folder = tmp_path / "data"
    monkeypatch.setenv("CROSSCOACH_DATA_DIR", str(folder))
    monkeypatch.delenv("CROSSCOACH_PROFILE", raising=False)
    return folder


@pytest.fixture
def ctx(data_dir):
    """An opened installation (database migrated, built-in pack loaded)."""
    from app.bootstrap import open_context

    context = open_context(data_dir)
    yield context
    context.close()


@pytest.fixture
def make_profile(ctx):
    """Create a profile: ``make_profile("Ana", "rep", team="North")``."""
    from app.core.profiles import create_profile, parse_role

    def make(name: str, role: str = "rep", team: str | None = None):
        with ctx.session() as s:
            return create_profile(s, name, parse_role(role), team)

    return make


@pytest.fixture
def cli(data_dir, capsys):
    """Run ``crosscoach ARGS`` in-process; returns (exit code, stdout, stderr)."""
    from app.cli.main import run

    def call(*args: str):
        code = run(["--data-dir", str(data_dir), *args])
        out = capsys.readouterr()
        return code, out.out, out.err

    return call
