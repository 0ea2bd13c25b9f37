"""Finding the records a coaching action is about, and who may act on them."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.core.errors import NotFound, PermissionDenied, UserError
from app.core.models import Submission
from app.core.profiles import Profile

MIN_PREFIX = 6


def find_submission(s: Session, ref: str) -> Submission:
    """A live submission by its id or a unique start of it (6 characters or more)."""
    needle = ref.strip().lower()
    found = s.get(Submission, needle)
    if found is None or found.deleted:
        if len(needle) < MIN_PREFIX:
            raise UserError(
                f"'{ref}' is too short to name a submission.",
                f"Type at least {MIN_PREFIX} characters of its id (crosscoach queue shows them).",
            )
        matches = list(
            s.scalars(
                select(Submission)
                .where(Submission.id.startswith(needle), Submission.deleted.is_(False))
                .limit(2)
            )
        )
        if len(matches) > 1:
            raise UserError(
                f"More than one submission starts with '{ref}'.",
                "Type more characters of the id.",
            )
        found = matches[0] if matches else None
    if found is None:
        raise NotFound(
            f"There is no submission '{ref}'.",
            "See the submissions with: crosscoach queue --status all",
        )
    return found


def require_not_own(actor: Profile, submission: Submission, action: str) -> None:
    if submission.person_id == actor.id:
        raise PermissionDenied(
            f"You cannot {action} your own submission.",
            "Ask a trainer or manager to review it.",
        )


def require_author(actor: Profile, author_id: str | None, what: str) -> None:
    """Reviews and comments belong to whoever wrote them."""
    if author_id != actor.id:
        raise PermissionDenied(
            f"This {what} belongs to another reviewer; only its author can change or delete it.",
            f"Add your own {what} instead.",
        )
