"""The leaderboard: points from reviews, per week, month, quarter or all time.

How a rep's points for a period are counted, and why:

1. each review made in the period gives its points (0..100);
2. a submission's points are the mean of its reviews in the period, so a
   second opinion neither doubles nor halves it;
3. per scenario only the rep's best submission counts, so a retake improves
   the score instead of adding to it (asking for retakes never pays);
4. a rep's points are the sum over the scenarios they practised.

So points grow with the breadth of practice (more scenarios) and its quality
(better best takes), while the mean per submission is shown beside them.
Ranks are shared on equal points (1, 1, 3); the top three are highlighted.
Nothing here is stored: the board is computed from the reviews each time.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import Session

from app.core.models import Person, Review, Submission, Team
from app.review.periods import Period, parse_period
from app.review.rewards import RewardView, rewards_for

HIGHLIGHTED = 3


@dataclass(frozen=True)
class LeaderboardEntry:
    rank: int
    person_id: str
    name: str
    team: str | None
    points: float
    submissions: int  # reviewed in the period
    mean_points: float
    rewards: tuple[RewardView, ...]

    @property
    def highlighted(self) -> bool:
        return self.rank <= HIGHLIGHTED

    def as_dict(self) -> dict:
        return {
            "rank": self.rank,
            "person_id": self.person_id,
            "name": self.name,
            "team": self.team,
            "points": self.points,
            "submissions": self.submissions,
            "mean_points": self.mean_points,
            "highlighted": self.highlighted,
            "rewards": [r.as_dict() for r in self.rewards],
        }


@dataclass(frozen=True)
class Leaderboard:
    period: Period
    team: str | None
    entries: tuple[LeaderboardEntry, ...]

    def as_dict(self) -> dict:
        return {
            "period": self.period.label,
            "team": self.team,
            "entries": [e.as_dict() for e in self.entries],
        }


def leaderboard(
    s: Session,
    period: Period | str = "month",
    *,
    team_id: str | None = None,
    now: datetime | None = None,
) -> Leaderboard:
    if isinstance(period, str):
        period = parse_period(period, now)
    team_name = s.scalar(select(Team.name).where(Team.id == team_id)) if team_id else None
    rows = sorted(
        s.execute(_standings(period, team_id)),
        key=lambda r: (-round(r.points, 1), r.name.lower()),
    )
    awards = rewards_for(s, [r.person_id for r in rows], period)
    entries, rank, previous = [], 0, None
    for place, row in enumerate(rows, start=1):
        points = round(row.points, 1)
        if points != previous:
            rank, previous = place, points
        entries.append(
            LeaderboardEntry(
                rank=rank,
                person_id=row.person_id,
                name=row.name,
                team=row.team,
                points=points,
                submissions=row.submissions,
                mean_points=round(row.total / row.submissions, 1),
                rewards=tuple(awards.get(row.person_id, [])),
            )
        )
    return Leaderboard(period, team_name, tuple(entries))


def _standings(period: Period, team_id: str | None):
    """One aggregate query: submission means -> best per scenario -> sum per person."""
    in_period: list[ColumnElement[bool]] = [Review.deleted.is_(False)]
    if period.start is not None:
        in_period += [Review.reviewed_at >= period.start, Review.reviewed_at < period.end]
    per_submission = (
        select(Review.submission_id, func.avg(Review.total_points).label("mean"))
        .where(*in_period)
        .group_by(Review.submission_id)
        .subquery()
    )
    per_scenario = (
        select(
            Submission.person_id,
            func.max(per_submission.c.mean).label("best"),
            func.sum(per_submission.c.mean).label("total"),
            func.count().label("n"),
        )
        .join(per_submission, per_submission.c.submission_id == Submission.id)
        .where(Submission.deleted.is_(False))
        .group_by(Submission.person_id, Submission.scenario_id)
        .subquery()
    )
    query = (
        select(
            Person.id.label("person_id"),
            Person.name,
            Team.name.label("team"),
            func.sum(per_scenario.c.best).label("points"),
            func.sum(per_scenario.c.total).label("total"),
            func.sum(per_scenario.c.n).label("submissions"),
        )
        .join(per_scenario, per_scenario.c.person_id == Person.id)
        .outerjoin(Team, Team.id == Person.team_id)
        .where(Person.deleted.is_(False))
        .group_by(Person.id, Person.name, Team.name)
    )
    if team_id:
        query = query.where(Person.team_id == team_id)
    return query
