# ruff: noqa: F811  (the fixtures imported from review_support are parameters here)
"""Rubric scoring, reviewer permissions, decisions and the rep's view of them."""

from __future__ import annotations

import pytest
from review_support import coaching, review_video  # noqa: F401  (fixtures)
from sqlalchemy import select

from app.core.errors import PermissionDenied, UserError
from app.core.models import Decision, Review, Submission, SubmissionStatus
from app.review.decisions import decide, rep_feedback
from app.review.scoring import (
    delete_review,
    edit_review,
    open_for_review,
    reviews_of,
    score_submission,
)
from app.scenarios.rubrics import Criterion, compute_points

RUBRIC = [
    Criterion("discovery", "Discovery", "", 2.0, 5),
    Criterion("benefit", "Benefit", "", 1.0, 5),
    Criterion("close", "Close", "", 1.0, 10),
]


@pytest.mark.parametrize(
    ("scores", "points"),
    [
        ({"discovery": 5, "benefit": 0, "close": 0}, 50.0),  # weight 2 of 4
        ({"discovery": 0, "benefit": 5, "close": 0}, 25.0),  # weight 1 of 4
        ({"discovery": 0, "benefit": 0, "close": 10}, 25.0),  # max 10 counts like max 5
        ({"discovery": 4, "benefit": 3, "close": 7}, 72.5),
        ({"discovery": 5, "benefit": 5, "close": 10}, 100.0),
        ({"discovery": 0, "benefit": 0, "close": 0}, 0.0),
    ],
)
def test_points_are_the_weighted_share_of_the_maximum(scores, points):
    assert compute_points(RUBRIC, scores) == points


def test_points_are_rounded_to_one_decimal():
    thirds = [Criterion(k, k, "", 1.0, 3) for k in ("a", "b", "c")]
    assert compute_points(thirds, {"a": 1, "b": 1, "c": 1}) == 33.3
    assert compute_points(thirds, {"a": 2, "b": 2, "c": 1}) == 55.6


def test_partial_scoring_is_refused_naming_the_missing_criteria():
    with pytest.raises(UserError) as err:
        compute_points(RUBRIC, {"benefit": 3})
    assert err.value.message == "Every criterion needs a score; missing: discovery, close."
    assert "Score all criteria" in err.value.hint


@pytest.mark.parametrize(
    ("scores", "words"),
    [
        ({"discovery": 4, "benefit": 3, "close": 7, "smile": 2}, "no criterion smile"),
        (
            {"discovery": 6, "benefit": 3, "close": 7},
            "discovery must be a whole number from 0 to 5",
        ),
        ({"discovery": 4, "benefit": -1, "close": 7}, "benefit must be a whole number from 0 to 5"),
        ({"discovery": 4, "benefit": 3, "close": 7.5}, "close must be a whole number from 0 to 10"),
        ({"discovery": True, "benefit": 3, "close": 7}, "discovery must be a whole number"),
    ],
)
def test_unknown_criteria_and_out_of_range_scores_are_refused(scores, words):
    with pytest.raises(UserError, match=words):
        compute_points(RUBRIC, scores)


FULL = {"discovery": 4, "benefit": 3, "close": 7}


def test_a_review_is_saved_with_its_points_and_rescoring_updates_it(coaching):
    sub = coaching.submit(coaching.ana)
    with coaching.ctx.session() as s:
        first = score_submission(s, coaching.tom, sub, FULL, "Good questions.")
    with coaching.ctx.session() as s:
        again = score_submission(
            s, coaching.tom, sub[:8], {"discovery": 5, "benefit": 5, "close": 10}, " Better. "
        )
        rows = s.scalars(select(Review).where(Review.submission_id == sub)).all()
        status = s.get(Submission, sub).status
    assert first.points == 72.5 and first.feedback == "Good questions."
    assert again.id == first.id and again.points == 100.0 and again.feedback == "Better."
    assert len(rows) == 1 and rows[0].author_id == coaching.tom.id
    assert status is SubmissionStatus.IN_REVIEW


def test_several_reviewers_each_keep_their_own_review(coaching):
    sub = coaching.submit(coaching.ana)
    with coaching.ctx.session() as s:
        score_submission(s, coaching.tom, sub, FULL)
        score_submission(s, coaching.max, sub, {"discovery": 5, "benefit": 5, "close": 10})
    with coaching.ctx.session() as s:
        reviews = {r.reviewer_name: r.points for r in reviews_of(s, sub)}
    assert reviews == {"Tom Trainer": 72.5, "Max Manager": 100.0}


def test_opening_a_new_submission_puts_it_in_review(coaching):
    sub = coaching.submit(coaching.ana)
    with coaching.ctx.session() as s:
        assert open_for_review(s, coaching.tia, sub).status is SubmissionStatus.IN_REVIEW


def test_a_rep_cannot_review(coaching):
    sub = coaching.submit(coaching.ana)
    with pytest.raises(PermissionDenied) as err, coaching.ctx.session() as s:
        score_submission(s, coaching.ben, sub, FULL)
    assert "Only trainers and managers can review" in err.value.message
    assert "Ben Okafor is a rep" in err.value.message
    _assert_untouched(coaching, sub)


def test_a_rep_cannot_review_their_own_submission(coaching):
    sub = coaching.submit(coaching.ana)
    with (
        pytest.raises(PermissionDenied, match="You cannot review your own submission"),
        coaching.ctx.session() as s,
    ):
        score_submission(s, coaching.ana, sub, FULL)
    _assert_untouched(coaching, sub)


def test_a_trainer_cannot_review_their_own_submission(coaching):
    sub = coaching.submit(coaching.tom)
    with (
        pytest.raises(PermissionDenied, match="cannot review your own submission"),
        coaching.ctx.session() as s,
    ):
        score_submission(s, coaching.tom, sub, FULL)
    _assert_untouched(coaching, sub)


def test_a_trainer_cannot_edit_or_delete_another_trainers_review(coaching):
    sub = coaching.submit(coaching.ana)
    with coaching.ctx.session() as s:
        review = score_submission(s, coaching.tom, sub, FULL, "Mine.")
    with (
        pytest.raises(PermissionDenied, match="belongs to another reviewer"),
        coaching.ctx.session() as s,
    ):
        edit_review(s, coaching.tia, review.id, feedback="Overwritten")
    with (
        pytest.raises(PermissionDenied, match="belongs to another reviewer"),
        coaching.ctx.session() as s,
    ):
        delete_review(s, coaching.tia, review.id)
    with coaching.ctx.session() as s:
        (kept,) = reviews_of(s, sub)
    assert kept.feedback == "Mine." and kept.points == 72.5


def test_a_reviewer_edits_and_withdraws_their_own_review(coaching):
    sub = coaching.submit(coaching.ana)
    with coaching.ctx.session() as s:
        review = score_submission(s, coaching.tom, sub, FULL)
    with coaching.ctx.session() as s:
        edited = edit_review(s, coaching.tom, review.id, {"discovery": 5, "benefit": 0, "close": 0})
    with coaching.ctx.session() as s:
        delete_review(s, coaching.tom, review.id)
    with coaching.ctx.session() as s:
        assert reviews_of(s, sub) == []
        assert s.get(Review, review.id).deleted is True  # a tombstone travels with sync
    assert edited.points == 50.0


def test_partial_scores_on_a_submission_save_nothing(coaching):
    sub = coaching.submit(coaching.ana)
    with pytest.raises(UserError, match="missing: benefit, close"), coaching.ctx.session() as s:
        score_submission(s, coaching.tom, sub, {"discovery": 3})
    _assert_untouched(coaching, sub)


def _assert_untouched(coaching, sub):
    with coaching.ctx.session() as s:
        assert s.scalars(select(Review).where(Review.submission_id == sub)).all() == []
        assert s.get(Submission, sub).status is SubmissionStatus.NEW


def test_approve_and_retake_set_the_outcome(coaching):
    first, second = coaching.submit(coaching.ana), coaching.submit(coaching.ben)
    with coaching.ctx.session() as s:
        score_submission(s, coaching.tom, first, FULL)
        decide(s, coaching.tom, first, Decision.APPROVE)
        score_submission(s, coaching.tom, second, FULL)
        decide(s, coaching.tom, second, Decision.RETAKE, "Ask for the sale at the end.")
    with coaching.ctx.session() as s:
        a, b = s.get(Submission, first), s.get(Submission, second)
        decisions = {r.submission_id: r.decision for r in s.scalars(select(Review))}
    assert a.status is SubmissionStatus.APPROVED and a.decision_reason == ""
    assert b.status is SubmissionStatus.RETAKE_REQUESTED
    assert b.decision_reason == "Ask for the sale at the end."
    assert decisions == {first: Decision.APPROVE, second: Decision.RETAKE}


def test_a_retake_needs_a_reason_and_a_decision_needs_scores(coaching):
    sub = coaching.submit(coaching.ana)
    with pytest.raises(UserError, match="Score the submission before"), coaching.ctx.session() as s:
        decide(s, coaching.tom, sub, Decision.APPROVE)
    with coaching.ctx.session() as s:
        score_submission(s, coaching.tom, sub, FULL)
    with pytest.raises(UserError, match="A retake needs a reason"), coaching.ctx.session() as s:
        decide(s, coaching.tom, sub, Decision.RETAKE, "   ")
    with coaching.ctx.session() as s:
        assert s.get(Submission, sub).status is SubmissionStatus.IN_REVIEW


def test_a_rep_cannot_decide(coaching):
    sub = coaching.submit(coaching.ana)
    with pytest.raises(PermissionDenied), coaching.ctx.session() as s:
        decide(s, coaching.ben, sub, Decision.APPROVE)


def test_the_rep_sees_outcome_scores_self_assessment_and_comments(coaching):
    from app.review.comments import add_comment

    sub = coaching.submit(coaching.ana, self_scores={"discovery": 5, "benefit": 4, "close": 8})
    coaching.submit(coaching.ben)
    with coaching.ctx.session() as s:
        score_submission(s, coaching.tom, sub, FULL, "Clear benefits.")
        score_submission(s, coaching.max, sub, {"discovery": 5, "benefit": 5, "close": 10})
        add_comment(s, coaching.tom, sub, 2.5, "Pause here", "objection handled")
        add_comment(s, coaching.max, sub, 1.0, "", "good discovery question")
        decide(s, coaching.tom, sub, Decision.RETAKE, "Close more firmly.")
    with coaching.ctx.session() as s:
        (mine,) = rep_feedback(s, coaching.ana)
    assert mine.submission_id == sub and mine.status == "retake_requested"
    assert mine.decision_reason == "Close more firmly."
    assert mine.self_scores == {"discovery": 5, "benefit": 4, "close": 8}
    assert [c.key for c in mine.criteria] == ["discovery", "benefit", "close"]
    assert [(r.reviewer_name, r.points, r.scores) for r in mine.reviews] == [
        ("Tom Trainer", 72.5, FULL),
        ("Max Manager", 100.0, {"discovery": 5, "benefit": 5, "close": 10}),
    ]
    assert mine.mean_points == 86.2  # (72.5 + 100) / 2 = 86.25, rounded half to even
    assert [(c.at_seconds, c.preset, c.text, c.author_name) for c in mine.comments] == [
        (1.0, "good discovery question", "", "Max Manager"),
        (2.5, "objection handled", "Pause here", "Tom Trainer"),
    ]
    assert mine.comments[1].color == "#6a1b9a"
