"""Assignments: a scenario given to a rep or a team, and where each rep stands with it."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

from sqlalchemy.orm import Session

from app.core.clock import utcnow
from app.core.errors import UserError
from app.core.models import Assignment, Person, Role, Submission, SubmissionStatus, Team
from app.core.profiles import find_person, find_profile, find_team
from app.practice.rounds import assignments_of, count_round, latest_submission
from app.scenarios.library import find_scenario

if TYPE_CHECKING:
    from app.identity.context import AppContext

NOTE_MAX = 2000


class AssignmentStatus(str, enum.Enum):  # noqa: UP042 (StrEnum needs Python 3.11)
    """Where a rep stands with an assignment, in the words the Practice page shows."""

    TO_DO = "to do"
    SUBMITTED = "submitted"
    RETAKE_REQUESTED = "retake requested"
    APPROVED = "approved"


STATUS_OF_SUBMISSION = {
    SubmissionStatus.NEW: AssignmentStatus.SUBMITTED,
    SubmissionStatus.IN_REVIEW: AssignmentStatus.SUBMITTED,
    SubmissionStatus.RETAKE_REQUESTED: AssignmentStatus.RETAKE_REQUESTED,
    SubmissionStatus.APPROVED: AssignmentStatus.APPROVED,
}

# The rep still owes something: past the due date, these make it overdue.
OWED = (AssignmentStatus.TO_DO, AssignmentStatus.RETAKE_REQUESTED)


@dataclass(frozen=True)
class AssignmentInfo:
    id: str
    scenario_id: str
    scenario_key: str
    scenario_title: str
    person_id: str | None  # exactly one of person_id and team_id is set
    team_id: str | None
    assigned_to: str  # the rep's name, or "team NAME"
    due_date: date | None
    note: str

    def as_dict(self) -> dict:
        return {
            "id": self.id,
            "scenario_id": self.scenario_id,
            "scenario_key": self.scenario_key,
            "scenario": self.scenario_title,
            "person_id": self.person_id,
            "team_id": self.team_id,
            "assigned_to": self.assigned_to,
            "due_date": self.due_date.isoformat() if self.due_date else None,
            "note": self.note,
        }


@dataclass(frozen=True)
class RepAssignment:
    """One assignment as one rep sees it."""

    assignment: AssignmentInfo
    status: AssignmentStatus
    attempts_used: int  # in the current round (see app.practice.rounds)
    attempts_allowed: int
    round: int
    overdue: bool
    submission_id: str | None  # the latest submission, if any

    def as_dict(self) -> dict:
        return {
            **self.assignment.as_dict(),
            "status": self.status.value,
            "attempts_used": self.attempts_used,
            "attempts_allowed": self.attempts_allowed,
            "round": self.round,
            "overdue": self.overdue,
            "submission_id": self.submission_id,
        }


def create_assignment(
    ctx: AppContext,
    scenario: str,
    *,
    to: str | None = None,
    team: str | None = None,
    due: date | None = None,
    note: str = "",
) -> AssignmentInfo:
    """Give ``scenario`` (id or key) to one rep (name or id) or to a whole team."""
    ctx.require_reviewer("give assignments")
    if (to is None) == (team is None):
        raise UserError(
            "Say who the assignment is for: one rep or one team.",
            "Use --to NAME for a rep, or --team TEAM for everyone in a team.",
        )
    if due is not None and due < utcnow().date():
        raise UserError(
            f"The due date {due.isoformat()} has already passed.",
            "Give a due date from today on, or none.",
        )
    note = note.strip()
    if len(note) > NOTE_MAX:
        raise UserError(f"The note is longer than {NOTE_MAX} characters.", "Shorten the note.")
    with ctx.session() as s:
        found = find_scenario(s, scenario)
        row = Assignment(scenario_id=found.id, due_date=due, note=note)
        if to is not None:
            person = find_profile(s, to)
            if person.role is not Role.REP:
                raise UserError(
                    f"{person.name} is a {person.role.value}; assignments are for reps.",
                    "Choose a rep (crosscoach profile list shows everyone's role).",
                )
            row.person_id = person.id
        elif team is not None:
            row.team_id = find_team(s, team).id
        s.add(row)
        s.flush()
        return _info(s, row)


def list_assignments(s: Session, person_id: str, today: date | None = None) -> list[RepAssignment]:
    """The rep's assignments (their own and their team's), the soonest due first."""
    person = find_person(s, person_id)
    today = today or utcnow().date()
    mine = [
        _for_rep(s, person, a, today) for a in assignments_of(s, person) if not a.scenario.deleted
    ]
    mine.sort(
        key=lambda r: (
            r.assignment.due_date or date.max,
            r.assignment.scenario_title.lower(),
            r.assignment.id,
        )
    )
    return mine


def _for_rep(s: Session, person: Person, row: Assignment, today: date) -> RepAssignment:
    latest: Submission | None = latest_submission(s, person.id, row)
    status = STATUS_OF_SUBMISSION[latest.status] if latest else AssignmentStatus.TO_DO
    count = count_round(s, person.id, row.scenario_id, row.id)
    return RepAssignment(
        assignment=_info(s, row),
        status=status,
        attempts_used=count.used,
        attempts_allowed=row.scenario.allowed_attempts,
        round=count.round,
        overdue=row.due_date is not None and row.due_date < today and status in OWED,
        submission_id=latest.id if latest else None,
    )


def _info(s: Session, row: Assignment) -> AssignmentInfo:
    person = s.get(Person, row.person_id) if row.person_id else None
    team = s.get(Team, row.team_id) if row.team_id else None
    if person is not None:
        assigned_to = person.name
    else:
        assigned_to = f"team {team.name}" if team is not None else "nobody"
    return AssignmentInfo(
        id=row.id,
        scenario_id=row.scenario_id,
        scenario_key=row.scenario.key,
        scenario_title=row.scenario.title,
        person_id=row.person_id,
        team_id=row.team_id,
        assigned_to=assigned_to,
        due_date=row.due_date,
        note=row.note,
    )
