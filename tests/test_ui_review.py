# ruff: noqa: F811  (the fixtures imported from review_support are parameters here)
"""The trainer's side through the real widgets: the coaching player, the queue, the
review screen, the rep's feedback view, Top Videos and the leaderboard.

Real recordings (ffmpeg's synthetic source), a real SQLite data folder, real
Qt Multimedia playback offscreen. Modal questions go through
app.ui.review.dialogs, which the tests replace.
"""

from __future__ import annotations

import os
import shutil

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtMultimedia import QMediaPlayer
from PySide6.QtWidgets import QApplication
from review_support import coaching, review_video, utc  # noqa: F401  (fixtures)
from sqlalchemy import select

from app.core.models import Comment, Consent, Review, Submission, SubmissionStatus, TopVideo
from app.review.comments import PRESETS, add_comment
from app.review.decisions import rep_feedback
from app.review.scoring import score_submission
from app.ui.review import dialogs
from app.ui.review.feedback_view import FeedbackView
from app.ui.review.leaderboard_page import PODIUM, LeaderboardPage
from app.ui.review.player import CoachingPlayer
from app.ui.review.queue_view import FILTER_KEY
from app.ui.review.review_page import ReviewPage
from app.ui.review.timeline import Marker
from app.ui.review.top_videos_page import TopVideosPage
from app.ui.state import AppState

FULL = {"discovery": 4, "benefit": 3, "close": 8}


def open_fds_to(path) -> list[str]:
    """The file descriptors this process holds on ``path`` (Linux /proc)."""
    held = []
    for fd in os.listdir("/proc/self/fd"):
        try:
            if os.readlink(f"/proc/self/fd/{fd}") == str(path):
                held.append(fd)
        except OSError:
            continue
    return held


@pytest.fixture
def errors(monkeypatch):
    """Error dialogs recorded as (message, hint) instead of waiting for a click."""
    shown = []
    monkeypatch.setattr(
        dialogs, "show_error", lambda _p, err: shown.append((err.message, err.hint))
    )
    return shown


@pytest.fixture
def answers(monkeypatch):
    """Queued answers for dialogs.ask_text (None = the user cancelled)."""
    queue: list = []

    def ask_text(_parent, _title, _label, _text=""):
        return queue.pop(0)

    monkeypatch.setattr(dialogs, "ask_text", ask_text)
    return queue


def make_state(ctx, profile) -> AppState:
    state = AppState(ctx)
    state.use_profile(profile)
    return state


def shown(qtbot, widget):
    qtbot.addWidget(widget)
    widget.resize(1300, 800)
    widget.show()
    qtbot.waitExposed(widget)
    widget.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is widget, timeout=3000)
    return widget


def wait_first_frame(qtbot, player: CoachingPlayer, opener) -> None:
    with qtbot.waitSignal(player.first_frame, timeout=10000):
        opener()


# --- the player ---------------------------------------------------------------------------


def test_player_plays_steps_changes_speed_and_jumps_to_markers(qtbot, review_video, tmp_path):
    video = tmp_path / "take.mp4"
    shutil.copy(review_video, video)
    player = shown(qtbot, CoachingPlayer())
    wait_first_frame(qtbot, player, lambda: player.open(video))
    assert not player.playing  # opens paused on its first frame
    qtbot.waitUntil(lambda: player.duration() > 3500, timeout=5000)
    assert player.duration_label.text() == "0:04"

    player.play()
    qtbot.waitUntil(lambda: player.position() > 400, timeout=5000)
    player.pause()
    qtbot.waitUntil(lambda: not player.playing)

    before = player.position()
    player.step_frame(1)
    assert player.position() == before + 40  # 25 frames per second
    qtbot.keyClick(player, Qt.Key.Key_Comma)
    assert player.position() == before
    qtbot.keyClick(player, Qt.Key.Key_Period)
    assert player.position() == before + 40

    player.seek(2000)
    qtbot.keyClick(player, Qt.Key.Key_Right, Qt.KeyboardModifier.ShiftModifier)
    assert player.position() == 3000
    qtbot.keyClick(player, Qt.Key.Key_Left, Qt.KeyboardModifier.ShiftModifier)
    assert player.position() == 2000
    qtbot.keyClick(player, Qt.Key.Key_L)
    assert player.position() == player.duration()  # never past the end
    qtbot.keyClick(player, Qt.Key.Key_J)
    assert player.position() == player.duration() - 5000 or player.position() == 0
    player.seek(3000)
    qtbot.keyClick(player, Qt.Key.Key_Left)
    assert player.position() == 0  # never before the start

    player.set_rate(0.5)
    assert player.media.playbackRate() == 0.5
    assert player.speed.currentText() == "0.5×"
    if (
        player.media.pitchCompensationAvailability()
        is QMediaPlayer.PitchCompensationAvailability.Available
    ):
        assert player.media.pitchCompensation()

    player.set_markers([Marker(2500, "#c62828", "missed"), Marker(500, "#2e7d32", "good")])
    timeline = player.timeline
    x = round(timeline.x_for(2500)) + 3  # a click beside the marker still hits it
    qtbot.mouseClick(timeline, Qt.MouseButton.LeftButton, pos=QPoint(x, timeline.height() // 2))
    assert player.position() == 2500
    assert player.position_label.text() == "0:02"

    qtbot.keyClick(player, Qt.Key.Key_F)
    qtbot.waitUntil(player.video.isFullScreen, timeout=3000)
    qtbot.keyClick(player.video, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: not player.video.isFullScreen(), timeout=3000)

    qtbot.keyClick(player, Qt.Key.Key_Space)
    qtbot.waitUntil(lambda: player.playing, timeout=3000)
    qtbot.keyClick(player, Qt.Key.Key_K)
    qtbot.waitUntil(lambda: not player.playing, timeout=3000)


def test_player_lets_go_of_the_file_when_hidden_and_reopens_where_it_was(
    qtbot, review_video, tmp_path
):
    video = tmp_path / "take.mp4"
    shutil.copy(review_video, video)
    player = shown(qtbot, CoachingPlayer())
    wait_first_frame(qtbot, player, lambda: player.open(video))
    player.seek(1500)
    assert open_fds_to(video), "while showing, the player reads the file"

    player.hide()
    qtbot.waitUntil(lambda: not open_fds_to(video), timeout=3000)
    assert not player.is_open
    moved = tmp_path / "moved.mp4"
    video.rename(moved)  # sync or a move meets no open file
    moved.rename(video)

    wait_first_frame(qtbot, player, player.show)
    qtbot.waitUntil(lambda: player.position() >= 1500, timeout=3000)

    player.close()
    qtbot.waitUntil(lambda: not open_fds_to(video), timeout=3000)


# --- the queue ------------------------------------------------------------------------------


def test_queue_counts_filters_sorts_and_remembers_the_filter(qtbot, coaching):
    c = coaching
    first = c.submit(c.ana)
    c.submit(c.ben)
    c.submit(c.cleo, other_scenario=True)
    c.submit(c.ben, status=SubmissionStatus.APPROVED)
    page = shown(qtbot, ReviewPage(make_state(c.ctx, c.tom)))
    queue = page.queue
    assert queue.model.rowCount() == 3  # new and in review, by default
    assert queue.chips[SubmissionStatus.NEW].text() == "New  3"
    assert queue.chips[SubmissionStatus.APPROVED].text() == "Approved  1"
    assert queue.chips[None].text() == "All  4"

    qtbot.mouseClick(queue.chips[SubmissionStatus.APPROVED], Qt.MouseButton.LeftButton)
    assert queue.model.rowCount() == 4
    queue.rep_box.setCurrentIndex(queue.rep_box.findText("Ben Okafor"))
    assert [queue.model.row_at(i).rep_name for i in range(2)] == ["Ben Okafor"] * 2
    assert queue.model.rowCount() == 2
    queue.rep_box.setCurrentIndex(0)
    queue.team_box.setCurrentIndex(queue.team_box.findText("South"))
    assert queue.model.rowCount() == 1 and queue.model.row_at(0).rep_name == "Cleo Martin"
    queue.team_box.setCurrentIndex(0)

    queue.table.sortByColumn(0, Qt.SortOrder.DescendingOrder)  # rep, Z to A
    names = [queue.model.row_at(i).rep_name for i in range(queue.model.rowCount())]
    assert names == sorted(names, key=str.lower, reverse=True)
    assert queue.model.data(queue.model.index(0, 5)) == "0:04"

    queue.scenario_box.setCurrentIndex(queue.scenario_box.findText("Offer the savings plan"))
    queue.scenario_box.setCurrentIndex(queue.scenario_box.findText("Offer the card"))
    assert queue.model.rowCount() == 3
    remembered = queue.filter
    assert page.state.ui_settings.value(FILTER_KEY)

    # Coming back, and after a restart (a new window state reading ui.ini), the filter holds.
    page.close()
    again = shown(qtbot, ReviewPage(make_state(c.ctx, c.tom)))
    assert again.queue.filter == remembered
    assert again.queue.scenario_box.currentText() == "Offer the card"
    assert again.queue.chips[SubmissionStatus.APPROVED].isChecked()
    assert again.queue.model.rowCount() == 3

    # A remembered rep who is gone no longer narrows the queue unseen.
    again.state.ui_settings.setValue(
        FILTER_KEY, '{"statuses": ["new"], "rep_id": "gone", "sort_by": "rep"}'
    )
    gone = shown(qtbot, ReviewPage(make_state(c.ctx, c.tom)))
    assert gone.queue.filter.rep_id is None and gone.queue.rep_box.currentText() == "All reps"
    assert gone.queue.model.rowCount() == 3
    gone.close()

    # Keyboard: N / P move, Enter opens.
    again.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is again, timeout=3000)
    again.queue.table.setFocus()
    again.queue.select_row(0)
    qtbot.keyClick(again.queue.table, Qt.Key.Key_N)
    assert again.queue.table.currentIndex().row() == 1
    qtbot.keyClick(again.queue.table, Qt.Key.Key_Up, Qt.KeyboardModifier.ControlModifier)
    assert again.queue.table.currentIndex().row() == 0
    again.queue.select_row(again.queue.model.index_of(first))
    qtbot.keyClick(again.queue.table, Qt.Key.Key_Return)
    assert again.stack.currentWidget() is again.screen
    assert again.screen.data.submission_id == first


def test_an_empty_queue_says_so_in_plain_words(qtbot, coaching):
    page = shown(qtbot, ReviewPage(make_state(coaching.ctx, coaching.tom)))
    assert page.queue.body.currentWidget() is page.queue.empty
    assert page.queue.empty.title.text() == "Nothing to review"
    coaching.submit(coaching.ana)
    page.queue.rep_box.setCurrentIndex(page.queue.rep_box.findText("Ben Okafor"))
    assert page.queue.empty.title.text() == "No submissions match this filter"


# --- reviewing ------------------------------------------------------------------------------


def test_trainer_plays_comments_scores_and_asks_for_a_retake(qtbot, coaching, answers, errors):
    c = coaching
    sub = c.submit(c.ana, self_scores={"discovery": 5, "benefit": 4, "close": 9})
    page = shown(qtbot, ReviewPage(make_state(c.ctx, c.tom)))
    screen, player = page.screen, page.screen.player
    page.queue.table.setFocus()
    wait_first_frame(qtbot, player, lambda: qtbot.keyClick(page.queue.table, Qt.Key.Key_Return))
    assert page.stack.currentWidget() is screen
    assert "Ana Souza" in screen.title.text()

    player.play()
    qtbot.waitUntil(lambda: player.position() > 300, timeout=5000)

    # First comment with a preset, at the moment playback reached; C pauses it.
    player.setFocus()
    qtbot.keyClick(player, Qt.Key.Key_C)
    assert not player.playing and screen.composer.isVisible()
    moment = player.position() / 1000
    qtbot.mouseClick(screen.composer.preset_buttons[PRESETS[0].name], Qt.MouseButton.LeftButton)
    qtbot.mouseClick(screen.composer.save_button, Qt.MouseButton.LeftButton)
    assert not screen.composer.isVisible()
    qtbot.waitUntil(lambda: player.playing, timeout=3000)  # resumes after the comment

    # Second comment, free text, with M at 2.5 s while paused.
    player.pause()
    player.seek(2500)
    qtbot.keyClick(player, Qt.Key.Key_M)
    qtbot.keyClicks(screen.composer.text, "Say the card's yearly fee out loud")
    qtbot.keyClick(screen.composer.text, Qt.Key.Key_Return)
    assert not player.playing

    with c.ctx.session() as s:
        comments = s.scalars(select(Comment).order_by(Comment.at_seconds)).all()
        assert [(round(x.at_seconds, 2), x.preset, x.color) for x in comments] == [
            (round(moment, 2), PRESETS[0].name, PRESETS[0].color),
            (2.5, "", "#616161"),
        ]
        assert comments[1].text == "Say the card's yearly fee out loud"
        assert {x.author_id for x in comments} == {c.tom.id}
    markers = player.timeline.markers()
    assert [m.color for m in markers] == [PRESETS[0].color, "#616161"]
    assert screen.comments.count() == 2

    # The rubric: the rep's self-assessment beside each box, the total live.
    assert screen.rubric.grid.itemAtPosition(1, 4).widget().text() == "5 / 5"
    screen.rubric.set_score("discovery", 4)
    assert "1 of 3" in screen.rubric.total.text()
    screen.rubric.set_score("benefit", 3)
    screen.rubric.set_score("close", 8)
    assert screen.rubric.total.text() == "Total: 75.0 points of 100"
    qtbot.keyClicks(screen.rubric.feedback, "Good opening; name the fee.")

    answers.append("Name the yearly fee before asking for the sale.")
    qtbot.mouseClick(screen.retake_button, Qt.MouseButton.LeftButton)
    assert errors == []
    with c.ctx.session() as s:
        submission = s.get(Submission, sub)
        review = s.scalar(select(Review).where(Review.submission_id == sub))
        assert submission.status is SubmissionStatus.RETAKE_REQUESTED
        assert submission.decision_reason == "Name the yearly fee before asking for the sale."
        assert review.scores == FULL and review.total_points == 75.0
        assert review.feedback == "Good opening; name the fee."
    assert screen.status.text().startswith("Retake requested")

    # Leaving the screen lets go of the video.
    video = c.ctx.paths.media / c.sha256[:2] / f"{c.sha256}.mp4"
    qtbot.mouseClick(screen.back_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not open_fds_to(video), timeout=3000)


def test_partial_scores_and_a_retake_without_reason_are_refused_and_nothing_changes(
    qtbot, coaching, answers, errors
):
    c = coaching
    sub = c.submit(c.ana)
    page = shown(qtbot, ReviewPage(make_state(c.ctx, c.tom)))
    page.open_submission(sub)
    screen = page.screen
    screen.rubric.set_score("discovery", 4)
    qtbot.mouseClick(screen.approve_button, Qt.MouseButton.LeftButton)
    assert errors[-1] == (
        "Every criterion needs a score; missing: benefit, close.",
        "Score all criteria of the rubric, then save again.",
    )
    for key, value in FULL.items():
        screen.rubric.set_score(key, value)
    answers.append("   ")
    qtbot.mouseClick(screen.retake_button, Qt.MouseButton.LeftButton)
    assert errors[-1][0] == "A retake needs a reason."
    answers.append(None)  # cancelled: nothing happens, nothing is said
    qtbot.mouseClick(screen.retake_button, Qt.MouseButton.LeftButton)
    assert len(errors) == 2
    with c.ctx.session() as s:
        assert s.get(Submission, sub).status is SubmissionStatus.IN_REVIEW
        assert s.scalars(select(Review)).all() == []

    # An empty comment is refused and the composer keeps what was typed.
    screen.start_comment()
    qtbot.mouseClick(screen.composer.save_button, Qt.MouseButton.LeftButton)
    assert errors[-1][0] == "A comment needs a preset or some text."
    assert screen.composer.isVisible()

    qtbot.mouseClick(screen.approve_button, Qt.MouseButton.LeftButton)
    with c.ctx.session() as s:
        assert s.get(Submission, sub).status is SubmissionStatus.APPROVED


def test_a_rep_cannot_open_a_submission_for_review(qtbot, coaching, errors):
    c = coaching
    sub = c.submit(c.ben)
    page = shown(qtbot, ReviewPage(make_state(c.ctx, c.ana)))
    page.open_submission(sub)
    assert page.stack.currentWidget() is page.queue
    assert errors == [
        (
            "Only trainers and managers can review submissions; Ana Souza is a rep.",
            "Ask a trainer, or act as one with --as NAME.",
        )
    ]


def test_only_your_own_comments_can_be_edited_or_deleted(qtbot, coaching, monkeypatch):
    c = coaching
    sub = c.submit(c.ana)
    with c.ctx.session() as s:
        add_comment(s, c.tia, sub, 1.0, "Tia's remark")
        add_comment(s, c.tom, sub, 2.0, "", "benefit explained")
    page = shown(qtbot, ReviewPage(make_state(c.ctx, c.tom)))
    page.open_submission(sub)
    screen = page.screen
    screen.comments.setCurrentRow(0)
    assert not screen.edit_comment_button.isEnabled()
    assert not screen.delete_comment_button.isEnabled()
    screen.comments.setCurrentRow(1)
    assert screen.edit_comment_button.isEnabled()

    qtbot.mouseClick(screen.edit_comment_button, Qt.MouseButton.LeftButton)
    assert screen.composer.preset() == "benefit explained"
    qtbot.keyClicks(screen.composer.text, "clearly")
    qtbot.mouseClick(screen.composer.save_button, Qt.MouseButton.LeftButton)
    monkeypatch.setattr(dialogs, "confirm", lambda _p, _q: True)
    with c.ctx.session() as s:
        assert s.scalar(select(Comment.text).where(Comment.at_seconds == 2.0)) == "clearly"
    screen.comments.setCurrentRow(1)
    qtbot.mouseClick(screen.delete_comment_button, Qt.MouseButton.LeftButton)
    assert screen.comments.count() == 1
    assert len(screen.player.timeline.markers()) == 1


def test_next_and_previous_move_through_the_queue_on_the_review_screen(qtbot, coaching):
    c = coaching
    ids = [
        c.submit(rep, utc(2026, 11, 10, hour))
        for hour, rep in ((9, c.ana), (10, c.ben), (11, c.cleo))
    ]
    page = shown(qtbot, ReviewPage(make_state(c.ctx, c.tom)))
    page.open_submission(ids[0])
    page.screen.player.setFocus()
    qtbot.keyClick(page.screen.player, Qt.Key.Key_N)
    assert page.screen.data.submission_id == ids[1]
    qtbot.keyClick(page.screen.player, Qt.Key.Key_Down, Qt.KeyboardModifier.ControlModifier)
    assert page.screen.data.submission_id == ids[2]
    qtbot.keyClick(page.screen.player, Qt.Key.Key_P)
    assert page.screen.data.submission_id == ids[1]


# --- the rep's side ---------------------------------------------------------------------------


def test_rep_feedback_view_shows_outcome_scores_and_jumps_to_comments(qtbot, coaching):
    c = coaching
    sub = c.submit(c.ana, self_scores={"discovery": 5, "benefit": 4, "close": 9})
    with c.ctx.session() as s:
        add_comment(s, c.tom, sub, 0.8, "", "good discovery question")
        add_comment(s, c.tom, sub, 2.6, "Name the fee")
        score_submission(s, c.tom, sub, FULL, "Good opening.")
    from app.core.models import Decision
    from app.review.decisions import decide

    with c.ctx.session() as s:
        decide(s, c.tom, sub, Decision.RETAKE, "Name the yearly fee.")
        feedback = rep_feedback(s, c.ana)[0]
    view = shown(qtbot, FeedbackView())
    video = c.ctx.paths.media / c.sha256[:2] / f"{c.sha256}.mp4"
    wait_first_frame(qtbot, view.player, lambda: view.show_feedback(feedback, video))
    assert "asks for a retake" in view.outcome.text()
    assert "Name the yearly fee." in view.outcome.text()
    assert view.retake_button.isVisible()
    headers = [view.scores.horizontalHeaderItem(i).text() for i in range(4)]
    assert headers == ["Criterion", "Weight", "Your own", "Tom Trainer"]
    assert [view.scores.item(0, i).text() for i in range(4)] == [
        "Discovery questions",
        "×2",
        "5 / 5",
        "4 / 5",
    ]
    assert view.points.text() == "Points: 75.0 of 100"
    assert "Good opening." in view.written.text()
    with qtbot.waitSignal(view.retake_requested) as asked:
        qtbot.mouseClick(view.retake_button, Qt.MouseButton.LeftButton)
    assert asked.args == [sub]

    second = view.comments.item(1)
    rect = view.comments.visualItemRect(second)
    qtbot.mouseClick(view.comments.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert view.player.position() == 2600
    assert len(view.player.timeline.markers()) == 2


# --- Top Videos -------------------------------------------------------------------------------


def test_trainer_marks_a_top_video_the_rep_consents_and_it_is_in_the_gallery(
    qtbot, coaching, answers, errors
):
    c = coaching
    sub = c.submit(c.ana)
    with c.ctx.session() as s:
        score_submission(s, c.tom, sub, FULL)
        add_comment(s, c.tom, sub, 1.2, "", "asked for the sale")
    review = shown(qtbot, ReviewPage(make_state(c.ctx, c.tom)))
    review.open_submission(sub)
    answers.append("A clear, friendly close.")
    qtbot.mouseClick(review.screen.top_button, Qt.MouseButton.LeftButton)
    assert review.screen.top_status.text() == "Top Video: waiting for the rep's consent"
    with c.ctx.session() as s:
        assert s.scalar(select(TopVideo.consent)) is Consent.PENDING

    # Nobody sees it before the rep agrees; the rep sees the request as a banner.
    others = shown(qtbot, TopVideosPage(make_state(c.ctx, c.ben)))
    qtbot.waitUntil(lambda: others.data is not None and others.loading is None, timeout=10000)
    assert others.gallery.count() == 0 and others.banner.isHidden()

    state = make_state(c.ctx, c.ana)
    page = shown(qtbot, TopVideosPage(state))
    qtbot.waitUntil(lambda: page.data is not None and page.loading is None, timeout=10000)
    assert page.body.currentWidget() is page.empty
    assert page.banner.isVisible()
    text = page.banner.findChild(type(page.reason), "consentText").text()
    assert "Tom Trainer would like to share your video “Offer the card”" in text
    page.banner.findChild(type(review.screen.top_button), "grantConsent").click()
    qtbot.waitUntil(lambda: page.gallery.count() == 1 and page.loading is None, timeout=10000)
    assert page.banner.isHidden()
    card_item = page.gallery.item(0)
    assert card_item.text().startswith("★ Best for this scenario · Best of 2026-11")
    assert "Ana Souza · 75.0 points" in card_item.text()
    assert not card_item.icon().isNull()
    assert "A clear, friendly close." in page.reason.text()

    # Opening plays it with the trainer's comments beside it.
    with qtbot.waitSignal(page.viewer.player.first_frame, timeout=10000):
        page.gallery.itemDoubleClicked.emit(card_item)
    assert page.viewer.comments.count() == 1
    assert page.viewer.player.timeline.markers()[0].color == "#ef6c00"
    assert "A clear, friendly close." in page.viewer.reason.text()
    qtbot.mouseClick(page.viewer.back_button, Qt.MouseButton.LeftButton)
    assert page.stack.currentIndex() == 0
    assert errors == []


# --- the leaderboard --------------------------------------------------------------------------


def test_leaderboard_ranks_ties_highlights_the_podium_and_grants_rewards(
    qtbot, coaching, monkeypatch
):
    from app.core.clock import utcnow

    c = coaching
    now = utcnow()
    plan = [
        (c.submit(c.ana, now), FULL),
        (c.submit(c.ben, now), FULL),
        (c.submit(c.cleo, now), {"discovery": 1, "benefit": 1, "close": 1}),
    ]
    with c.ctx.session() as s:
        for sub, scores in plan:
            score_submission(s, c.tom, sub, scores, now=now)
    page = shown(qtbot, LeaderboardPage(make_state(c.ctx, c.tom)))
    table = page.table
    rows = [[table.item(r, col).text() for col in (0, 1, 3)] for r in range(table.rowCount())]
    assert rows == [
        ["1", "Ana Souza", "75.0"],
        ["1", "Ben Okafor", "75.0"],
        ["3", "Cleo Martin", "17.5"],
    ]
    assert table.item(0, 1).background().color().name() == PODIUM[0]
    assert table.item(2, 1).background().color().name() == PODIUM[2]

    page.team_box.setCurrentIndex(page.team_box.findText("South"))
    assert table.rowCount() == 1 and table.item(0, 0).text() == "1"
    page.team_box.setCurrentIndex(0)

    offered = {}

    def ask_reward(_parent, people, periods):
        offered.update(people=people, periods=periods)
        return {
            "person_id": c.ana.id,
            "title": "Top cross-seller",
            "badge": "trophy",
            "period": periods[0],
        }

    monkeypatch.setattr(dialogs, "ask_reward", ask_reward)
    assert page.grant_button.isVisible()
    qtbot.mouseClick(page.grant_button, Qt.MouseButton.LeftButton)
    assert [name for _id, name in offered["people"]] == ["Ana Souza", "Ben Okafor", "Cleo Martin"]
    month = offered["periods"][0]
    assert table.item(0, 6).text() == f"★ Top cross-seller ({month})"

    page.period_box.setCurrentIndex(page.period_box.findText("All time"))
    assert table.rowCount() == 3

    rep_view = shown(qtbot, LeaderboardPage(make_state(c.ctx, c.ana)))
    assert not rep_view.grant_button.isVisible()


# --- in the main window -----------------------------------------------------------------------


def test_the_main_window_shows_these_pages_to_trainers_and_the_consent_banner_to_reps(
    qtbot, coaching
):
    from app.review.top_videos import mark_top
    from app.ui.main_window import MainWindow

    c = coaching
    sub = c.submit(c.ana)
    with c.ctx.session() as s:
        mark_top(s, c.tom, sub, "Great close.")
    window = shown(qtbot, MainWindow(make_state(c.ctx, c.tom)))
    assert window.show_page("review")
    assert isinstance(window.pages["review"], ReviewPage)
    assert window.pages["review"].queue.model.rowCount() == 1
    assert isinstance(window.pages["leaderboard"], LeaderboardPage)

    window.state.use_profile(c.ana)
    assert "review" not in window.visible_pages()
    assert window.show_page("top_videos")
    page = window.pages["top_videos"]
    qtbot.waitUntil(lambda: page.loading is None and page.banner.isVisible(), timeout=10000)
