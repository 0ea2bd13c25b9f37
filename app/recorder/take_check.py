"""The take check: would a trainer be able to grade this recording?

It looks for what makes a take ungradable — no sound or near silence, no
picture, a black or frozen picture, no face for most of the take, a take
much shorter than expected — and says each in plain words. Findings warn;
they never block a submission.

Cost is bounded: ffmpeg measures the loudness (decoding the sound only) and
OpenCV looks at a bounded number of sampled frames, so a ten-minute take is
checked in a few seconds.
"""

from __future__ import annotations

import re
import subprocess
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from app.core.errors import NotFound
from app.recorder import commands
from app.recorder.ffmpeg_tools import FfmpegInfo, find_ffmpeg
from app.recorder.probe import ProbeError, probe

# Frames looked at: two per second, at most 60, so checking costs about the
# same for a ten-minute take as for a thirty-second one.
SAMPLES_PER_SECOND = 2.0
MAX_SAMPLES = 60
# Reading on (decoding every frame) is cheaper than a seek, which decodes from
# the previous keyframe anyway, when the next sample is this close.
SEEK_GAP_SECONDS = 2.0
# Frames are looked at this wide: a face at desk distance is still 50 pixels
# or more, and Haar detection on a frame this size takes about 25 ms.
ANALYSIS_WIDTH = 480
# Frame differences are measured on a small copy, where camera noise averages out.
DIFF_WIDTH = 160

# Mean brightness (0-255) below which a frame counts as black: a covered lens
# or a camera switched off gives 0-5, a dim room still gives 25 or more.
BLACK_LUMA = 12.0
# Share of sampled frames that must be black (or still) to report it: a
# moment of darkness (a hand passing the lens) is not a problem.
BLACK_SHARE = 0.8
# A pixel has changed between two samples half a second apart when its
# brightness moved by more than this: above the noise a compressed webcam
# picture keeps when nothing moves.
PIXEL_CHANGE_LEVEL = 10
# Two samples are the same picture when fewer than this share of pixels
# changed; a person talking moves far more than 0.2 % of the frame.
STILL_PAIR_CHANGED_SHARE = 0.002
FROZEN_SHARE = 0.9
# A face must be found in at least half of the (non-black) samples: Haar
# detection misses some frames of a visible face (a turned head, a blink of
# motion blur), so a stricter rule would cry wolf.
FACE_SHARE_MIN = 0.5
# Faces are looked for in at most this many of the samples (evenly spread):
# enough to tell "most of the take", at a third of the cost of all 60.
MAX_FACE_SAMPLES = 20
# The smallest face looked for, as a share of the frame height: a rep at a
# desk fills far more; smaller finds are usually patterns in the background.
FACE_MIN_HEIGHT_SHARE = 0.12
# Whole-take mean loudness (dBFS) below which the rep could hardly be heard:
# speech with pauses measures about -35 to -20, a muted microphone's hiss
# -60 or lower.
NEAR_SILENCE_DB = -50.0
# A take shorter than this share of the expected length was probably cut short.
SHORT_SHARE = 0.4

FACE_CASCADE = "haarcascade_frontalface_default.xml"


@dataclass(frozen=True)
class Finding:
    code: str
    message: str

    def as_dict(self) -> dict:
        return {"code": self.code, "message": self.message}

    @classmethod
    def from_dict(cls, value: dict) -> Finding:
        return cls(str(value.get("code", "")), str(value.get("message", "")))


UNREADABLE = Finding("unreadable", "We could not play this recording: the file may be damaged.")
NO_AUDIO = Finding(
    "no_audio", "The recording has no sound: the microphone may not be connected or allowed."
)
SILENT = Finding("silent", "We could hardly hear you: the microphone may be muted.")
NO_VIDEO = Finding("no_video", "The recording has no picture: the camera may not be connected.")
BLACK = Finding("black", "The picture is black: the camera may be covered or switched off.")
FROZEN = Finding("frozen", "The picture hardly changes: the camera may have frozen.")
NO_FACE = Finding(
    "no_face",
    "We could not see your face for most of the take: face the camera in good light.",
)


def short_finding(seconds: float, expected: float) -> Finding:
    return Finding(
        "short",
        f"The take is much shorter than expected ({seconds:.0f} s of about {expected:.0f} s): "
        "it may have stopped early.",
    )


def check_take(path: Path | str, expected_seconds: float | None = None) -> list[Finding]:
    """What a trainer would struggle with in the recording at ``path`` (empty: all good)."""
    path = Path(path)
    if not path.is_file():
        raise NotFound(
            f"The recording {path.name} is missing.",
            "It may have been deleted or moved; record the take again.",
        )
    ffmpeg = find_ffmpeg()
    try:
        info = probe(path, ffmpeg)
    except ProbeError:
        return [UNREADABLE]
    findings: list[Finding] = []
    if info.audio is None:
        findings.append(NO_AUDIO)
    elif mean_volume_db(path, ffmpeg) < NEAR_SILENCE_DB:
        findings.append(SILENT)
    if info.video is None:
        findings.append(NO_VIDEO)
    else:
        findings.extend(picture_findings(sample_frames(path, info.video.duration)))
    if expected_seconds and info.duration < SHORT_SHARE * expected_seconds:
        findings.append(short_finding(info.duration, expected_seconds))
    return findings


def mean_volume_db(path: Path, ffmpeg: FfmpegInfo) -> float:
    """The whole take's mean loudness in dBFS (``-inf`` for digital silence)."""
    argv = commands.mean_volume_command(ffmpeg.path, path)
    done = subprocess.run(argv, capture_output=True, timeout=300, check=False)
    m = re.search(r"mean_volume:\s*(-?inf|-?[\d.]+) dB", done.stderr.decode("utf-8", "replace"))
    return float(m.group(1)) if m else float("-inf")


def sample_times(duration: float) -> list[float]:
    """Evenly spread moments to look at, each in the middle of its stretch."""
    count = max(1, min(MAX_SAMPLES, int(duration * SAMPLES_PER_SECOND)))
    step = duration / count
    return [(i + 0.5) * step for i in range(count)]


def sample_frames(path: Path, duration: float) -> list[np.ndarray]:
    """Grey frames, ``ANALYSIS_WIDTH`` wide, at :func:`sample_times`."""
    cap = cv2.VideoCapture(str(path))
    frames: list[np.ndarray] = []
    try:
        if not cap.isOpened():
            return frames
        position = 0.0
        for t in sample_times(duration):
            if t - position > SEEK_GAP_SECONDS or t < position:
                cap.set(cv2.CAP_PROP_POS_MSEC, t * 1000.0)
            frame = _frame_at(cap, t)
            if frame is None:
                break
            position = cap.get(cv2.CAP_PROP_POS_MSEC) / 1000.0
            frames.append(_grey(frame))
    finally:
        cap.release()
    return frames


def _frame_at(cap, t: float) -> np.ndarray | None:
    """Decode on to the frame shown at ``t`` seconds; only that one is converted to BGR."""
    while cap.grab():
        if cap.get(cv2.CAP_PROP_POS_MSEC) / 1000.0 >= t:
            ok, frame = cap.retrieve()
            return frame if ok else None
    return None


def _grey(frame: np.ndarray) -> np.ndarray:
    grey = cv2.cvtColor(frame, cv2.COLOR_BGR2GRAY)
    height, width = grey.shape
    if width > ANALYSIS_WIDTH:
        size = (ANALYSIS_WIDTH, round(height * ANALYSIS_WIDTH / width))
        grey = cv2.resize(grey, size, interpolation=cv2.INTER_AREA)
    return grey


def picture_findings(frames: list[np.ndarray]) -> list[Finding]:
    if not frames:
        return [UNREADABLE]
    lit = [f for f in frames if float(f.mean()) >= BLACK_LUMA]
    if len(lit) <= (1 - BLACK_SHARE) * len(frames):
        return [BLACK]  # a frozen or faceless black picture is the same problem
    findings = []
    if is_frozen(frames):
        findings.append(FROZEN)
    step = max(1, -(-len(lit) // MAX_FACE_SAMPLES))  # ceiling division
    if face_share(lit[::step]) < FACE_SHARE_MIN:
        findings.append(NO_FACE)
    return findings


def is_frozen(frames: list[np.ndarray]) -> bool:
    small = [_shrink(f) for f in frames]
    pairs = list(zip(small, small[1:], strict=False))
    if not pairs:
        return False
    still = sum(
        1
        for a, b in pairs
        if float((cv2.absdiff(a, b) > PIXEL_CHANGE_LEVEL).mean()) < STILL_PAIR_CHANGED_SHARE
    )
    return still >= FROZEN_SHARE * len(pairs)


def _shrink(frame: np.ndarray) -> np.ndarray:
    height, width = frame.shape
    size = (DIFF_WIDTH, max(1, round(height * DIFF_WIDTH / width)))
    return cv2.resize(frame, size, interpolation=cv2.INTER_AREA)


def face_share(frames: list[np.ndarray]) -> float:
    """The share of ``frames`` in which a frontal face is found."""
    if not frames:
        return 0.0
    cascade = cv2.CascadeClassifier(cv2.data.haarcascades + FACE_CASCADE)
    seen = 0
    # No histogram equalisation first: on a plain frame it stretches faint
    # gradients into face-like patterns (a blank oval was "found" as a face).
    for frame in frames:
        side = max(24, int(frame.shape[0] * FACE_MIN_HEIGHT_SHARE))
        faces = cascade.detectMultiScale(
            frame, scaleFactor=1.1, minNeighbors=5, minSize=(side, side)
        )
        seen += len(faces) > 0
    return seen / len(frames)
