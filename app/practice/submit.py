"""Handing in a take: the rep's chosen recording, note and self-assessment.

Self-assessment follows the rule of trainer reviews (app.scenarios.rubrics):
all or nothing. A rep may leave it out entirely; if they give it, every
criterion of the scenario's rubric gets a whole number from 0 to its
maximum. Half a self-assessment would compare badly with the trainer's
complete one.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import select

from app.core.clock import as_utc, utcnow
from app.core.errors import UserError
from app.core.media import find_media
from app.core.models import Submission, SubmissionStatus
from app.core.profiles import find_person
from app.practice.rounds import OPEN, open_assignment, scope_submissions
from app.practice.takes import missing_file, own_take
from app.scenarios.rubrics import check_scores, scenario_criteria

if TYPE_CHECKING:
    from app.identity.context import AppContext

NOTE_MAX = 2000


@dataclass(frozen=True)
class SubmissionInfo:
    id: str
    take_id: str
    person_id: str
    scenario_id: str
    scenario_title: str
    assignment_id: str | None
    status: SubmissionStatus
    note: str
    self_scores: dict[str, int] = field(hash=False)
    submitted_at: datetime
    duration_seconds: float
    sha256: str

    def as_dict(self) -> dict:
        return {
            "id": self.id,
            "take_id": self.take_id,
            "scenario_id": self.scenario_id,
            "scenario": self.scenario_title,
            "assignment_id": self.assignment_id,
            "status": self.status.value,
            "note": self.note,
            "self_scores": dict(self.self_scores),
            "submitted_at": self.submitted_at.isoformat(),
            "duration_seconds": round(self.duration_seconds, 3),
            "sha256": self.sha256,
        }


def check_submittable(
    ctx: AppContext, take_id: str, note: str = "", self_scores: Mapping[str, int] | None = None
) -> None:
    """Refuse, as :func:`submit_take` would, without writing anything.

    Cheap: call it before the slow take check, so a rep is not kept waiting
    for a check of a take that cannot be handed in anyway.
    """
    with ctx.db.session() as s:
        _accepted(ctx, s, take_id, note, self_scores)


def submit_take(
    ctx: AppContext, take_id: str, note: str = "", self_scores: Mapping[str, int] | None = None
) -> SubmissionInfo:
    """Hand in one of the acting rep's takes for review.

    The submission goes to the take's assignment. A take recorded as free
    practice goes to the rep's open assignment for that scenario, if any, and
    joins that assignment. A rep has at most one submission waiting for review
    per assignment (or per scenario in free practice); after a retake request
    they may submit again.
    """
    rep = ctx.profile()
    with ctx.session() as s:
        take, assignment_id, note, scores = _accepted(ctx, s, take_id, note, self_scores)
        take.assignment_id = assignment_id
        row = Submission(
            person_id=rep.id,
            scenario_id=take.scenario_id,
            assignment_id=assignment_id,
            take_id=take.id,
            sha256=take.sha256,
            size_bytes=take.size_bytes,
            duration_seconds=take.duration_seconds,
            width=take.width,
            height=take.height,
            note=note,
            self_scores=scores,
            status=SubmissionStatus.NEW,
            submitted_at=utcnow(),
        )
        s.add(row)
        s.flush()
        return SubmissionInfo(
            id=row.id,
            take_id=take.id,
            person_id=rep.id,
            scenario_id=take.scenario_id,
            scenario_title=take.scenario.title,
            assignment_id=assignment_id,
            status=row.status,
            note=note,
            self_scores=scores,
            submitted_at=as_utc(row.submitted_at),
            duration_seconds=row.duration_seconds,
            sha256=row.sha256,
        )


def _accepted(ctx: AppContext, s, take_ref: str, note: str, self_scores: Mapping[str, int] | None):
    """The take, its assignment, the cleaned note and scores, or a UserError saying why not."""
    rep = ctx.profile()
    note = note.strip()
    if len(note) > NOTE_MAX:
        raise UserError(f"The note is longer than {NOTE_MAX} characters.", "Shorten the note.")
    take = own_take(s, rep.id, take_ref)
    if find_media(ctx.paths.media, take.sha256) is None:
        raise missing_file()
    scores = dict(self_scores or {})
    if scores:
        check_scores(scenario_criteria(s, take.scenario_id), scores)
    if s.scalar(
        select(Submission.id).where(Submission.take_id == take.id, Submission.deleted.is_(False))
    ):
        raise UserError(
            "You have already handed in this take.",
            "Record a new take if your trainer asked for a retake.",
        )
    assignment_id = take.assignment_id
    if assignment_id is None:
        found = open_assignment(s, find_person(s, rep.id), take.scenario_id)
        assignment_id = found.id if found else None
    _check_nothing_waiting(s, rep.id, take.scenario, assignment_id)
    return take, assignment_id, note, scores


def _check_nothing_waiting(s, person_id: str, scenario, assignment_id: str | None) -> None:
    previous = scope_submissions(s, person_id, scenario.id, assignment_id)
    latest = previous[0] if previous else None
    if latest is not None and latest.status in OPEN:
        when = as_utc(latest.submitted_at).strftime("%Y-%m-%d")
        raise UserError(
            f"You already handed in a take of '{scenario.title}' on {when}; "
            "it is waiting for your trainer.",
            "Wait for the review; if your trainer asks for a retake, you can submit again.",
        )
    if latest is not None and latest.status is SubmissionStatus.APPROVED and assignment_id:
        raise UserError(
            f"Your take of '{scenario.title}' for this assignment is already approved.",
            "Nothing more is needed; keep practising freely if you like.",
        )
