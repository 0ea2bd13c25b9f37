"""Rubric scoring: points from weighted criteria, one review per reviewer.

Points are the weighted share of the maximum, on 0..100::

    points = sum(w_i * score_i / max_i) / sum(w_i) * 100   (one decimal)

so a criterion's weight, not its scale, decides how much it counts.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.core.clock import as_utc, utcnow
from app.core.errors import NotFound, UserError
from app.core.ids import natural_id
from app.core.models import (
    Decision,
    Person,
    Review,
    Rubric,
    RubricCriterion,
    Scenario,
    Submission,
    SubmissionStatus,
)
from app.core.profiles import Profile, require_reviewer
from app.review.access import find_submission, require_author, require_not_own


@dataclass(frozen=True)
class Criterion:
    key: str
    name: str
    weight: float
    max_score: int


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


def compute_points(criteria: Sequence[Criterion], scores: Mapping[str, int]) -> float:
    """The weighted points for a complete, valid set of scores (else a clear UserError)."""
    check_scores(criteria, scores)
    total_weight = sum(c.weight for c in criteria)
    earned = sum(c.weight * scores[c.key] / c.max_score for c in criteria)
    return round(earned / total_weight * 100, 1)


def check_scores(criteria: Sequence[Criterion], scores: Mapping[str, int]) -> None:
    known = {c.key: c for c in criteria}
    if not known:
        raise UserError(
            "This scenario's rubric has no criteria, so it cannot be scored.",
            "Add criteria to the rubric in the scenario pack.",
        )
    unknown = sorted(set(scores) - set(known))
    if unknown:
        raise UserError(
            f"The rubric has no criterion {', '.join(unknown)}.",
            f"Score these criteria: {', '.join(known)}.",
        )
    missing = [key for key in known if key not in scores]
    if missing:
        raise UserError(
            f"Every criterion needs a score; missing: {', '.join(missing)}.",
            "Score all criteria of the rubric, then save again.",
        )
    for key, value in scores.items():
        top = known[key].max_score
        if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= top:
            raise UserError(
                f"The score for {key} must be a whole number from 0 to {top}, not {value!r}.",
                f"Give {key} a score between 0 and {top}.",
            )


def rubric_criteria(s: Session, scenario_id: str) -> list[Criterion]:
    return list(criteria_by_scenario(s, {scenario_id}).get(scenario_id, ()))


def criteria_by_scenario(s: Session, scenario_ids: set[str]) -> dict[str, tuple[Criterion, ...]]:
    """Each scenario's rubric criteria, in rubric order, in one query."""
    if not scenario_ids:
        return {}
    rows = s.execute(
        select(
            Scenario.id,
            RubricCriterion.key,
            RubricCriterion.name,
            RubricCriterion.weight,
            RubricCriterion.max_score,
        )
        .join(Rubric, Rubric.id == Scenario.rubric_id)
        .join(RubricCriterion, RubricCriterion.rubric_id == Rubric.id)
        .where(Scenario.id.in_(scenario_ids), RubricCriterion.deleted.is_(False))
        .order_by(Rubric.key, RubricCriterion.position, RubricCriterion.key)
    )
    found: dict[str, list[Criterion]] = {}
    for scenario_id, *criterion in rows:
        found.setdefault(scenario_id, []).append(Criterion(*criterion))
    return {key: tuple(value) for key, value in found.items()}


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
    points = compute_points(rubric_criteria(s, submission.scenario_id), scores)
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
        submission = s.get(Submission, review.submission_id)
        review.total_points = compute_points(rubric_criteria(s, submission.scenario_id), scores)
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
