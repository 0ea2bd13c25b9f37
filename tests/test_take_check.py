"""The take check on real recordings made by ffmpeg in the test."""

from __future__ import annotations

import cv2
import numpy as np
import pytest
from factories import make_clip

from app.core.errors import NotFound
from app.recorder.take_check import MAX_SAMPLES, check_take, face_share, sample_times

PATTERN = {"size": (320, 180), "fps": 15}  # the moving test pattern (and its tone)


def still_clip(tmp_path, name: str, image: np.ndarray, seconds: float = 3, **options):
    """``image`` shown for ``seconds``, with the tone."""
    picture = tmp_path / f"{name}.png"
    cv2.imwrite(str(picture), image)
    return make_clip(tmp_path / f"{name}.mp4", seconds, still=picture, **options)


def drawn_face(with_features: bool = True) -> np.ndarray:
    """A drawn face on a grey background: skin oval, brows, eyes, nose and mouth.

    OpenCV ships no photograph of a face, so the test draws the light and dark
    pattern the frontal-face cascade looks for. Without the features the same
    oval is the negative control.
    """
    img = np.full((360, 640, 3), 90, np.uint8)
    cx, cy = 320, 180
    cv2.ellipse(img, (cx, cy), (110, 145), 0, 0, 360, (170, 190, 225), -1)
    if with_features:
        for dx in (-48, 48):
            cv2.ellipse(img, (cx + dx, cy - 48), (30, 8), 0, 180, 360, (40, 40, 50), 6)
            cv2.ellipse(img, (cx + dx, cy - 25), (24, 11), 0, 0, 360, (255, 255, 255), -1)
            cv2.circle(img, (cx + dx, cy - 25), 9, (30, 30, 30), -1)
            cv2.ellipse(img, (cx + dx, cy - 18), (30, 10), 0, 0, 180, (130, 150, 185), 6)
        cv2.line(img, (cx, cy - 20), (cx - 10, cy + 30), (130, 150, 185), 5)
        cv2.ellipse(img, (cx, cy + 35), (22, 9), 0, 0, 360, (120, 140, 175), -1)
        cv2.ellipse(img, (cx, cy + 75), (40, 12), 0, 0, 360, (60, 60, 150), -1)
    return cv2.GaussianBlur(img, (0, 0), 3)


def codes(path, expected=None) -> set[str]:
    return {f.code for f in check_take(path, expected_seconds=expected)}


def test_black_silent_recording_is_flagged(tmp_path):
    path = make_clip(tmp_path / "black.mp4", 3, source="black", **PATTERN)
    findings = check_take(path)
    assert {f.code for f in findings} == {"black", "silent"}
    silent = next(f for f in findings if f.code == "silent")
    assert silent.message == "We could hardly hear you: the microphone may be muted."


def test_moving_pattern_with_tone_lacks_only_a_face(tmp_path):
    path = make_clip(tmp_path / "pattern.mp4", 3, **PATTERN)
    assert codes(path, expected=3) == {"no_face"}


def test_a_still_picture_is_frozen(tmp_path):
    still = np.random.default_rng(7).integers(0, 255, (180, 320, 3), dtype=np.uint8)
    assert codes(still_clip(tmp_path, "still", still)) == {"frozen", "no_face"}


def test_a_visible_face_is_found(tmp_path):
    assert face_share([cv2.cvtColor(drawn_face(), cv2.COLOR_BGR2GRAY)]) == 1.0
    assert face_share([cv2.cvtColor(drawn_face(False), cv2.COLOR_BGR2GRAY)]) == 0.0
    assert codes(still_clip(tmp_path, "face", drawn_face())) == {"frozen"}
    assert codes(still_clip(tmp_path, "oval", drawn_face(False))) == {"frozen", "no_face"}


def test_a_moving_face_with_sound_passes_the_check(tmp_path):
    sway = (
        ("crop", {"w": 560, "h": 330, "x": "40+40*sin(2*PI*t)", "y": "15+15*cos(2*PI*t)"}),
        ("scale", {"w": 640, "h": 360}),
    )
    path = still_clip(tmp_path, "talking", drawn_face(), video_filters=sway)
    assert check_take(path, expected_seconds=5) == []


def test_a_much_shorter_take_is_flagged(tmp_path):
    path = make_clip(tmp_path / "short.mp4", 1, **PATTERN)
    short = [f for f in check_take(path, expected_seconds=30) if f.code == "short"]
    assert len(short) == 1 and "1 s of about 30 s" in short[0].message
    assert "short" not in codes(path, expected=2)  # half the expected length is fine


def test_no_sound_stream_is_flagged(tmp_path):
    path = make_clip(tmp_path / "mute.mp4", 3, sound=False, **PATTERN)
    assert codes(path) == {"no_audio", "no_face"}


def test_a_sound_only_file_has_no_picture(tmp_path):
    path = make_clip(tmp_path / "voice.m4a", 2, picture=False)
    assert codes(path) == {"no_video"}


def test_damaged_and_missing_files(tmp_path):
    broken = tmp_path / "broken.mp4"
    broken.write_bytes(b"\x00\x01 not a video " * 1000)
    assert codes(broken) == {"unreadable"}
    with pytest.raises(NotFound, match="missing"):
        check_take(tmp_path / "gone.mp4")


def test_sampling_is_bounded():
    assert len(sample_times(600)) == MAX_SAMPLES
    assert len(sample_times(3)) == 6
    assert len(sample_times(0.2)) == 1
    times = sample_times(600)
    assert times == sorted(times) and times[0] > 0 and times[-1] < 600
