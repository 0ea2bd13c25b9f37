"""Review scores as flat rows: what the CSV export and the coaching report read."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, aliased

from app.core.clock import as_utc
from app.core.models import Decision, Person, Review, Scenario, Submission, Team
from app.review.periods import ALL_TIME, Period
from app.scenarios.rubrics import Criterion, criteria_by_scenario


@dataclass(frozen=True)
class ScoreRow:
    review_id: str
    submission_id: str
    rep_id: str
    rep_name: str
    team: str | None
    scenario_key: str
    scenario_title: str
    reviewer_name: str
    reviewed_at: datetime
    scores: dict[str, int]
    points: float
    decision: Decision
    feedback: str
    criteria: tuple[Criterion, ...]


def score_rows(
    s: Session,
    period: Period = ALL_TIME,
    *,
    rep_id: str | None = None,
    scenario_id: str | None = None,
    team_id: str | None = None,
) -> list[ScoreRow]:
    """Every live review in the period (by review date), oldest first."""
    rep, reviewer = aliased(Person), aliased(Person)
    query = (
        select(
            Review,
            Submission.person_id,
            rep.name,
            Team.name,
            Scenario.id,
            Scenario.key,
            Scenario.title,
            reviewer.name,
        )
        .join(Submission, Submission.id == Review.submission_id)
        .join(rep, rep.id == Submission.person_id)
        .outerjoin(Team, Team.id == rep.team_id)
        .join(Scenario, Scenario.id == Submission.scenario_id)
        .join(reviewer, reviewer.id == Review.reviewer_id)
        .where(Review.deleted.is_(False), Submission.deleted.is_(False))
        .order_by(Review.reviewed_at, rep.name, Review.id)
    )
    if period.start is not None:
        query = query.where(Review.reviewed_at >= period.start, Review.reviewed_at < period.end)
    if rep_id:
        query = query.where(Submission.person_id == rep_id)
    if scenario_id:
        query = query.where(Submission.scenario_id == scenario_id)
    if team_id:
        query = query.where(rep.team_id == team_id)
    rows = s.execute(query).all()
    criteria = criteria_by_scenario(s, {row[4] for row in rows})
    return [
        ScoreRow(
            review_id=review.id,
            submission_id=review.submission_id,
            rep_id=rep_id_,
            rep_name=rep_name,
            team=team,
            scenario_key=key,
            scenario_title=title,
            reviewer_name=reviewer_name,
            reviewed_at=as_utc(review.reviewed_at),
            scores=dict(review.scores),
            points=review.total_points,
            decision=review.decision,
            feedback=review.feedback,
            criteria=criteria.get(scenario_id_, ()),
        )
        for review, rep_id_, rep_name, team, scenario_id_, key, title, reviewer_name in rows
    ]
