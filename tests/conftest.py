"""Shared fixtures: a fresh data folder per test, real SQLite, real files."""

from __future__ import annotations

import os
import sys

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


# The passphrase every test's trainers and managers choose, given the way scripts give it
# (tests/test_identity_cli.py takes it away to see the refusals and the prompt).
TEST_PASSPHRASE = "correct horse battery"


@pytest.fixture
def data_dir(tmp_path, monkeypatch):
    """An empty data folder; the environment points nowhere else."""
    folder = tmp_path / "data"
    monkeypatch.setenv("CROSSCOACH_DATA_DIR", str(folder))
    monkeypatch.delenv("CROSSCOACH_PROFILE", raising=False)
    monkeypatch.setenv("CROSSCOACH_PASSPHRASE", TEST_PASSPHRASE)
    monkeypatch.delenv("CROSSCOACH_NEW_PASSPHRASE", raising=False)
    return folder


@pytest.fixture(autouse=True)
def _keys_stay_in_the_test(request, monkeypatch):
    """People's keys: no test touches the real keyring of the computer running it (a
    test that wants one installs its own), and scrypt runs at a small cost, except in
    tests marked ``real_kdf``: every key file records the cost it was made with. A test
    whose crosscoach process (or bundle) makes a key carries the marker too: that
    process never had the small cost."""
    import keyring
    from keyring.backends.fail import Keyring as NoKeyring

    from app.identity import vault

    if request.node.get_closest_marker("real_kdf") is None:
        monkeypatch.setattr(vault, "KDF_PARAMETERS", {**vault.KDF_PARAMETERS, "n": 2**10})
    before = keyring.get_keyring()
    keyring.set_keyring(NoKeyring())
    yield
    keyring.set_keyring(before)


@pytest.fixture
def memory_keyring():
    """An empty in-memory keyring (tests/keyring_support.py), installed for this test; the
    fixture above puts the computer's own back afterwards. Its ``saved`` shows what was
    stored."""
    import keyring
    from keyring_support import MemoryKeyring

    store = MemoryKeyring()
    keyring.set_keyring(store)
    return store


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


@pytest.fixture
def make_scenario(ctx):
    """A scenario with its own products and rubric: ``make_scenario("pitch", attempts=2)``.

    Criteria are (key, max_score) pairs; returns the scenario's id.
    """
    from factories import add_catalogue

    def make(key: str, attempts: int = 3, criteria=(("opening", 5), ("bridge", 5))) -> str:
        with ctx.session() as s:
            return add_catalogue(
                s,
                products=[(f"{key}-account", f"{key} account"), (f"{key}-card", f"{key} card")],
                rubric=(f"{key}-rubric", f"{key} rubric"),
                criteria=[(k, k.title(), 1.0, top) for k, top in criteria],
                scenarios=[
                    {
                        "key": key,
                        "title": f"Scenario {key}",
                        "situation": "A customer opens an account.",
                        "allowed_attempts": attempts,
                        "max_answer_seconds": 30,
                    }
                ],
            ).scenario.id

    return make


@pytest.fixture
def make_take(ctx):
    """A real take: a short ffmpeg clip in the media store plus its Take row.

    ``make_take(person_id, scenario_id, assignment_id=None, attempt=1)``
    returns the take's id. Every clip has its own tone, so its own SHA-256.
    """
    import itertools

    from factories import make_clip

    from app.core.clock import utcnow
    from app.core.media import store_file
    from app.core.models import Take

    tones = itertools.count(300, 17)

    def make(person_id: str, scenario_id: str, assignment_id=None, attempt: int = 1) -> str:
        tone = next(tones)
        clip = make_clip(ctx.paths.root / f"clip-{tone}.mp4", size=(160, 90), fps=10, tone=tone)
        sha, stored = store_file(ctx.paths.media, clip, move=True)
        with ctx.session() as s:
            take = Take(
                person_id=person_id,
                scenario_id=scenario_id,
                assignment_id=assignment_id,
                attempt=attempt,
                sha256=sha,
                size_bytes=stored.stat().st_size,
                duration_seconds=1.0,
                width=160,
                height=90,
                recorded_at=utcnow(),
            )
            s.add(take)
            s.flush()
            return take.id

    return make


# Sync tests: devices, real clips and the throwaway PostgreSQL database.
pytest_plugins = ["sync_support"]

# What reaches the PostgreSQL server (tests/sync_support.py): the session's database and
# the emptied copy every database test starts from.
POSTGRES_FIXTURES = {"pg_database", "empty_pg"}


def needs_postgres(item) -> bool:
    """A test needs the server when it uses a PostgreSQL fixture, directly or through
    another fixture, or when it runs in its "postgres" variant: the ``office`` fixture's
    parameter, or a ``kind`` parameter the test hands to ``getfixturevalue("empty_pg")``
    (invisible to collection, so the parameter value is what tells)."""
    if POSTGRES_FIXTURES & set(item.fixturenames):
        return True
    params = item.callspec.params if hasattr(item, "callspec") else {}
    return any(isinstance(v, str) and v == "postgres" for v in params.values())


def pytest_collection_modifyitems(config, items):
    """Markers that select what they say: every test that needs PostgreSQL carries
    ``postgres`` (so ``-m "not postgres"`` runs without a server), every test of a
    test_ui_* module ``qt`` (below)."""
    for item in items:
        if needs_postgres(item):
            item.add_marker(pytest.mark.postgres)
        if item.path.name.startswith("test_ui_"):
            item.add_marker(pytest.mark.qt)


# --- Qt: a QApplication only for the tests that need one -----------------------------------
# Nothing outside app/ui imports Qt (tests/test_layout.py), so the domain, CLI and sync
# tests run without a QApplication. pytest-qt's session-wide ``qapp`` (which ``qtbot``
# uses) serves the Qt tests: those that ask for it, and every test of a test_ui_* module
# (marked ``qt`` here), some of which use Qt objects without asking.


@pytest.fixture(autouse=True)
def _qt_application_only_for_qt_tests(request):
    if request.node.get_closest_marker("qt") is not None:
        request.getfixturevalue("qapp")
    if "qapp" in request.fixturenames:
        yield
        return
    before = _qt_application()
    yield
    if before is None and _qt_application() is not None:
        # Made here, it would stay for the rest of the run, and a QGuiApplication or
        # QCoreApplication made before pytest-qt's QApplication breaks every widget test.
        pytest.fail(
            "this test made a Qt application: mark it qt, use qtbot, or keep Qt out of "
            "the code it runs"
        )


def _qt_application():
    core = sys.modules.get("PySide6.QtCore")  # not imported: no application either
    return None if core is None else core.QCoreApplication.instance()


@pytest.fixture
def stop_logging():
    """Whatever log file a test starts (``logs.start``, a launch) is closed after it,
    so later tests in this process do not write into its folder."""
    import logging

    from app.core.logs import LogFile

    yield
    root = logging.getLogger()
    for handler in [h for h in root.handlers if isinstance(h, LogFile)]:
        root.removeHandler(handler)
        handler.close()


@pytest.fixture
def shown_errors(monkeypatch):
    """Message boxes (errors, notices) are recorded as (text, what to do) instead of
    waiting for a click."""
    from PySide6.QtWidgets import QMessageBox

    shown = []

    def fake_exec(box):
        shown.append((box.text(), box.informativeText()))
        return QMessageBox.StandardButton.Ok

    monkeypatch.setattr(QMessageBox, "exec", fake_exec)
    return shown
