"""The CrossCoach domain model (SQLAlchemy 2 typed ORM).

Every table whose rows may travel between devices mixes in :class:`Synced`:
a UUID primary key, the author, the authoring device, a wall-clock
modification time and a hybrid-logical-clock ``version`` that orders
concurrent edits deterministically, plus a ``deleted`` tombstone flag. The
stamps are filled in by :mod:`app.core.stamps` at flush time, so no caller
can forget them.

Rows that never leave the device (practice takes, local state) do not mix it in.
Lists (talking points, keywords) and score maps are JSON: each is edited as one
value, and travels as one value.
"""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    Enum,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from app.core.ids import new_id

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

UUID = String(36)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class Role(enum.StrEnum):
    REP = "rep"
    TRAINER = "trainer"
    MANAGER = "manager"

    @property
    def reviews(self) -> bool:
        """Trainers and managers coach; reps practise."""
        return self is not Role.REP


class SubmissionStatus(enum.StrEnum):
    NEW = "new"
    IN_REVIEW = "in_review"
    RETAKE_REQUESTED = "retake_requested"
    APPROVED = "approved"


class Decision(enum.StrEnum):
    NONE = "none"
    APPROVE = "approve"
    RETAKE = "retake"


class Consent(enum.StrEnum):
    PENDING = "pending"
    GRANTED = "granted"
    REFUSED = "refused"


def _enum(cls: type[enum.Enum], name: str) -> Enum:
    # Stored as the readable value ("trainer"), checked by a named constraint.
    return Enum(
        cls,
        name=name,
        values_callable=lambda e: [m.value for m in e],
        native_enum=False,
        create_constraint=True,
        length=20,
    )


class Synced:
    """Columns every syncable record carries from day one."""

    id: Mapped[str] = mapped_column(UUID, primary_key=True, default=new_id)
    author_id: Mapped[str | None] = mapped_column(UUID, default=None)
    device_id: Mapped[str] = mapped_column(UUID, default="")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    version: Mapped[str] = mapped_column(String(64), default="")
    deleted: Mapped[bool] = mapped_column(Boolean, default=False)
    # Who made this version (the author made the first); None in records written
    # before CrossCoach recorded it. Sync judges each version by its editor's role.
    edited_by: Mapped[str | None] = mapped_column(UUID, default=None)


class Team(Synced, Base):
    __tablename__ = "teams"

    name: Mapped[str] = mapped_column(String(120), unique=True)

    people: Mapped[list[Person]] = relationship(back_populates="team")


class Person(Synced, Base):
    __tablename__ = "people"
    __table_args__ = (CheckConstraint("length(trim(name)) > 0", name="name_not_blank"),)

    name: Mapped[str] = mapped_column(String(120))
    role: Mapped[Role] = mapped_column(_enum(Role, "role"))
    team_id: Mapped[str | None] = mapped_column(ForeignKey("teams.id"), default=None)

    team: Mapped[Team | None] = relationship(back_populates="people")


class Product(Synced, Base):
    __tablename__ = "products"

    key: Mapped[str] = mapped_column(String(80), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    category: Mapped[str] = mapped_column(String(120), default="")
    description: Mapped[str] = mapped_column(Text, default="")


class CrossSell(Synced, Base):
    """Product A suggests product B, and why the customer is better off."""

    __tablename__ = "cross_sells"
    __table_args__ = (
        UniqueConstraint("product_id", "suggested_id", name="uq_cross_sells_pair"),
        CheckConstraint("product_id <> suggested_id", name="not_self"),
    )

    product_id: Mapped[str] = mapped_column(ForeignKey("products.id"))
    suggested_id: Mapped[str] = mapped_column(ForeignKey("products.id"))
    why: Mapped[str] = mapped_column(Text, default="")

    product: Mapped[Product] = relationship(foreign_keys=[product_id])
    suggested: Mapped[Product] = relationship(foreign_keys=[suggested_id])


class Rubric(Synced, Base):
    __tablename__ = "rubrics"

    key: Mapped[str] = mapped_column(String(80), unique=True)
    name: Mapped[str] = mapped_column(String(200))

    criteria: Mapped[list[RubricCriterion]] = relationship(
        back_populates="rubric",
        order_by="RubricCriterion.position",
        cascade="all, delete-orphan",
    )


class RubricCriterion(Synced, Base):
    __tablename__ = "rubric_criteria"
    __table_args__ = (
        UniqueConstraint("rubric_id", "key", name="uq_rubric_criteria_key"),
        CheckConstraint("weight > 0", name="weight_positive"),
        CheckConstraint("max_score >= 1 AND max_score <= 100", name="max_score_range"),
    )

    rubric_id: Mapped[str] = mapped_column(ForeignKey("rubrics.id"))
    key: Mapped[str] = mapped_column(String(80))
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    weight: Mapped[float] = mapped_column(Float, default=1.0)
    max_score: Mapped[int] = mapped_column(Integer, default=5)
    position: Mapped[int] = mapped_column(Integer, default=0)

    rubric: Mapped[Rubric] = relationship(back_populates="criteria")


class Scenario(Synced, Base):
    __tablename__ = "scenarios"
    __table_args__ = (
        CheckConstraint("prep_seconds >= 0 AND prep_seconds <= 3600", name="prep_range"),
        CheckConstraint(
            "max_answer_seconds >= 5 AND max_answer_seconds <= 3600", name="answer_range"
        ),
        CheckConstraint("allowed_attempts >= 1 AND allowed_attempts <= 100", name="attempts_range"),
        CheckConstraint("primary_product_id <> cross_sell_product_id", name="two_products"),
        CheckConstraint("length(trim(title)) > 0", name="title_not_blank"),
    )

    key: Mapped[str] = mapped_column(String(80), unique=True)
    pack_key: Mapped[str] = mapped_column(String(80), default="")
    title: Mapped[str] = mapped_column(String(200))
    situation: Mapped[str] = mapped_column(Text)
    customer_line: Mapped[str] = mapped_column(Text, default="")
    primary_product_id: Mapped[str] = mapped_column(ForeignKey("products.id"))
    cross_sell_product_id: Mapped[str] = mapped_column(ForeignKey("products.id"))
    talking_points: Mapped[list[str]] = mapped_column(JSON, default=list)
    keywords_mention: Mapped[list[str]] = mapped_column(JSON, default=list)
    keywords_avoid: Mapped[list[str]] = mapped_column(JSON, default=list)
    tags: Mapped[list[str]] = mapped_column(JSON, default=list)
    difficulty: Mapped[str] = mapped_column(String(20), default="")
    prep_seconds: Mapped[int] = mapped_column(Integer, default=30)
    max_answer_seconds: Mapped[int] = mapped_column(Integer, default=120)
    allowed_attempts: Mapped[int] = mapped_column(Integer, default=3)
    # Prompt media lives content-addressed in the data folder's media store.
    prompt_media_sha256: Mapped[str | None] = mapped_column(String(64), default=None)
    prompt_media_name: Mapped[str | None] = mapped_column(String(255), default=None)
    rubric_id: Mapped[str] = mapped_column(ForeignKey("rubrics.id"))
    # Lower-cased title, situation, products, keywords and tags: what library search reads.
    search_text: Mapped[str] = mapped_column(Text, default="")

    primary_product: Mapped[Product] = relationship(foreign_keys=[primary_product_id])
    cross_sell_product: Mapped[Product] = relationship(foreign_keys=[cross_sell_product_id])
    rubric: Mapped[Rubric] = relationship()


class Assignment(Synced, Base):
    """A scenario given to one rep or to a whole team, with a due date."""

    __tablename__ = "assignments"
    __table_args__ = (
        CheckConstraint("(person_id IS NOT NULL) <> (team_id IS NOT NULL)", name="one_assignee"),
    )

    scenario_id: Mapped[str] = mapped_column(ForeignKey("scenarios.id"))
    person_id: Mapped[str | None] = mapped_column(ForeignKey("people.id"), default=None)
    team_id: Mapped[str | None] = mapped_column(ForeignKey("teams.id"), default=None)
    due_date: Mapped[date | None] = mapped_column(Date, default=None)
    note: Mapped[str] = mapped_column(Text, default="")

    scenario: Mapped[Scenario] = relationship()


class Take(Base):
    """A local practice recording. Private to the rep and this device: never synced."""

    __tablename__ = "takes"
    __table_args__ = (
        CheckConstraint("duration_seconds >= 0", name="duration_positive"),
        CheckConstraint("attempt >= 1", name="attempt_positive"),
    )

    id: Mapped[str] = mapped_column(UUID, primary_key=True, default=new_id)
    person_id: Mapped[str] = mapped_column(ForeignKey("people.id"))
    scenario_id: Mapped[str] = mapped_column(ForeignKey("scenarios.id"))
    assignment_id: Mapped[str | None] = mapped_column(ForeignKey("assignments.id"), default=None)
    attempt: Mapped[int] = mapped_column(Integer, default=1)
    sha256: Mapped[str] = mapped_column(String(64))
    size_bytes: Mapped[int] = mapped_column(Integer)
    duration_seconds: Mapped[float] = mapped_column(Float)
    width: Mapped[int] = mapped_column(Integer)
    height: Mapped[int] = mapped_column(Integer)
    recovered: Mapped[bool] = mapped_column(Boolean, default=False)
    recorded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    # The take check's findings, as a list of {"code": ..., "message": ...}.
    check_warnings: Mapped[list[dict]] = mapped_column(JSON, default=list)

    scenario: Mapped[Scenario] = relationship()


class Submission(Synced, Base):
    """The one take a rep hands in for review, with its video and self-assessment."""

    __tablename__ = "submissions"
    __table_args__ = (
        CheckConstraint("duration_seconds >= 0", name="duration_positive"),
        Index("ix_submissions_status_submitted", "status", "submitted_at"),
    )

    person_id: Mapped[str] = mapped_column(ForeignKey("people.id"), index=True)
    scenario_id: Mapped[str] = mapped_column(ForeignKey("scenarios.id"), index=True)
    assignment_id: Mapped[str | None] = mapped_column(ForeignKey("assignments.id"), default=None)
    take_id: Mapped[str | None] = mapped_column(UUID, default=None)
    sha256: Mapped[str] = mapped_column(String(64))
    size_bytes: Mapped[int] = mapped_column(Integer)
    duration_seconds: Mapped[float] = mapped_column(Float)
    width: Mapped[int] = mapped_column(Integer)
    height: Mapped[int] = mapped_column(Integer)
    note: Mapped[str] = mapped_column(Text, default="")
    self_scores: Mapped[dict[str, int]] = mapped_column(JSON, default=dict)
    status: Mapped[SubmissionStatus] = mapped_column(
        _enum(SubmissionStatus, "submission_status"), default=SubmissionStatus.NEW
    )
    decision_reason: Mapped[str] = mapped_column(Text, default="")
    submitted_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))

    person: Mapped[Person] = relationship()
    scenario: Mapped[Scenario] = relationship()


class Review(Synced, Base):
    """One reviewer's scores and feedback on one submission; it belongs to that reviewer."""

    __tablename__ = "reviews"
    __table_args__ = (
        UniqueConstraint("submission_id", "reviewer_id", name="uq_reviews_one_per_reviewer"),
        CheckConstraint("total_points >= 0 AND total_points <= 100", name="points_range"),
    )

    submission_id: Mapped[str] = mapped_column(ForeignKey("submissions.id"), index=True)
    reviewer_id: Mapped[str] = mapped_column(ForeignKey("people.id"))
    scores: Mapped[dict[str, int]] = mapped_column(JSON, default=dict)
    total_points: Mapped[float] = mapped_column(Float, default=0.0)
    feedback: Mapped[str] = mapped_column(Text, default="")
    decision: Mapped[Decision] = mapped_column(_enum(Decision, "decision"), default=Decision.NONE)
    reviewed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))

    submission: Mapped[Submission] = relationship()
    reviewer: Mapped[Person] = relationship()


class Comment(Synced, Base):
    """A coaching comment at an exact moment of a submission's video."""

    __tablename__ = "comments"
    __table_args__ = (
        CheckConstraint("at_seconds >= 0", name="at_positive"),
        # Covers the review queue's count of live comments per submission.
        Index("ix_comments_submission_live", "submission_id", "deleted"),
    )

    submission_id: Mapped[str] = mapped_column(ForeignKey("submissions.id"), index=True)
    at_seconds: Mapped[float] = mapped_column(Float)
    text: Mapped[str] = mapped_column(Text, default="")
    preset: Mapped[str] = mapped_column(String(80), default="")
    color: Mapped[str] = mapped_column(String(9), default="")


class TopVideo(Synced, Base):
    """A trainer's mark that a submission is worth learning from; shared only with consent."""

    __tablename__ = "top_videos"
    __table_args__ = (UniqueConstraint("submission_id", name="uq_top_videos_submission"),)

    submission_id: Mapped[str] = mapped_column(ForeignKey("submissions.id"))
    reason: Mapped[str] = mapped_column(Text)
    consent: Mapped[Consent] = mapped_column(_enum(Consent, "consent"), default=Consent.PENDING)
    consent_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), default=None)

    submission: Mapped[Submission] = relationship()


class Reward(Synced, Base):
    """A badge or reward a trainer grants a rep, e.g. "Best video — November"."""

    __tablename__ = "rewards"

    person_id: Mapped[str] = mapped_column(ForeignKey("people.id"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    badge: Mapped[str] = mapped_column(String(40), default="star")
    period: Mapped[str] = mapped_column(String(20), default="")
    note: Mapped[str] = mapped_column(Text, default="")

    person: Mapped[Person] = relationship()


class RosterEntry(Synced, Base):
    """One person's key in the team's roster, signed by a manager (see app/sync/roster.py).

    The roster is what a team trusts: whose signature counts, with which role,
    from when (``valid_from``) and until when (``revoked_at``), both versions.
    The first entry is a manager's own, signed with their own key: it founds
    the roster, and that key is the team's root of trust.
    """

    __tablename__ = "roster"

    person_id: Mapped[str] = mapped_column(UUID)
    name: Mapped[str] = mapped_column(String(120))
    role: Mapped[Role] = mapped_column(_enum(Role, "roster_role"))
    public_key: Mapped[str] = mapped_column(String(64))  # hex of the 32 raw bytes
    valid_from: Mapped[str] = mapped_column(String(64))
    revoked_at: Mapped[str | None] = mapped_column(String(64), default=None)


class JoinRequest(Synced, Base):
    """A person asking a manager to add their key to the roster (signed with that key)."""

    __tablename__ = "join_requests"

    person_id: Mapped[str] = mapped_column(UUID)
    name: Mapped[str] = mapped_column(String(120))
    role: Mapped[Role] = mapped_column(_enum(Role, "join_role"))
    public_key: Mapped[str] = mapped_column(String(64))
    note: Mapped[str] = mapped_column(Text, default="")


SYNCED_MODELS: tuple[type[Synced], ...] = (
    Team,
    Person,
    Product,
    CrossSell,
    Rubric,
    RubricCriterion,
    Scenario,
    Assignment,
    Submission,
    Review,
    Comment,
    TopVideo,
    Reward,
    RosterEntry,
    JoinRequest,
)


class SyncLogEntry(Base):
    """One version of a synced record, as published by some device. Local only.

    The log holds every version this device has received or sent, with the
    verdict the sync rules gave it. A record's row is always its newest
    accepted version, so the same set of changes gives the same records on
    every device, whatever order they arrived in (app/sync/merge.py).
    """

    __tablename__ = "sync_log"
    __table_args__ = (
        Index("ix_sync_log_verdict", "verdict"),
        Index("ix_sync_log_editor", "editor_id", "version"),
        Index("ix_sync_log_author", "author_id", "version"),
        Index("ix_sync_log_device", "device_id", "version"),
    )

    table_name: Mapped[str] = mapped_column(String(40), primary_key=True)
    record_id: Mapped[str] = mapped_column(UUID, primary_key=True)
    version: Mapped[str] = mapped_column(String(64), primary_key=True)
    device_id: Mapped[str] = mapped_column(UUID)
    author_id: Mapped[str | None] = mapped_column(UUID, default=None)
    editor_id: Mapped[str | None] = mapped_column(UUID, default=None)
    change: Mapped[str] = mapped_column(Text)  # the change as JSON
    # accepted | refused | held (waits for a record it names) | ahead (dated too far ahead)
    verdict: Mapped[str] = mapped_column(String(10))
    reason: Mapped[str] = mapped_column(Text, default="")


class LocalState(Base):
    """Facts about this installation that never sync (its device id, for one)."""

    __tablename__ = "local_state"

    key: Mapped[str] = mapped_column(String(80), primary_key=True)
    value: Mapped[str] = mapped_column(Text)
