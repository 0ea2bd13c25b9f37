"""A person's coaching summary for their profile: points, rank and rewards."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.core.models import Submission
from app.core.profiles import Profile, find_profile
from app.review.leaderboard import LeaderboardEntry, leaderboard
from app.review.rewards import RewardView, rewards_for


@dataclass(frozen=True)
class PersonSummary:
    person: Profile
    submissions: int  # handed in, all time
    all_time: LeaderboardEntry | None  # None until something of theirs is reviewed
    this_month: LeaderboardEntry | None
    rewards: tuple[RewardView, ...]

    def as_dict(self) -> dict:
        return {
            "person": self.person.as_dict(),
            "submissions": self.submissions,
            "all_time": self.all_time.as_dict() if self.all_time else None,
            "this_month": self.this_month.as_dict() if self.this_month else None,
            "rewards": [r.as_dict() for r in self.rewards],
        }


def person_summary(s: Session, person_ref: str, *, now: datetime | None = None) -> PersonSummary:
    person = find_profile(s, person_ref)
    handed_in = s.scalar(
        select(func.count()).where(Submission.person_id == person.id, Submission.deleted.is_(False))
    )

    def entry(period: str) -> LeaderboardEntry | None:
        board = leaderboard(s, period, now=now)
        return next((e for e in board.entries if e.person_id == person.id), None)

    return PersonSummary(
        person=person,
        submissions=handed_in or 0,
        all_time=entry("all"),
        this_month=entry("month"),
        rewards=tuple(rewards_for(s, [person.id]).get(person.id, [])),
    )
