"""Coaching comments at exact moments of a submission's video.

A comment has a preset (a common coaching point with its marker colour), free
text, or both. Deleting leaves a tombstone so the deletion reaches other devices.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.core.clock import as_utc
from app.core.errors import NotFound, UserError
from app.core.models import Comment, Person, Submission
from app.core.profiles import Profile, require_reviewer
from app.review.access import find_submission, require_author


@dataclass(frozen=True)
class Preset:
    name: str
    color: str


PRESETS: tuple[Preset, ...] = (
    Preset("good discovery question", "#2e7d32"),
    Preset("benefit explained", "#1565c0"),
    Preset("missed the cross-sell moment", "#c62828"),
    Preset("objection handled", "#6a1b9a"),
    Preset("asked for the sale", "#ef6c00"),
)
FREE_TEXT_COLOR = "#616161"
MAX_TEXT = 2000


@dataclass(frozen=True)
class CommentView:
    id: str
    submission_id: str
    at_seconds: float
    text: str
    preset: str
    color: str
    author_id: str | None
    author_name: str
    created_at: datetime

    def as_dict(self) -> dict:
        return {
            "id": self.id,
            "at_seconds": self.at_seconds,
            "at": format_moment(self.at_seconds),
            "text": self.text,
            "preset": self.preset,
            "color": self.color,
            "author": self.author_name,
            "created_at": self.created_at.isoformat(),
        }


def format_moment(seconds: float) -> str:
    """``83.4`` -> ``1:23.4``: how people read a moment in a video."""
    minutes, rest = divmod(seconds, 60)
    return f"{int(minutes)}:{rest:04.1f}"


def find_preset(name: str) -> Preset:
    wanted = name.strip().lower()
    for preset in PRESETS:
        if preset.name == wanted:
            return preset
    raise UserError(
        f"'{name}' is not a comment preset.",
        "Use one of: " + ", ".join(f'"{p.name}"' for p in PRESETS) + " (or free text only).",
    )


def add_comment(
    s: Session,
    actor: Profile,
    submission_ref: str,
    at_seconds: float,
    text: str = "",
    preset: str = "",
) -> CommentView:
    submission = find_submission(s, submission_ref)
    require_reviewer(actor, "comment on submissions")
    comment = Comment(submission_id=submission.id, author_id=actor.id)
    _fill(comment, submission, at_seconds, text, preset)
    s.add(comment)
    s.flush()
    return _view(comment, actor.name)


def edit_comment(
    s: Session,
    actor: Profile,
    comment_id: str,
    *,
    at_seconds: float | None = None,
    text: str | None = None,
    preset: str | None = None,
) -> CommentView:
    """Change your own comment; what is not given stays as it was."""
    comment = _live_comment(s, comment_id)
    require_reviewer(actor, "edit comments")
    require_author(actor, comment.author_id, "comment")
    _fill(
        comment,
        s.get_one(Submission, comment.submission_id),
        comment.at_seconds if at_seconds is None else at_seconds,
        comment.text if text is None else text,
        comment.preset if preset is None else preset,
    )
    s.flush()
    return _view(comment, actor.name)


def delete_comment(s: Session, actor: Profile, comment_id: str) -> None:
    comment = _live_comment(s, comment_id)
    require_reviewer(actor, "delete comments")
    require_author(actor, comment.author_id, "comment")
    comment.deleted = True


def list_comments(s: Session, submission_id: str) -> list[CommentView]:
    """The live comments of one submission, in the order they occur in the video."""
    return comments_by_submission(s, [submission_id]).get(submission_id, [])


def comments_by_submission(s: Session, submission_ids: list[str]) -> dict[str, list[CommentView]]:
    """Live comments for several submissions at once, each list in video order."""
    if not submission_ids:
        return {}
    rows = s.execute(
        select(Comment, Person.name)
        .outerjoin(Person, Person.id == Comment.author_id)
        .where(Comment.submission_id.in_(submission_ids), Comment.deleted.is_(False))
        .order_by(Comment.submission_id, Comment.at_seconds, Comment.created_at)
    )
    found: dict[str, list[CommentView]] = {}
    for comment, name in rows:
        found.setdefault(comment.submission_id, []).append(_view(comment, name or "someone"))
    return found


def _fill(comment: Comment, submission: Submission, at: float, text: str, preset: str) -> None:
    text = (text or "").strip()
    chosen = find_preset(preset) if preset and preset.strip() else None
    if not text and chosen is None:
        raise UserError(
            "A comment needs a preset or some text.", "Choose a preset, type a remark, or both."
        )
    if len(text) > MAX_TEXT:
        raise UserError(
            f"That comment is longer than {MAX_TEXT} characters.", "Shorten it or split it in two."
        )
    length = submission.duration_seconds
    if not 0 <= at <= length:
        raise UserError(
            f"{at:g} s is outside the video, which lasts {length:.1f} s.",
            f"Pick a moment between 0 and {length:.1f} seconds.",
        )
    comment.at_seconds = float(at)
    comment.text = text
    comment.preset = chosen.name if chosen else ""
    comment.color = chosen.color if chosen else FREE_TEXT_COLOR


def _live_comment(s: Session, comment_id: str) -> Comment:
    comment = s.get(Comment, comment_id)
    if comment is None or comment.deleted:
        raise NotFound(
            "That comment no longer exists.", "Reload the submission to see its comments."
        )
    return comment


def _view(comment: Comment, author_name: str) -> CommentView:
    return CommentView(
        id=comment.id,
        submission_id=comment.submission_id,
        at_seconds=comment.at_seconds,
        text=comment.text,
        preset=comment.preset,
        color=comment.color,
        author_id=comment.author_id,
        author_name=author_name,
        created_at=as_utc(comment.created_at),
    )
