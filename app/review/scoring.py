"""Reviews: a reviewer's scores on a submission, one review per reviewer.

The scores are checked and turned into points by the scenario's rubric
(app.scenarios.rubrics).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.core.clock import as_utc, utcnow
from app.core.errors import NotFound
from app.core.ids import natural_id
from app.core.models import (
    Decision,
    Person,
    Review,
    Submission,
    SubmissionStatus,
)
from app.core.profiles import Profile, require_reviewer
from app.review.access import find_submission, require_author, require_not_own
from app.scenarios.rubrics import compute_points, scenario_criteria


@dataclass(frozen=True)
class ReviewView:
    id: str
    submission_id: str
    reviewer_id: str
    reviewer_name: str
    scores: dict[str, int]
    points: float
    feedback: str
    decision: Decision
    reviewed_at: datetime

    def as_dict(self) -> dict:
        return {
            "id": self.id,
            "submission_id": self.submission_id,
            "reviewer": self.reviewer_name,
            "reviewer_id": self.reviewer_id,
            "scores": dict(self.scores),
            "points": self.points,
            "feedback": self.feedback,
            "decision": self.decision.value,
            "reviewed_at": self.reviewed_at.isoformat(),
        }


def reviews_of(s: Session, submission_id: str) -> list[ReviewView]:
    rows = s.execute(
        select(Review, Person.name)
        .join(Person, Person.id == Review.reviewer_id)
        .where(Review.submission_id == submission_id, Review.deleted.is_(False))
        .order_by(Review.reviewed_at)
    )
    return [_view(review, name) for review, name in rows]


def open_for_review(s: Session, actor: Profile, submission_ref: str) -> Submission:
    """A reviewer opens a submission: a new one moves to "in review"."""
    submission = find_submission(s, submission_ref)
    require_not_own(actor, submission, "review")  # first: the more telling reason for a rep
    require_reviewer(actor, "review submissions")
    if submission.status is SubmissionStatus.NEW:
        submission.status = SubmissionStatus.IN_REVIEW
    return submission


def score_submission(
    s: Session,
    actor: Profile,
    submission_ref: str,
    scores: Mapping[str, int],
    feedback: str = "",
    *,
    now: datetime | None = None,
) -> ReviewView:
    """Save the acting reviewer's scores; scoring again updates their own review."""
    submission = open_for_review(s, actor, submission_ref)
    points = compute_points(scenario_criteria(s, submission.scenario_id), scores)
    review = s.scalar(
        select(Review).where(Review.submission_id == submission.id, Review.reviewer_id == actor.id)
    )
    if review is None:
        review = Review(
            # one review per reviewer and submission, even when made on two devices offline
            id=natural_id("reviews", submission.id, actor.id),
            submission_id=submission.id,
            reviewer_id=actor.id,
            author_id=actor.id,
        )
        s.add(review)
    review.deleted = False
    review.scores = dict(scores)
    review.total_points = points
    review.feedback = feedback.strip()
    review.reviewed_at = now or utcnow()
    s.flush()
    return _view(review, actor.name)


def edit_review(
    s: Session,
    actor: Profile,
    review_id: str,
    scores: Mapping[str, int] | None = None,
    feedback: str | None = None,
) -> ReviewView:
    """Change a review by its id: only its own reviewer may."""
    review = _live_review(s, review_id)
    require_reviewer(actor, "edit reviews")
    require_author(actor, review.reviewer_id, "review")
    if scores is not None:
        submission = s.get_one(Submission, review.submission_id)
        review.total_points = compute_points(scenario_criteria(s, submission.scenario_id), scores)
        review.scores = dict(scores)
    if feedback is not None:
        review.feedback = feedback.strip()
    s.flush()
    return _view(review, actor.name)


def delete_review(s: Session, actor: Profile, review_id: str) -> None:
    """Withdraw your own review (a tombstone, so the deletion syncs)."""
    review = _live_review(s, review_id)
    require_reviewer(actor, "delete reviews")
    require_author(actor, review.reviewer_id, "review")
    review.deleted = True


def _live_review(s: Session, review_id: str) -> Review:
    review = s.get(Review, review_id)
    if review is None or review.deleted:
        raise NotFound("That review no longer exists.", "Reload the submission to see its reviews.")
    return review


def _view(review: Review, reviewer_name: str) -> ReviewView:
    return ReviewView(
        id=review.id,
        submission_id=review.submission_id,
        reviewer_id=review.reviewer_id,
        reviewer_name=reviewer_name,
        scores=dict(review.scores),
        points=review.total_points,
        feedback=review.feedback,
        decision=review.decision,
        reviewed_at=as_utc(review.reviewed_at),
    )
