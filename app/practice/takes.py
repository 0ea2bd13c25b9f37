"""A rep's takes: private drafts on this device, listed, checked and deleted.

Takes are private: every function here works on the acting person's own
takes only, whatever their role. Trainers see submissions, never takes.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.core.clock import as_utc
from app.core.errors import NotFound, PermissionDenied, UserError
from app.core.media import find_media
from app.core.models import Scenario, Submission, Take
from app.core.rebuild import remove_take_record
from app.recorder.take_check import Finding, check_take

if TYPE_CHECKING:
    from app.identity.context import AppContext

# Take ids are UUIDs; people may type the first characters, as git allows.
MIN_PREFIX = 4


@dataclass(frozen=True)
class TakeInfo:
    id: str
    person_id: str
    scenario_id: str
    scenario_title: str
    assignment_id: str | None
    attempt: int
    recorded_at: datetime  # UTC
    duration_seconds: float
    width: int
    height: int
    size_bytes: int
    sha256: str
    recovered: bool
    warnings: tuple[Finding, ...]
    media_path: Path | None  # None when the file has gone missing
    submission_id: str | None  # set once this take was handed in

    def as_dict(self) -> dict:
        return {
            "id": self.id,
            "scenario_id": self.scenario_id,
            "scenario": self.scenario_title,
            "assignment_id": self.assignment_id,
            "attempt": self.attempt,
            "recorded_at": self.recorded_at.isoformat(),
            "duration_seconds": round(self.duration_seconds, 3),
            "width": self.width,
            "height": self.height,
            "size_bytes": self.size_bytes,
            "sha256": self.sha256,
            "recovered": self.recovered,
            "warnings": [w.as_dict() for w in self.warnings],
            "media_path": str(self.media_path) if self.media_path else None,
            "submission_id": self.submission_id,
        }


def takes_visible_to(
    s: Session, viewer_id: str, media_root: Path, scenario_id: str | None = None
) -> list[TakeInfo]:
    """The takes ``viewer_id`` may see: their own (of one scenario if given), newest first."""
    query = select(Take).where(Take.person_id == viewer_id)
    if scenario_id is not None:
        query = query.where(Take.scenario_id == scenario_id)
    rows = s.scalars(query.order_by(Take.recorded_at.desc(), Take.attempt.desc()))
    return [take_info(s, take, media_root) for take in rows]


def own_take(s: Session, viewer_id: str, take_ref: str) -> Take:
    """The viewer's take by id (or the start of its id); others' takes are refused."""
    ref = take_ref.strip().lower()
    take = s.get(Take, ref)
    if take is None and len(ref) >= MIN_PREFIX:
        matches = list(s.scalars(select(Take).where(Take.id.startswith(ref))))
        mine = [t for t in matches if t.person_id == viewer_id]
        if len(mine) > 1:
            raise UserError(
                f"More than one of your takes starts with '{take_ref}'.",
                "Type more of the take's id (crosscoach takes list shows them).",
            )
        take = mine[0] if mine else (matches[0] if matches else None)
    if take is None:
        raise NotFound(
            f"There is no take '{take_ref}'.", "See your takes with: crosscoach takes list"
        )
    if take.person_id != viewer_id:
        raise PermissionDenied(
            "That take belongs to someone else: takes are private to the rep who recorded them.",
            "See your own takes with: crosscoach takes list",
        )
    return take


def take_info(s: Session, take: Take, media_root: Path) -> TakeInfo:
    submission_id = s.scalar(
        select(Submission.id)
        .where(Submission.take_id == take.id, Submission.deleted.is_(False))
        .order_by(Submission.submitted_at.desc())
        .limit(1)
    )
    return TakeInfo(
        id=take.id,
        person_id=take.person_id,
        scenario_id=take.scenario_id,
        scenario_title=take.scenario.title,
        assignment_id=take.assignment_id,
        attempt=take.attempt,
        recorded_at=as_utc(take.recorded_at),
        duration_seconds=take.duration_seconds,
        width=take.width,
        height=take.height,
        size_bytes=take.size_bytes,
        sha256=take.sha256,
        recovered=take.recovered,
        warnings=tuple(Finding.from_dict(w) for w in take.check_warnings or ()),
        media_path=find_media(media_root, take.sha256),
        submission_id=submission_id,
    )


def recheck_take(ctx: AppContext, take_ref: str) -> list[Finding]:
    """Run the take check on one of the acting rep's takes and keep the findings on it.

    Slow (seconds): call it off the GUI thread.
    """
    viewer = ctx.profile()
    with ctx.session() as s:
        take = own_take(s, viewer.id, take_ref)
        path = find_media(ctx.paths.media, take.sha256)
        expected = take.scenario.max_answer_seconds
        take_id = take.id
    if path is None:
        raise missing_file()
    findings = check_take(path, expected_seconds=expected)
    with ctx.session() as s:
        s.get(Take, take_id).check_warnings = [f.as_dict() for f in findings]
    return findings


def delete_take(ctx: AppContext, take_ref: str) -> TakeInfo:
    """Delete one of the acting rep's takes that was never handed in, and its file.

    The file goes only when nothing else (another take, a submission, prompt
    media) uses the same content; the row is removed first, so a failure can
    leave at worst an unused file, never a take without its video.
    """
    viewer = ctx.profile()
    with ctx.session() as s:
        take = own_take(s, viewer.id, take_ref)
        info = take_info(s, take, ctx.paths.media)
        if info.submission_id:
            raise UserError(
                "This take was handed in, so it stays: your trainer reviews it.",
                "Delete another take, one you have not submitted.",
            )
        s.delete(take)
        s.flush()
        still_used = (
            s.scalar(select(Take.id).where(Take.sha256 == take.sha256).limit(1))
            or s.scalar(select(Submission.id).where(Submission.sha256 == take.sha256).limit(1))
            or s.scalar(
                select(Scenario.id).where(Scenario.prompt_media_sha256 == take.sha256).limit(1)
            )
        )
    remove_take_record(ctx.paths, info.id)  # a rebuild must not bring it back
    if info.media_path and not still_used:
        info.media_path.unlink(missing_ok=True)
    return info


def missing_file() -> UserError:
    return UserError(
        "The video file of this take is missing from the data folder.",
        "Record the take again; if you moved the data folder, open the right one with --data-dir.",
    )
