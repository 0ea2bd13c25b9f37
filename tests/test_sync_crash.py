"""A sync killed (SIGKILL) at random points never corrupts anything, and the next one completes."""

from __future__ import annotations

import hashlib
import json
import os
import random
import signal
import sqlite3
import subprocess
import sys
from pathlib import Path

from factories import make_clip
from sqlalchemy import create_engine, select, text
from sync_support import Device, Office, assert_converged, sign_in, signed_team

from app.core.media import sha256_file
from app.core.models import Submission
from app.sync.folder import CHANGE_NAME
from app.sync.media_transfer import MEDIA_NAME

PASSPHRASE = "tina's long passphrase"

# The real CLI, slowed down (small copy blocks, small batches, a pause per step) and
# announcing each step on stdout: the test kills it right after a step it chose, so
# kills land inside media copies, pushes and applies on a fast or a loaded machine alike.
STEPS = """
import sys, time
from app.cli.main import run

def announced(kind, work, pause):
    def step(*args):
        time.sleep(pause)
        print("step:" + kind, flush=True)
        return work(*args)
    return step
"""
SLOW_SYNC = (
    STEPS
    + """
import app.sync.folder as folder, app.sync.merge as merge, app.sync.service as service
folder.COPY_BLOCK = 256 * 1024
folder._send = announced("copy", folder._send, 0.01)
folder.write_new_file = announced("push", folder.write_new_file, 0.02)
merge.change_to_row = announced("apply", merge.change_to_row, 0.003)
service.PUSH_BATCH = 25
sys.exit(run(["--data-dir", sys.argv[1], "sync"]))
"""
)


def _big_recording(folder: Path, n: int) -> Path:
    """A 3-second picture of about 1.7 MB (moving noise keeps the encoder from shrinking it):
    several copy blocks, so kills land inside its copy. Each ``n`` has its own colours."""
    noisy = (("hue", {"h": n * 40}), ("noise", {"alls": 10, "allf": "t"}))
    return make_clip(
        folder / f"long{n}.mp4", 3, size=(640, 360), fps=25, sound=False,
        video_filters=noisy, maxrate="4M",
    )  # fmt: skip


def _killed_sync(data_dir: Path, after: int, script: str = SLOW_SYNC) -> str | None:
    """Run a slowed sync and SIGKILL it right after its ``after``-th step.

    Returns the kind of step the kill landed in, or None when the sync had fewer steps
    and finished (it must then have succeeded)."""
    errors = data_dir.with_name(f"{data_dir.name}-sync-errors.txt")
    with open(errors, "wb") as stderr:
        proc = subprocess.Popen(
            [sys.executable, "-c", script, str(data_dir)], stdout=subprocess.PIPE, stderr=stderr
        )
    with proc.stdout:
        steps = (line.strip()[5:].decode() for line in proc.stdout if line.startswith(b"step:"))
        for n, kind in enumerate(steps, 1):
            if n == after:
                os.kill(proc.pid, signal.SIGKILL)
                proc.wait()
                return kind
    assert proc.wait() == 0, errors.read_text()
    return None


def _assert_sound(device_dirs: list[Path], share: Path) -> None:
    for root in device_dirs:
        con = sqlite3.connect(root / "crosscoach.db")
        try:
            assert con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        finally:
            con.close()
        _assert_media_whole(root / "media")
    _assert_media_whole(share / "media")
    for path in share.glob("devices/*/changes/*"):
        if CHANGE_NAME.match(path.name):  # anything else is a temporary name
            changes = json.loads(path.read_bytes())["changes"]  # a list, or its signed text
            assert isinstance(json.loads(changes) if isinstance(changes, str) else changes, list)


def _assert_media_whole(root: Path) -> None:
    """Every file under its final name is complete: its content hashes to its name."""
    for path in root.glob("*/*"):
        m = MEDIA_NAME.match(path.name)
        if m:
            assert sha256_file(path) == m.group(1), f"damaged {path}"
        else:
            assert path.name.startswith("."), f"unexpected file {path}"


def _new_comments(target: Device, author: str, round_: int) -> Device:
    """New work on the device about to sync, so every sync has something to do."""
    device = Device(target.root)
    with device.db.session() as s:
        here = list(s.scalars(select(Submission.id)))  # what this device has received
    for n in range(25 if here else 0):
        device.comment(author, here[n % len(here)], n, f"round {round_}, comment {n}")
    return device


def test_sync_killed_at_random_points_never_corrupts_and_then_converges(
    make_device, clips, tmp_path, monkeypatch
):
    """Tina (the manager) and Rob, in a team that signs its changes, sync while being killed."""
    rng = random.Random(20261127)
    share = tmp_path / "share"
    share.mkdir()
    remote = f"folder:{share}"
    monkeypatch.setenv("CROSSCOACH_PASSPHRASE", PASSPHRASE)  # the killed CLI signs as Tina
    a, b = make_device("tina-laptop", remote), make_device("rob-laptop", remote)
    tina = a.make_person("Tina", "manager")
    sign_in(a, tina, PASSPHRASE)
    rob = a.make_person("Rob", "rep", by=tina)
    scenario = a.make_catalogue(tina)
    for device in (a, b):
        device.ctx.settings.set("remote", remote)
    a.sync()
    b.sync()
    sign_in(b, rob)
    signed_team(a, tina, [(b, rob)])
    subs = [b.submit(rob, scenario, _big_recording(tmp_path, n), note=f"#{n}") for n in range(3)]
    for n in range(40):
        b.comment(rob, subs[n % 3], n, f"comment {n}")
    a.close(), b.close()  # between rounds, the subprocesses are the only writers

    killed_in = []  # the kind of step each kill landed in
    for round_ in range(20):
        target = (b, a)[round_ % 2]  # Rob first: his takes are what there is to send
        device = _new_comments(target, tina if target is a else rob, round_)
        if round_ % 6 == 0:
            device.submit(rob, scenario, _big_recording(tmp_path, 10 + round_))
        device.close()
        killed_in.append(_killed_sync(target.root, rng.randint(1, 40)))
        _assert_sound([a.root, b.root], share)
    kills = [kind for kind in killed_in if kind]
    assert len(kills) >= 12, "most kills land inside syncs, not after them"
    assert set(kills) == {"copy", "push", "apply"}

    a, b = Device(a.root, remote), Device(b.root, remote)
    try:
        sign_in(a, tina, PASSPHRASE), sign_in(b, rob)
        for device in (a, b, a, b):
            assert not device.sync().set_aside
        assert_converged(a, b)
        _assert_sound([a.root, b.root], share)
        with b.db.session() as s:
            shas = set(s.scalars(select(Submission.sha256)))
        assert len(shas) >= 3
        assert all(list((a.root / "media").glob(f"*/{sha}.mp4")) for sha in shas)
        assert any(path.read_bytes().startswith(b'{"device_id"') and b'"signed"' in path.read_bytes()
                   for path in share.glob("devices/*/changes/*.json"))  # fmt: skip
    finally:
        a.close(), b.close()


SLOW_DATABASE_SYNC = (
    STEPS
    + """
import app.sync.merge as merge, app.sync.postgres as postgres, app.sync.service as service
postgres.CHUNK = 256 * 1024
remote = postgres.PostgresRemote
put, fetch = remote.put_media, remote.fetch_media
chunk = announced("copy", lambda _done: None, 0.01)
remote.put_media = lambda self, sha, source, _p=None: put(self, sha, source, chunk)
remote.fetch_media = lambda self, sha, partial, _p=None: fetch(self, sha, partial, chunk)
remote.push = announced("push", remote.push, 0.02)
merge.change_to_row = announced("apply", merge.change_to_row, 0.003)
service.PUSH_BATCH = 5
sys.exit(run(["--data-dir", sys.argv[1], "sync"]))
"""
)


def _assert_database_media_whole(url: str) -> None:
    """Every recording the database calls complete is exactly its SHA-256."""
    engine = create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1))
    with engine.connect() as c:
        for sha in c.execute(text("SELECT sha256 FROM crosscoach.media")).scalars():
            digest = hashlib.sha256()
            for (block,) in c.execute(
                text(
                    "SELECT c.data FROM crosscoach.media_chunks c JOIN crosscoach.media m "
                    "ON m.sha256 = c.sha256 AND m.uploaded_by = c.uploaded_by "
                    "WHERE c.sha256 = :s ORDER BY c.n"
                ),
                {"s": sha},
            ):
                digest.update(block)
            assert digest.hexdigest() == sha
    engine.dispose()


def test_database_sync_killed_at_random_points_then_converges(
    make_device, empty_pg, tmp_path, monkeypatch
):
    """Tina (the manager) and Rob sync with their own member logins, signing their
    changes, while being killed."""
    rng = random.Random(7)
    monkeypatch.setenv("CROSSCOACH_PASSPHRASE", PASSPHRASE)
    office = Office("postgres", make_device, tmp_path, empty_pg)
    a = office.device("tina-laptop", "Tina")
    tina = office.add(a, "Tina", "manager")
    sign_in(a, tina, PASSPHRASE)
    rob = office.add(a, "Rob", "rep", by=tina)
    scenario = a.make_catalogue(tina)
    a.sync()
    b = office.device("rob-laptop", "Rob")
    b.sync()
    sign_in(b, rob)
    signed_team(a, tina, [(b, rob)])
    for n in range(2):
        b.submit(rob, scenario, _big_recording(tmp_path, n), note=f"#{n}")
    a.close(), b.close()

    killed_in = []
    for round_ in range(10):
        target = (a, b)[round_ % 2]
        _new_comments(target, tina if target is a else rob, round_).close()
        killed_in.append(_killed_sync(target.root, rng.randint(1, 20), SLOW_DATABASE_SYNC))
        for root in (a.root, b.root):
            con = sqlite3.connect(root / "crosscoach.db")
            assert con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
            con.close()
            _assert_media_whole(root / "media")
        _assert_database_media_whole(empty_pg)
    kills = [kind for kind in killed_in if kind]
    assert len(kills) >= 6, "most kills land inside syncs, not after them"
    assert set(kills) == {"copy", "push", "apply"}

    a, b = Device(a.root, a.remote), Device(b.root, b.remote)
    try:
        sign_in(a, tina, PASSPHRASE), sign_in(b, rob)
        for device in (a, b, a, b):
            report = device.sync()
            assert not report.set_aside, report.set_aside
        assert_converged(a, b)
        _assert_database_media_whole(empty_pg)
        assert len(list((a.root / "media").glob("*/*.mp4"))) == 2
    finally:
        a.close(), b.close()
