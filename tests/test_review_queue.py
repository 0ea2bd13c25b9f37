# ruff: noqa: F811  (the fixtures imported from review_support are parameters here)
"""The review queue: columns, filters, sorting, counts, a remembered filter."""

from __future__ import annotations

from datetime import date

import pytest
from review_support import coaching, review_video, utc  # noqa: F401  (fixtures)

from app.core.errors import UserError
from app.core.models import SubmissionStatus
from app.core.profiles import find_team
from app.review.comments import add_comment
from app.review.queue import QueueFilter, load_queue, status_counts
from app.review.scoring import score_submission

FULL = {"discovery": 4, "benefit": 3, "close": 7}


@pytest.fixture
def queued(coaching):
    """Four submissions by three reps, two scenarios, four statuses."""
    ids = {
        "ana": coaching.submit(coaching.ana, utc(2026, 11, 2)),
        "ben": coaching.submit(coaching.ben, utc(2026, 11, 5)),
        "cleo": coaching.submit(coaching.cleo, utc(2026, 11, 3), other_scenario=True),
        "done": coaching.submit(coaching.ana, utc(2026, 10, 30), status=SubmissionStatus.APPROVED),
    }
    with coaching.ctx.session() as s:
        score_submission(s, coaching.tom, ids["ben"], FULL)
        score_submission(s, coaching.max, ids["ben"], FULL)
        add_comment(s, coaching.tom, ids["ben"], 1.0, "One")
        add_comment(s, coaching.tom, ids["ben"], 2.0, "Two")
        add_comment(s, coaching.tom, ids["cleo"], 2.0, "Three")
    return coaching, ids


def _load(coaching, **kw):
    with coaching.ctx.session() as s:
        return load_queue(s, QueueFilter(**kw))


def test_the_queue_shows_awaiting_submissions_with_every_column(queued):
    coaching, ids = queued
    queue = _load(coaching)
    assert [r.submission_id for r in queue.rows] == [ids["ana"], ids["cleo"], ids["ben"]]
    ben = queue.rows[2]
    assert (ben.rep_name, ben.team_name, ben.scenario_key) == (
        "Ben Okafor",
        "North",
        "rv-card-offer",
    )
    assert ben.submitted_at == utc(2026, 11, 5)
    assert ben.due_date == date(2026, 11, 20)
    assert ben.duration_seconds == pytest.approx(coaching.duration)
    assert (ben.status, ben.review_count, ben.comment_count) == (SubmissionStatus.IN_REVIEW, 2, 2)
    cleo = queue.rows[1]
    assert (cleo.team_name, cleo.due_date, cleo.review_count, cleo.comment_count) == (
        "South",
        None,
        0,
        1,
    )
    assert queue.counts == {
        SubmissionStatus.NEW: 2,
        SubmissionStatus.IN_REVIEW: 1,
        SubmissionStatus.RETAKE_REQUESTED: 0,
        SubmissionStatus.APPROVED: 1,
    }


def test_filters_by_status_rep_team_scenario_and_dates(queued):
    coaching, ids = queued

    def ids_of(**kw):
        return {r.submission_id for r in _load(coaching, **kw).rows}

    assert ids_of(statuses=()) == set(ids.values())
    assert ids_of(statuses=(SubmissionStatus.APPROVED,)) == {ids["done"]}
    assert ids_of(statuses=(), rep_id=coaching.ana.id) == {ids["ana"], ids["done"]}
    with coaching.ctx.session() as s:
        south = find_team(s, "South").id
    assert ids_of(team_id=south) == {ids["cleo"]}
    assert ids_of(scenario_id=coaching.other_scenario_id) == {ids["cleo"]}
    assert ids_of(submitted_from=date(2026, 11, 3)) == {ids["cleo"], ids["ben"]}
    assert ids_of(statuses=(), submitted_to=date(2026, 11, 2)) == {ids["ana"], ids["done"]}
    assert ids_of(submitted_from=date(2026, 11, 3), submitted_to=date(2026, 11, 3)) == {ids["cleo"]}


def test_counts_follow_every_filter_but_status(queued):
    coaching, _ = queued
    with coaching.ctx.session() as s:
        counts = status_counts(s, QueueFilter(rep_id=coaching.ana.id))
    assert counts[SubmissionStatus.NEW] == 1 and counts[SubmissionStatus.APPROVED] == 1
    assert counts[SubmissionStatus.IN_REVIEW] == 0


@pytest.mark.parametrize(
    ("sort_by", "descending", "order"),
    [
        ("submitted", False, ["ana", "cleo", "ben"]),
        ("submitted", True, ["ben", "cleo", "ana"]),
        ("rep", False, ["ana", "ben", "cleo"]),
        ("team", True, ["cleo", "ana", "ben"]),
        ("scenario", False, ["ana", "ben", "cleo"]),
        ("reviews", True, ["ben", "ana", "cleo"]),
        ("comments", True, ["ben", "cleo", "ana"]),
        ("status", False, ["ben", "ana", "cleo"]),  # stored as text: in_review < new
        ("due", False, ["cleo", "ana", "ben"]),  # no due date first
        ("length", False, ["ana", "cleo", "ben"]),  # equal lengths: by submitted date
    ],
)
def test_sorting_by_each_column(queued, sort_by, descending, order):
    coaching, ids = queued
    rows = _load(coaching, sort_by=sort_by, descending=descending).rows
    assert [r.submission_id for r in rows] == [ids[name] for name in order]


def test_an_unknown_sort_is_refused_plainly():
    with pytest.raises(UserError, match="cannot be sorted by 'colour'"):
        QueueFilter(sort_by="colour")


def test_the_filter_survives_a_round_trip_through_settings(tmp_path):
    import json

    flt = QueueFilter(
        statuses=(SubmissionStatus.NEW, SubmissionStatus.RETAKE_REQUESTED),
        rep_id="r1",
        team_id="t1",
        scenario_id="s1",
        submitted_from=date(2026, 11, 1),
        submitted_to=date(2026, 11, 30),
        sort_by="rep",
        descending=True,
    )
    stored = tmp_path / "settings.json"
    stored.write_text(json.dumps({"review_queue_filter": flt.to_dict()}))
    again = QueueFilter.from_dict(json.loads(stored.read_text())["review_queue_filter"])
    assert again == flt


@pytest.mark.parametrize(
    "broken",
    [None, "nonsense", {"statuses": ["lost"]}, {"sort_by": "colour"}, {"submitted_from": "soon"}],
)
def test_an_unreadable_remembered_filter_falls_back_to_the_default(broken):
    assert QueueFilter.from_dict(broken) == QueueFilter()


def test_a_submission_after_its_due_date_is_overdue(coaching):
    on_time = coaching.submit(coaching.ana, utc(2026, 11, 20, 23, 59))
    late = coaching.submit(coaching.ben, utc(2026, 11, 21, 0, 1))
    free = coaching.submit(coaching.cleo, utc(2026, 12, 30), other_scenario=True)
    overdue = {r.submission_id: r.overdue for r in _load(coaching).rows}
    assert overdue == {on_time: False, late: True, free: False}


def test_changing_one_field_of_a_filter_keeps_the_others():
    flt = QueueFilter(rep_id="r1", sort_by="rep")
    changed = flt.with_changes(sort_by="due", descending=True)
    assert (changed.rep_id, changed.sort_by, changed.descending) == ("r1", "due", True)
    assert flt.sort_by == "rep"
    with pytest.raises(UserError):
        flt.with_changes(sort_by="colour")
