"""Approve a submission or ask for a retake, and what the rep sees afterwards."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.core.clock import as_utc
from app.core.errors import UserError
from app.core.models import Decision, Review, Scenario, Submission, SubmissionStatus
from app.core.profiles import Profile
from app.review.comments import CommentView, comments_by_submission
from app.review.scoring import ReviewView, open_for_review, reviews_of, score_submission
from app.scenarios.rubrics import Criterion, scenario_criteria


def score_and_decide(
    s: Session,
    actor: Profile,
    submission_ref: str,
    scores: dict[str, int],
    feedback: str,
    decision: Decision,
    reason: str = "",
) -> Submission:
    """What a reviewer does in one step: save their scores and feedback, then approve or
    ask for a retake, in the caller's transaction (a refused decision keeps no scores)."""
    score_submission(s, actor, submission_ref, scores, feedback)
    return decide(s, actor, submission_ref, decision, reason)


def decide(
    s: Session, actor: Profile, submission_ref: str, decision: Decision, reason: str = ""
) -> Submission:
    """Record the acting reviewer's decision on the submission and on their review.

    The reviewer scores first: a decision without scores would leave the rep
    with an outcome and nothing to learn from.
    """
    submission = open_for_review(s, actor, submission_ref)
    reason = reason.strip()
    if decision is Decision.NONE:
        raise UserError("Choose approve or retake.", "Approve the submission or ask for a retake.")
    if decision is Decision.RETAKE and not reason:
        raise UserError("A retake needs a reason.", "Tell the rep what to do differently.")
    review = s.scalar(
        select(Review).where(
            Review.submission_id == submission.id,
            Review.reviewer_id == actor.id,
            Review.deleted.is_(False),
        )
    )
    if review is None:
        raise UserError(
            "Score the submission before you decide on it.",
            "Give every criterion a score (--score CRITERION=VALUE), then approve or ask for a retake.",
        )
    review.decision = decision
    submission.status = (
        SubmissionStatus.APPROVED
        if decision is Decision.APPROVE
        else SubmissionStatus.RETAKE_REQUESTED
    )
    submission.decision_reason = reason
    s.flush()
    return submission


@dataclass(frozen=True)
class SubmissionFeedback:
    """One submission as its rep sees it after review."""

    submission_id: str
    scenario_key: str
    scenario_title: str
    submitted_at: datetime
    duration_seconds: float
    sha256: str
    status: str
    decision_reason: str
    criteria: tuple[Criterion, ...]
    self_scores: dict[str, int]
    reviews: tuple[ReviewView, ...]
    comments: tuple[CommentView, ...]

    @property
    def mean_points(self) -> float | None:
        if not self.reviews:
            return None
        return round(sum(r.points for r in self.reviews) / len(self.reviews), 1)

    def as_dict(self) -> dict:
        return {
            "submission_id": self.submission_id,
            "scenario": self.scenario_key,
            "scenario_title": self.scenario_title,
            "submitted_at": self.submitted_at.isoformat(),
            "status": self.status,
            "decision_reason": self.decision_reason,
            "self_scores": dict(self.self_scores),
            "mean_points": self.mean_points,
            "reviews": [r.as_dict() for r in self.reviews],
            "comments": [c.as_dict() for c in self.comments],
        }


def rep_feedback(s: Session, rep: Profile) -> list[SubmissionFeedback]:
    """The rep's own submissions, newest first, with every review and comment."""
    rows = s.execute(
        select(Submission, Scenario.key, Scenario.title)
        .join(Scenario, Scenario.id == Submission.scenario_id)
        .where(Submission.person_id == rep.id, Submission.deleted.is_(False))
        .order_by(Submission.submitted_at.desc())
    ).all()
    comments = comments_by_submission(s, [sub.id for sub, _, _ in rows])
    return [
        SubmissionFeedback(
            submission_id=sub.id,
            scenario_key=key,
            scenario_title=title,
            submitted_at=as_utc(sub.submitted_at),
            duration_seconds=sub.duration_seconds,
            sha256=sub.sha256,
            status=sub.status.value,
            decision_reason=sub.decision_reason,
            criteria=scenario_criteria(s, sub.scenario_id),
            self_scores=dict(sub.self_scores or {}),
            reviews=tuple(reviews_of(s, sub.id)),
            comments=tuple(comments.get(sub.id, [])),
        )
        for sub, key, title in rows
    ]
