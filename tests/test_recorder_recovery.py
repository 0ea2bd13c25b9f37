# ruff: noqa: F811  (the fixtures imported from recorder_support are parameters here)
"""Recordings left behind by a crash are repaired; what cannot be is kept, never deleted."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import pytest
from recorder_support import stage  # noqa: F401  (fixture)
from sqlalchemy import select

from app.core.clock import utcnow
from app.core.models import Take
from app.recorder.finalize import UNRECOVERABLE
from app.recorder.probe import probe
from app.recorder.record import prepare_take
from app.recorder.recovery import recover_in_progress
from app.recorder.sidecar import Sidecar, TakeLock


def wait_for(predicate, seconds: float = 30.0) -> None:
    deadline = time.monotonic() + seconds
    while not predicate():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


@pytest.mark.slow
def test_a_take_killed_with_sigkill_after_5_s_is_recovered(ctx, stage, data_dir, cli):
    # The whole recorder (our process and its ffmpeg) dies at once, like a power cut.
    proc = subprocess.Popen(
        [sys.executable, "-m", "app", "--data-dir", str(data_dir), "--as", "Ana",
         "record", "--scenario", stage.scenario_key, "--source", "test", "--seconds", "30"],
        start_new_session=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )  # fmt: skip
    try:
        wait_for(lambda: any(ctx.paths.in_progress.glob("*.mp4")))
        time.sleep(5)
    finally:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
    [fragment] = ctx.paths.in_progress.glob("*.mp4")
    take_id = fragment.stem

    code, out, err = cli("recover")

    assert code == 0, err
    assert f"Recovered take {take_id}" in out
    with ctx.db.session() as s:
        row = s.get(Take, take_id)
    assert row.recovered and row.person_id == stage.person_id
    assert row.scenario_id == stage.scenario_id and row.attempt == 1
    [stored] = ctx.paths.media.rglob(f"{row.sha256}.mp4")
    media = probe(stored)
    assert media.video.duration >= 3.5 and media.audio.duration >= 3.5
    assert media.end_drift <= 0.05  # cut to the shorter stream when finalized
    assert list(ctx.paths.in_progress.iterdir()) == []
    assert cli("recover")[1].startswith("No interrupted recordings found")


def leftover(ctx, stage, take_id: str, content: bytes | None, sidecar: bool = True) -> None:
    folder = ctx.paths.in_progress
    if content is not None:
        (folder / f"{take_id}.mp4").write_bytes(content)
    if sidecar:
        Sidecar(
            take_id, stage.scenario_id, stage.person_id, utcnow().isoformat(), "test", 10.0
        ).write(folder)


def test_unreadable_leftovers_are_set_aside_never_deleted(ctx, stage):
    garbage = os.urandom(200_000)
    leftover(ctx, stage, "junk", garbage)
    leftover(ctx, stage, "orphan", b"\0" * 100_000, sidecar=False)
    (ctx.paths.in_progress / "damaged.json").write_text("{not json", encoding="utf-8")
    (ctx.paths.in_progress / "damaged.mp4").write_bytes(garbage)
    leftover(ctx, stage, "empty", b"")  # ffmpeg never got going: nothing to keep

    report = recover_in_progress(ctx)

    aside = ctx.paths.in_progress / UNRECOVERABLE
    assert {i["take_id"] for i in report.set_aside} == {"junk", "orphan", "damaged"}
    assert (aside / "junk.mp4").read_bytes() == garbage
    assert (aside / "junk.json").exists() and (aside / "orphan.mp4").exists()
    assert (aside / "damaged.mp4").read_bytes() == garbage
    assert not report.recovered
    assert sorted(p.name for p in ctx.paths.in_progress.iterdir()) == [UNRECOVERABLE]
    with ctx.db.session() as s:
        assert s.scalars(select(Take)).all() == []


@pytest.mark.slow
def test_a_take_still_recording_is_left_alone(ctx, stage):
    recording = prepare_take(ctx, stage.scenario_key, seconds=1.5)
    recording.start()
    try:
        wait_for(recording.fragment.exists)
        report = recover_in_progress(ctx)
        assert report.still_recording == [recording.sidecar.take_id]
        assert recording.fragment.exists()
        assert (ctx.paths.in_progress / f"{recording.sidecar.take_id}.json").exists()
    finally:
        recording.wait()


def test_a_take_stored_just_before_a_crash_is_only_tidied(ctx, stage, tmp_path):
    """The row was written but the leftovers not yet removed: no duplicate take."""
    take_id = "stored-before-crash"
    with ctx.session() as s:
        s.add(
            Take(id=take_id, person_id=stage.person_id, scenario_id=stage.scenario_id,
                 sha256="0" * 64, size_bytes=1, duration_seconds=1.0, width=1, height=1,
                 recorded_at=utcnow())
        )  # fmt: skip
    leftover(ctx, stage, take_id, b"\0" * 1000)
    lock = TakeLock(ctx.paths.in_progress, take_id)
    assert lock.acquire()
    lock.release()  # the crashed process's lock is free again

    report = recover_in_progress(ctx)

    assert [t.id for t in report.recovered] == [take_id]
    assert list(ctx.paths.in_progress.iterdir()) == []
    with ctx.db.session() as s:
        assert len(s.scalars(select(Take)).all()) == 1
