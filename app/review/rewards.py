"""Rewards and badges trainers grant, e.g. "Best video — November" for 2026-11.

A reward's period is a period label (or empty for a lasting badge); it shows
on every leaderboard whose period overlaps it, and always on the person's profile.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, aliased

from app.core.clock import as_utc
from app.core.errors import PermissionDenied, UserError
from app.core.models import Person, Reward
from app.core.profiles import Profile, find_profile, require_reviewer
from app.review.periods import ALL_TIME, Period, parse_period

DEFAULT_BADGE = "star"


@dataclass(frozen=True)
class RewardView:
    id: str
    person_id: str
    person_name: str
    title: str
    badge: str
    period: str
    granted_by: str
    granted_at: datetime

    def as_dict(self) -> dict:
        return {
            "id": self.id,
            "person": self.person_name,
            "title": self.title,
            "badge": self.badge,
            "period": self.period,
            "granted_by": self.granted_by,
            "granted_at": self.granted_at.isoformat(),
        }


def grant_reward(
    s: Session,
    actor: Profile,
    person_ref: str,
    title: str,
    *,
    badge: str = "",
    period: str = "",
    note: str = "",
) -> RewardView:
    require_reviewer(actor, "grant rewards")
    person = find_profile(s, person_ref)
    if person.id == actor.id:
        raise PermissionDenied(
            "You cannot give yourself a reward.", "Ask another trainer or a manager."
        )
    title, badge = title.strip(), (badge or DEFAULT_BADGE).strip()
    if not title:
        raise UserError("A reward needs a title.", 'Name it, e.g. --title "Best video — November".')
    if len(title) > 200 or len(badge) > 40:
        raise UserError(
            "That reward's title or badge name is too long.",
            "Keep the title under 200 characters and the badge name under 40.",
        )
    label = parse_period(period).label if period and period.strip() else ""
    reward = Reward(
        person_id=person.id,
        title=title,
        badge=badge,
        period="" if label == "all" else label,
        note=note.strip(),
        author_id=actor.id,
    )
    s.add(reward)
    s.flush()
    return _view(reward, person.name, actor.name)


def rewards_for(
    s: Session, person_ids: list[str], period: Period = ALL_TIME
) -> dict[str, list[RewardView]]:
    """Live rewards of these people whose period overlaps ``period``, newest first."""
    if not person_ids:
        return {}
    person, granter = aliased(Person), aliased(Person)
    rows = s.execute(
        select(Reward, person.name, granter.name)
        .join(person, person.id == Reward.person_id)
        .outerjoin(granter, granter.id == Reward.author_id)
        .where(Reward.person_id.in_(person_ids), Reward.deleted.is_(False))
        .order_by(Reward.created_at.desc())
    )
    found: dict[str, list[RewardView]] = {}
    for reward, name, granted_by in rows:
        if _period(reward.period).overlaps(period):
            found.setdefault(reward.person_id, []).append(
                _view(reward, name, granted_by or "a trainer")
            )
    return found


def _period(label: str) -> Period:
    try:
        return parse_period(label) if label else ALL_TIME
    except UserError:
        return ALL_TIME  # a label from a newer version: show the reward rather than hide it


def _view(reward: Reward, person_name: str, granted_by: str) -> RewardView:
    return RewardView(
        id=reward.id,
        person_id=reward.person_id,
        person_name=person_name,
        title=reward.title,
        badge=reward.badge,
        period=reward.period,
        granted_by=granted_by,
        granted_at=as_utc(reward.created_at),
    )
