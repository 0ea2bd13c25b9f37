# ruff: noqa: F811  (the fixtures imported from review_support are parameters here)
"""Top Videos: consent gating, the gallery, thumbnails and the best video."""

from __future__ import annotations

import cv2
import pytest
from review_support import coaching, review_video, utc  # noqa: F401  (fixtures)

from app.core.errors import NotFound, PermissionDenied, UserError
from app.core.models import Consent, TopVideo
from app.review.comments import add_comment
from app.review.scoring import score_submission
from app.review.thumbnails import thumbnail_for, thumbs_folder
from app.review.top_videos import (
    best_videos,
    gallery,
    mark_top,
    pending_requests,
    set_consent,
    unmark_top,
)

GREAT = {"discovery": 5, "benefit": 5, "close": 10}
GOOD = {"discovery": 4, "benefit": 3, "close": 7}


def _gallery(coaching, **kw):
    with coaching.ctx.session() as s:
        return gallery(s, coaching.ctx.paths, **kw)


def test_a_marked_video_is_shared_only_after_the_rep_agrees(coaching):
    sub = coaching.submit(coaching.ana)
    with coaching.ctx.session() as s:
        top = mark_top(s, coaching.tom, sub, "Textbook discovery questions.")
        add_comment(s, coaching.tom, sub, 1.5, "Watch this", "good discovery question")
    assert top.consent is Consent.PENDING
    assert _gallery(coaching) == []
    with coaching.ctx.session() as s:
        (asked,) = pending_requests(s, coaching.ctx.paths, coaching.ana)
        assert pending_requests(s, coaching.ctx.paths, coaching.ben) == []
    assert asked.reason == "Textbook discovery questions."

    with coaching.ctx.session() as s:
        set_consent(s, coaching.ana, sub, granted=True)
    (card,) = _gallery(coaching)
    assert (card.submission_id, card.rep_name, card.marked_by) == (sub, "Ana Souza", "Tom Trainer")
    assert card.reason == "Textbook discovery questions."
    assert (card.scenario_key, card.primary_product, card.cross_sell_product) == (
        "rv-card-offer",
        "rv-account",
        "rv-card",
    )
    assert [(c.at_seconds, c.text) for c in card.comments] == [(1.5, "Watch this")]

    with coaching.ctx.session() as s:
        set_consent(s, coaching.ana, sub, granted=False)  # a rep may change their mind
    assert _gallery(coaching) == []


def test_a_refused_video_is_never_shown(coaching):
    sub = coaching.submit(coaching.ana)
    with coaching.ctx.session() as s:
        mark_top(s, coaching.tom, sub, "Great close.")
        set_consent(s, coaching.ana, sub, granted=False)
        assert s.query(TopVideo).one().consent is Consent.REFUSED
    assert _gallery(coaching) == []


def test_only_the_rep_in_the_video_answers_and_only_reviewers_mark(coaching):
    sub = coaching.submit(coaching.ana)
    with (
        pytest.raises(PermissionDenied, match="Only trainers and managers can mark"),
        coaching.ctx.session() as s,
    ):
        mark_top(s, coaching.ben, sub, "I like it")
    with pytest.raises(NotFound, match="not marked as a Top Video"), coaching.ctx.session() as s:
        set_consent(s, coaching.ana, sub, granted=True)
    with coaching.ctx.session() as s:
        mark_top(s, coaching.tom, sub, "Great close.")
    for someone in (coaching.ben, coaching.tom):
        with (
            pytest.raises(PermissionDenied, match="Only the rep in the video"),
            coaching.ctx.session() as s,
        ):
            set_consent(s, someone, sub, granted=True)
    with pytest.raises(UserError, match="needs a reason"), coaching.ctx.session() as s:
        mark_top(s, coaching.tom, sub, "  ")
    with coaching.ctx.session() as s:
        top = s.query(TopVideo).one()
    assert (top.consent, top.reason) == (Consent.PENDING, "Great close.")


def test_unmarking_and_marking_again_asks_the_rep_again(coaching):
    sub = coaching.submit(coaching.ana)
    with coaching.ctx.session() as s:
        mark_top(s, coaching.tom, sub, "First reason")
        set_consent(s, coaching.ana, sub, granted=True)
        unmark_top(s, coaching.tom, sub)
    assert _gallery(coaching) == []
    with coaching.ctx.session() as s:
        again = mark_top(s, coaching.tia, sub, "Second reason")
    assert (again.consent, again.reason, again.author_id) == (
        Consent.PENDING,
        "Second reason",
        coaching.tia.id,
    )


def _shared(coaching, rep, scores, when, *, other=False):
    sub = coaching.submit(rep, when, other_scenario=other)
    with coaching.ctx.session() as s:
        score_submission(s, coaching.tom, sub, scores)
        mark_top(s, coaching.tom, sub, f"{rep.name} on {when:%b %d}")
        set_consent(s, rep, sub, granted=True)
    return sub


def test_gallery_filters_by_scenario_and_product_best_first(coaching):
    card_ok = _shared(coaching, coaching.ana, GOOD, utc(2026, 11, 3))
    card_best = _shared(coaching, coaching.ben, GREAT, utc(2026, 11, 4))
    saver = _shared(coaching, coaching.cleo, GOOD, utc(2026, 10, 4), other=True)

    def ids(**kw):
        return [c.submission_id for c in _gallery(coaching, **kw)]

    assert ids() == [card_best, card_ok, saver]
    assert ids(scenario_key="rv-card-offer") == [card_best, card_ok]
    assert ids(product_key="rv-saver") == [saver]
    assert ids(product_key="rv-account") == [card_best, card_ok, saver]  # primary product too
    assert ids(scenario_key="rv-card-offer", product_key="rv-saver") == []


def test_the_best_video_per_scenario_and_per_month(coaching):
    nov_ok = _shared(coaching, coaching.ana, GOOD, utc(2026, 11, 3))
    nov_best = _shared(coaching, coaching.ben, GREAT, utc(2026, 11, 30, 23, 59))
    october = _shared(coaching, coaching.cleo, GOOD, utc(2026, 10, 31, 23), other=True)
    hidden = coaching.submit(coaching.ana, utc(2026, 10, 5))
    with coaching.ctx.session() as s:
        score_submission(s, coaching.tom, hidden, GREAT)
        mark_top(s, coaching.tom, hidden, "Not agreed yet")
    with coaching.ctx.session() as s:
        per_scenario = best_videos(s, coaching.ctx.paths, "scenario")
        per_month = best_videos(s, coaching.ctx.paths, "month")
    assert {k: c.submission_id for k, c in per_scenario.items()} == {
        "rv-card-offer": nov_best,
        "rv-saver-offer": october,
    }
    assert {k: c.submission_id for k, c in per_month.items()} == {
        "2026-10": october,
        "2026-11": nov_best,
    }
    assert nov_ok not in {c.submission_id for c in per_month.values()}


def test_thumbnails_are_real_jpegs_made_once(coaching):
    path = thumbnail_for(coaching.ctx.paths, coaching.sha256)
    assert path == thumbs_folder(coaching.ctx.paths) / f"{coaching.sha256}.jpg"
    image = cv2.imread(str(path))
    assert image.shape[1] == 320 and image.shape[0] == 240
    assert image.std() > 10  # a picture of the test pattern, not a blank frame
    made = path.stat().st_mtime_ns
    assert thumbnail_for(coaching.ctx.paths, coaching.sha256) == path
    assert path.stat().st_mtime_ns == made


def test_no_thumbnail_for_a_video_not_on_this_device(coaching):
    assert thumbnail_for(coaching.ctx.paths, "0" * 64) is None


def test_gallery_cards_carry_their_thumbnail(coaching):
    _shared(coaching, coaching.ana, GOOD, utc(2026, 11, 3))
    (card,) = _gallery(coaching)
    assert card.thumbnail is not None and card.thumbnail.exists()
    assert card.mean_points == 72.5
