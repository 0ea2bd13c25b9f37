"""Profiles: the people who use CrossCoach, and who is acting right now."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.core.errors import NotFound, PermissionDenied, UserError
from app.core.ids import natural_id
from app.core.models import Person, Role, Team


@dataclass(frozen=True)
class Profile:
    """A person as the UI and CLI see them: plain data, detached from any session."""

    id: str
    name: str
    role: Role
    team: str | None

    @property
    def reviews(self) -> bool:
        return self.role.reviews

    def as_dict(self) -> dict:
        return {"id": self.id, "name": self.name, "role": self.role.value, "team": self.team}


def to_profile(person: Person) -> Profile:
    return Profile(person.id, person.name, person.role, person.team.name if person.team else None)


def parse_role(text: str) -> Role:
    try:
        return Role(text.strip().lower())
    except ValueError:
        raise UserError(
            f"'{text}' is not a role CrossCoach knows.", "Use rep, trainer or manager."
        ) from None


def _live_team(s: Session, name: str) -> Team | None:
    return s.scalar(
        select(Team).where(func.lower(Team.name) == name.strip().lower(), Team.deleted.is_(False))
    )


def find_team(s: Session, name: str) -> Team:
    """The team with this name (ignoring case); NotFound when there is none."""
    team = _live_team(s, name)
    if team is None:
        raise NotFound(
            f"There is no team called '{name.strip()}'.",
            "See the teams in: crosscoach profile list",
        )
    return team


def team_by_name(s: Session, name: str) -> Team:
    """The team with this name (ignoring case), created when it does not exist yet."""
    team = _live_team(s, name)
    if team is None:
        # The id comes from the name: "North" made on two devices offline is one team.
        team = s.get(Team, natural_id("teams", name.strip().lower()))
        if team is None:
            team = Team(id=natural_id("teams", name.strip().lower()), name=name.strip())
            s.add(team)
        team.deleted = False
    return team


def create_profile(
    s: Session, name: str, role: Role, team: str | None = None, *, person_id: str | None = None
) -> Profile:
    """A new person (``person_id``: the id an invitation gave them)."""
    name = name.strip()
    if not name:
        raise UserError("A profile needs a name.", "Type the name your team knows you by.")
    if len(name) > 120:
        raise UserError("That name is longer than 120 characters.", "Use a shorter name.")
    person = Person(name=name, role=role, team=team_by_name(s, team) if team else None)
    if person_id is not None:
        person.id = person_id
    s.add(person)
    s.flush()
    return to_profile(person)


def list_profiles(s: Session) -> list[Profile]:
    people = s.scalars(
        select(Person).where(Person.deleted.is_(False)).order_by(func.lower(Person.name))
    )
    return [to_profile(p) for p in people]


def find_profile(s: Session, name_or_id: str) -> Profile:
    """A profile by its id, the start of its id, or its name (ignoring case)."""
    needle = name_or_id.strip()
    live = Person.deleted.is_(False)
    person = s.get(Person, needle)
    if person is None or person.deleted:
        # Compared in Python: SQLite's lower() folds ASCII letters only (Ł, Å, Ö stay).
        wanted = needle.casefold()
        matches = [p for p in s.scalars(select(Person).where(live)) if p.name.casefold() == wanted]
        if not matches and len(needle) >= 4:
            matches = list(s.scalars(select(Person).where(live, Person.id.startswith(needle))))
        if len(matches) > 1:
            raise UserError(
                f"More than one profile matches '{needle}'.",
                "Use the profile's id instead (crosscoach profile list shows it).",
            )
        person = matches[0] if matches else None
    if person is None:
        raise NotFound(
            f"There is no profile called '{needle}'.",
            "See who exists with: crosscoach profile list",
        )
    return to_profile(person)


def find_person(s: Session, person_id: str) -> Person:
    """A live person by their exact id (the acting person, a take's or a submission's rep)."""
    person = s.get(Person, person_id)
    if person is None or person.deleted:
        raise NotFound(
            "That person is no longer in CrossCoach.",
            "See who exists with: crosscoach profile list",
        )
    return person


def require_reviewer(actor: Profile, action: str) -> None:
    """Trainers and managers coach; a rep is refused in plain words."""
    if not actor.reviews:
        raise PermissionDenied(
            f"Only trainers and managers can {action}; {actor.name} is a rep.",
            "Ask a trainer, or act as one with --as NAME.",
        )
