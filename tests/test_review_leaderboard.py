# ruff: noqa: F811  (the fixtures imported from review_support are parameters here)
"""Periods, the leaderboard (points, ranks, ties, teams) and rewards."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from review_support import coaching, review_video, utc  # noqa: F401  (fixtures)

from app.core.errors import PermissionDenied, UserError
from app.core.profiles import find_team
from app.review.leaderboard import leaderboard
from app.review.periods import ALL_TIME, parse_period, period_of
from app.review.rewards import grant_reward
from app.review.scoring import score_submission
from app.review.summary import person_summary

GOOD = {"discovery": 4, "benefit": 3, "close": 7}  # 72.5
HALF = {"discovery": 5, "benefit": 0, "close": 0}  # 50.0
GREAT = {"discovery": 5, "benefit": 5, "close": 10}  # 100.0


@pytest.mark.parametrize(
    ("text", "label", "start", "end"),
    [
        ("2026-11", "2026-11", utc(2026, 11, 1, 0), utc(2026, 12, 1, 0)),
        ("2026-12", "2026-12", utc(2026, 12, 1, 0), utc(2027, 1, 1, 0)),
        ("2026-q4", "2026-Q4", utc(2026, 10, 1, 0), utc(2027, 1, 1, 0)),
        ("2026-Q1", "2026-Q1", utc(2026, 1, 1, 0), utc(2026, 4, 1, 0)),
        ("2026-W49", "2026-W49", utc(2026, 11, 30, 0), utc(2026, 12, 7, 0)),
        ("2026-W01", "2026-W01", utc(2025, 12, 29, 0), utc(2026, 1, 5, 0)),
        ("2026", "2026", utc(2026, 1, 1, 0), utc(2027, 1, 1, 0)),
    ],
)
def test_period_labels(text, label, start, end):
    period = parse_period(text)
    assert (period.label, period.start, period.end) == (label, start, end)


def test_current_periods_hold_now_and_week_years_follow_iso():
    new_year = utc(2027, 1, 1, 9)
    assert parse_period("week", new_year).label == "2026-W53"
    assert parse_period("month", new_year).label == "2027-01"
    assert parse_period("quarter", utc(2026, 11, 30)).label == "2026-Q4"
    assert parse_period("all") is ALL_TIME and parse_period(None) is ALL_TIME
    assert period_of("month", datetime(2026, 11, 30, 23, 59, 59)).label == "2026-11"


@pytest.mark.parametrize("bad", ["2026-13", "2026-W54", "2026-Q5", "last month", "11/2026"])
def test_unknown_periods_are_refused_plainly(bad):
    with pytest.raises(UserError) as err:
        parse_period(bad)
    assert f"'{bad}' is not a period" in err.value.message
    assert "2026-Q4" in err.value.hint


def _reviewed(coaching, rep, scores, when, *, other=False, reviewer=None):
    sub = coaching.submit(rep, when, other_scenario=other)
    with coaching.ctx.session() as s:
        score_submission(s, reviewer or coaching.tom, sub, scores, now=when)
    return sub


def _board(coaching, period, **kw):
    with coaching.ctx.session() as s:
        return leaderboard(s, period, **kw)


def _standing(board):
    return [(e.rank, e.name, e.points) for e in board.entries]


def test_a_review_on_the_last_day_of_a_month_counts_for_that_month(coaching):
    _reviewed(coaching, coaching.ana, GOOD, utc(2026, 11, 30, 23, 59))
    _reviewed(coaching, coaching.ben, HALF, datetime(2026, 12, 1, 0, 0, tzinfo=UTC))
    assert _standing(_board(coaching, "2026-11")) == [(1, "Ana Souza", 72.5)]
    assert _standing(_board(coaching, "2026-12")) == [(1, "Ben Okafor", 50.0)]
    both = [(1, "Ana Souza", 72.5), (2, "Ben Okafor", 50.0)]
    assert _standing(_board(coaching, "2026-W49")) == both  # Monday 30th, Tuesday 1st
    assert _standing(_board(coaching, "2026-Q4")) == both
    assert _standing(_board(coaching, "all")) == both
    assert _standing(_board(coaching, "2026-Q3")) == []
    current = _board(coaching, "month", now=utc(2026, 12, 15))
    assert current.period.label == "2026-12" and _standing(current) == [(1, "Ben Okafor", 50.0)]


def test_ties_share_a_rank_and_the_top_three_are_highlighted(coaching):
    _reviewed(coaching, coaching.ben, GOOD, utc(2026, 11, 3))
    _reviewed(coaching, coaching.ana, GOOD, utc(2026, 11, 4))
    _reviewed(coaching, coaching.cleo, HALF, utc(2026, 11, 5))
    board = _board(coaching, "2026-11")
    assert _standing(board) == [
        (1, "Ana Souza", 72.5),
        (1, "Ben Okafor", 72.5),
        (3, "Cleo Martin", 50.0),
    ]
    assert all(e.highlighted for e in board.entries)


def test_a_fourth_place_is_not_highlighted(coaching, make_profile):
    dan = make_profile("Dan Fourth", "rep", team="South")
    for rep, scores in ((coaching.ana, GREAT), (coaching.ben, GOOD), (coaching.cleo, GOOD)):
        _reviewed(coaching, rep, scores, utc(2026, 11, 3))
    _reviewed(coaching, dan, HALF, utc(2026, 11, 3))
    board = _board(coaching, "2026-11")
    assert [(e.rank, e.highlighted) for e in board.entries] == [
        (1, True),
        (2, True),
        (2, True),
        (4, False),
    ]


def test_points_sum_the_best_submission_per_scenario(coaching):
    _reviewed(coaching, coaching.ana, HALF, utc(2026, 11, 2))
    _reviewed(coaching, coaching.ana, GOOD, utc(2026, 11, 9))  # the retake replaces, not adds
    _reviewed(coaching, coaching.ana, HALF, utc(2026, 11, 10), other=True)
    (ana,) = _board(coaching, "2026-11").entries
    assert (ana.points, ana.submissions, ana.mean_points) == (122.5, 3, 57.5)


def test_several_reviews_of_one_submission_count_as_their_mean(coaching):
    sub = _reviewed(coaching, coaching.ana, GOOD, utc(2026, 11, 2))
    with coaching.ctx.session() as s:
        score_submission(s, coaching.max, sub, GREAT, now=utc(2026, 11, 3))
    (ana,) = _board(coaching, "2026-11").entries
    assert (ana.points, ana.submissions) == (86.2, 1)  # (72.5 + 100) / 2 = 86.25


def test_the_board_can_be_narrowed_to_a_team(coaching):
    _reviewed(coaching, coaching.ana, GOOD, utc(2026, 11, 3))
    _reviewed(coaching, coaching.cleo, GREAT, utc(2026, 11, 3))
    with coaching.ctx.session() as s:
        north = find_team(s, "North").id
    board = _board(coaching, "2026-11", team_id=north)
    assert board.team == "North"
    assert _standing(board) == [(1, "Ana Souza", 72.5)]


def test_rewards_show_on_the_leaderboard_of_their_period_and_on_the_profile(coaching):
    _reviewed(coaching, coaching.ana, GOOD, utc(2026, 11, 3))
    _reviewed(coaching, coaching.ana, GOOD, utc(2026, 12, 3))
    with coaching.ctx.session() as s:
        grant_reward(s, coaching.tom, "Ana Souza", "Best video — November", period="2026-11")
        grant_reward(
            s, coaching.max, coaching.ana.id, "Top cross-seller", badge="trophy", period=" "
        )
    (nov,) = _board(coaching, "2026-11").entries
    (dec,) = _board(coaching, "2026-12").entries
    assert sorted(r.title for r in nov.rewards) == ["Best video — November", "Top cross-seller"]
    assert [r.title for r in dec.rewards] == ["Top cross-seller"]  # a lasting badge shows always
    with coaching.ctx.session() as s:
        summary = person_summary(s, "ana souza", now=utc(2026, 12, 10))
    assert summary.submissions == 2
    assert (summary.all_time.points, summary.all_time.submissions) == (72.5, 2)
    assert summary.this_month.rank == 1 and summary.this_month.points == 72.5
    assert {(r.title, r.badge, r.period, r.granted_by) for r in summary.rewards} == {
        ("Best video — November", "star", "2026-11", "Tom Trainer"),
        ("Top cross-seller", "trophy", "", "Max Manager"),
    }


def test_rewards_are_granted_by_reviewers_to_others_with_a_title(coaching):
    with (
        pytest.raises(PermissionDenied, match="Only trainers and managers can grant rewards"),
        coaching.ctx.session() as s,
    ):
        grant_reward(s, coaching.ben, "Ana Souza", "Best friend")
    with pytest.raises(PermissionDenied, match="cannot give yourself"), coaching.ctx.session() as s:
        grant_reward(s, coaching.tom, "Tom Trainer", "Best trainer")
    with pytest.raises(UserError, match="needs a title"), coaching.ctx.session() as s:
        grant_reward(s, coaching.tom, "Ana Souza", "  ")
    with pytest.raises(UserError, match="not a period"), coaching.ctx.session() as s:
        grant_reward(s, coaching.tom, "Ana Souza", "Best", period="November")
    with coaching.ctx.session() as s:
        summary = person_summary(s, "Ana Souza")
    assert summary.rewards == () and summary.all_time is None
