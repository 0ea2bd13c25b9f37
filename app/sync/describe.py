"""A change in the words a team member uses: "Ana's review of Rob's take of 'Phone and case'"."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.core.models import Person, Scenario, Submission


def describe(s: Session, change: dict) -> str:
    """A short noun phrase naming what the change is about."""
    table, d = change["table"], change["data"]
    simple = {
        "people": ("the profile", "name"),
        "teams": ("the team", "name"),
        "products": ("the product", "name"),
        "rubrics": ("the rubric", "name"),
        "rubric_criteria": ("the rubric criterion", "name"),
        "scenarios": ("the scenario", "title"),
    }
    if table in simple:
        label, column = simple[table]
        return f"{label} '{_short(d.get(column))}'"
    if table == "cross_sells":
        return "a product pairing"
    if table == "assignments":
        return f"the assignment of '{_scenario(s, d.get('scenario_id'))}'"
    if table == "rewards":
        return f"the reward '{_short(d.get('title'))}' for {_person(s, d.get('person_id'))}"
    take = _take(s, d.get("submission_id") if table != "submissions" else d.get("id"), d)
    if table == "submissions":
        return take
    if table == "reviews":
        return f"{_person(s, d.get('reviewer_id'))}'s review of {take}"
    if table == "comments":
        at = d.get("at_seconds")
        when = f" at {int(at) // 60}:{int(at) % 60:02d}" if isinstance(at, int | float) else ""
        return f"a comment by {_person(s, change.get('author_id'))}{when} on {take}"
    if table == "top_videos":
        owner = s.scalar(
            select(Submission.person_id).where(Submission.id == d.get("submission_id"))
        )
        if owner is not None and d.get("edited_by") == owner:
            return f"the consent to share {take}"
        return f"the Top Video mark on {take}"
    return f"a {table.replace('_', ' ')} record"


def _short(text, limit: int = 60) -> str:
    text = str(text or "").strip()
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _person(s: Session, person_id) -> str:
    name = s.scalar(select(Person.name).where(Person.id == person_id)) if person_id else None
    return _short(name, 40) if name else "someone"


def _scenario(s: Session, scenario_id) -> str:
    title = s.scalar(select(Scenario.title).where(Scenario.id == scenario_id))
    return _short(title) if title else "a scenario"


def _take(s: Session, submission_id, data: dict) -> str:
    """'Rob's take of 'Phone and case'' from the submission record, or from the change."""
    row = s.execute(
        select(Submission.person_id, Submission.scenario_id).where(Submission.id == submission_id)
    ).first()
    person, scenario = row if row else (data.get("person_id"), data.get("scenario_id"))
    if person is None:
        return "a take"
    return f"{_person(s, person)}'s take of '{_scenario(s, scenario)}'"
