# ruff: noqa: F811  (the fixtures imported from review_support are parameters here)
"""Comments at moments of the video: presets, bounds, ownership, tombstones."""

from __future__ import annotations

import pytest
from review_support import coaching, review_video  # noqa: F401  (fixtures)

from app.core.errors import PermissionDenied, UserError
from app.core.models import Comment
from app.review.comments import (
    FREE_TEXT_COLOR,
    PRESETS,
    add_comment,
    delete_comment,
    edit_comment,
    format_moment,
    list_comments,
)


def test_presets_have_their_own_colours():
    assert [p.name for p in PRESETS] == [
        "good discovery question",
        "benefit explained",
        "missed the cross-sell moment",
        "objection handled",
        "asked for the sale",
    ]
    assert len({p.color for p in PRESETS} | {FREE_TEXT_COLOR}) == len(PRESETS) + 1


def test_comments_are_listed_in_video_order_with_preset_colour_and_author(coaching):
    sub = coaching.submit(coaching.ana)
    with coaching.ctx.session() as s:
        add_comment(s, coaching.tom, sub, 3.0, "Nice close", "asked for the sale")
        add_comment(s, coaching.tia, sub, 0.5, "Smile at the start")
        add_comment(s, coaching.tom, sub, 1.25, preset="Benefit Explained")
    with coaching.ctx.session() as s:
        comments = list_comments(s, sub)
    assert [(c.at_seconds, c.text, c.preset, c.color, c.author_name) for c in comments] == [
        (0.5, "Smile at the start", "", FREE_TEXT_COLOR, "Tia Trainer"),
        (1.25, "", "benefit explained", "#1565c0", "Tom Trainer"),
        (3.0, "Nice close", "asked for the sale", "#ef6c00", "Tom Trainer"),
    ]


def test_a_comment_may_sit_on_the_last_moment_but_not_past_it(coaching):
    sub = coaching.submit(coaching.ana)
    end = coaching.duration
    with coaching.ctx.session() as s:
        add_comment(s, coaching.tom, sub, end, "Last word")
        add_comment(s, coaching.tom, sub, 0, "First word")
    for bad in (-0.1, end + 0.5, float("nan")):
        with pytest.raises(UserError, match="outside the video"), coaching.ctx.session() as s:
            add_comment(s, coaching.tom, sub, bad, "Nope")
    with coaching.ctx.session() as s:
        assert [c.text for c in list_comments(s, sub)] == ["First word", "Last word"]


def test_a_comment_needs_a_known_preset_or_text(coaching):
    sub = coaching.submit(coaching.ana)
    with pytest.raises(UserError, match="needs a preset or some text"), coaching.ctx.session() as s:
        add_comment(s, coaching.tom, sub, 1.0, "   ")
    with pytest.raises(UserError) as err, coaching.ctx.session() as s:
        add_comment(s, coaching.tom, sub, 1.0, "x", "great smile")
    assert "'great smile' is not a comment preset" in err.value.message
    assert '"objection handled"' in err.value.hint
    with coaching.ctx.session() as s:
        assert list_comments(s, sub) == []


def test_a_rep_cannot_comment(coaching):
    sub = coaching.submit(coaching.ana)
    with pytest.raises(PermissionDenied), coaching.ctx.session() as s:
        add_comment(s, coaching.ben, sub, 1.0, "Looks fine to me")


def test_edit_and_delete_only_your_own_comment(coaching):
    sub = coaching.submit(coaching.ana)
    with coaching.ctx.session() as s:
        mine = add_comment(s, coaching.tom, sub, 1.0, "Draft")
    with (
        pytest.raises(PermissionDenied, match="belongs to another reviewer"),
        coaching.ctx.session() as s,
    ):
        edit_comment(s, coaching.tia, mine.id, text="Hijacked")
    with pytest.raises(PermissionDenied), coaching.ctx.session() as s:
        delete_comment(s, coaching.tia, mine.id)
    with coaching.ctx.session() as s:
        edited = edit_comment(s, coaching.tom, mine.id, at_seconds=2.0, preset="objection handled")
    assert (edited.at_seconds, edited.text, edited.preset) == (2.0, "Draft", "objection handled")
    with coaching.ctx.session() as s:
        delete_comment(s, coaching.tom, mine.id)
    with coaching.ctx.session() as s:
        assert list_comments(s, sub) == []
        tombstone = s.get(Comment, mine.id)
        assert tombstone.deleted is True and tombstone.text == "Draft"


def test_moments_read_as_minutes_and_seconds():
    assert format_moment(0) == "0:00.0"
    assert format_moment(83.4) == "1:23.4"
    assert format_moment(600) == "10:00.0"
