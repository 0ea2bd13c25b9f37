"""Everything the review screen shows about one submission, read in one short session.

Plain data (no Qt), so the screen holds no database objects.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select

from app.core.media import find_media
from app.core.models import Consent, Person, Scenario, Submission, TopVideo
from app.core.profiles import Profile
from app.identity.context import AppContext
from app.review.comments import CommentView, list_comments
from app.review.scoring import ReviewView, open_for_review, reviews_of
from app.scenarios.rubrics import Criterion, scenario_criteria


@dataclass(frozen=True)
class ReviewData:
    submission_id: str
    rep_name: str
    scenario_title: str
    submitted_at: str
    status: str
    decision_reason: str
    duration_seconds: float
    video: Path | None  # None: the video has not reached this device yet
    criteria: tuple[Criterion, ...]
    self_scores: dict[str, int]
    reviews: tuple[ReviewView, ...]
    comments: tuple[CommentView, ...]
    top_video: Consent | None  # None: not marked

    def my_review(self, person_id: str) -> ReviewView | None:
        return next((r for r in self.reviews if r.reviewer_id == person_id), None)


def load_for_review(ctx: AppContext, actor: Profile, submission_id: str) -> ReviewData:
    """Open a submission as ``actor`` (refused in plain words for reps and for one's own)."""
    with ctx.session() as s:
        submission = open_for_review(s, actor, submission_id)
        return read_submission(ctx, s, submission)


def read_submission(ctx: AppContext, s, submission: Submission) -> ReviewData:
    rep = s.get(Person, submission.person_id)
    scenario = s.get(Scenario, submission.scenario_id)
    top = s.scalar(
        select(TopVideo.consent).where(
            TopVideo.submission_id == submission.id, TopVideo.deleted.is_(False)
        )
    )
    return ReviewData(
        submission_id=submission.id,
        rep_name=rep.name,
        scenario_title=scenario.title,
        submitted_at=f"{submission.submitted_at:%Y-%m-%d %H:%M}",
        status=submission.status.value,
        decision_reason=submission.decision_reason,
        duration_seconds=submission.duration_seconds,
        video=find_media(ctx.paths.media, submission.sha256),
        criteria=scenario_criteria(s, submission.scenario_id),
        self_scores=dict(submission.self_scores or {}),
        reviews=tuple(reviews_of(s, submission.id)),
        comments=tuple(list_comments(s, submission.id)),
        top_video=top,
    )
