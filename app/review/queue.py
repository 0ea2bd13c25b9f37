"""The review queue: submissions with who, what, when and how far along.

:class:`QueueFilter` is plain data with ``to_dict``/``from_dict``, so the
review page can remember it in the settings between visits.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import ColumnElement, String, func, select, type_coerce
from sqlalchemy.orm import Session

from app.core.clock import as_utc
from app.core.errors import UserError
from app.core.models import (
    Assignment,
    Comment,
    Person,
    Review,
    Scenario,
    Submission,
    SubmissionStatus,
    Team,
)

AWAITING = (SubmissionStatus.NEW, SubmissionStatus.IN_REVIEW)


def _due_key(row: QueueRow):
    return (row.due_date is not None, row.due_date or date.min)  # no due date sorts first


SORT_KEYS = {
    "submitted": lambda r: r.submitted_at,
    "due": _due_key,
    "rep": lambda r: r.rep_name.lower(),
    "team": lambda r: (r.team_name or "").lower(),
    "scenario": lambda r: r.scenario_title.lower(),
    "length": lambda r: r.duration_seconds,
    "status": lambda r: r.status.value,
    "reviews": lambda r: r.review_count,
    "comments": lambda r: r.comment_count,
}


@dataclass(frozen=True)
class QueueFilter:
    """What the queue shows. Empty ``statuses`` means every status."""

    statuses: tuple[SubmissionStatus, ...] = AWAITING
    rep_id: str | None = None
    team_id: str | None = None
    scenario_id: str | None = None
    submitted_from: date | None = None  # inclusive, UTC day
    submitted_to: date | None = None  # inclusive, UTC day
    sort_by: str = "submitted"
    descending: bool = False

    def __post_init__(self):
        if self.sort_by not in SORT_KEYS:
            raise UserError(
                f"The queue cannot be sorted by '{self.sort_by}'.",
                "Sort by one of: " + ", ".join(SORT_KEYS) + ".",
            )

    def to_dict(self) -> dict:
        return {
            "statuses": [s.value for s in self.statuses],
            "rep_id": self.rep_id,
            "team_id": self.team_id,
            "scenario_id": self.scenario_id,
            "submitted_from": self.submitted_from.isoformat() if self.submitted_from else None,
            "submitted_to": self.submitted_to.isoformat() if self.submitted_to else None,
            "sort_by": self.sort_by,
            "descending": self.descending,
        }

    def with_changes(self, **changes) -> QueueFilter:
        """A copy with some fields changed (what the filter widgets do)."""
        return replace(self, **changes)

    @classmethod
    def from_dict(cls, data: dict | None) -> QueueFilter:
        """Rebuild a remembered filter; anything unreadable falls back to the default."""
        if not isinstance(data, dict):
            return cls()
        try:
            return cls(
                statuses=tuple(SubmissionStatus(v) for v in data.get("statuses", [])),
                rep_id=data.get("rep_id") or None,
                team_id=data.get("team_id") or None,
                scenario_id=data.get("scenario_id") or None,
                submitted_from=_day(data.get("submitted_from")),
                submitted_to=_day(data.get("submitted_to")),
                sort_by=data.get("sort_by") or "submitted",
                descending=bool(data.get("descending", False)),
            )
        except (ValueError, TypeError, UserError):
            return cls()


def _day(value) -> date | None:
    return date.fromisoformat(value) if value else None


@dataclass(frozen=True, slots=True)  # slots: ten thousand of these are built per refresh
class QueueRow:
    submission_id: str
    rep_id: str
    rep_name: str
    team_name: str | None
    scenario_id: str
    scenario_key: str
    scenario_title: str
    submitted_at: datetime
    due_date: date | None
    duration_seconds: float
    status: SubmissionStatus
    review_count: int
    comment_count: int

    @property
    def overdue(self) -> bool:
        """Handed in after the assignment's due date."""
        return self.due_date is not None and self.submitted_at.date() > self.due_date

    def as_dict(self) -> dict:
        return {
            "id": self.submission_id,
            "rep": self.rep_name,
            "team": self.team_name,
            "scenario": self.scenario_key,
            "scenario_title": self.scenario_title,
            "submitted_at": self.submitted_at.isoformat(),
            "due_date": self.due_date.isoformat() if self.due_date else None,
            "duration_seconds": self.duration_seconds,
            "status": self.status.value,
            "reviews": self.review_count,
            "comments": self.comment_count,
        }


@dataclass(frozen=True)
class Queue:
    rows: list[QueueRow]
    counts: dict[SubmissionStatus, int] = field(default_factory=dict)


def _conditions(flt: QueueFilter, *, with_status: bool = True) -> list[ColumnElement[bool]]:
    where: list[ColumnElement[bool]] = [Submission.deleted.is_(False)]
    if with_status and flt.statuses:
        where.append(Submission.status.in_(flt.statuses))
    if flt.rep_id:
        where.append(Submission.person_id == flt.rep_id)
    if flt.team_id:
        where.append(
            Submission.person_id.in_(select(Person.id).where(Person.team_id == flt.team_id))
        )
    if flt.scenario_id:
        where.append(Submission.scenario_id == flt.scenario_id)
    if flt.submitted_from:
        where.append(Submission.submitted_at >= _midnight(flt.submitted_from))
    if flt.submitted_to:
        where.append(Submission.submitted_at < _midnight(flt.submitted_to + timedelta(days=1)))
    return where


def _midnight(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=UTC)


def load_queue(s: Session, flt: QueueFilter | None = None) -> Queue:
    """The rows the filter selects, sorted, plus counts per status under the other filters.

    Set-based and fast on tens of thousands of submissions: one scan of the
    submissions, one aggregate each for review and comment counts,
    and the few people, teams, scenarios and assignments they point at, joined
    here rather than row by row in SQL (SQLite would otherwise rebuild
    temporary indexes on every call).
    """
    flt = flt or QueueFilter()
    # Every status is read (the counts per status need them); rows are built for
    # the wanted ones only.
    where = _conditions(flt, with_status=False)
    wanted = set(flt.statuses) or set(SubmissionStatus)
    # Counting for everyone beats testing membership unless the filter picks a few.
    narrowed = (
        flt.rep_id or flt.team_id or flt.scenario_id or flt.submitted_from or flt.submitted_to
    )
    selected = select(Submission.id).where(*where) if narrowed else None
    db = s.connection()  # plain rows, without the ORM's per-row bookkeeping
    people = {
        pid: (name, team_id)
        for pid, name, team_id in db.execute(select(Person.id, Person.name, Person.team_id))
    }
    teams = dict(db.execute(select(Team.id, Team.name)).all())
    scenarios = {
        sid: (key, title)
        for sid, key, title in db.execute(select(Scenario.id, Scenario.key, Scenario.title))
    }
    due = dict(db.execute(select(Assignment.id, Assignment.due_date)).all())
    reviews = _counts(db, Review, selected)
    comments = _counts(db, Comment, selected)
    counts = dict.fromkeys(SubmissionStatus, 0)
    rows = []
    for sub_id, rep_id, scenario_id, assignment_id, submitted, length, text in db.execute(
        select(
            Submission.id,
            Submission.person_id,
            Submission.scenario_id,
            Submission.assignment_id,
            type_coerce(Submission.submitted_at, String),  # parsed below, much faster
            Submission.duration_seconds,
            type_coerce(Submission.status, String),
        ).where(*where)
    ):
        status = _STATUS[text]
        counts[status] += 1
        if status not in wanted:
            continue
        rep_name, team_id = people[rep_id]
        key, title = scenarios[scenario_id]
        rows.append(
            QueueRow(
                submission_id=sub_id,
                rep_id=rep_id,
                rep_name=rep_name,
                team_name=teams.get(team_id) if team_id else None,
                scenario_id=scenario_id,
                scenario_key=key,
                scenario_title=title,
                submitted_at=_moment(submitted),
                due_date=due.get(assignment_id) if assignment_id else None,
                duration_seconds=length,
                status=status,
                review_count=reviews.get(sub_id, 0),
                comment_count=comments.get(sub_id, 0),
            )
        )
    rows.sort(key=SORT_KEYS["submitted"])
    if flt.sort_by != "submitted" or flt.descending:
        rows.sort(key=SORT_KEYS[flt.sort_by], reverse=flt.descending)  # stable: ties by date
    return Queue(rows, counts)


_STATUS = {s.value: s for s in SubmissionStatus}


def _moment(value) -> datetime:
    """SQLite hands the text back; other databases a datetime."""
    return as_utc(datetime.fromisoformat(value) if isinstance(value, str) else value)


def _counts(db, model, selected) -> dict[str, int]:
    """Live reviews or comments per submission (only the selected ones, if given)."""
    query = select(model.submission_id, func.count()).where(model.deleted.is_(False))
    if selected is not None:
        query = query.where(model.submission_id.in_(selected))
    return dict(db.execute(query.group_by(model.submission_id)).all())


def status_counts(s: Session, flt: QueueFilter | None = None) -> dict[SubmissionStatus, int]:
    """How many submissions are in each status, under every filter but the status one."""
    flt = flt or QueueFilter()
    query = (
        select(Submission.status, func.count())
        .where(*_conditions(flt, with_status=False))
        .group_by(Submission.status)
    )
    counts = dict.fromkeys(SubmissionStatus, 0)
    counts.update({status: n for status, n in s.execute(query)})
    return counts
