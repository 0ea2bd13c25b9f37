"""Every ffmpeg command line CrossCoach runs is built here, and only here.

ffmpeg-python (unmaintained since 2019, still correct for ffmpeg 5 to 9)
builds the graphs; this module is the only one that imports it, so it can be
replaced in one place. Commands that have no input/output graph (listing
devices, the version) are plain argument lists, kept here for the same reason.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path

import ffmpeg

# Fragments at every keyframe and at least every half second, flushed at once:
# a crash or a power cut loses at most the last fragment.
FRAGMENTED_MP4 = "+frag_keyframe+empty_moov+default_base_moof"
FRAGMENT_MICROSECONDS = 500_000
THREAD_QUEUE_SIZE = 1024
# The sound of a looped file is put back on its timestamps past this gap (seconds).
LOOP_GAP_SECONDS = 0.01


@dataclass(frozen=True)
class InputSpec:
    """One ffmpeg input: what follows ``-i``, its options, and what it carries."""

    target: str
    options: dict = field(default_factory=dict)
    video: bool = True
    audio: bool = False

    def node(self):
        opts = {"thread_queue_size": THREAD_QUEUE_SIZE, **self.options}
        return ffmpeg.input(self.target, **opts)


@dataclass(frozen=True)
class Encoding:
    """What a take is encoded as: the frame size and rate and the bitrates."""

    width: int
    height: int
    fps: int
    crf: int
    maxrate: str
    audio_bitrate: str


@dataclass(frozen=True)
class PreviewFormat:
    width: int = 320
    height: int = 180
    fps: int = 15

    @property
    def frame_bytes(self) -> int:
        return self.width * self.height * 3  # bgr24


def _codec_options(enc: Encoding) -> dict:
    """H.264 and AAC as every take is encoded (recorded, or re-encoded by recovery)."""
    return {**_video_codec_options(enc), **_audio_codec_options(enc)}


def _video_codec_options(enc: Encoding) -> dict:
    return {
        "vcodec": "libx264",
        "preset": "veryfast",
        "pix_fmt": "yuv420p",
        "crf": enc.crf,
        # No B-frames: decode order is display order, so a take cut short can be
        # trimmed exactly to its shorter stream when it is finalized.
        "bf": 0,
        "maxrate": enc.maxrate,
        "bufsize": enc.maxrate,
        "g": enc.fps * 2,
    }


def _audio_codec_options(enc: Encoding) -> dict:
    return {"acodec": "aac", "audio_bitrate": enc.audio_bitrate, "ar": 48000}


def _encoder_options(enc: Encoding) -> dict:
    return {
        **_codec_options(enc),
        "movflags": FRAGMENTED_MP4,
        "frag_duration": FRAGMENT_MICROSECONDS,
        "flush_packets": 1,
    }


def _streams(inputs: tuple[InputSpec, ...], enc: Encoding, fit_frame: bool):
    """The video and audio streams of a take, before encoding."""
    nodes = [spec.node() for spec in inputs]
    video = next(n for n, s in zip(nodes, inputs, strict=True) if s.video).video
    audio = next(n for n, s in zip(nodes, inputs, strict=True) if s.audio).audio
    if fit_frame:
        # Cameras and files come in any size and rate: letterbox into the take's frame.
        video = (
            video.filter("scale", enc.width, enc.height, force_original_aspect_ratio="decrease")
            .filter("pad", enc.width, enc.height, "(ow-iw)/2", "(oh-ih)/2")
            .filter("fps", enc.fps)
            .filter("setsar", 1)
        )
    # Resample against the timestamps so a drifting device clock cannot desync the take.
    resample = {"async": 1}
    if any("stream_loop" in spec.options for spec in inputs if spec.audio):
        # A looped file restarts after its longest stream (AAC's priming included), so
        # every loop leaves a gap of a few tens of milliseconds. The picture fills it
        # at once (the fps filter repeats a frame); the sound must too, not only once
        # the gaps add up to ffmpeg's default 0.1 s, or it wanders up to 3 frames.
        resample["min_hard_comp"] = LOOP_GAP_SECONDS
    audio = audio.filter("aresample", **resample)
    return video, audio


def record_command(
    exe: str,
    inputs: tuple[InputSpec, ...],
    enc: Encoding,
    output: Path,
    seconds: float | None,
    preview: PreviewFormat | None,
    fit_frame: bool,
) -> list[str]:
    """One process per take: the fragmented MP4, plus raw preview frames on stdout."""
    video, audio = _streams(inputs, enc, fit_frame)
    limit = {"t": f"{seconds:.3f}"} if seconds else {}
    if preview is None:
        out = ffmpeg.output(video, audio, str(output), **_encoder_options(enc), **limit)
    else:
        branches = video.split()
        small = _preview_frames(branches[1], preview)
        out = ffmpeg.merge_outputs(
            ffmpeg.output(branches[0], audio, str(output), **_encoder_options(enc), **limit),
            ffmpeg.output(small, "pipe:1", format="rawvideo", **limit),
        )
    out = out.global_args("-hide_banner", "-stats_period", "0.25")
    return out.compile(cmd=exe, overwrite_output=True)


def _preview_frames(video, preview: PreviewFormat):
    return (
        video.filter("fps", preview.fps)
        .filter("scale", preview.width, preview.height)
        .filter("format", "bgr24")
    )


def clip_command(
    exe: str,
    inputs: tuple[InputSpec, ...],
    enc: Encoding,
    output: Path,
    seconds: float,
    video_filters: tuple[tuple[str, dict], ...] = (),
) -> list[str]:
    """A short ordinary MP4 from ``inputs``, encoded as takes are: the clips tests and
    demos use (an M4A of the sound alone when no input has a picture).

    Made as fast as ffmpeg can: an input paced like a camera (a stand-in source's
    ``re``) is read unpaced. ``video_filters`` are (filter, options) pairs applied to
    the picture in order, e.g. ``(("hue", {"h": 40}),)``.
    """
    paced = ("re",)
    nodes = [
        replace(spec, options={k: v for k, v in spec.options.items() if k not in paced}).node()
        for spec in inputs
    ]
    pairs = list(zip(nodes, inputs, strict=True))
    video = next((node.video for node, spec in pairs if spec.video), None)
    audio = next((node.audio for node, spec in pairs if spec.audio), None)
    streams, options = [], {}
    if video is not None:
        for name, filter_options in video_filters:
            video = video.filter(name, **filter_options)
        streams.append(video)
        options.update(_video_codec_options(enc))
    if audio is not None:
        streams.append(audio)
        options.update(_audio_codec_options(enc))
    out = ffmpeg.output(*streams, str(output), t=f"{seconds:.3f}", **options)
    return out.global_args("-hide_banner", "-nostdin", "-loglevel", "error").compile(
        cmd=exe, overwrite_output=True
    )


def remux_command(exe: str, source: Path, target: Path, seconds: float | None = None) -> list[str]:
    """Fragmented MP4 to an ordinary MP4 with its index at the front (fast start).

    ``seconds`` cuts both streams there (no re-encoding): a take stopped by hand
    or by a crash ends its audio and video a few frames apart otherwise.
    """
    limit = {"t": f"{seconds:.3f}"} if seconds else {}
    out = ffmpeg.input(str(source)).output(
        str(target), c="copy", map="0", movflags="+faststart", f="mp4", **limit
    )
    return out.global_args("-hide_banner", "-nostdin", "-loglevel", "error").compile(
        cmd=exe, overwrite_output=True
    )


def reencode_command(
    exe: str, source: Path, target: Path, enc: Encoding, seconds: float | None = None
) -> list[str]:
    """A fresh H.264/AAC fast-start MP4 from whatever of ``source`` can be decoded.

    Slower than :func:`remux_command`; recovery's second try when a copy fails.
    Damaged packets are skipped rather than ending the run.
    """
    limit = {"t": f"{seconds:.3f}"} if seconds else {}
    found = ffmpeg.input(str(source), fflags="+discardcorrupt+genpts", err_detect="ignore_err")
    out = ffmpeg.output(
        found["v:0"],
        found["a:0?"],  # the sound if there is any
        str(target),
        movflags="+faststart",
        f="mp4",
        **_codec_options(enc),
        **limit,
    )
    return out.global_args("-hide_banner", "-nostdin", "-loglevel", "error").compile(
        cmd=exe, overwrite_output=True
    )


def packet_list_command(exe: str, path: Path, seconds: float | None = None) -> list[str]:
    """Stream headers on stderr and one line per packet (no decoding) on stdout.

    ``seconds`` lists only the packets a copy cut there keeps (see remux_command).
    """
    limit = {"t": f"{seconds:.3f}"} if seconds else {}
    out = ffmpeg.input(str(path)).output("pipe:1", c="copy", map="0", f="framecrc", **limit)
    return out.global_args("-hide_banner", "-nostdin", "-nostats").compile(cmd=exe)


def mean_volume_command(exe: str, path: Path) -> list[str]:
    """The first sound stream's loudness, decoded and measured only (writes no file).

    ffmpeg's volumedetect prints ``mean_volume: <dB> dB`` (among others) on stderr.
    """
    found = ffmpeg.input(str(path))
    out = ffmpeg.output(found["a:0"], "-", af="volumedetect", f="null")
    return out.global_args("-hide_banner", "-nostats").compile(cmd=exe)


def version_command(exe: str) -> list[str]:
    return [exe, "-hide_banner", "-version"]


def devices_command(exe: str) -> list[str]:
    return [exe, "-hide_banner", "-devices"]


def list_devices_command(exe: str, input_format: str) -> list[str]:
    """ffmpeg's own device listing (DirectShow, AVFoundation); it prints to stderr."""
    dummy = "dummy" if input_format == "dshow" else ""
    out = ffmpeg.input(dummy, format=input_format, list_devices="true").output("-", f="null")
    return out.global_args("-hide_banner", "-nostdin").compile(cmd=exe)


# The device check prints the sound level of every few audio frames on stderr.
LEVEL_KEY = "lavfi.astats.Overall.RMS_level"


def device_check_command(
    exe: str, inputs: tuple[InputSpec, ...], enc: Encoding, preview: PreviewFormat, fit_frame: bool
) -> list[str]:
    """Live preview frames on stdout and ``LEVEL_KEY=<dB>`` lines on stderr; writes no file."""
    video, audio = _streams(inputs, enc, fit_frame)
    small = _preview_frames(video, preview)
    level = audio.filter("astats", metadata=1, reset=4).filter(
        "ametadata", mode="print", key=LEVEL_KEY
    )
    out = ffmpeg.merge_outputs(
        ffmpeg.output(small, "pipe:1", format="rawvideo"),
        ffmpeg.output(level, "-", format="null"),
    )
    return out.global_args("-hide_banner", "-nostats").compile(cmd=exe)
