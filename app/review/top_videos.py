"""Top Videos: trainers pick submissions worth learning from; reps decide if they are shared.

Consent gates everything: the gallery lists only videos whose rep said yes.
Marking asks (consent "pending"); only the rep can grant or refuse.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session, aliased

from app.core.clock import as_utc, utcnow
from app.core.errors import NotFound, PermissionDenied, UserError
from app.core.ids import natural_id
from app.core.models import (
    Consent,
    Person,
    Product,
    Review,
    Scenario,
    Submission,
    TopVideo,
)
from app.core.paths import DataPaths
from app.core.profiles import Profile, require_reviewer
from app.review.access import find_submission
from app.review.comments import CommentView, comments_by_submission
from app.review.periods import period_of
from app.review.thumbnails import thumbnail_for


@dataclass(frozen=True)
class TopVideoCard:
    submission_id: str
    rep_id: str
    rep_name: str
    scenario_key: str
    scenario_title: str
    primary_product: str
    cross_sell_product: str
    reason: str
    marked_by: str
    consent: Consent
    mean_points: float | None
    submitted_at: datetime
    sha256: str
    thumbnail: Path | None
    comments: tuple[CommentView, ...]

    @property
    def month(self) -> str:
        return period_of("month", self.submitted_at).label

    def as_dict(self) -> dict:
        return {
            "submission_id": self.submission_id,
            "rep": self.rep_name,
            "scenario": self.scenario_key,
            "scenario_title": self.scenario_title,
            "products": [self.primary_product, self.cross_sell_product],
            "reason": self.reason,
            "marked_by": self.marked_by,
            "consent": self.consent.value,
            "mean_points": self.mean_points,
            "submitted_at": self.submitted_at.isoformat(),
            "thumbnail": str(self.thumbnail) if self.thumbnail else None,
            "comments": [c.as_dict() for c in self.comments],
        }


def mark_top(s: Session, actor: Profile, submission_ref: str, reason: str) -> TopVideo:
    """Mark (or re-word) a Top Video; a new or re-made mark asks the rep again."""
    submission = find_submission(s, submission_ref)
    require_reviewer(actor, "mark Top Videos")
    reason = reason.strip()
    if not reason:
        raise UserError(
            "A Top Video needs a reason.",
            "Say what the team can learn from it, e.g. --reason TEXT.",
        )
    top = s.scalar(select(TopVideo).where(TopVideo.submission_id == submission.id))
    if top is None:
        top = TopVideo(
            # one mark per submission, even when two trainers make it offline
            id=natural_id("top_videos", submission.id),
            submission_id=submission.id,
            reason=reason,
            author_id=actor.id,
        )
        s.add(top)
    elif top.deleted:
        top.deleted, top.consent, top.consent_at = False, Consent.PENDING, None
        top.author_id = actor.id
    top.reason = reason
    s.flush()
    return top


def unmark_top(s: Session, actor: Profile, submission_ref: str) -> None:
    top = _live_top(s, find_submission(s, submission_ref))
    require_reviewer(actor, "remove Top Videos")
    top.deleted = True


def set_consent(s: Session, actor: Profile, submission_ref: str, granted: bool) -> TopVideo:
    """The rep, and only the rep, says whether the team may watch their video."""
    submission = find_submission(s, submission_ref)
    top = _live_top(s, submission)
    if submission.person_id != actor.id:
        raise PermissionDenied(
            "Only the rep in the video can agree to share it.",
            "Ask the rep to answer the Top Video request.",
        )
    top.consent = Consent.GRANTED if granted else Consent.REFUSED
    top.consent_at = utcnow()
    s.flush()
    return top


def _live_top(s: Session, submission: Submission) -> TopVideo:
    top = s.scalar(
        select(TopVideo).where(TopVideo.submission_id == submission.id, TopVideo.deleted.is_(False))
    )
    if top is None:
        raise NotFound(
            "That submission is not marked as a Top Video.",
            "A trainer marks it first: crosscoach top mark SUBMISSION_ID --reason TEXT",
        )
    return top


def gallery(
    s: Session,
    paths: DataPaths,
    *,
    scenario_key: str | None = None,
    product_key: str | None = None,
) -> list[TopVideoCard]:
    """Top Videos the reps agreed to share, best points first, then newest
    (makes thumbnails on first use: call it from a worker)."""
    return _cards(s, paths, Consent.GRANTED, scenario_key=scenario_key, product_key=product_key)


def pending_requests(s: Session, paths: DataPaths, rep: Profile) -> list[TopVideoCard]:
    """The rep's videos a trainer would like to share, still waiting for an answer."""
    return _cards(s, paths, Consent.PENDING, rep_id=rep.id)


def best_videos(s: Session, paths: DataPaths, by: str) -> dict[str, TopVideoCard]:
    """The shared Top Video with the highest mean points per scenario (``by="scenario"``)
    or per month of submission (``by="month"``); earlier submissions win ties."""
    if by not in ("scenario", "month"):
        raise UserError(f"Best videos are chosen per scenario or per month, not per '{by}'.")
    best: dict[str, TopVideoCard] = {}
    for card in _cards(s, paths, Consent.GRANTED):
        key = card.scenario_key if by == "scenario" else card.month
        held = best.get(key)
        if held is None or _rank(card) > _rank(held):
            best[key] = card
    return dict(sorted(best.items()))


def _rank(card: TopVideoCard) -> tuple:
    return (card.mean_points or 0.0, -card.submitted_at.timestamp())


def _cards(
    s: Session,
    paths: DataPaths,
    consent: Consent,
    *,
    scenario_key: str | None = None,
    product_key: str | None = None,
    rep_id: str | None = None,
) -> list[TopVideoCard]:
    rep, marker = aliased(Person), aliased(Person)
    primary, cross = aliased(Product), aliased(Product)
    points = (
        select(Review.submission_id, func.avg(Review.total_points).label("mean"))
        .where(Review.deleted.is_(False))
        .group_by(Review.submission_id)
        .subquery()
    )
    query = (
        select(
            Submission,
            rep.name,
            Scenario.key,
            Scenario.title,
            primary.key,
            cross.key,
            TopVideo,
            marker.name,
            points.c.mean,
        )
        .join(TopVideo, TopVideo.submission_id == Submission.id)
        .join(rep, rep.id == Submission.person_id)
        .join(Scenario, Scenario.id == Submission.scenario_id)
        .join(primary, primary.id == Scenario.primary_product_id)
        .join(cross, cross.id == Scenario.cross_sell_product_id)
        .outerjoin(marker, marker.id == TopVideo.author_id)
        .outerjoin(points, points.c.submission_id == Submission.id)
        .where(
            TopVideo.deleted.is_(False),
            TopVideo.consent == consent,
            Submission.deleted.is_(False),
        )
        .order_by(points.c.mean.desc(), Submission.submitted_at.desc())
    )
    if scenario_key:
        query = query.where(Scenario.key == scenario_key)
    if product_key:
        query = query.where((primary.key == product_key) | (cross.key == product_key))
    if rep_id:
        query = query.where(Submission.person_id == rep_id)
    rows = s.execute(query).all()
    comments = comments_by_submission(s, [row[0].id for row in rows])
    return [
        TopVideoCard(
            submission_id=sub.id,
            rep_id=sub.person_id,
            rep_name=rep_name,
            scenario_key=scenario_key_,
            scenario_title=title,
            primary_product=primary_key,
            cross_sell_product=cross_key,
            reason=top.reason,
            marked_by=marker_name or "a trainer",
            consent=top.consent,
            mean_points=None if mean is None else round(mean, 1),
            submitted_at=as_utc(sub.submitted_at),
            sha256=sub.sha256,
            thumbnail=thumbnail_for(paths, sub.sha256),
            comments=tuple(comments.get(sub.id, [])),
        )
        for sub, rep_name, scenario_key_, title, primary_key, cross_key, top, marker_name, mean in rows
    ]
