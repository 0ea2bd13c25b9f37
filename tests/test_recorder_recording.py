# ruff: noqa: F811  (the fixtures imported from recorder_support are parameters here)
"""Real takes recorded from ffmpeg's synthetic source through the real recorder."""

from __future__ import annotations

import json
import re
import subprocess
import threading

import pytest
from factories import lavfi, make_clip
from recorder_support import stage  # noqa: F401  (fixture)
from sqlalchemy import select

from app.core.media import sha256_file
from app.core.models import Take
from app.practice.rounds import can_record, next_attempt
from app.recorder.ffmpeg_tools import find_ffmpeg
from app.recorder.probe import probe
from app.recorder.record import prepare_take, record_take
from app.recorder.recording import RecordingObserver


def takes_in_db(ctx) -> list[Take]:
    with ctx.db.session() as s:
        return list(s.scalars(select(Take).order_by(Take.attempt)))


@pytest.mark.slow
def test_a_take_is_h264_and_aac_of_the_asked_length_in_sync_and_stored(ctx, stage):
    take = record_take(
        ctx, stage.scenario_key, seconds=4, can_record=can_record, next_attempt=next_attempt
    )

    media = probe(take.path)
    assert (media.video.codec, media.audio.codec) == ("h264", "aac")
    assert (media.video.width, media.video.height, media.video.fps) == (1280, 720, 30.0)
    assert media.audio.sample_rate == 48000
    assert abs(media.duration - 4.0) <= 0.3
    assert media.end_drift <= 0.05
    # The stored file is what the database says, and the in-progress folder is empty.
    [row] = takes_in_db(ctx)
    assert row.id == take.id and row.sha256 == sha256_file(take.path) == take.sha256
    assert take.path.name == f"{row.sha256}.mp4" and take.path.parent.parent == ctx.paths.media
    assert (row.width, row.height, row.attempt, row.recovered) == (1280, 720, 1, False)
    assert abs(row.duration_seconds - media.duration) < 0.01
    assert row.size_bytes == take.path.stat().st_size
    assert list(ctx.paths.in_progress.iterdir()) == []
    # Fast start: the index (moov) comes before the media data (mdat).
    head = take.path.read_bytes()[:200_000]
    assert 0 <= head.find(b"moov") < head.find(b"mdat")


@pytest.mark.slow
def test_stopping_early_keeps_the_take_and_counts_attempts(ctx, stage):
    seen = {"progress": 0, "first_frame": None, "finished": None}

    class Watch(RecordingObserver):
        def first_frame(self, seconds_since_start):
            seen["first_frame"] = seconds_since_start

        def progress(self, progress):
            seen["progress"] += 1

        def finished(self, result):
            seen["finished"] = result.stopped_by

    first = record_take(
        ctx, stage.scenario_key, seconds=1.5, can_record=can_record, next_attempt=next_attempt
    )
    recording = prepare_take(
        ctx, stage.scenario_key, seconds=30, observer=Watch(), can_record=can_record
    )
    recording.start()
    stopped = threading.Event()
    threading.Timer(2.5, lambda: (recording.stop(), stopped.set())).start()
    result = recording.wait()
    stopped.wait(10)
    preview = recording.latest_preview()

    assert result.stopped_by == "user" and result.problem is None and result.exit_code == 0
    assert seen["first_frame"] is not None and seen["progress"] >= 2
    assert seen["finished"] == "user"
    assert preview is not None and len(preview.data) == 320 * 180 * 3 and preview.index > 5

    from app.recorder.record import finish_take

    second = finish_take(ctx, recording, result, next_attempt=next_attempt)
    media = probe(second.path)
    assert 1.5 < media.duration < 4.0
    assert media.end_drift <= 0.05
    assert (first.attempt, second.attempt) == (1, 2)


@pytest.mark.slow
def test_the_cli_records_a_take_and_prints_it(cli, stage):
    code, out, err = cli("record", "--scenario", stage.scenario_key, "--seconds", "1.5", "--json")
    assert code == 0, err
    shown = json.loads(out)
    assert shown["attempt"] == 1 and abs(shown["duration_seconds"] - 1.5) <= 0.3
    code, out, _ = cli(
        "record", "--scenario", stage.scenario_id, "--source", "black", "--seconds", "1"
    )
    assert code == 0
    assert "attempt 2" in out and ".mp4" in out


@pytest.fixture
def silent_clip(tmp_path):
    """A short video file with no sound track, to play as if it were a camera."""
    return make_clip(tmp_path / "clip.mp4", size=(320, 240), fps=25, sound=False)


@pytest.mark.slow
def test_a_file_plays_as_a_camera_looped_scaled_and_with_silence_added(ctx, stage, silent_clip):
    take = record_take(
        ctx,
        stage.scenario_key,
        source=f"file:{silent_clip}",
        seconds=2.5,
        can_record=can_record,
        next_attempt=next_attempt,
    )
    media = probe(take.path)
    assert (media.video.width, media.video.height) == (1280, 720)
    assert media.audio is not None and media.audio.codec == "aac"  # silence, not nothing
    assert abs(media.duration - 2.5) <= 0.3  # the 1 s clip was looped


@pytest.mark.slow
def test_attempts_are_numbered_in_rounds_and_refused_when_used_up(ctx, make_profile):
    """The recorder asks the practice rules before it starts, and numbers takes by them."""
    from app.core.errors import UserError
    from app.core.models import Scenario

    rep = make_profile("Attempt Rep", "rep")
    ctx.acting_as = rep.id
    with ctx.session() as s:
        scenario = s.query(Scenario).filter_by(key="burger-fries").one()
        scenario.allowed_attempts = 2
    first = record_take(
        ctx,
        "burger-fries",
        source="test",
        seconds=1,
        can_record=can_record,
        next_attempt=next_attempt,
    )
    second = record_take(
        ctx,
        "burger-fries",
        source="test",
        seconds=1,
        can_record=can_record,
        next_attempt=next_attempt,
    )
    with pytest.raises(UserError, match="used all 2 attempts"):
        record_take(
            ctx,
            "burger-fries",
            source="test",
            seconds=1,
            can_record=can_record,
            next_attempt=next_attempt,
        )
    with ctx.db.session() as s:
        attempts = sorted(s.get(Take, t.id).attempt for t in (first, second))
    assert attempts == [1, 2] == sorted(t.attempt for t in (first, second))


FRAME = 1 / 30  # of a take (the standard preset)


@pytest.fixture
def flash_and_beep(tmp_path):
    """A 1.3 s clip, picture and sound: black and silence but for a white frame and a
    beep together at 0.3 s. Played looped as a camera, every loop shows both at once."""
    flash = "color=c=black:size=320x240:rate=30,drawbox=c=white:t=fill:enable='between(t,0.3,0.33)'"
    beep = "sine=frequency=1000:sample_rate=48000,volume=volume=0:enable='not(between(t,0.3,0.4))'"
    return make_clip(
        tmp_path / "flash-and-beep.mp4",
        1.3,
        size=(320, 240),
        fps=30,
        inputs=(lavfi(flash, video=True), lavfi(beep, video=False)),
    )


def av_offsets(path) -> list[float]:
    """For each flash in ``path``, when its beep starts minus when the flash shows (s)."""
    exe = find_ffmpeg().path
    picture = subprocess.run(
        [exe, "-hide_banner", "-nostats", "-i", str(path), "-map", "0:v", "-vf",
         "signalstats,metadata=print:key=lavfi.signalstats.YAVG", "-f", "null", "-"],
        capture_output=True, text=True, check=True,
    ).stderr  # fmt: skip
    bright, shown = [], None
    for line in picture.splitlines():
        if m := re.search(r"pts_time:([\d.]+)", line):
            shown = float(m[1])
        elif (m := re.search(r"YAVG=([\d.]+)", line)) and float(m[1]) > 100:
            bright.append(shown)
    flashes = [t for n, t in enumerate(bright) if n == 0 or t - bright[n - 1] > 0.5]
    sound = subprocess.run(
        [exe, "-hide_banner", "-nostats", "-i", str(path), "-map", "0:a",
         "-af", "silencedetect=n=-30dB:d=0.05", "-f", "null", "-"],
        capture_output=True, text=True, check=True,
    ).stderr  # fmt: skip
    beeps = [float(t) for t in re.findall(r"silence_end: ([\d.]+)", sound)]
    return [min(beeps, key=lambda b: abs(b - t)) - t for t in flashes]


@pytest.mark.slow
def test_a_short_looped_file_keeps_sound_on_the_picture_within_two_frames(
    ctx, stage, flash_and_beep
):
    """ffmpeg restarts a looped file after its longest stream, AAC priming included: a
    gap of 23 ms a loop. Filled only once the gaps reach 0.1 s, the sound wandered
    up to 3 frames from the picture (measured -91 ms over 60 s); 6 loops show it."""
    # The measure sees the clip's own beep a little late (silencedetect works in
    # blocks of samples): compare each loop with the clip, not with zero.
    [source] = av_offsets(flash_and_beep)
    assert abs(source) < FRAME

    take = record_take(
        ctx,
        stage.scenario_key,
        source=f"file:{flash_and_beep}",
        seconds=8,
        can_record=can_record,
        next_attempt=next_attempt,
    )

    apart = [round(t - source, 3) for t in av_offsets(take.path)]
    assert len(apart) >= 6, apart  # a flash and its beep in every loop
    assert max(abs(t) for t in apart) <= 2 * FRAME, apart
