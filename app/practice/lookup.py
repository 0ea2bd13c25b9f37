"""Finding the team an assignment names (without creating it, unlike a new profile's team)."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.core.errors import NotFound
from app.core.models import Team


def find_team(s: Session, name: str) -> Team:
    team = s.scalar(
        select(Team).where(func.lower(Team.name) == name.strip().lower(), Team.deleted.is_(False))
    )
    if team is None:
        raise NotFound(
            f"There is no team called '{name.strip()}'.",
            "See the teams in: crosscoach profile list",
        )
    return team
