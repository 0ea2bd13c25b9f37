"""Start-up recovery: recordings left in ``in-progress/`` by a crash, a kill or a power cut.

Each leftover fragment with a readable sidecar is remuxed from what is on
disk and stored as a recovered take of the person and scenario the sidecar
names. Whatever cannot be made into a take is moved to
``in-progress/unrecoverable/`` for a person to look at: never deleted.
Takes still being recorded (their lock is held) are left alone.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from app.core.errors import UserError
from app.recorder.ffmpeg_tools import FfmpegInfo, find_ffmpeg
from app.recorder.finalize import (
    TakeInfo,
    UnreadableRecording,
    discard_if_empty,
    set_aside,
    store_take,
)
from app.recorder.sidecar import Sidecar, is_recording


@dataclass
class RecoveryReport:
    recovered: list[TakeInfo] = field(default_factory=list)
    set_aside: list[dict] = field(default_factory=list)  # {"take_id", "reason", "folder"}
    still_recording: list[str] = field(default_factory=list)
    failed: list[dict] = field(default_factory=list)  # kept in place: {"take_id", "reason"}

    @property
    def nothing_found(self) -> bool:
        return not (self.recovered or self.set_aside or self.still_recording or self.failed)

    def as_dict(self) -> dict:
        return {
            "recovered": [t.as_dict() for t in self.recovered],
            "set_aside": self.set_aside,
            "still_recording": self.still_recording,
            "failed": self.failed,
        }


def leftover_take_ids(folder: Path) -> list[str]:
    """Take ids with a fragment or a sidecar in ``folder`` (oldest first)."""
    if not folder.is_dir():
        return []
    found = {}
    for path in folder.iterdir():
        if path.is_file() and path.suffix in (".mp4", ".json") and not path.name.startswith("."):
            take_id = path.name.split(".")[0]
            found.setdefault(take_id, path.stat().st_mtime)
    return sorted(found, key=found.get)


def recover_in_progress(ctx, ffmpeg: FfmpegInfo | None = None) -> RecoveryReport:
    folder = ctx.paths.in_progress
    report = RecoveryReport()
    ids = leftover_take_ids(folder)
    if not ids:
        return report
    ffmpeg = ffmpeg or find_ffmpeg()
    for take_id in ids:
        if is_recording(folder, take_id):
            report.still_recording.append(take_id)
            continue
        (folder / f"{take_id}.final.mp4").unlink(missing_ok=True)  # a copy cut short
        try:
            sidecar = Sidecar.read(folder / f"{take_id}.json")
        except ValueError as exc:
            _set_aside(report, folder, take_id, f"whose take it is is unknown ({exc})")
            continue
        if not sidecar.fragment(folder).exists():
            _set_aside(report, folder, take_id, "the recording file is missing")
            continue
        try:
            report.recovered.append(store_take(ctx, ffmpeg, sidecar, recovered=True))
        except UnreadableRecording as exc:
            if not discard_if_empty(folder, take_id):
                _set_aside(report, folder, take_id, f"nothing playable in it ({exc})")
        except UserError as exc:  # disk full, database problem: leave it for next time
            report.failed.append({"take_id": take_id, "reason": exc.message})
    return report


def _set_aside(report: RecoveryReport, folder: Path, take_id: str, reason: str) -> None:
    target = set_aside(folder, take_id)
    report.set_aside.append({"take_id": take_id, "reason": reason, "folder": str(target)})
