"""The test kit: one way to make a clip.

``make_clip`` makes a short,
real recording with ffmpeg, its command built by the product's own command module
(:func:`app.recorder.commands.clip_command`) from the product's own stand-in sources:
the test pattern and tone a take is recorded from on machines without a camera, or
black and silence.

No tests live here; conftest.py and the *_support.py modules wrap these where many
tests use a fixture by name.
"""

from __future__ import annotations

import subprocess
from dataclasses import replace
from pathlib import Path

from app.recorder import commands
from app.recorder.commands import Encoding, InputSpec
from app.recorder.devices import black_source, synthetic_source
from app.recorder.ffmpeg_tools import find_ffmpeg

# --- clips ----------------------------------------------------------------------------


def clip_encoding(size: tuple[int, int] = (160, 120), fps: int = 15, *, crf: int = 23,
                  maxrate: str = "2M") -> Encoding:  # fmt: skip
    """How a clip is encoded: as a take is (H.264 + AAC), at the clip's size and rate."""
    return Encoding(size[0], size[1], fps, crf=crf, maxrate=maxrate, audio_bitrate="128k")


def lavfi(graph: str, video: bool) -> InputSpec:
    """An input made by one of ffmpeg's own filter graphs (a picture, or a sound)."""
    return InputSpec(graph, {"f": "lavfi"}, video=video, audio=not video)


def still_picture(image: Path, fps: int = 15) -> InputSpec:
    """An image file shown again and again, as a picture that never changes."""
    return InputSpec(str(image), {"loop": 1, "framerate": fps}, video=True)


def source_inputs(source: str, enc: Encoding, tone: int = 440) -> tuple[InputSpec, ...]:
    """The product's stand-in sources: ``"test"`` (moving test pattern and a tone; another
    ``tone`` in Hz gives another clip, so another SHA-256) or ``"black"`` (and silence)."""
    if source == "black":
        return black_source(enc).inputs
    if source != "test":
        raise ValueError(f"no stand-in source {source!r}: use 'test' or 'black'")
    picture, sound = synthetic_source(enc).inputs
    pitch = "frequency=440"
    assert pitch in sound.target, f"the synthetic camera's tone changed: {sound.target}"
    return picture, replace(sound, target=sound.target.replace(pitch, f"frequency={tone}"))


def make_clip(
    path: Path,
    seconds: float = 1.0,
    *,
    size: tuple[int, int] = (160, 120),
    fps: int = 15,
    source: str = "test",
    tone: int = 440,
    still: Path | None = None,
    picture: bool = True,
    sound: bool = True,
    inputs: tuple[InputSpec, ...] | None = None,
    video_filters: tuple[tuple[str, dict], ...] = (),
    crf: int = 23,
    maxrate: str = "2M",
) -> Path:
    """A real H.264/AAC clip at ``path`` (an ``.m4a`` for sound alone); returns ``path``.

    The picture and sound come from the product's stand-in ``source`` (see
    :func:`source_inputs`), or exactly ``inputs`` when given; ``still`` shows that image
    instead of the moving pattern; ``picture=False`` / ``sound=False`` leave a stream
    out. ``video_filters`` go to the picture, ``crf``/``maxrate`` set its quality.
    """
    enc = clip_encoding(size, fps, crf=crf, maxrate=maxrate)
    if inputs is None:
        inputs = source_inputs(source, enc, tone)
        if still is not None:
            inputs = (still_picture(still, fps), *(i for i in inputs if not i.video))
    kept = tuple(i for i in inputs if (i.video and picture) or (i.audio and sound))
    path.parent.mkdir(parents=True, exist_ok=True)
    argv = commands.clip_command(find_ffmpeg().path, kept, enc, path, seconds, video_filters)
    subprocess.run(argv, check=True)
    return path
