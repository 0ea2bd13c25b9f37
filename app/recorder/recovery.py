"""Start-up recovery: recordings left in ``in-progress/`` by a crash, a kill or a power cut.

Each leftover fragment with a readable sidecar is made into a recovered take of
the person and scenario the sidecar names: remuxed, or re-encoded when a copy
fails (app.recorder.finalize). Recovery holds the take's lock while it works,
and leaves alone a take whose lock is busy: it is still being recorded or
stored by another window or command.

Only what neither a copy nor a re-encode can read is moved to
``in-progress/unrecoverable/``, with why beside it; :func:`list_unsaved`
lists those (``crosscoach recover --list``, the Practice page), so the person
can save a copy elsewhere. Nothing there is ever deleted. Files set aside by
earlier versions (which parked clean takes whose finalizing had failed) carry
no "why" and are tried once more.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from app.core.clock import as_utc
from app.core.errors import UserError
from app.core.files import copy, move
from app.recorder.ffmpeg_tools import FfmpegInfo, find_ffmpeg
from app.recorder.finalize import (
    UNRECOVERABLE,
    WHY_SUFFIX,
    NextAttempt,
    StoredTake,
    TooShort,
    UnreadableRecording,
    discard_if_empty,
    set_aside,
    store_take,
)
from app.recorder.sidecar import (
    Sidecar,
    release_take_lock,
    remove_leftovers,
    sidecar_path,
    take_lock,
)

if TYPE_CHECKING:
    from app.identity.context import AppContext

# Why a recording is set aside, in the words the person reads.
UNREADABLE = "Its picture and sound could not be read, even by re-encoding."
UNKNOWN_OWNER = "It is not known whose recording this is: its details file is missing or damaged."
NOT_RETRIED = "Set aside by an earlier version of CrossCoach; it is tried again at the next start."


@dataclass
class RecoveryReport:
    recovered: list[StoredTake] = field(default_factory=list)
    set_aside: list[dict] = field(default_factory=list)  # {"take_id", "reason", "detail"}
    # Locked by another window or command, which is recording or storing it: left alone.
    still_recording: list[str] = field(default_factory=list)
    failed: list[dict] = field(default_factory=list)  # kept in place: {"take_id", "reason"}
    too_short: list[dict] = field(default_factory=list)  # not kept: {"take_id", "seconds"}

    @property
    def nothing_found(self) -> bool:
        return not (
            self.recovered
            or self.set_aside
            or self.still_recording
            or self.failed
            or self.too_short
        )

    def as_dict(self) -> dict:
        return {
            "recovered": [t.as_dict() for t in self.recovered],
            "set_aside": self.set_aside,
            "still_recording": self.still_recording,
            "failed": self.failed,
            "too_short": self.too_short,
        }


@dataclass(frozen=True)
class UnsavedRecording:
    """A recording that could not be made into a take, kept in ``unrecoverable/``."""

    take_id: str
    path: Path
    size_bytes: int
    recorded_at: datetime  # when it started (UTC), or the file's time without a sidecar
    reason: str  # plain words
    detail: str = ""  # what ffmpeg said, for support
    person_id: str | None = None
    scenario_id: str | None = None

    def as_dict(self) -> dict:
        return {
            "take_id": self.take_id,
            "path": str(self.path),
            "size_bytes": self.size_bytes,
            "recorded_at": self.recorded_at.isoformat(),
            "reason": self.reason,
            "detail": self.detail,
            "person_id": self.person_id,
            "scenario_id": self.scenario_id,
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


def parked_before_retry(folder: Path) -> list[str]:
    """Take ids in ``unrecoverable/`` that no recovery of this version has tried."""
    aside = folder / UNRECOVERABLE
    return [t for t in leftover_take_ids(aside) if not (aside / f"{t}{WHY_SUFFIX}").exists()]


def recover_in_progress(
    ctx: AppContext, ffmpeg: FfmpegInfo | None = None, *, next_attempt: NextAttempt
) -> RecoveryReport:
    """Store the leftover recordings as takes, numbered by ``next_attempt``
    (app.practice.rounds.next_attempt)."""
    folder = ctx.paths.in_progress
    report = RecoveryReport()
    parked = parked_before_retry(folder)
    ids = leftover_take_ids(folder)
    todo = ids + [t for t in parked if t not in ids]
    if not todo:
        return report
    ffmpeg = ffmpeg or find_ffmpeg()
    for take_id in todo:
        lock = take_lock(folder, take_id)
        if not lock.acquire():
            report.still_recording.append(take_id)
            continue
        try:
            if take_id in parked:
                _unpark(folder, take_id)
            _recover(ctx, ffmpeg, folder, take_id, report, next_attempt)
        finally:
            release_take_lock(lock)
    return report


def _unpark(folder: Path, take_id: str) -> None:
    """Bring a recording set aside by an earlier version back where recovery works."""
    aside = folder / UNRECOVERABLE
    for name in (f"{take_id}.mp4", f"{take_id}.json"):
        if (aside / name).exists() and not (folder / name).exists():
            move(aside / name, folder / name)


def _recover(
    ctx: AppContext,
    ffmpeg: FfmpegInfo,
    folder: Path,
    take_id: str,
    report: RecoveryReport,
    next_attempt: NextAttempt,
):
    """Store one take whose lock the caller holds."""
    (folder / f"{take_id}.final.mp4").unlink(missing_ok=True)  # a copy cut short
    fragment, side = folder / f"{take_id}.mp4", sidecar_path(folder, take_id)
    if not (fragment.exists() or side.exists()):
        return  # stored meanwhile by the process that held the lock
    try:
        sidecar = Sidecar.read(side)
    except ValueError:
        if discard_if_empty(folder, take_id):
            return
        _set_aside(report, folder, take_id, UNKNOWN_OWNER)
        return
    try:
        report.recovered.append(
            store_take(ctx, ffmpeg, sidecar, recovered=True, next_attempt=next_attempt)
        )
    except TooShort as exc:
        remove_leftovers(folder, take_id)
        report.too_short.append({"take_id": take_id, "seconds": round(exc.seconds, 3)})
    except UnreadableRecording as exc:
        if not discard_if_empty(folder, take_id):
            _set_aside(report, folder, take_id, UNREADABLE, str(exc))
    except UserError as exc:  # disk full, database problem: leave it for next time
        report.failed.append({"take_id": take_id, "reason": exc.message})


def _set_aside(
    report: RecoveryReport, folder: Path, take_id: str, reason: str, detail: str = ""
) -> None:
    set_aside(folder, take_id, reason, detail)
    report.set_aside.append({"take_id": take_id, "reason": reason, "detail": detail})


def list_unsaved(folder: Path) -> list[UnsavedRecording]:
    """The recordings in ``in-progress/unrecoverable/``, newest first."""
    aside = folder / UNRECOVERABLE
    found = []
    for take_id in leftover_take_ids(aside):
        path = aside / f"{take_id}.mp4"
        if not path.exists():
            continue  # a sidecar alone: nothing was recorded
        try:
            sidecar = Sidecar.read(sidecar_path(aside, take_id))
        except ValueError:
            sidecar = None
        why_file = aside / f"{take_id}{WHY_SUFFIX}"
        why = why_file.read_text(encoding="utf-8") if why_file.exists() else NOT_RETRIED
        reason, _, detail = why.strip().partition("\n")
        stat = path.stat()
        found.append(
            UnsavedRecording(
                take_id=take_id,
                path=path,
                size_bytes=stat.st_size,
                recorded_at=_started(sidecar) or datetime.fromtimestamp(stat.st_mtime, UTC),
                reason=reason,
                detail=detail.strip(),
                person_id=sidecar.person_id if sidecar else None,
                scenario_id=sidecar.scenario_id if sidecar else None,
            )
        )
    return sorted(found, key=lambda r: r.recorded_at, reverse=True)


def _started(sidecar: Sidecar | None) -> datetime | None:
    if sidecar is None:
        return None
    try:
        return as_utc(datetime.fromisoformat(sidecar.started_at))
    except ValueError:
        return None


def save_copy(recording: UnsavedRecording, target: Path) -> Path:
    """Copy a set-aside recording to where the person chose (it stays set aside too)."""
    try:
        return copy(recording.path, target)
    except OSError as exc:
        raise UserError(
            f"The copy could not be saved as {target} ({exc.strerror or exc}).",
            "Choose another folder, for example your Documents or a USB stick, and try again.",
        ) from exc
