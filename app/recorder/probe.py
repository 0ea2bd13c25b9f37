"""What is in a media file, without ffprobe (the bundled ffmpeg has none).

One ffmpeg run copies every packet to the ``framecrc`` muxer (no decoding, so
it is fast): its header names each stream's codec and frame size, and every
packet line gives the stream, timestamp and duration. Each stream's start and
end come from those timestamps, which is what the A/V end drift needs; the
frame rate and the audio details come from ffmpeg's own stream description.
"""

from __future__ import annotations

import re
import subprocess
from dataclasses import asdict, dataclass
from fractions import Fraction
from pathlib import Path

from app.recorder import commands
from app.recorder.ffmpeg_tools import FfmpegInfo, find_ffmpeg


class ProbeError(Exception):
    """The file is not media ffmpeg can read."""


@dataclass(frozen=True)
class StreamInfo:
    kind: str  # "video" or "audio"
    codec: str
    start: float
    end: float
    packets: int
    width: int = 0
    height: int = 0
    fps: float = 0.0
    sample_rate: int = 0

    @property
    def duration(self) -> float:
        return self.end - self.start


@dataclass(frozen=True)
class MediaInfo:
    path: Path
    video: StreamInfo | None
    audio: StreamInfo | None

    @property
    def start(self) -> float:
        return min(s.start for s in self.streams)

    @property
    def duration(self) -> float:
        return max(s.end for s in self.streams) - self.start

    @property
    def streams(self) -> list[StreamInfo]:
        return [s for s in (self.video, self.audio) if s is not None]

    @property
    def end_drift(self) -> float | None:
        """How far apart audio and video end, in seconds (None without both)."""
        if self.video and self.audio:
            return abs(self.video.end - self.audio.end)
        return None

    def as_dict(self) -> dict:
        return {
            "path": str(self.path),
            "duration": round(self.duration, 3),
            "video": asdict(self.video) if self.video else None,
            "audio": asdict(self.audio) if self.audio else None,
        }


def probe(path: Path, ffmpeg: FfmpegInfo | None = None, seconds: float | None = None) -> MediaInfo:
    """Streams, durations and frame size of ``path``; ProbeError if unreadable.

    ``seconds``: of a copy of ``path`` cut there, without writing the copy.
    """
    exe = (ffmpeg or find_ffmpeg()).path
    try:
        done = subprocess.run(
            commands.packet_list_command(exe, Path(path), seconds),
            capture_output=True,
            timeout=120,
            check=False,
        )
    except subprocess.TimeoutExpired as exc:
        raise ProbeError(f"reading {Path(path).name} took too long") from exc
    stderr = done.stderr.decode("utf-8", "replace")
    if done.returncode != 0:
        raise ProbeError(_last_line(stderr) or f"ffmpeg could not read {Path(path).name}")
    return parse_packet_list(Path(path), done.stdout.decode("ascii", "replace"), stderr)


def parse_packet_list(path: Path, listing: str, description: str) -> MediaInfo:
    headers: dict[int, dict[str, str]] = {}
    first: dict[int, int] = {}
    last_end: dict[int, int] = {}
    packets: dict[int, int] = {}
    for line in listing.splitlines():
        if line.startswith("#"):
            m = re.match(r"#(\w+) (\d+): (.*)", line)
            if m:
                headers.setdefault(int(m.group(2)), {})[m.group(1)] = m.group(3).strip()
            continue
        parts = line.split(",")
        if len(parts) < 5:
            continue
        index, pts, duration = int(parts[0]), int(parts[2]), int(parts[3])
        first[index] = min(first.get(index, pts), pts)
        last_end[index] = max(last_end.get(index, pts + duration), pts + duration)
        packets[index] = packets.get(index, 0) + 1

    found: dict[str, StreamInfo] = {}
    for index, head in sorted(headers.items()):
        kind = head.get("media_type")
        if kind not in ("video", "audio") or kind in found or index not in packets:
            continue
        tb = Fraction(head.get("tb", "1/1"))
        info = {
            "kind": kind,
            "codec": head.get("codec_id", "unknown"),
            "start": float(first[index] * tb),
            "end": float(last_end[index] * tb),
            "packets": packets[index],
        }
        if kind == "video":
            w, _, h = head.get("dimensions", "0x0").partition("x")
            info.update(width=int(w), height=int(h), fps=_fps(description, index))
        else:
            info["sample_rate"] = int(head.get("sample_rate", "0") or 0)
        found[kind] = StreamInfo(**info)
    if not found:
        raise ProbeError(f"{path.name} holds no audio or video")
    return MediaInfo(path, found.get("video"), found.get("audio"))


def _fps(description: str, index: int) -> float:
    """The nominal frame rate (``tbr``, else the average) of input stream ``index``."""
    for line in description.splitlines():
        if re.match(rf"\s*Stream #0:{index}\b", line) and "Video:" in line:
            for pattern in (r"([\d.]+) tbr", r"([\d.]+) fps"):
                m = re.search(pattern, line)
                if m:
                    return float(m.group(1))
    return 0.0


def _last_line(text: str) -> str:
    lines = [ln.strip() for ln in text.splitlines() if ln.strip()]
    return lines[-1] if lines else ""
