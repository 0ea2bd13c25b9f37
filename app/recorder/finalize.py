"""Turning a recording on disk into a stored take: file and database row together.

The order makes a crash at any point recoverable and never loses the take:

1. remux the fragmented MP4 to a fast-start MP4 beside it (the fragment stays);
   if that fails for any reason (ffmpeg killed, crashed or out of memory, a file
   held by an antivirus, a damaged packet), re-encode it instead;
2. probe it and move it into the content-addressed media store;
3. write the Take row, whose id is the take id in the sidecar, then the take's
   record (``takes/<id>.json``, see app.core.rebuild);
4. only then remove the fragment and the sidecar.

The caller holds the take's lock (app.recorder.sidecar) throughout, so no
other process stores the same take meanwhile. If the row cannot be written,
the stored copy is removed again unless some row already refers to the same
content, and the fragment stays for recovery. If CrossCoach dies between 3
and 4, recovery finds the row by its id and just tidies up. A take that
cannot be made playable stays where recovery looks; only recovery, after its
own tries, sets it aside in ``in-progress/unrecoverable/``, where it is listed.
"""

from __future__ import annotations

import errno
import os
import subprocess
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import func, select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from app.core.errors import DatabaseProblem, UserError
from app.core.files import move, write_atomically
from app.core.media import find_media, store_file
from app.core.models import Scenario, Submission, Take
from app.core.rebuild import keep_take_record, take_record
from app.recorder import commands
from app.recorder.commands import Encoding
from app.recorder.ffmpeg_tools import FfmpegInfo
from app.recorder.presets import preset
from app.recorder.probe import MediaInfo, ProbeError, probe
from app.recorder.sidecar import Sidecar, remove_leftovers, sidecar_path

if TYPE_CHECKING:
    from app.identity.context import AppContext

UNRECOVERABLE = "unrecoverable"
# Beside a set-aside recording: why it could not be saved (and that recovery has tried).
WHY_SUFFIX = ".why.txt"
# A fragmented MP4 with nothing but its header is about 1 KB.
HEADER_ONLY_BYTES = 64 * 1024
# Audio and video ending further apart than this are cut to the shorter one.
END_DRIFT_TOLERANCE = 0.03
# A take shorter than this (Stop pressed at once) is not kept and uses no attempt.
MIN_TAKE_SECONDS = 1.0

# The number a take stored now gets, from (session, person id, scenario id, assignment id
# or None). Practice decides how takes are counted (app.practice.rounds.next_attempt);
# the recorder only asks, in the session that writes the take.
NextAttempt = Callable[[Session, str, str, str | None], int]


class UnreadableRecording(Exception):
    """Nothing playable could be got out of a recording."""


class TooShort(Exception):
    """The recording is playable but shorter than MIN_TAKE_SECONDS."""

    def __init__(self, seconds: float):
        super().__init__(f"{seconds:.1f} s")
        self.seconds = seconds


class KeptForRecovery(UserError):
    """The recording is safe in in-progress/ but is not a take yet; recovery stores it."""


@dataclass(frozen=True)
class StoredTake:
    """A take as finalize stored it (the practice area lists takes as its own TakeInfo)."""

    id: str
    scenario_id: str
    person_id: str
    attempt: int
    path: Path
    sha256: str
    size_bytes: int
    duration_seconds: float
    width: int
    height: int
    recovered: bool
    recorded_at: datetime
    problem: str | None = None  # the take was kept, but ended early for this reason

    def as_dict(self) -> dict:
        data = asdict(self)
        data.update(path=str(self.path), recorded_at=self.recorded_at.isoformat())
        return data


def disk_full(folder: Path, seconds: float | None) -> KeptForRecovery:
    kept = f"the {seconds:.1f} s recorded so far are" if seconds else "what was recorded is"
    return KeptForRecovery(
        f"The disk is full: {kept} kept in {folder} and nothing was lost.",
        "Free some disk space, then restart CrossCoach to save it as a take.",
    )


def stored_seconds(ffmpeg: FfmpegInfo, fragment: Path) -> float:
    """How long the take :func:`store_take` makes of ``fragment`` will last (cut to its
    shorter stream), found without writing anything. ProbeError if unreadable."""
    media = probe(fragment, ffmpeg)
    trim = _trim(media)
    return probe(fragment, ffmpeg, seconds=trim).duration if trim else media.duration


def _trim(media: MediaInfo) -> float | None:
    """Where to cut a recording whose audio and video end apart (None: no cut needed)."""
    if media.end_drift is not None and media.end_drift > END_DRIFT_TOLERANCE:
        return min(media.video.end, media.audio.end) - media.start
    return None


def store_take(
    ctx: AppContext,
    ffmpeg: FfmpegInfo,
    sidecar: Sidecar,
    *,
    recovered: bool,
    next_attempt: NextAttempt,
    problem: str | None = None,
) -> StoredTake:
    """Finalize ``in-progress/<take-id>.mp4`` into the media store and the database.

    ``next_attempt`` numbers the new take; a take stored before a crash keeps its number.
    """
    folder = ctx.paths.in_progress
    with ctx.db.session() as s:
        existing = s.get(Take, sidecar.take_id)
        if existing is not None:  # stored before a crash; only the tidying was left
            keep_take_record(ctx.paths, take_record(s, existing))
            remove_leftovers(folder, sidecar.take_id)
            return _info(existing, ctx.paths.media, problem)

    fragment = sidecar.fragment(folder)
    final = folder / f"{sidecar.take_id}.final.mp4"
    encoding = preset(ctx.settings.get("recording_preset"))
    try:
        info = _playable_copy(ffmpeg, fragment, final, encoding)
        if info.duration < MIN_TAKE_SECONDS:
            raise TooShort(info.duration)
        sha, stored = store_file(ctx.paths.media, final, move=True)
    except OSError as exc:
        final.unlink(missing_ok=True)
        if exc.errno in (errno.ENOSPC, errno.EDQUOT):
            raise disk_full(folder, None) from exc
        raise
    finally:
        final.unlink(missing_ok=True)

    try:
        with ctx.db.session() as s:
            # Numbered in its round; never refused here, so a recovered take beyond
            # the limit is still kept.
            attempt = next_attempt(s, sidecar.person_id, sidecar.scenario_id, sidecar.assignment_id)
            take = Take(
                id=sidecar.take_id,
                person_id=sidecar.person_id,
                scenario_id=sidecar.scenario_id,
                assignment_id=sidecar.assignment_id,
                attempt=attempt,
                sha256=sha,
                size_bytes=stored.stat().st_size,
                duration_seconds=round(info.duration, 3),
                width=info.video.width,
                height=info.video.height,
                recovered=recovered,
                recorded_at=datetime.fromisoformat(sidecar.started_at),
            )
            s.add(take)
            s.flush()
            record = take_record(s, take)
    except (SQLAlchemyError, DatabaseProblem) as exc:
        _discard_unreferenced(ctx, sha, stored)
        why = exc.message if isinstance(exc, DatabaseProblem) else getattr(exc, "orig", None) or exc
        raise UserError(
            f"The take was recorded but could not be saved in the database ({why}).",
            f"Nothing is lost: the recording stays in {folder}. Run crosscoach recover "
            "once the database problem is fixed (crosscoach doctor shows it).",
        ) from exc
    keep_take_record(ctx.paths, record)  # what a rebuild of a lost database needs
    remove_leftovers(folder, sidecar.take_id)
    return _info(take, ctx.paths.media, problem, path=stored)


def _playable_copy(ffmpeg: FfmpegInfo, fragment: Path, final: Path, enc: Encoding) -> MediaInfo:
    """The fast-start copy, probed: remuxed, else re-encoded.

    UnreadableRecording when neither gives a playable file; OSError(ENOSPC) when
    the disk is full.
    """
    failures = []
    for make in (_remux, _reencode):
        try:
            return make(ffmpeg, fragment, final, enc)
        except UnreadableRecording as exc:
            final.unlink(missing_ok=True)
            failures.append(str(exc))
    raise UnreadableRecording(failures[-1] if len(set(failures)) == 1 else "; ".join(failures))


def _remux(ffmpeg: FfmpegInfo, fragment: Path, final: Path, _enc: Encoding) -> MediaInfo:
    """Copy the packets (fast, lossless), cut to the shorter stream."""
    before = _probe(fragment, ffmpeg)
    if before.video is None:
        raise UnreadableRecording(f"{fragment.name} has no picture")
    _run(commands.remux_command(ffmpeg.path, fragment, final, _trim(before)), "copying")
    return _probe(final, ffmpeg)


def _reencode(ffmpeg: FfmpegInfo, fragment: Path, final: Path, enc: Encoding) -> MediaInfo:
    """Decode what can be decoded and encode it again (slow): reads what a copy cannot."""
    try:
        trim = _trim(probe(fragment, ffmpeg))
    except ProbeError:
        trim = None  # damaged: take what decodes
    _run(commands.reencode_command(ffmpeg.path, fragment, final, enc, trim), "re-encoding")
    info = _probe(final, ffmpeg)
    if info.video is None:
        raise UnreadableRecording(f"{fragment.name} has no picture")
    return info


def _probe(path: Path, ffmpeg: FfmpegInfo) -> MediaInfo:
    try:
        return probe(path, ffmpeg)
    except ProbeError as exc:
        raise UnreadableRecording(str(exc)) from exc


def _run(argv: list[str], doing: str) -> None:
    """Run one ffmpeg to its end; UnreadableRecording in plain words when it fails."""
    try:
        done = subprocess.run(argv, capture_output=True, check=False)
    except OSError as exc:
        raise UnreadableRecording(f"ffmpeg could not be started for {doing} ({exc})") from exc
    if done.returncode == 0:
        return
    log = done.stderr.decode("utf-8", "replace").strip()
    if "No space left" in log or "Disk quota" in log:
        raise OSError(errno.ENOSPC, "No space left on device")
    if done.returncode < 0:
        raise UnreadableRecording(f"ffmpeg was stopped while {doing} (signal {-done.returncode})")
    raise UnreadableRecording(log.splitlines()[-1] if log else f"{doing} failed")


def _discard_unreferenced(ctx: AppContext, sha: str, stored: Path) -> None:
    """Remove a just-stored file no row refers to; keep it if in any doubt."""
    try:
        with ctx.db.session() as s:
            used = (
                s.scalar(select(func.count()).where(Take.sha256 == sha))
                or s.scalar(select(func.count()).where(Submission.sha256 == sha))
                or s.scalar(select(func.count()).where(Scenario.prompt_media_sha256 == sha))
            )
    except (SQLAlchemyError, DatabaseProblem):
        return  # cannot tell: an unreferenced file is better than a lost one
    if not used:
        os.chmod(stored, 0o644)
        stored.unlink(missing_ok=True)


def set_aside(folder: Path, take_id: str, reason: str, detail: str = "") -> Path:
    """Move a take's files to ``in-progress/unrecoverable/``, with why: never deleted.

    ``reason`` is plain words for the person; ``detail`` what ffmpeg said, for support.
    """
    target = folder / UNRECOVERABLE
    target.mkdir(exist_ok=True)
    for path in (folder / f"{take_id}.mp4", sidecar_path(folder, take_id)):
        if path.exists():
            move(path, target / path.name)
    why = f"{reason}\n{detail}".strip() + "\n"
    write_atomically(target / f"{take_id}{WHY_SUFFIX}", why.encode("utf-8"))
    return target


def discard_if_empty(folder: Path, take_id: str) -> bool:
    """Remove a take that never got past its header (nothing recorded, nothing lost).

    The caller holds the take's lock."""
    fragment = folder / f"{take_id}.mp4"
    if fragment.exists() and fragment.stat().st_size > HEADER_ONLY_BYTES:
        return False
    remove_leftovers(folder, take_id)
    return True


def _info(take: Take, media_root: Path, problem: str | None, path: Path | None = None):
    return StoredTake(
        id=take.id,
        scenario_id=take.scenario_id,
        person_id=take.person_id,
        attempt=take.attempt,
        path=path or find_media(media_root, take.sha256),
        sha256=take.sha256,
        size_bytes=take.size_bytes,
        duration_seconds=take.duration_seconds,
        width=take.width,
        height=take.height,
        recovered=take.recovered,
        recorded_at=take.recorded_at,
        problem=problem,
    )
