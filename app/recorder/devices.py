"""Where a take's picture and sound come from: a camera and microphone, or a stand-in.

A ``Source`` is the list of ffmpeg inputs for one take. The stand-ins (a test
pattern with a tone, black with silence, a video file played as if it were a
camera) go through exactly the same recording code as real devices; they are
what tests, benchmarks and demos on machines without a camera use.

Source specs, as typed on the command line, in ``CROSSCOACH_SOURCE`` or in the
``recording_source`` setting: ``test``, ``black``, ``file:PATH``, ``device``
or ``device:CAMERA|MICROPHONE`` (either side may be empty).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from app.core.errors import UserError
from app.recorder import commands
from app.recorder.commands import Encoding, InputSpec
from app.recorder.ffmpeg_tools import FfmpegInfo
from app.recorder.probe import ProbeError, probe

SOURCE_ENV = "CROSSCOACH_SOURCE"
SOURCE_HINT = "Use one of: test, black, file:PATH, device, device:CAMERA|MICROPHONE."


@dataclass(frozen=True)
class Source:
    kind: str  # "test", "black", "file" or "device"
    label: str  # plain words for people: "test pattern and tone", "camera X + microphone Y"
    inputs: tuple[InputSpec, ...]
    fit_frame: bool  # scale/pad/retime into the take's frame (cameras and files)


@dataclass(frozen=True)
class SourceSpec:
    kind: str
    path: str = ""
    camera: str = ""
    microphone: str = ""


@dataclass(frozen=True)
class Devices:
    """Cameras and microphones by name, each with the ffmpeg input it maps to."""

    cameras: dict[str, str]
    microphones: dict[str, str]


def parse_source_spec(text: str) -> SourceSpec:
    text = (text or "").strip()
    kind, sep, rest = text.partition(":")
    if kind in ("test", "black") and not sep:
        return SourceSpec(kind)
    if kind == "file" and rest:
        return SourceSpec("file", path=rest)
    if kind == "device":
        camera, _, microphone = rest.partition("|")
        return SourceSpec("device", camera=camera.strip(), microphone=microphone.strip())
    raise UserError(f'"{text}" is not a recording source CrossCoach knows.', SOURCE_HINT)


def configured_source_spec(settings, explicit: str | None = None) -> str:
    """``--source`` wins over ``CROSSCOACH_SOURCE``, which wins over the setting."""
    return explicit or os.environ.get(SOURCE_ENV) or settings.get("recording_source") or "device"


def build_source(spec: SourceSpec, enc: Encoding, ffmpeg: FfmpegInfo, settings=None) -> Source:
    if spec.kind == "test":
        return synthetic_source(enc)
    if spec.kind == "black":
        return black_source(enc)
    if spec.kind == "file":
        return file_source(Path(spec.path).expanduser(), ffmpeg)
    camera = spec.camera or (settings.get("camera") if settings else None) or ""
    microphone = spec.microphone or (settings.get("microphone") if settings else None) or ""
    return device_source(camera, microphone, enc, ffmpeg)


def synthetic_source(enc: Encoding, seconds_until_it_ends: float | None = None) -> Source:
    """ffmpeg's moving test pattern and a 440 Hz tone, paced in real time like a camera.

    ``seconds_until_it_ends`` makes the source stop on its own, the way a camera
    that is unplugged during a take does.
    """
    end = f":duration={seconds_until_it_ends}" if seconds_until_it_ends else ""
    return Source(
        "test",
        "test pattern and tone",
        (
            _lavfi(f"testsrc2=size={enc.width}x{enc.height}:rate={enc.fps}{end}", video=True),
            _lavfi(f"sine=frequency=440:sample_rate=48000{end}", video=False),
        ),
        fit_frame=False,
    )


def black_source(enc: Encoding) -> Source:
    """Black picture and silence: a recording a trainer could not grade."""
    return Source(
        "black",
        "black picture and silence",
        (
            _lavfi(f"color=c=black:size={enc.width}x{enc.height}:rate={enc.fps}", video=True),
            _lavfi("anullsrc=channel_layout=mono:sample_rate=48000", video=False),
        ),
        fit_frame=False,
    )


def file_source(path: Path, ffmpeg: FfmpegInfo) -> Source:
    """A video file looped in real time, with its sound (silence if it has none)."""
    if not path.is_file():
        raise UserError(
            f"The video file {path} does not exist.", "Check the path after file: and try again."
        )
    try:
        info = probe(path, ffmpeg)
    except ProbeError as exc:
        raise UserError(
            f"{path.name} cannot be used as a camera: ffmpeg cannot read it ({exc}).",
            "Choose a video file such as an MP4.",
        ) from exc
    if info.video is None:
        raise UserError(f"{path.name} has no picture.", "Choose a video file with a picture.")
    looped = InputSpec(
        str(path), {"re": None, "stream_loop": -1}, video=True, audio=info.audio is not None
    )
    inputs = (looped,)
    if info.audio is None:
        inputs += (_lavfi("anullsrc=channel_layout=mono:sample_rate=48000", video=False),)
    return Source("file", f"video file {path.name}", inputs, fit_frame=True)


def _lavfi(graph: str, video: bool) -> InputSpec:
    return InputSpec(graph, {"f": "lavfi", "re": None}, video=video, audio=not video)


# --- real devices -------------------------------------------------------------


def device_source(camera: str, microphone: str, enc: Encoding, ffmpeg: FfmpegInfo) -> Source:
    """The chosen (or first) camera and microphone as ffmpeg inputs for this platform."""
    found = list_devices(ffmpeg)
    if not found.cameras and not found.microphones:
        raise UserError(
            "No camera and no microphone were found on this computer.",
            "Plug in a webcam with a microphone (and allow CrossCoach to use them), or "
            "record with the test source: --source test (or set CROSSCOACH_SOURCE=test).",
        )
    cam_name, cam_input = _pick(found.cameras, camera, "camera")
    mic_name, mic_input = _pick(found.microphones, microphone, "microphone")
    inputs = device_inputs(sys.platform, cam_input, mic_input, enc, ffmpeg)
    return Source("device", f"camera {cam_name} + microphone {mic_name}", inputs, fit_frame=True)


def _pick(known: dict[str, str], wanted: str, what: str) -> tuple[str, str]:
    if not known:
        raise UserError(
            f"No {what} was found on this computer.",
            f"Plug in a {what} (and allow CrossCoach to use it), or record with the test "
            "source: --source test (or set CROSSCOACH_SOURCE=test).",
        )
    if not wanted:
        name = next(iter(known))
        return name, known[name]
    for name, target in known.items():
        if wanted in (name, target):
            return name, target
    raise UserError(
        f'The {what} "{wanted}" is not connected.',
        f"Connect it, or choose one of: {', '.join(known)}.",
    )


def device_inputs(
    platform: str, camera: str, microphone: str, enc: Encoding, ffmpeg: FfmpegInfo
) -> tuple[InputSpec, ...]:
    """Map a camera and a microphone to ffmpeg inputs, with the options that keep A/V in sync."""
    size = (enc.width, enc.height)
    if platform.startswith("win"):
        # One combined DirectShow input: both streams share one clock; a small audio
        # buffer keeps the sound from lagging the picture.
        target = f"video={camera}:audio={microphone}"
        opts = {"f": "dshow", "video_size": size, "framerate": enc.fps}
        opts.update(audio_buffer_size=50, rtbufsize="256M")
        return (InputSpec(target, opts, video=True, audio=True),)
    if platform == "darwin":
        opts = {"f": "avfoundation", "video_size": size, "framerate": enc.fps}
        return (InputSpec(f"{camera}:{microphone}", opts, video=True, audio=True),)
    # Linux: both inputs stamped with the wall clock, so they share one time base.
    audio_format = "pulse" if ffmpeg.supports("pulse") and _pulse_running() else "alsa"
    for needed, what in (("v4l2", "a camera"), (audio_format, "a microphone")):
        if not ffmpeg.supports(needed):
            raise UserError(
                f"This ffmpeg ({ffmpeg.path}) cannot record from {what}.",
                "Install your system's ffmpeg (sudo apt install ffmpeg).",
            )
    wallclock = {"use_wallclock_as_timestamps": 1}
    video_opts = {"f": "v4l2", "video_size": size, "framerate": enc.fps, **wallclock}
    return (
        InputSpec(camera, video_opts, video=True),
        InputSpec(microphone, {"f": audio_format, **wallclock}, video=False, audio=True),
    )


def list_devices(ffmpeg: FfmpegInfo, platform: str = sys.platform) -> Devices:
    """Cameras and microphones this computer has (names -> ffmpeg inputs)."""
    if platform.startswith("win"):
        return parse_dshow_devices(_ffmpeg_listing(ffmpeg, "dshow"))
    if platform == "darwin":
        return parse_avfoundation_devices(_ffmpeg_listing(ffmpeg, "avfoundation"))
    return Devices(linux_cameras(), linux_microphones())


def _ffmpeg_listing(ffmpeg: FfmpegInfo, input_format: str) -> str:
    if not ffmpeg.supports(input_format):
        return ""
    argv = commands.list_devices_command(ffmpeg.path, input_format)
    done = subprocess.run(argv, capture_output=True, text=True, timeout=20, check=False)
    return done.stderr


def linux_cameras(sysfs: Path = Path("/sys/class/video4linux"), dev: Path = Path("/dev")):
    """``/dev/video*`` capture nodes, named by the driver's card name when known."""
    cameras: dict[str, str] = {}
    for node in sorted(dev.glob("video*"), key=lambda p: (len(p.name), p.name)):
        name_file = sysfs / node.name / "name"
        try:
            name = name_file.read_text(encoding="utf-8").strip()
        except OSError:
            name = node.name
        label = name if name not in cameras else f"{name} ({node.name})"
        cameras[label] = str(node)
    return cameras


def linux_microphones(asound: Path = Path("/proc/asound/pcm")) -> dict[str, str]:
    """PulseAudio sources when a sound server runs, else ALSA capture devices."""
    mics: dict[str, str] = {}
    if _pulse_running():
        done = subprocess.run(
            ["pactl", "list", "short", "sources"], capture_output=True, text=True, check=False
        )
        for line in done.stdout.splitlines():
            fields = line.split("\t")
            if len(fields) > 1 and not fields[1].endswith(".monitor"):
                mics[fields[1]] = fields[1]
        return mics
    try:
        listing = asound.read_text(encoding="utf-8")
    except OSError:
        return mics
    for line in listing.splitlines():
        # "00-00: ALC892 Analog : ALC892 Analog : playback 1 : capture 1"
        m = re.match(r"(\d+)-(\d+): ([^:]+):.*capture", line)
        if m:
            mics[m.group(3).strip()] = f"hw:{int(m.group(1))},{int(m.group(2))}"
    return mics


def _pulse_running() -> bool:
    if not shutil.which("pactl"):
        return False
    done = subprocess.run(["pactl", "info"], capture_output=True, check=False, timeout=5)
    return done.returncode == 0


def parse_dshow_devices(listing: str) -> Devices:
    """Names from ``ffmpeg -list_devices true -f dshow -i dummy``."""
    cameras: dict[str, str] = {}
    mics: dict[str, str] = {}
    section = None
    for line in listing.splitlines():
        if "DirectShow video devices" in line:
            section = cameras
        elif "DirectShow audio devices" in line:
            section = mics
        m = re.search(r'\]\s+"([^"]+)"(?:\s+\((video|audio|none)\))?', line)
        if not m:
            continue
        kind = m.group(2)
        target = cameras if kind == "video" else mics if kind == "audio" else section
        if target is not None and kind != "none":
            target[m.group(1)] = m.group(1)
    return Devices(cameras, mics)


def parse_avfoundation_devices(listing: str) -> Devices:
    """Names from ``ffmpeg -f avfoundation -list_devices true -i ""`` (mapped to indexes)."""
    cameras: dict[str, str] = {}
    mics: dict[str, str] = {}
    section = None
    for line in listing.splitlines():
        if "AVFoundation video devices" in line:
            section = cameras
        elif "AVFoundation audio devices" in line:
            section = mics
        else:
            m = re.search(r"\]\s+\[(\d+)\]\s+(.+)$", line)
            if m and section is not None and not m.group(2).startswith("Capture screen"):
                section[m.group(2).strip()] = m.group(1)
    return Devices(cameras, mics)
