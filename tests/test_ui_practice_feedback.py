# ruff: noqa: F811  (the fixtures imported from review_support are parameters here)
"""The rep's side of a decision, on the Practice page through the real widgets.

A trainer reviews through the domain API (scores, comments, a retake request);
the rep's Practice page shows the outcome and points, plays the real recording
from each comment, and goes from "Record the retake" to the scenario player
with a fresh attempt. A finished sync reloads what the page shows.
"""

from __future__ import annotations

import shutil

import pytest
from PySide6.QtCore import Qt
from review_support import coaching, review_video  # noqa: F401  (fixtures)
from test_ui_review import FULL, make_state, open_fds_to, shown, wait_first_frame

from app.core.clock import utcnow
from app.core.errors import UserError
from app.core.media import find_media
from app.core.models import Decision
from app.practice.rounds import can_record
from app.review.comments import add_comment
from app.review.decisions import decide
from app.review.scoring import score_submission
from app.sync.service import RECORDINGS, SyncReport
from app.ui.practice.page import PracticePage

COMMENT_AT = 2.6  # seconds into the 4-second recording


@pytest.fixture
def rep_page(coaching, qtbot):
    """Ana's Practice page (Ana is a rep in team North, which has the assignment)."""
    page = PracticePage(make_state(coaching.ctx, coaching.ana))
    shown(qtbot, page)
    yield page
    page.controller.shutdown()


def submission_row(page, submission_id: str) -> int:
    table = page.home.submissions
    rows = [
        r
        for r in range(table.rowCount())
        if table.item(r, 0).data(Qt.ItemDataRole.UserRole) == submission_id
    ]
    assert len(rows) == 1
    return rows[0]


def row_texts(table, row: int) -> list[str]:
    return [table.item(row, col).text() for col in range(table.columnCount())]


def test_rep_sees_the_retake_jumps_to_a_comment_and_records_the_retake(
    rep_page, coaching, make_take, qtbot
):
    c = coaching
    for attempt in (1, 2, 3):
        make_take(c.ana.id, c.scenario_id, c.assignment_id, attempt)
    sub = c.submit(c.ana, utcnow(), self_scores={"discovery": 5, "benefit": 4, "close": 9})
    with c.ctx.session() as s:
        with pytest.raises(UserError, match="used all 3 attempts"):
            can_record(s, c.ana.id, c.scenario_id)
        add_comment(s, c.tom, sub, 0.8, "", "good discovery question")
        add_comment(s, c.tom, sub, COMMENT_AT, "Name the fee before the benefits")
        score_submission(s, c.tom, sub, FULL, "Good opening.")
    with c.ctx.session() as s:
        decide(s, c.tom, sub, Decision.RETAKE, "Name the yearly fee.")

    page = rep_page
    page.go_home()
    home = page.home
    assert row_texts(home.assignments, 0)[3] == "Retake requested"
    assert row_texts(home.submissions, submission_row(page, sub))[2:] == [
        "Retake requested",
        "75.0",
    ]

    see = home.assignments.cellWidget(0, 4)
    assert see.text() == "See feedback"
    view = page.feedback_screen.view
    wait_first_frame(qtbot, view.player, lambda: qtbot.mouseClick(see, Qt.MouseButton.LeftButton))
    assert page.stack.currentWidget() is page.feedback_screen
    assert "Your trainer asks for a retake." in view.outcome.text()
    assert "Name the yearly fee." in view.outcome.text()
    assert view.points.text() == "Points: 75.0 of 100"
    assert [view.scores.item(0, col).text() for col in range(4)] == [
        "Discovery questions",
        "×2",
        "5 / 5",
        "4 / 5",
    ]
    assert "Good opening." in view.written.text()
    assert view.comments.count() == 2

    # Clicking a comment plays the video from that moment.
    item = view.comments.item(1)
    rect = view.comments.visualItemRect(item)
    qtbot.mouseClick(view.comments.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    qtbot.waitUntil(
        lambda: abs(view.player.media.position() - COMMENT_AT * 1000) <= 500, timeout=5000
    )
    video = find_media(c.ctx.paths.media, c.sha256)
    assert open_fds_to(video)  # the player has the recording open

    # Another page of the window: the file is let go of.
    page.hide()
    qtbot.waitUntil(lambda: not open_fds_to(video), timeout=5000)
    page.show()

    # Record the retake: straight to the scenario, with a fresh round of attempts.
    qtbot.mouseClick(view.retake_button, Qt.MouseButton.LeftButton)
    assert page.stack.currentWidget() is page.player
    assert page.player.title.text() == "Offer the card"
    assert page.player.start_button.isEnabled()
    assert "next: attempt 1 of 3, for your assignment" in page.player.meta.text()
    assert page.assignment_id == c.assignment_id
    assert view.player.source_path is None
    qtbot.waitUntil(lambda: not open_fds_to(video), timeout=5000)


def test_back_from_the_feedback_lets_go_of_the_video(rep_page, coaching, qtbot):
    c = coaching
    sub = c.submit(c.ana, self_scores={"discovery": 3, "benefit": 3, "close": 5})
    with c.ctx.session() as s:
        score_submission(s, c.tom, sub, FULL, "")
        decide(s, c.tom, sub, Decision.APPROVE)
    rep_page.go_home()
    table = rep_page.home.submissions
    view = rep_page.feedback_screen.view
    wait_first_frame(
        qtbot,
        view.player,
        lambda: table.itemActivated.emit(table.item(submission_row(rep_page, sub), 0)),
    )
    assert "Approved — well done." in view.outcome.text()
    assert not view.retake_button.isVisible()
    video = find_media(c.ctx.paths.media, c.sha256)
    assert open_fds_to(video)
    qtbot.mouseClick(rep_page.feedback_screen.back_button, Qt.MouseButton.LeftButton)
    assert rep_page.stack.currentWidget() is rep_page.home
    assert view.player.source_path is None
    qtbot.waitUntil(lambda: not open_fds_to(video), timeout=5000)


def test_a_finished_sync_reloads_the_lists_and_the_feedback_on_screen(rep_page, coaching, qtbot):
    c = coaching
    sub = c.submit(c.ana)
    rep_page.go_home()
    home = rep_page.home
    assert home.assignments.cellWidget(0, 4) is None  # nothing to see yet
    assert row_texts(home.submissions, 0)[2:] == ["Waiting for review", "–"]

    view = rep_page.feedback_screen.view
    wait_first_frame(qtbot, view.player, lambda: rep_page.open_feedback(sub))
    assert "Waiting for a trainer" in view.outcome.text()
    assert view.comments.count() == 0

    # The trainer's review arrives (as a sync would write it), then the sync reports.
    with c.ctx.session() as s:
        add_comment(s, c.tom, sub, 1.0, "", "asked for the sale")
        score_submission(s, c.tom, sub, FULL, "Clear close.")
    with c.ctx.session() as s:
        decide(s, c.tom, sub, Decision.APPROVE)
    assert view.comments.count() == 0  # nothing re-read before the sync says so
    rep_page.state.sync.synced.emit(
        SyncReport(
            remote="folder:/shared", records_down=4, changed=["comments", "reviews", "submissions"]
        )
    )

    assert rep_page.stack.currentWidget() is rep_page.feedback_screen
    assert "Approved" in view.outcome.text()
    assert view.comments.count() == 1
    assert view.points.text() == "Points: 75.0 of 100"
    assert row_texts(home.submissions, 0)[2:] == ["Approved", "75.0"]
    assert row_texts(home.assignments, 0)[3] == "Approved"
    assert home.assignments.cellWidget(0, 4).text() == "See feedback"


def test_a_video_not_on_this_device_yet_is_explained_and_plays_once_a_sync_brings_it(
    rep_page, coaching, qtbot
):
    c = coaching
    sub = c.submit(c.ana)
    with c.ctx.session() as s:
        add_comment(s, c.tom, sub, 1.5, "Slow down here")
        score_submission(s, c.tom, sub, FULL, "")
    video = find_media(c.ctx.paths.media, c.sha256)
    video.unlink()  # as on a device that has not synced it yet
    rep_page.go_home()
    rep_page.open_feedback(sub)
    view = rep_page.feedback_screen.view
    assert view.notice.isVisible()
    assert "not on this device yet; sync to watch it" in view.notice.text()
    assert "A trainer is reviewing it." in view.outcome.text()
    assert view.comments.count() == 1
    assert view.points.text() == "Points: 75.0 of 100"

    shutil.copyfile(c.video, video)  # the sync brought the recording
    report = SyncReport(remote="folder:/shared", media_down=1, changed=[RECORDINGS])
    wait_first_frame(qtbot, view.player, lambda: rep_page.state.sync.synced.emit(report))
    assert not view.notice.isVisible()
    assert view.player.source_path == video


def test_closing_the_page_on_the_feedback_lets_go_of_the_video_and_later_syncs_are_safe(
    coaching, qtbot
):
    c = coaching
    sub = c.submit(c.ana)
    state = make_state(c.ctx, c.ana)
    page = PracticePage(state)  # not handed to qtbot: this test deletes it itself
    page.resize(1300, 800)
    page.show()
    qtbot.waitExposed(page)
    wait_first_frame(qtbot, page.feedback_screen.view.player, lambda: page.open_feedback(sub))
    video = find_media(c.ctx.paths.media, c.sha256)
    assert open_fds_to(video)
    page.controller.shutdown()
    page.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    with qtbot.waitSignal(page.destroyed, timeout=5000):
        page.close()
    qtbot.waitUntil(lambda: not open_fds_to(video), timeout=5000)
    # What would make a live page reload reaches no deleted one.
    state.sync.synced.emit(SyncReport(remote="folder:/shared", changed=["reviews"]))


def test_a_finished_sync_reloads_the_review_queue_and_the_leaderboard(coaching, qtbot):
    from app.ui.review.leaderboard_page import LeaderboardPage
    from app.ui.review.review_page import ReviewPage

    c = coaching
    state = make_state(c.ctx, c.tom)
    queue = shown(qtbot, ReviewPage(state))
    board = LeaderboardPage(state)
    qtbot.addWidget(board)
    board.period_box.setCurrentIndex(board.period_box.findData("all"))
    assert queue.queue.model.rowCount() == 0
    assert board.board.entries == ()

    sub = c.submit(c.ana)  # arrives from Ana's device
    with c.ctx.session() as s:
        score_submission(s, c.tia, sub, FULL, "")  # and Tia's review from hers
    state.sync.synced.emit(
        SyncReport(remote="folder:/shared", records_down=2, changed=["reviews", "submissions"])
    )
    assert queue.queue.model.rowCount() == 1
    assert [e.name for e in board.board.entries] == ["Ana Souza"]
