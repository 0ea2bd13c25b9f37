"""What is written beside a recording in progress, so a crash never orphans it.

``in-progress/<take-id>.mp4``   the fragmented MP4 ffmpeg is writing
``in-progress/<take-id>.json``  whose take it is (this sidecar)
``in-progress/<take-id>.lock``  held locked by whoever records or stores the take

The recording process holds the lock from the start of the take until the take
is stored (or left for recovery); recovery takes the same lock before it touches
a take, and leaves alone any take whose lock is busy. So one take is never
stored twice, whichever windows or commands run at the same time.
"""

from __future__ import annotations

import contextlib
import json
from dataclasses import asdict, dataclass
from pathlib import Path

from app.core.files import write_atomically
from app.core.locks import ExclusiveLock


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
    """The fragment and sidecar of a take that is safely stored (or held nothing).

    The caller holds the take's lock; :func:`release_take_lock` then removes that too.
    """
    for suffix in (".mp4", ".json"):
        (folder / f"{take_id}{suffix}").unlink(missing_ok=True)


def take_lock(folder: Path, take_id: str) -> ExclusiveLock:
    """The lock of one take; the operating system drops it if its process dies."""
    return ExclusiveLock(folder / f"{take_id}.lock")


def release_take_lock(lock: ExclusiveLock) -> None:
    """Let go of a take's lock, and remove the lock file once the take's files are gone.

    (Removed only after the release: Windows cannot delete a file that is held open.)
    """
    lock.release()
    folder, take_id = lock.path.parent, lock.path.stem
    if not any((folder / f"{take_id}{suffix}").exists() for suffix in (".mp4", ".json")):
        with contextlib.suppress(OSError):
            lock.path.unlink(missing_ok=True)
