"""What the review pages' filter boxes offer: reps, teams, scenarios, products."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.core.models import Role, Team
from app.core.profiles import list_profiles
from app.scenarios.library import list_products, search_scenarios


@dataclass(frozen=True)
class FilterChoices:
    reps: list[tuple[str, str]]  # (id, name)
    teams: list[tuple[str, str]]  # (id, name)
    scenarios: list[tuple[str, str, str]]  # (id, key, title)
    products: list[tuple[str, str]]  # (key, name)


def filter_choices(s: Session) -> FilterChoices:
    teams = s.execute(
        select(Team.id, Team.name).where(Team.deleted.is_(False)).order_by(func.lower(Team.name))
    )
    return FilterChoices(
        reps=[(p.id, p.name) for p in list_profiles(s) if p.role is Role.REP],
        teams=[(i, n) for i, n in teams],
        scenarios=[(r.id, r.key, r.title) for r in search_scenarios(s)],
        products=list_products(s),
    )
