"""The recorder's plain parts: ffmpeg discovery, sources, commands, parsing (no recording)."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from app.core.errors import UserError
from app.core.settings import Settings
from app.recorder import commands
from app.recorder.commands import InputSpec, PreviewFormat
from app.recorder.devices import (
    Devices,
    black_source,
    configured_source_spec,
    device_inputs,
    linux_cameras,
    linux_microphones,
    parse_avfoundation_devices,
    parse_dshow_devices,
    parse_source_spec,
    synthetic_source,
)
from app.recorder.ffmpeg_tools import find_ffmpeg, parse_input_formats
from app.recorder.presets import preset
from app.recorder.probe import ProbeError, probe
from app.recorder.recording import explain_ffmpeg_log, parse_progress
from app.recorder.sidecar import Sidecar

STANDARD = preset("standard")


def test_source_specs_are_parsed_or_refused_in_plain_words():
    assert parse_source_spec("test").kind == "test"
    assert parse_source_spec("black").kind == "black"
    assert parse_source_spec("file:/videos/me.mp4").path == "/videos/me.mp4"
    assert parse_source_spec("file:C:\\Videos\\me.mp4").path == "C:\\Videos\\me.mp4"
    spec = parse_source_spec("device:HD Webcam C270|USB Mic")
    assert (spec.kind, spec.camera, spec.microphone) == ("device", "HD Webcam C270", "USB Mic")
    assert parse_source_spec("device") == parse_source_spec("device:")
    for bad in ("", "camera", "file:", "test:1"):
        with pytest.raises(UserError, match="is not a recording source") as err:
            parse_source_spec(bad)
        assert "file:PATH" in err.value.hint


def test_the_command_line_wins_over_the_environment_over_the_setting(tmp_path, monkeypatch):
    settings = Settings(tmp_path / "settings.json")
    monkeypatch.delenv("CROSSCOACH_SOURCE", raising=False)
    assert configured_source_spec(settings) == "device"  # the shipped default
    settings.set("recording_source", "file:/v.mp4")
    assert configured_source_spec(settings) == "file:/v.mp4"
    monkeypatch.setenv("CROSSCOACH_SOURCE", "test")
    assert configured_source_spec(settings) == "test"
    assert configured_source_spec(settings, "black") == "black"


def test_ffmpeg_is_found_on_path_first_then_the_bundled_one(monkeypatch):
    monkeypatch.delenv("CROSSCOACH_FFMPEG", raising=False)
    system = find_ffmpeg()
    assert system.origin == "system" and system.path == shutil.which("ffmpeg")
    assert {"lavfi", "v4l2"} <= system.input_formats
    monkeypatch.setenv("PATH", "/nonexistent")
    bundled = find_ffmpeg()
    assert bundled.origin == "bundled" and "imageio_ffmpeg" in bundled.path
    assert bundled.supports("lavfi") and bundled.version


def test_a_missing_ffmpeg_named_by_the_environment_is_a_user_error(monkeypatch, tmp_path):
    monkeypatch.setenv("CROSSCOACH_FFMPEG", "/nonexistent")
    with pytest.raises(UserError, match="ffmpeg is missing"):
        find_ffmpeg()
    fake = tmp_path / "ffmpeg"
    fake.write_text("#!/bin/sh\necho hello\n")
    fake.chmod(0o755)
    monkeypatch.setenv("CROSSCOACH_FFMPEG", str(fake))
    with pytest.raises(UserError, match="does not answer like ffmpeg"):
        find_ffmpeg()


def test_input_formats_are_read_from_the_devices_listing():
    listing = """Devices:
 D. = Demuxing supported
 .E = Muxing supported
 --
 DE alsa            ALSA audio output
  E caca            caca (color ASCII art) output device
 D  lavfi           Libavfilter virtual input device
 D  video4linux2,v4l2 Video4Linux2 output device
"""
    assert parse_input_formats(listing) == {"alsa", "lavfi", "video4linux2", "v4l2"}


def test_the_record_command_has_the_sync_and_crash_safety_options():
    argv = commands.record_command(
        "ffmpeg",
        synthetic_source(STANDARD).inputs,
        STANDARD,
        Path("take.mp4"),
        12.0,
        PreviewFormat(),
        fit_frame=False,
    )
    line = " ".join(argv)
    assert argv.count("-thread_queue_size") == 2 and argv.count("-re") == 2
    assert "testsrc2=size=1280x720:rate=30" in line
    assert "aresample=async=1" in line
    assert "-movflags +frag_keyframe+empty_moov+default_base_moof" in line
    assert "-frag_duration 500000" in line and "-flush_packets 1" in line
    assert "-vcodec libx264" in line and "-preset veryfast" in line and "-pix_fmt yuv420p" in line
    assert "-acodec aac" in line and line.count("-t 12.000") == 2
    assert "scale=320:180" in line and "-f rawvideo -t 12.000 pipe:1" in line
    assert "format=bgr24" in line


def test_the_loudness_command_decodes_only_the_first_sound_stream_and_writes_nothing():
    argv = commands.mean_volume_command("ffmpeg", Path("take.mp4"))
    line = " ".join(argv)
    assert argv[0] == "ffmpeg" and "-i take.mp4" in line and "-map 0:a:0" in line
    assert "-af volumedetect" in line and "-f null -" in line and "-nostats" in line


def test_a_clip_is_made_unpaced_from_a_stand_in_source_with_only_the_streams_given():
    inputs = synthetic_source(STANDARD).inputs
    argv = commands.clip_command("ffmpeg", inputs, STANDARD, Path("clip.mp4"), 2)
    line = " ".join(argv)
    assert "-re" not in argv and argv.count("-thread_queue_size") == 2
    assert "testsrc2=size=1280x720:rate=30" in line and "-t 2.000" in line
    assert "-vcodec libx264" in line and "-preset veryfast" in line and "-acodec aac" in line
    assert "movflags" not in line  # an ordinary MP4, not a take being recorded
    sound = commands.clip_command("ffmpeg", inputs[1:], STANDARD, Path("voice.m4a"), 2)
    assert "-acodec" in sound and "-vcodec" not in sound
    hue = commands.clip_command(
        "ffmpeg", inputs[:1], STANDARD, Path("c.mp4"), 1, (("hue", {"h": 40}),)
    )
    assert "[0:v]hue=h=40[s0]" in hue and "-acodec" not in hue


def test_cameras_are_letterboxed_and_devices_map_per_platform(monkeypatch):
    ffmpeg = find_ffmpeg()
    monkeypatch.setattr("app.recorder.devices._pulse_running", lambda: True)
    linux = device_inputs("linux", "/dev/video0", "default", STANDARD, ffmpeg)
    assert [i.options["f"] for i in linux] == ["v4l2", "pulse"]
    assert all(i.options["use_wallclock_as_timestamps"] == 1 for i in linux)
    [win] = device_inputs("win32", "HD Webcam", "Mic (Realtek)", STANDARD, ffmpeg)
    assert win.target == "video=HD Webcam:audio=Mic (Realtek)"
    assert win.options["f"] == "dshow" and win.options["audio_buffer_size"] == 50
    assert win.video and win.audio
    [mac] = device_inputs("darwin", "0", "1", STANDARD, ffmpeg)
    assert (mac.target, mac.options["f"]) == ("0:1", "avfoundation")
    argv = commands.record_command(
        "ffmpeg", (win,), STANDARD, Path("t.mp4"), None, None, fit_frame=True
    )
    line = " ".join(argv)
    assert "-f dshow" in line and "-video_size 1280x720" in line and "-thread_queue_size" in line
    assert "force_original_aspect_ratio=decrease" in line and "pad=1280:720" in line
    assert "-t " not in line and "pipe:1" not in line


def test_device_names_are_read_from_ffmpeg_and_linux_listings(tmp_path):
    dshow = """[dshow @ 0000] "HD Webcam C270" (video)
[dshow @ 0000]   Alternative name "@device_pnp_\\\\?\\usb#vid_046d"
[dshow @ 0000] "Microphone (HD Webcam C270)" (audio)
[dshow @ 0000] "OBS Virtual Camera" (none)
"""
    assert parse_dshow_devices(dshow) == Devices(
        {"HD Webcam C270": "HD Webcam C270"},
        {"Microphone (HD Webcam C270)": "Microphone (HD Webcam C270)"},
    )
    avf = """[AVFoundation indev @ 0x7f] AVFoundation video devices:
[AVFoundation indev @ 0x7f] [0] FaceTime HD Camera
[AVFoundation indev @ 0x7f] [1] Capture screen 0
[AVFoundation indev @ 0x7f] AVFoundation audio devices:
[AVFoundation indev @ 0x7f] [0] MacBook Pro Microphone
"""
    assert parse_avfoundation_devices(avf) == Devices(
        {"FaceTime HD Camera": "0"}, {"MacBook Pro Microphone": "0"}
    )
    dev, sysfs = tmp_path / "dev", tmp_path / "sys"
    for n in (0, 1):
        (dev).mkdir(exist_ok=True)
        (dev / f"video{n}").touch()
        (sysfs / f"video{n}").mkdir(parents=True)
        (sysfs / f"video{n}" / "name").write_text("USB Camera\n")
    assert linux_cameras(sysfs, dev) == {
        "USB Camera": str(dev / "video0"),
        "USB Camera (video1)": str(dev / "video1"),
    }
    pcm = tmp_path / "pcm"
    pcm.write_text(
        "00-00: ALC892 Analog : ALC892 Analog : playback 1 : capture 1\n"
        "00-01: ALC892 Digital : ALC892 Digital : playback 1\n"
    )
    assert linux_microphones(pcm) == {"ALC892 Analog": "hw:0,0"}
    assert linux_microphones(tmp_path / "missing") == {}


def test_progress_lines_and_ffmpeg_errors_are_read():
    line = (
        "frame=  151 fps= 30 q=28.0 size=     512kB time=00:00:05.03 "
        "bitrate= 833.6kbits/s dup=0 drop=2 speed=1.01x"
    )
    p = parse_progress(line)
    assert (p.frame, p.seconds, p.dropped, p.duplicated, p.speed) == (151, 5.03, 2, 0, 1.01)
    assert parse_progress("frame=    0 fps=0.0 q=0.0 size=0kB time=-577014:32:22.77 ") is not None
    assert parse_progress("Press [q] to stop") is None
    log = ["Input #0, v4l2", "[video4linux2] ioctl(VIDIOC_STREAMON): Device or resource busy"]
    assert explain_ffmpeg_log(log) == "The camera or microphone is in use by another program."
    full = ["av_interleaved_write_frame(): No space left on device"]
    assert explain_ffmpeg_log(full) == "The disk is full."
    assert "Conversion failed" in explain_ffmpeg_log(["x", "Error: Conversion failed!"])
    assert explain_ffmpeg_log(["Press [q] to stop"], -9) == (
        "ffmpeg was stopped from outside CrossCoach (signal 9)."
    )
    assert explain_ffmpeg_log(["Press [q] to stop"]) == "ffmpeg stopped."


def test_presets_and_sidecars(tmp_path):
    assert (preset("low").width, preset("low").height, preset("low").fps) == (640, 360, 24)
    assert preset(None) == STANDARD
    with pytest.raises(UserError, match='"huge" is not a recording preset'):
        preset("huge")
    card = Sidecar("t1", "s1", "p1", "2026-11-27T10:00:00+00:00", "test", 30.0, "a1")
    card.write(tmp_path)
    assert Sidecar.read(tmp_path / "t1.json") == card
    assert [p.name for p in tmp_path.iterdir()] == ["t1.json"]  # no temporary file left
    (tmp_path / "bad.json").write_text('{"take_id": 1}')
    with pytest.raises(ValueError):
        Sidecar.read(tmp_path / "bad.json")


def test_probe_refuses_what_is_not_media(tmp_path):
    junk = tmp_path / "junk.mp4"
    junk.write_bytes(os.urandom(5000))
    with pytest.raises(ProbeError):
        probe(junk)


def test_the_black_source_is_black_and_silent_and_each_input_says_what_it_carries():
    black = black_source(STANDARD)
    assert [i.target.split("=")[0] for i in black.inputs] == ["color", "anullsrc"]
    assert [(i.video, i.audio) for i in black.inputs] == [(True, False), (False, True)]
    assert InputSpec("x").node() is not None
