"""Attempts: how many takes a rep may record for a scenario, and when that resets.

The rule, in the words the Practice page uses:

* Takes are counted per rep, per scenario and per assignment (takes recorded
  outside any assignment are free practice and counted on their own).
* A new take belongs to the rep's open assignment for that scenario: one of
  theirs (direct or through their team) whose latest submission is not
  approved, the earliest due first. With no open assignment it is free practice.
* Counting happens in rounds. A round ends when a trainer decides on a
  submission: "retake requested" gives the rep a fresh round with the
  scenario's full ``allowed_attempts``; an approval finishes the assignment
  (later takes are free practice, where an approval also starts a new round).
  The current round holds the takes recorded after the latest decided
  submission was handed in.
* A free-practice take that is handed in joins the rep's open assignment
  for that scenario (see app.practice.submit), and counts there from then on.
* Attempts used are the takes of the current round still on this device.
  Deleting a take gives its attempt back: takes are private drafts, and the
  limit paces practice rather than locking an exam.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from app.core.clock import as_utc
from app.core.errors import UserError
from app.core.models import Assignment, Person, Submission, SubmissionStatus, Take
from app.core.profiles import find_person
from app.scenarios.library import find_scenario

DECIDED = (SubmissionStatus.RETAKE_REQUESTED, SubmissionStatus.APPROVED)
OPEN = (SubmissionStatus.NEW, SubmissionStatus.IN_REVIEW)


@dataclass(frozen=True)
class AttemptPlan:
    """What the next take of a scenario will be: give these to the new Take row."""

    scenario_id: str
    scenario_title: str
    assignment_id: str | None
    # The next take's number in its round: one past the highest, so numbers
    # stay unique even after a deleted take gave its attempt back.
    attempt: int
    allowed: int
    round: int  # 1 for the first round, +1 after each decided submission


@dataclass(frozen=True)
class RoundCount:
    used: int
    round: int
    last_attempt: int  # the highest attempt number in the round (0 for none)


def scope_submissions(
    s: Session, person_id: str, scenario_id: str, assignment_id: str | None
) -> list[Submission]:
    """The rep's submissions for one scenario and assignment, newest first."""
    return list(
        s.scalars(
            select(Submission)
            .where(
                Submission.person_id == person_id,
                Submission.scenario_id == scenario_id,
                Submission.assignment_id.is_(None)
                if assignment_id is None
                else Submission.assignment_id == assignment_id,
                Submission.deleted.is_(False),
            )
            .order_by(Submission.submitted_at.desc())
        )
    )


def count_round(
    s: Session, person_id: str, scenario_id: str, assignment_id: str | None
) -> RoundCount:
    submissions = scope_submissions(s, person_id, scenario_id, assignment_id)
    decided = [sub for sub in submissions if sub.status in DECIDED]
    start = as_utc(decided[0].submitted_at) if decided else None
    rows = s.execute(
        select(Take.recorded_at, Take.attempt).where(
            Take.person_id == person_id,
            Take.scenario_id == scenario_id,
            Take.assignment_id.is_(None)
            if assignment_id is None
            else Take.assignment_id == assignment_id,
        )
    )
    attempts = [attempt for at, attempt in rows if start is None or as_utc(at) > start]
    return RoundCount(len(attempts), len(decided) + 1, max(attempts, default=0))


def next_attempt(s: Session, person_id: str, scenario_id: str, assignment_id: str | None) -> int:
    """The number of a take stored now in its round: one past the highest, so numbers
    stay unique even after a deleted take gave its attempt back. Never refuses: a
    take recovered after a crash is kept even beyond the round's attempts."""
    return count_round(s, person_id, scenario_id, assignment_id).last_attempt + 1


def assignments_of(s: Session, person: Person, scenario_id: str | None = None) -> list[Assignment]:
    """The rep's live assignments, given to them directly or to their team."""
    assignees = [Assignment.person_id == person.id]
    if person.team_id:
        assignees.append(Assignment.team_id == person.team_id)
    query = select(Assignment).where(or_(*assignees), Assignment.deleted.is_(False))
    if scenario_id is not None:
        query = query.where(Assignment.scenario_id == scenario_id)
    return list(s.scalars(query))


def latest_submission(s: Session, person_id: str, assignment: Assignment) -> Submission | None:
    found = scope_submissions(s, person_id, assignment.scenario_id, assignment.id)
    return found[0] if found else None


def open_assignment(s: Session, person: Person, scenario_id: str) -> Assignment | None:
    """The assignment a new take of this scenario counts for, or None (free practice)."""
    candidates = [
        a
        for a in assignments_of(s, person, scenario_id)
        if (latest := latest_submission(s, person.id, a)) is None
        or latest.status is not SubmissionStatus.APPROVED
    ]
    candidates.sort(key=lambda a: (a.due_date or date.max, as_utc(a.created_at)))
    return candidates[0] if candidates else None


def can_record(s: Session, person_id: str, scenario: str) -> AttemptPlan:
    """The plan for the rep's next take of ``scenario`` (id or key).

    Raises :class:`UserError` when the current round's attempts are used up.
    """
    person = find_person(s, person_id)
    found = find_scenario(s, scenario)
    assignment = open_assignment(s, person, found.id)
    assignment_id = assignment.id if assignment else None
    count = count_round(s, person_id, found.id, assignment_id)
    if count.used >= found.allowed_attempts:
        raise UserError(
            f"You have used all {found.allowed_attempts} attempts for '{found.title}'.",
            "Submit the take you like best (crosscoach takes list shows them); "
            "your trainer can ask for a retake, which gives you new attempts.",
        )
    return AttemptPlan(
        scenario_id=found.id,
        scenario_title=found.title,
        assignment_id=assignment_id,
        attempt=count.last_attempt + 1,
        allowed=found.allowed_attempts,
        round=count.round,
    )
