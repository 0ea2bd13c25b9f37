"""Recording presets: the default 720p30 and a low-bandwidth one for weak machines."""

from __future__ import annotations

from app.core.errors import UserError
from app.recorder.commands import Encoding

PRESETS: dict[str, Encoding] = {
    "standard": Encoding(1280, 720, 30, crf=23, maxrate="3M", audio_bitrate="128k"),
    "low": Encoding(640, 360, 24, crf=27, maxrate="800k", audio_bitrate="64k"),
}


def preset(name: str | None) -> Encoding:
    try:
        return PRESETS[name or "standard"]
    except KeyError:
        raise UserError(
            f'"{name}" is not a recording preset.',
            f"Set recording_preset to one of: {', '.join(PRESETS)}.",
        ) from None


def bytes_per_second(enc: Encoding) -> int:
    """The most a take of this preset writes per second (video cap plus audio)."""
    return (_bits(enc.maxrate) + _bits(enc.audio_bitrate)) // 8


def _bits(rate: str) -> int:
    scale = {"k": 1_000, "M": 1_000_000}
    return int(float(rate[:-1]) * scale[rate[-1]]) if rate[-1] in scale else int(rate)
