# ruff: noqa: F811  (the fixtures imported from recorder_support are parameters here)
"""Recordings left behind by a crash, or whose finalizing failed, are repaired; what
cannot be read is kept, never deleted, and listed."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time

import pytest
from recorder_support import kill_all_recording_into, stage, watched_ffmpeg  # noqa: F401
from sqlalchemy import select

from app.core.clock import utcnow
from app.core.errors import UserError
from app.core.files import move
from app.core.models import Take
from app.practice.rounds import can_record, next_attempt
from app.recorder.finalize import UNRECOVERABLE, WHY_SUFFIX
from app.recorder.probe import probe
from app.recorder.record import finish_take, prepare_take, record_take
from app.recorder.recovery import UNREADABLE, list_unsaved, recover_in_progress
from app.recorder.sidecar import Sidecar, take_lock


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
        kill_all_recording_into(data_dir)  # ffmpeg too: it has its own process group
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


def test_unreadable_leftovers_are_set_aside_never_deleted_and_listed(ctx, stage, cli):
    garbage = os.urandom(200_000)
    leftover(ctx, stage, "junk", garbage)
    leftover(ctx, stage, "orphan", b"\0" * 100_000, sidecar=False)
    (ctx.paths.in_progress / "damaged.json").write_text("{not json", encoding="utf-8")
    (ctx.paths.in_progress / "damaged.mp4").write_bytes(garbage)
    leftover(ctx, stage, "empty", b"")  # ffmpeg never got going: nothing to keep
    leftover(ctx, stage, "no-file", None)  # nor here

    report = recover_in_progress(ctx, next_attempt=next_attempt)

    aside = ctx.paths.in_progress / UNRECOVERABLE
    assert {i["take_id"] for i in report.set_aside} == {"junk", "orphan", "damaged"}
    assert (aside / "junk.mp4").read_bytes() == garbage
    assert (aside / "junk.json").exists() and (aside / "orphan.mp4").exists()
    assert (aside / "damaged.mp4").read_bytes() == garbage
    assert (aside / f"junk{WHY_SUFFIX}").read_text().startswith(UNREADABLE)
    assert "not known whose" in (aside / f"orphan{WHY_SUFFIX}").read_text()
    assert not report.recovered
    assert sorted(p.name for p in ctx.paths.in_progress.iterdir()) == [UNRECOVERABLE]
    with ctx.db.session() as s:
        assert s.scalars(select(Take)).all() == []

    # Listed, with size, date and why; the person can copy them out.
    listed = {r.take_id: r for r in list_unsaved(ctx.paths.in_progress)}
    assert set(listed) == {"junk", "orphan", "damaged"}
    assert listed["junk"].size_bytes == 200_000 and listed["junk"].person_id == stage.person_id
    assert listed["orphan"].person_id is None
    code, out, _ = cli("recover", "--list", "--json")
    assert code == 0
    shown = {r["take_id"]: r for r in json.loads(out)}
    assert shown["junk"]["path"] == str(aside / "junk.mp4")
    assert shown["junk"]["size_bytes"] == 200_000 and shown["junk"]["reason"] == UNREADABLE
    assert shown["junk"]["detail"]  # what ffmpeg said, for support
    code, out, _ = cli("recover", "--list")
    assert code == 0 and "200,000 bytes" in out and str(aside / "orphan.mp4") in out

    # Tried once with every means: the next recovery leaves them be.
    assert recover_in_progress(ctx, next_attempt=next_attempt).nothing_found
    assert cli("recover")[1].startswith("No interrupted recordings found")


@pytest.mark.slow
def test_a_take_still_recording_is_left_alone(ctx, stage):
    recording = prepare_take(ctx, stage.scenario_key, seconds=1.5, can_record=can_record)
    recording.start()
    try:
        wait_for(recording.fragment.exists)
        report = recover_in_progress(ctx, next_attempt=next_attempt)
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
    lock = take_lock(ctx.paths.in_progress, take_id)
    assert lock.acquire()
    lock.release()  # the crashed process's lock is free again

    report = recover_in_progress(ctx, next_attempt=next_attempt)

    assert [t.id for t in report.recovered] == [take_id]
    assert list(ctx.paths.in_progress.iterdir()) == []
    with ctx.db.session() as s:
        assert len(s.scalars(select(Take)).all()) == 1


def stages(watched) -> list[str]:
    return [stage for _pid, stage, _args in watched.runs() if stage != "other"]


@pytest.mark.slow
def test_a_killed_remux_is_followed_by_a_reencode_and_the_take_is_stored(
    ctx, stage, watched_ffmpeg
):
    watched_ffmpeg.die("remux")  # killed as it starts, as the out-of-memory killer does

    take = record_take(
        ctx, stage.scenario_key, seconds=1.5, can_record=can_record, next_attempt=next_attempt
    )

    assert stages(watched_ffmpeg) == [
        "record",
        "probe",
        "remux",
        "probe",
        "re-encode",
        "probe-final",
    ]
    media = probe(take.path)
    assert (media.video.codec, media.audio.codec) == ("h264", "aac")
    assert abs(media.duration - 1.5) <= 0.3 and media.end_drift <= 0.05
    head = take.path.read_bytes()[:200_000]
    assert 0 <= head.find(b"moov") < head.find(b"mdat")  # fast start, like a remux
    assert list(ctx.paths.in_progress.iterdir()) == []


@pytest.mark.slow
def test_a_take_whose_finalize_fails_stays_where_recovery_stores_it(
    ctx, stage, watched_ffmpeg, cli
):
    """Remux and re-encode both killed while the take is stored: the recording stays in
    in-progress (not set aside), and recovery retries the remux, then a re-encode."""
    watched_ffmpeg.die("remux", times=2).die("re-encode")

    code, _, err = cli("record", "--scenario", stage.scenario_key, "--seconds", "1.5")

    assert code == 2
    assert "could not be saved as a take yet" in err and "Nothing is lost" in err
    assert "crosscoach recover" in err  # the command line names its command
    [fragment] = ctx.paths.in_progress.glob("*.mp4")
    take_id = fragment.stem
    assert (ctx.paths.in_progress / f"{take_id}.json").exists()
    assert not (ctx.paths.in_progress / UNRECOVERABLE).exists()
    with ctx.db.session() as s:
        assert s.scalars(select(Take)).all() == []

    report = recover_in_progress(ctx, next_attempt=next_attempt)

    [take] = report.recovered
    assert take.id == take_id and take.recovered and not report.set_aside
    assert abs(take.duration_seconds - 1.5) <= 0.3
    after = stages(watched_ffmpeg)
    assert after[after.index("re-encode") + 1 :] == [
        "probe",
        "remux",
        "probe",
        "re-encode",
        "probe-final",
    ]
    assert list(ctx.paths.in_progress.iterdir()) == []
    assert list_unsaved(ctx.paths.in_progress) == []


@pytest.mark.slow
def test_takes_parked_by_an_older_version_are_tried_once_more(ctx, stage, watched_ffmpeg):
    """Earlier versions moved clean takes whose finalize failed to unrecoverable/ and never
    looked again. Recovery retries each of those once; what truly cannot be read stays,
    now with why, and is not tried again."""
    recording = prepare_take(ctx, stage.scenario_key, seconds=1.5, can_record=can_record)
    recording.start()
    recording.wait()
    recording.release()  # the recorder died before storing it...
    aside = ctx.paths.in_progress / UNRECOVERABLE
    aside.mkdir()
    healthy = recording.sidecar.take_id
    for name in (f"{healthy}.mp4", f"{healthy}.json"):  # ...and the old bug parked it
        move(ctx.paths.in_progress / name, aside / name)
    (ctx.paths.in_progress / f"{healthy}.lock").unlink(missing_ok=True)
    leftover(ctx, stage, "junk", os.urandom(100_000))
    for name in ("junk.mp4", "junk.json"):
        move(ctx.paths.in_progress / name, aside / name)

    report = recover_in_progress(ctx, next_attempt=next_attempt)

    assert [t.id for t in report.recovered] == [healthy] and report.recovered[0].recovered
    assert [i["take_id"] for i in report.set_aside] == ["junk"]
    assert sorted(p.name for p in aside.iterdir()) == ["junk.json", "junk.mp4", f"junk{WHY_SUFFIX}"]
    runs = len(watched_ffmpeg.runs())

    again = recover_in_progress(ctx, next_attempt=next_attempt)

    assert again.nothing_found and len(watched_ffmpeg.runs()) == runs  # no ffmpeg run at all
    with ctx.db.session() as s:
        assert [t.id for t in s.scalars(select(Take))] == [healthy]
    [unsaved] = list_unsaved(ctx.paths.in_progress)
    assert unsaved.take_id == "junk" and unsaved.size_bytes == 100_000


def test_a_recovery_waits_for_nobody_and_skips_a_take_another_process_holds(ctx, stage):
    """A take whose lock is held (being recorded or stored elsewhere) is left alone."""
    leftover(ctx, stage, "busy", b"\0" * 100_000)
    holder = subprocess.Popen(
        [sys.executable, "-c",
         "import sys, time; from app.core.locks import ExclusiveLock\n"
         "lock = ExclusiveLock(sys.argv[1]); assert lock.acquire(); print('held', flush=True)\n"
         "time.sleep(60)",
         str(ctx.paths.in_progress / "busy.lock")],
        stdout=subprocess.PIPE,
    )  # fmt: skip
    try:
        assert holder.stdout.readline() == b"held\n"
        report = recover_in_progress(ctx, next_attempt=next_attempt)
        assert report.still_recording == ["busy"] and not report.set_aside
        assert (ctx.paths.in_progress / "busy.mp4").exists()
    finally:
        holder.kill()
        holder.wait()
    # Its holder died: the operating system let go of the lock, recovery takes over.
    assert [
        i["take_id"] for i in recover_in_progress(ctx, next_attempt=next_attempt).set_aside
    ] == ["busy"]


@pytest.mark.slow
def test_a_finish_that_raises_still_lets_go_of_the_lock(ctx, stage):
    recording = prepare_take(ctx, stage.scenario_key, seconds=1.5, can_record=can_record)
    recording.start()
    result = recording.wait()
    lock = take_lock(ctx.paths.in_progress, recording.sidecar.take_id)
    assert not lock.acquire()  # held until the take is stored
    recording.fragment.write_bytes(os.urandom(100_000))  # damaged meanwhile

    with pytest.raises(UserError, match="could not be saved as a take yet"):
        finish_take(ctx, recording, result, next_attempt=next_attempt)

    assert lock.acquire()  # free again: recovery may take it
    lock.release()
