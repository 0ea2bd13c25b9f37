# ruff: noqa: F811  (the fixtures imported from recorder_support are parameters here)
"""The recorder killed at random points, its finalize included: every take is stored
exactly once, loses at most 1 s beyond what was in flight, and none is set aside.

Each trial records a 3 s take with the real CLI in its own process, through the real
ffmpeg behind a watching script (recorder_support.WatchedFfmpeg), and kills one thing
at a point chosen at random: the whole recorder (a power cut) or its recording ffmpeg
at a random moment of the take; the probe, remux or re-encode ffmpeg of its finalize;
the whole recorder while it probes or remuxes. One trial runs a recovery from another
process while the take is being remuxed. A last recovery stores what was left.

(Kills mid-take come after 1.8 s: what is on disk of a take killed sooner can be
under one second, and such a take is not kept, by the rule in app.recorder.finalize.)
"""

from __future__ import annotations

import json
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import dataclass

import pytest
from recorder_support import WatchedFfmpeg, kill_all_recording_into, stage  # noqa: F401
from sqlalchemy import select

from app.core.media import sha256_file
from app.core.models import Scenario, Take
from app.recorder.finalize import UNRECOVERABLE
from app.recorder.probe import probe

SECONDS = 3.0  # each take
WAIT = 60.0

# (what is killed, and when)
KINDS = [
    "power cut while recording",
    "power cut while recording",
    "recording ffmpeg killed",
    "probe killed",
    "remux killed",
    "remux and re-encode killed",
    "final probe killed",
    "power cut while probing",
    "power cut while remuxing",
    "power cut while probing the copy",
    "recovery elsewhere while remuxing",
]
HELD = {
    "power cut while probing": "probe",
    "power cut while remuxing": "remux",
    "power cut while probing the copy": "probe-final",
    "recovery elsewhere while remuxing": "remux",
}
DYING = {
    "probe killed": {"probe": 1},
    "remux killed": {"remux": 1},
    "remux and re-encode killed": {"remux": 1, "re-encode": 1},
    "final probe killed": {"probe-final": 1},
}


@dataclass
class Trial:
    kind: str
    take_id: str
    recorded: float  # seconds ffmpeg had written when the kill came (all, if after)
    mid_take: bool  # the kill came while recording: up to ~1 s may be in flight
    exit_code: int | None  # of the recorder, None when it was killed
    busy_elsewhere: bool = False  # the other recovery found the take locked


def wait_for(predicate, seconds: float = WAIT) -> None:
    deadline = time.monotonic() + seconds
    while not predicate():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.01)


def plain_env() -> dict:
    """The environment of a CrossCoach that uses the real ffmpeg directly."""
    return {k: v for k, v in os.environ.items() if k != "CROSSCOACH_FFMPEG"}


def crosscoach(data_dir, env, *args, **popen) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "app", "--data-dir", str(data_dir), "--as", "Ana", *args],
        env=env,
        start_new_session=True,
        **popen,
    )


def run_trial(n: int, kind: str, rng: random.Random, tmp_path, data_dir, stage) -> Trial:
    watched = WatchedFfmpeg(tmp_path / f"trial-{n}", shutil.which("ffmpeg"))
    for stage_name, times in DYING.get(kind, {}).items():
        watched.die(stage_name, times)
    if kind in HELD:
        watched.hold(HELD[kind])
    env = {**os.environ, "CROSSCOACH_FFMPEG": str(watched.script), "CROSSCOACH_SOURCE": "test"}
    errors = tmp_path / f"trial-{n}.err"
    with open(errors, "wb") as err:
        proc = crosscoach(
            data_dir, env, "record", "--scenario", stage.scenario_key,
            "--seconds", str(SECONDS), "--json",
            stdout=subprocess.DEVNULL, stderr=err,
        )  # fmt: skip
    try:
        wait_for(lambda: watched.runs("record"))
        [(record_pid, _, args)] = watched.runs("record")
        take_id = re.search(r"in-progress/([0-9a-f-]{36})\.mp4", args)[1]
        busy = False
        mid_take = kind.endswith("while recording") or kind == "recording ffmpeg killed"
        if mid_take:
            # Late enough that more than a second is on disk: a shorter take is not kept.
            at = rng.uniform(1.8, SECONDS - 0.4)
            wait_for(lambda: watched.recorded_seconds() >= at)
            recorded = watched.recorded_seconds()
            if kind == "recording ffmpeg killed":
                os.kill(record_pid, signal.SIGKILL)
            else:
                kill_all_recording_into(data_dir)
        elif kind in HELD:
            wait_for(lambda: watched.runs(HELD[kind]))
            recorded = watched.recorded_seconds()
            if kind.startswith("power cut"):
                kill_all_recording_into(data_dir)
            else:
                other = crosscoach(
                    data_dir, plain_env(), "recover", "--json", stdout=subprocess.PIPE
                )
                try:
                    report = json.loads(other.communicate(timeout=WAIT)[0])
                finally:
                    other.kill()
                busy = take_id in report["still_recording"]
                assert take_id not in [t["id"] for t in report["recovered"]]
                assert report["set_aside"] == [] and report["failed"] == []
            watched.release()
        code = proc.wait(WAIT)
        if not mid_take and kind not in HELD:
            recorded = watched.recorded_seconds()
    finally:
        watched.release()
        proc.kill()
        proc.wait()
    killed = code < 0
    said = errors.read_text()
    assert "Traceback" not in said, said
    if kind in DYING:  # the recorder itself carried on and said what became of the take
        expected = 2 if kind == "remux and re-encode killed" else 0
        assert code == expected, said
    return Trial(kind, take_id, recorded, mid_take, None if killed else code, busy)


@pytest.mark.slow
def test_killed_at_random_points_every_take_is_stored_once_and_nothing_is_set_aside(
    ctx, stage, data_dir, tmp_path
):
    with ctx.session() as s:
        s.get(Scenario, stage.scenario_id).allowed_attempts = 100
    seed = int(os.environ.get("CROSSCOACH_KILL_SEED", random.randrange(1 << 30)))
    rng = random.Random(seed)
    kinds = KINDS[:]
    rng.shuffle(kinds)
    trials = [run_trial(n, kind, rng, tmp_path, data_dir, stage) for n, kind in enumerate(kinds)]

    last = crosscoach(data_dir, plain_env(), "recover", "--json", stdout=subprocess.PIPE)
    report = json.loads(last.communicate(timeout=WAIT * 2)[0])

    lines = [f"seed {seed} (CROSSCOACH_KILL_SEED={seed} repeats it)"]
    with ctx.db.session() as s:
        rows = {t.id: t for t in s.scalars(select(Take))}
    for t in trials:
        row = rows.get(t.take_id)
        stored = row.duration_seconds if row else 0.0
        lines.append(
            f"{t.kind:36} recorded {t.recorded:5.2f} s  stored {stored:5.2f} s  "
            f"lost {t.recorded - stored:+5.2f} s  exit {t.exit_code}"
            + ("  (busy for the other recovery)" if t.busy_elsewhere else "")
        )
    print("\n".join(lines))
    summary = "\n".join(lines)

    assert report["set_aside"] == [] and report["failed"] == [], summary
    assert not (ctx.paths.in_progress / UNRECOVERABLE).exists(), summary
    assert [p.name for p in ctx.paths.in_progress.iterdir() if p.suffix != ".lock"] == []
    assert sorted(rows) == sorted(t.take_id for t in trials), summary  # each stored once
    # No copy that no take refers to (the synthetic source gives equal takes equal bytes,
    # and the media store keeps one file per content).
    stored_files = {p.stem for p in ctx.paths.media.rglob("*.mp4")}
    assert stored_files == {row.sha256 for row in rows.values()}, summary
    for t in trials:
        row = rows[t.take_id]
        path = ctx.paths.media / row.sha256[:2] / f"{row.sha256}.mp4"
        assert sha256_file(path) == row.sha256  # nobody wrote over it
        media = probe(path)
        assert media.video is not None and media.audio is not None
        in_flight = 1.0 if t.mid_take else 0.1  # after the recording, only the A/V trim
        assert row.duration_seconds >= t.recorded - in_flight, summary
        assert row.recovered == (t.exit_code is None or t.exit_code == 2), summary
    assert any(t.busy_elsewhere for t in trials), summary
