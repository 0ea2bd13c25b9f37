"""Helpers for the database-health tests: a data folder with takes, real damage, a real
second process holding the write lock.

Test modules import the fixtures they use from here.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlalchemy import select

from app.core.models import Scenario, Take
from app.core.rebuild import keep_take_record, take_record

TAKES = 3


@pytest.fixture
def stocked(ctx, make_profile, make_take, monkeypatch):
    """Ana (a rep, acting) with TAKES takes of a built-in scenario, each with its record,
    as storing a take leaves them; the database is closed so the file can be damaged."""
    monkeypatch.setenv("CROSSCOACH_PROFILE", "Ana")
    ana = make_profile("Ana", "rep", team="North")
    ctx.use_profile(ana)
    for n in range(TAKES):
        add_take(ctx, make_take, ana.id, attempt=n + 1)
    ctx.close()
    return ctx


def builtin_scenario(ctx) -> str:
    with ctx.db.session() as s:
        return s.scalar(select(Scenario.id).where(Scenario.pack_key != "").order_by(Scenario.key))


def add_take(ctx, make_take, person_id: str, attempt: int = 1) -> str:
    """A real take of a built-in scenario (its clip in the media store) and its record."""
    take_id = make_take(person_id, builtin_scenario(ctx), attempt=attempt)
    keep_records(ctx)
    return take_id


def keep_records(ctx) -> None:
    """Every take's record, written the way storing a take writes it."""
    with ctx.db.session() as s:
        for take in s.scalars(select(Take)):
            keep_take_record(ctx.paths, take_record(s, take))


def take_ids_listed(cli) -> list[str]:
    import json

    code, out, err = cli("takes", "list", "--json")
    assert code == 0, err
    return sorted(t["id"] for t in json.loads(out))


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def plain(stderr: str) -> None:
    """One sentence and what to do: no traceback, no SQL, no bound values."""
    assert "Traceback" not in stderr and "sqlalche" not in stderr.lower()
    for word in ("SELECT", "INSERT", "UPDATE", "[SQL", "parameters"):
        assert word not in stderr, stderr
    lines = [line for line in stderr.splitlines() if line.strip()]
    assert lines[-2].startswith("crosscoach: ") and lines[-1].startswith("  What to do: ")


# --- damage -----------------------------------------------------------------------------------


def truncate(path: Path, keep: float = 0.5) -> None:
    with open(path, "r+b") as f:
        f.truncate(int(path.stat().st_size * keep))


def garbage_header(path: Path) -> None:
    with open(path, "r+b") as f:
        f.write(b"this is not a database any more " * 4)


def damage_page_in_the_middle(path: Path, holding: bytes) -> int:
    """Overwrite with garbage the table page nearest the middle of the file that holds
    ``holding`` (a row's text); returns the page number (1-based)."""
    data = bytearray(path.read_bytes())
    page_size = int.from_bytes(data[16:18], "big")
    pages = len(data) // page_size
    candidates = [
        n
        for n in range(2, pages)  # page 1 is the header and the schema
        if data[(n - 1) * page_size] == 0x0D
        and holding in data[(n - 1) * page_size : n * page_size]
    ]
    assert candidates, "no table page holds that row"
    chosen = min(candidates, key=lambda n: abs(n - pages / 2))
    start = (chosen - 1) * page_size
    data[start : start + page_size] = (b"\xde\xad\xbe\xef" * page_size)[:page_size]
    path.write_bytes(bytes(data))
    return chosen


# --- another process writing ------------------------------------------------------------------

_HOLDER = """
import sqlite3, sys
con = sqlite3.connect(sys.argv[1], isolation_level=None)
con.execute("BEGIN IMMEDIATE")
con.execute("INSERT INTO local_state (key, value) VALUES ('held-by-test', 'x')")
print("holding", flush=True)
sys.stdin.readline()
con.execute("ROLLBACK")
"""


@contextmanager
def writing_elsewhere(database: Path):
    """A real second process holding a write transaction until the block ends (or
    ``release()`` is called on what this yields)."""
    proc = subprocess.Popen(
        [sys.executable, "-c", _HOLDER, str(database)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout.readline().strip() == "holding"
        yield proc
    finally:
        release(proc)


def release(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        proc.stdin.write("\n")
        proc.stdin.flush()
        proc.wait(timeout=30)


def crosscoach(data_dir: Path, *args: str, **kw) -> subprocess.Popen:
    """The real ``crosscoach`` command in its own process."""
    env = {**os.environ, "CROSSCOACH_DATA_DIR": str(data_dir)}
    return subprocess.Popen(
        [sys.executable, "-m", "app", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
        **kw,
    )
