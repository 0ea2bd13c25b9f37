# ruff: noqa: F811  (the fixtures imported from recorder_support are parameters here)
"""How a take ends early: Ctrl+C, a closed terminal (SIGHUP) and a polite kill (SIGTERM)
stop a command-line take and keep it; a take under one second is not kept and uses
no attempt."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import pytest
from recorder_support import processes_recording_into, stage, watched_ffmpeg  # noqa: F401
from sqlalchemy import select

from app.core.errors import UserError
from app.core.models import Take
from app.practice.rounds import can_record, next_attempt
from app.recorder.record import finish_take, prepare_take

WAIT = 60.0


def wait_for(predicate, seconds: float = WAIT) -> None:
    deadline = time.monotonic() + seconds
    while not predicate():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.02)


def takes(ctx) -> list[Take]:
    with ctx.db.session() as s:
        return list(s.scalars(select(Take)))


def start_recording(data_dir, stage, seconds: int = 30) -> subprocess.Popen:
    """``crosscoach record`` as a person starts it in a terminal (its own session)."""
    return subprocess.Popen(
        [sys.executable, "-m", "app", "--data-dir", str(data_dir), "--as", "Ana",
         "record", "--scenario", stage.scenario_key, "--seconds", str(seconds)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )  # fmt: skip


STOPS = {
    # How each signal reaches the recorder: Ctrl+C and a closed terminal signal the
    # terminal's foreground process group; a logout or `kill` signals the process.
    "SIGINT": (lambda proc: os.killpg(proc.pid, signal.SIGINT), "you pressed Ctrl+C"),
    "SIGTERM": (lambda proc: os.kill(proc.pid, signal.SIGTERM), "CrossCoach was asked to stop"),
    "SIGHUP": (lambda proc: os.killpg(proc.pid, signal.SIGHUP), "the terminal was closed"),
}


@pytest.mark.slow
@pytest.mark.parametrize("name", list(STOPS))
def test_a_stop_signal_ends_the_take_and_keeps_all_of_it(
    ctx, stage, watched_ffmpeg, data_dir, name
):
    send, words = STOPS[name]
    proc = start_recording(data_dir, stage)
    try:
        assert proc.stderr.readline().startswith(b"Recording...")
        wait_for(lambda: watched_ffmpeg.recorded_seconds() >= 2.0)
        if name == "SIGHUP":  # the terminal is gone: nothing can be shown any more
            proc.stdout.close()
            proc.stderr.close()
        recorded = watched_ffmpeg.recorded_seconds()
        send(proc)
        code = proc.wait(WAIT)
        err = b"" if name == "SIGHUP" else proc.stderr.read()
    finally:
        proc.kill()
        proc.wait()
    assert code == 0, err
    [take] = takes(ctx)
    if name != "SIGHUP":
        said = err.decode()
        assert f"the recording stopped because {words}" in said
        assert f"the {take.duration_seconds:.1f} s recorded were saved as a take" in said
    # ffmpeg was asked to finish the file: everything recorded until the signal is there.
    assert take.duration_seconds >= recorded - 0.1 and not take.recovered
    assert list(ctx.paths.in_progress.iterdir()) == []
    assert processes_recording_into(data_dir) == []  # no ffmpeg left running


@pytest.mark.slow
def test_ctrl_c_right_after_the_start_keeps_nothing_and_uses_no_attempt(
    ctx, stage, watched_ffmpeg, data_dir
):
    proc = start_recording(data_dir, stage)
    try:
        wait_for(lambda: watched_ffmpeg.runs("record"))
        time.sleep(0.2)
        os.killpg(proc.pid, signal.SIGINT)
        code = proc.wait(WAIT)
        err = proc.stderr.read().decode()
    finally:
        proc.kill()
        proc.wait()
    assert code == 2, err
    assert "under one second, so it was not kept and does not use an attempt" in err
    assert "Record again when you are ready." in err
    assert takes(ctx) == [] and list(ctx.paths.in_progress.iterdir()) == []
    with ctx.db.session() as s:
        assert can_record(s, stage.person_id, stage.scenario_id).attempt == 1


@pytest.mark.slow
def test_a_take_stopped_at_half_a_second_is_not_kept(ctx, stage):
    recording = prepare_take(ctx, stage.scenario_key, seconds=30, can_record=can_record)
    recording.start()
    wait_for(lambda: recording.progress.seconds >= 0.5)
    recording.stop()
    result = recording.wait()
    assert result.stopped_by == "user"

    with pytest.raises(UserError, match=r"lasted only 0\.\d s, under one second") as err:
        finish_take(ctx, recording, result, next_attempt=next_attempt)

    assert "does not use an attempt" in err.value.message
    assert takes(ctx) == [] and list(ctx.paths.in_progress.iterdir()) == []
    with ctx.db.session() as s:
        assert can_record(s, stage.person_id, stage.scenario_id).attempt == 1
