"""What is written beside a recording in progress, so a crash never orphans it.

``in-progress/<take-id>.mp4``   the fragmented MP4 ffmpeg is writing
``in-progress/<take-id>.json``  whose take it is (this sidecar)
``in-progress/<take-id>.lock``  held locked by the recording process while it runs

Recovery treats a take whose lock it cannot take as still recording.
"""

from __future__ import annotations

import json
import sys
from dataclasses import asdict, dataclass
from pathlib import Path

from app.core.files import write_atomically


@dataclass(frozen=True)
class Sidecar:
    take_id: str
    scenario_id: str
    person_id: str
    started_at: str  # ISO 8601, UTC
    source: str
    seconds: float | None
    assignment_id: str | None = None

    def fragment(self, folder: Path) -> Path:
        return folder / f"{self.take_id}.mp4"

    def write(self, folder: Path) -> Path:
        """Written to a temporary name, flushed and renamed: never half a sidecar."""
        target = folder / f"{self.take_id}.json"
        write_atomically(target, json.dumps(asdict(self), indent=2).encode("utf-8"))
        return target

    @classmethod
    def read(cls, path: Path) -> Sidecar:
        """ValueError when the file is damaged or not a sidecar."""
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            return cls(**data)
        except (OSError, TypeError) as exc:
            raise ValueError(f"{path.name} is not a take sidecar ({exc})") from exc


def sidecar_path(folder: Path, take_id: str) -> Path:
    return folder / f"{take_id}.json"


def remove_leftovers(folder: Path, take_id: str) -> None:
    """The fragment, sidecar and lock of a take that is safely stored."""
    for suffix in (".mp4", ".json", ".lock"):
        (folder / f"{take_id}{suffix}").unlink(missing_ok=True)


class TakeLock:
    """An OS lock on ``<take-id>.lock``; the OS drops it if the process dies."""

    def __init__(self, folder: Path, take_id: str):
        self.path = folder / f"{take_id}.lock"
        self._file = None

    def acquire(self) -> bool:
        handle = open(self.path, "a+b")  # noqa: SIM115 (held open while the take runs)
        try:
            if sys.platform.startswith("win"):
                import msvcrt

                msvcrt.locking(handle.fileno(), msvcrt.LK_NBLCK, 1)
            else:
                import fcntl

                fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            handle.close()
            return False
        self._file = handle
        return True

    def release(self) -> None:
        if self._file is not None:
            self._file.close()  # closing drops the lock on every platform
            self._file = None


def is_recording(folder: Path, take_id: str) -> bool:
    """True while another process (or this one) holds the take's lock."""
    lock = TakeLock(folder, take_id)
    if not lock.path.exists():
        return False
    if lock.acquire():
        lock.release()
        return False
    return True
