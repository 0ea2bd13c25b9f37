"""Rubrics: a scenario's criteria and the rules for scoring them.

A scenario pack defines each scenario's rubric; a trainer's review
(app.review.scoring) and a rep's self-scores on a submission
(app.practice.submit) are checked against it here, by the same rules.

Points are the weighted share of the maximum, on 0..100::

    points = sum(w_i * score_i / max_i) / sum(w_i) * 100   (one decimal)

so a criterion's weight, not its scale, decides how much it counts.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.core.errors import UserError
from app.core.models import Rubric, RubricCriterion, Scenario


@dataclass(frozen=True)
class Criterion:
    """One criterion of a rubric: what the editor edits, packs carry and reviewers score."""

    key: str
    name: str
    description: str
    weight: float
    max_score: int


def rubric_criteria(s: Session, rubric_key: str) -> tuple[Criterion, ...]:
    """A rubric's live criteria in order (empty when there is no such rubric)."""
    rows = s.scalars(
        select(RubricCriterion)
        .join(Rubric, Rubric.id == RubricCriterion.rubric_id)
        .where(Rubric.key == rubric_key, RubricCriterion.deleted.is_(False))
        .order_by(RubricCriterion.position)
    )
    return tuple(Criterion(c.key, c.name, c.description, c.weight, c.max_score) for c in rows)


def scenario_criteria(s: Session, scenario_id: str) -> tuple[Criterion, ...]:
    """The criteria of the rubric a scenario (by id) is scored with, in rubric order."""
    return criteria_by_scenario(s, {scenario_id}).get(scenario_id, ())


def criteria_by_scenario(s: Session, scenario_ids: set[str]) -> dict[str, tuple[Criterion, ...]]:
    """Each scenario's rubric criteria, in rubric order, in one query."""
    if not scenario_ids:
        return {}
    rows = s.execute(
        select(
            Scenario.id,
            RubricCriterion.key,
            RubricCriterion.name,
            RubricCriterion.description,
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


def compute_points(criteria: Sequence[Criterion], scores: Mapping[str, int]) -> float:
    """The weighted points for a complete, valid set of scores (else a clear UserError)."""
    check_scores(criteria, scores)
    total_weight = sum(c.weight for c in criteria)
    earned = sum(c.weight * scores[c.key] / c.max_score for c in criteria)
    return round(earned / total_weight * 100, 1)


def check_scores(criteria: Sequence[Criterion], scores: Mapping[str, int]) -> None:
    """A UserError in plain words unless every criterion has a whole score in its range."""
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
