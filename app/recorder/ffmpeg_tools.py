"""Finding ffmpeg and asking it what it can do.

The system's ffmpeg (on PATH) comes first: it is the one the platform keeps
up to date and usually has every capture input. The copy bundled with
imageio-ffmpeg is the fallback, so a fresh install can record at once.
``CROSSCOACH_FFMPEG`` names a specific binary and wins over both.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from dataclasses import dataclass
from functools import lru_cache

from app.core.errors import UserError
from app.recorder import commands

FFMPEG_ENV = "CROSSCOACH_FFMPEG"

# Input formats that capture from a camera, a microphone or a synthetic source.
CAPTURE_FORMATS = ("v4l2", "pulse", "alsa", "dshow", "avfoundation", "lavfi")


@dataclass(frozen=True)
class FfmpegInfo:
    path: str
    origin: str  # "CROSSCOACH_FFMPEG", "system" or "bundled"
    version: str
    input_formats: frozenset[str]
    licence: str = "unknown"

    def supports(self, input_format: str) -> bool:
        return input_format in self.input_formats

    def as_dict(self) -> dict:
        return {
            "path": self.path,
            "origin": self.origin,
            "version": self.version,
            "capture_formats": [f for f in CAPTURE_FORMATS if f in self.input_formats],
        }


def find_ffmpeg() -> FfmpegInfo:
    """The ffmpeg to record with; a UserError in plain words when there is none."""
    explicit = os.environ.get(FFMPEG_ENV)
    if explicit:
        return _describe(explicit, FFMPEG_ENV)
    system = shutil.which("ffmpeg")
    if system:
        return _describe(system, "system")
    try:
        import imageio_ffmpeg

        return _describe(imageio_ffmpeg.get_ffmpeg_exe(), "bundled")
    except (ImportError, RuntimeError) as exc:
        raise no_ffmpeg("it is not installed") from exc


def no_ffmpeg(why: str) -> UserError:
    return UserError(
        f"CrossCoach cannot record because ffmpeg is missing ({why}).",
        "Install ffmpeg (for example: sudo apt install ffmpeg, or reinstall CrossCoach), "
        f"or point {FFMPEG_ENV} at an ffmpeg program.",
    )


@lru_cache(maxsize=8)
def _describe(path: str, origin: str) -> FfmpegInfo:
    if not (os.path.isfile(path) and os.access(path, os.X_OK)):
        raise no_ffmpeg(f"{path} is not a program that can be run")
    try:
        version_out = _run(commands.version_command(path))
        devices_out = _run(commands.devices_command(path))
    except (OSError, subprocess.SubprocessError) as exc:
        raise no_ffmpeg(f"{path} did not run: {exc}") from exc
    match = re.search(r"ffmpeg version (\S+)", version_out)
    if not match:
        raise no_ffmpeg(f"{path} does not answer like ffmpeg")
    return FfmpegInfo(
        path, origin, match.group(1), parse_input_formats(devices_out), build_licence(version_out)
    )


def build_licence(version_output: str) -> str:
    """FFmpeg's licence depends on how it was built: GPL with --enable-gpl,
    version 3 with --enable-version3, else LGPL 2.1."""
    config = re.search(r"configuration:(.*)", version_output)
    flags = config.group(1) if config else ""
    family = "GPL" if "--enable-gpl" in flags else "LGPL"
    if "--enable-version3" in flags:
        return f"{family}-3.0-or-later"
    return "GPL-2.0-or-later" if family == "GPL" else "LGPL-2.1-or-later"


def _run(argv: list[str]) -> str:
    done = subprocess.run(argv, capture_output=True, text=True, timeout=20, check=False)
    return done.stdout + done.stderr


def parse_input_formats(devices_listing: str) -> frozenset[str]:
    """Names flagged ``D`` (demuxing, i.e. input) in ``ffmpeg -devices``."""
    found = set()
    for line in devices_listing.splitlines():
        m = re.match(r"^\s*(D)E?\s+(\S+)\s", line)
        if m:
            found.update(m.group(2).split(","))
    return frozenset(found)
