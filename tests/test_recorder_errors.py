# ruff: noqa: F811  (the fixtures imported from recorder_support are parameters here)
"""Every way a take can go wrong gives a plain message and loses nothing."""

from __future__ import annotations

import re

import pytest
from factories import make_clip
from recorder_support import add_scenario, fill, small_disk, stage  # noqa: F401
from sqlalchemy import select

from app.bootstrap import open_context
from app.core.clock import utcnow
from app.core.errors import UserError
from app.core.media import store_file
from app.core.models import Person, Role, Take
from app.core.profiles import create_profile, parse_role
from app.practice.rounds import can_record, next_attempt
from app.recorder.devices import synthetic_source
from app.recorder.ffmpeg_tools import find_ffmpeg
from app.recorder.finalize import _discard_unreferenced, store_take
from app.recorder.presets import preset
from app.recorder.probe import probe
from app.recorder.record import finish_take, prepare_take, record_take
from app.recorder.recording import Recording
from app.recorder.recovery import recover_in_progress
from app.recorder.sidecar import Sidecar


def takes(ctx) -> list[Take]:
    with ctx.db.session() as s:
        return list(s.scalars(select(Take)))


def test_no_ffmpeg_says_so_and_what_to_do(ctx, stage, cli, monkeypatch):
    monkeypatch.setenv("CROSSCOACH_FFMPEG", "/nonexistent/ffmpeg")
    with pytest.raises(UserError, match="ffmpeg is missing") as err:
        record_take(
            ctx, stage.scenario_key, seconds=1, can_record=can_record, next_attempt=next_attempt
        )
    assert "Install ffmpeg" in err.value.hint
    code, _, stderr = cli("record", "--scenario", stage.scenario_key, "--seconds", "1")
    assert code == 2 and "ffmpeg is missing" in stderr and "What to do:" in stderr
    assert "Traceback" not in stderr
    assert list(ctx.paths.in_progress.iterdir()) == [] and takes(ctx) == []


def test_no_camera_or_microphone_on_this_machine(ctx, stage, cli):
    with pytest.raises(UserError, match="No camera and no microphone") as err:
        record_take(
            ctx,
            stage.scenario_key,
            source="device",
            seconds=1,
            can_record=can_record,
            next_attempt=next_attempt,
        )
    assert "--source test" in err.value.hint
    code, _, stderr = cli("record", "--scenario", stage.scenario_key, "--source", "device:cam|mic")
    assert code == 2 and "No camera and no microphone were found" in stderr


def test_unknown_sources_and_unreadable_files_are_refused_before_recording(ctx, stage, tmp_path):
    with pytest.raises(UserError, match="must last at least one second"):
        record_take(
            ctx, stage.scenario_key, seconds=0.5, can_record=can_record, next_attempt=next_attempt
        )
    with pytest.raises(UserError, match="There is no scenario 'nope'"):
        record_take(ctx, "nope", seconds=1, can_record=can_record, next_attempt=next_attempt)
    with pytest.raises(UserError, match='"webcam" is not a recording source'):
        record_take(
            ctx,
            stage.scenario_key,
            source="webcam",
            seconds=1,
            can_record=can_record,
            next_attempt=next_attempt,
        )
    with pytest.raises(UserError, match="does not exist"):
        record_take(
            ctx,
            stage.scenario_key,
            source=f"file:{tmp_path}/none.mp4",
            seconds=1,
            can_record=can_record,
            next_attempt=next_attempt,
        )
    junk = tmp_path / "junk.mp4"
    junk.write_bytes(b"\x00not a video" * 1000)
    with pytest.raises(UserError, match="cannot be used as a camera"):
        record_take(
            ctx,
            stage.scenario_key,
            source=f"file:{junk}",
            seconds=1,
            can_record=can_record,
            next_attempt=next_attempt,
        )
    assert list(ctx.paths.in_progress.iterdir()) == [] and takes(ctx) == []


@pytest.mark.slow
def test_a_source_that_stops_mid_take_keeps_what_was_recorded(ctx, stage):
    """The camera is unplugged 2 s into a 6 s take (the source simply ends)."""
    planned = prepare_take(ctx, stage.scenario_key, seconds=6, can_record=can_record)
    unplugged = synthetic_source(preset("standard"), seconds_until_it_ends=2)
    recording = Recording(
        planned.ffmpeg, unplugged, planned.encoding, planned.folder, planned.sidecar
    )
    recording.start()
    result = recording.wait()
    assert result.stopped_by == "source-ended"

    take = finish_take(ctx, recording, result, next_attempt=next_attempt)

    assert "stopped sending after 2.0 s" in take.problem
    media = probe(take.path)
    assert abs(media.duration - 2.0) <= 0.3 and media.end_drift <= 0.05
    assert [t.id for t in takes(ctx)] == [take.id]


def test_ffmpeg_failing_at_the_start_leaves_nothing_half_written(ctx, stage, tmp_path):
    """The video file used as a camera disappears between choosing it and recording."""
    clip = make_clip(tmp_path / "clip.mp4", size=(160, 120), fps=10, sound=False)
    recording = prepare_take(
        ctx, stage.scenario_key, source=f"file:{clip}", seconds=3, can_record=can_record
    )
    clip.unlink()
    recording.start()
    result = recording.wait()
    assert result.stopped_by == "error" and result.exit_code != 0

    with pytest.raises(
        UserError, match="did not start: The camera, microphone or file is not there"
    ):
        finish_take(ctx, recording, result, next_attempt=next_attempt)
    assert list(ctx.paths.in_progress.iterdir()) == [] and takes(ctx) == []


def open_on(folder, name="Ana"):
    """An installation in ``folder`` with a rep acting and a scenario to record."""
    ctx = open_context(folder)
    with ctx.session() as s:
        ctx.use_profile(create_profile(s, name, parse_role("rep"), None))
    return ctx, add_scenario(ctx).key


@pytest.mark.slow
def test_a_full_disk_stops_the_take_keeps_it_and_recovery_saves_it(small_disk, monkeypatch):
    monkeypatch.setenv("CROSSCOACH_SOURCE", "test")
    disk = small_disk(16)
    ctx, key = open_on(disk / "data")
    try:
        filler = fill(disk, leave_bytes=1_200_000)  # room for about 3 s of 720p
        with pytest.raises(UserError, match="The disk is full") as err:
            record_take(ctx, key, seconds=20, can_record=can_record, next_attempt=next_attempt)
        assert "nothing was lost" in err.value.message
        assert "restart CrossCoach" in err.value.hint
        [fragment] = ctx.paths.in_progress.glob("*.mp4")
        kept = probe(fragment)
        assert kept.video.duration >= 1.0 and kept.audio.duration >= 1.0
        assert takes(ctx) == []

        filler.unlink()  # the rep frees some space
        report = recover_in_progress(ctx, next_attempt=next_attempt)

        [take] = report.recovered
        assert take.recovered and take.duration_seconds >= 1.0
        assert probe(take.path).video.duration >= 1.0
        # The message named the length of the take recovery stored, not what ffmpeg
        # had encoded (its last fragment never reached the full disk).
        announced = re.search(r"the ([\d.]+) s recorded so far", err.value.message)[1]
        assert announced == f"{take.duration_seconds:.1f}"
    finally:
        ctx.close()


def test_a_data_folder_that_cannot_be_written_is_reported(ctx, stage, small_disk, cli):
    small_disk(1, point=ctx.paths.in_progress, read_only=True)
    with pytest.raises(UserError, match="cannot write recordings to") as err:
        record_take(
            ctx, stage.scenario_key, seconds=1, can_record=can_record, next_attempt=next_attempt
        )
    assert "--data-dir" in err.value.hint
    code, out, _ = cli("doctor", "--source", "test")
    assert code == 1 and "cannot write recordings to" in out


@pytest.mark.slow
def test_a_failed_database_write_keeps_the_recording_and_no_orphan(ctx, stage):
    """The take's person is missing (the row is refused): file and row, or neither."""
    planned = prepare_take(ctx, stage.scenario_key, seconds=1.5, can_record=can_record)
    ghost = Sidecar(**{**planned.sidecar.__dict__, "person_id": "gone-person"})
    recording = Recording(planned.ffmpeg, planned.source, planned.encoding, planned.folder, ghost)
    recording.start()
    result = recording.wait()

    with pytest.raises(UserError, match="could not be saved in the database") as err:
        finish_take(ctx, recording, result, next_attempt=next_attempt)
    assert "Nothing is lost" in err.value.hint
    assert takes(ctx) == []
    assert [p for p in ctx.paths.media.rglob("*") if p.is_file()] == []  # no orphan copy
    assert recording.fragment.exists()  # kept for recovery
    assert (ctx.paths.in_progress / f"{ghost.take_id}.json").exists()

    with ctx.session() as s:  # the problem is fixed: the person exists again
        s.add(Person(id="gone-person", name="Ghost", role=Role.REP))
    [take] = recover_in_progress(ctx, next_attempt=next_attempt).recovered
    assert take.person_id == "gone-person" and take.recovered


def test_a_stored_file_another_row_uses_is_never_discarded(ctx, stage, tmp_path):
    clip = tmp_path / "clip.mp4"
    clip.write_bytes(b"same content")
    sha, stored = store_file(ctx.paths.media, clip)
    with ctx.session() as s:
        s.add(
            Take(person_id=stage.person_id, scenario_id=stage.scenario_id, sha256=sha,
                 size_bytes=12, duration_seconds=1.0, width=1, height=1, recorded_at=utcnow())
        )  # fmt: skip
    _discard_unreferenced(ctx, sha, stored)
    assert stored.exists()
    other_sha, other = store_file(ctx.paths.media, tmp_path / "clip.mp4")
    assert other_sha == sha  # same content, same file


def test_storing_a_take_without_a_recording_is_a_clear_error(ctx, stage):
    sidecar = Sidecar(
        "no-file", stage.scenario_id, stage.person_id, utcnow().isoformat(), "test", 1
    )
    from app.recorder.finalize import UnreadableRecording

    with pytest.raises(UnreadableRecording):
        store_take(ctx, find_ffmpeg(), sidecar, recovered=False, next_attempt=next_attempt)
