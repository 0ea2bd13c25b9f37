"""The Practice page through its real widgets, recording from the synthetic source with
the real recorder: open a scenario, prep, record, replay, retake, submit."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from sqlalchemy import select

from app.core.models import Scenario, Submission, Take
from app.scenarios.library import get_scenario
from app.ui.practice import dialogs
from app.ui.practice.page import PracticePage
from app.ui.practice.submit_dialog import SubmitChoice
from app.ui.state import AppState

SCENARIO = "hotel-breakfast"
WAIT_MS = 60_000  # the machine is shared and busy: generous, never asserted as a time


@pytest.fixture
def rep(ctx, make_profile):
    profile = make_profile("Ana", "rep")
    ctx.use_profile(profile)
    return profile


@pytest.fixture
def page(ctx, rep, qtbot, monkeypatch):
    monkeypatch.setenv("CROSSCOACH_SOURCE", "test")
    state = AppState(ctx)
    widget = PracticePage(state)
    qtbot.addWidget(widget)
    widget.resize(1200, 800)
    widget.show()
    widget.activateWindow()
    qtbot.waitUntil(widget.isActiveWindow)
    yield widget
    widget.controller.shutdown()


@pytest.fixture
def submits(monkeypatch):
    """The submit dialog, answered by the test: records what it was shown."""
    shown = []

    def answer(parent, take_label, duration, findings, criteria):
        shown.append({"label": take_label, "findings": findings, "criteria": criteria})
        return SubmitChoice("I tried the bundle offer.", {c.key: c.max_score - 1 for c in criteria})

    monkeypatch.setattr(dialogs, "ask_submit", answer)
    return shown


@pytest.fixture
def errors(monkeypatch):
    shown = []
    monkeypatch.setattr(dialogs, "report_error", lambda _parent, err: shown.append(err))
    return shown


def scenario_id(ctx) -> str:
    with ctx.session() as s:
        return get_scenario(s, SCENARIO, ctx.paths.media).id


def open_from_list(page, qtbot, ctx) -> None:
    """Find the scenario in the free practice list and open it like a rep does."""
    table = page.home.scenarios
    wanted = scenario_id(ctx)
    row = next(
        r
        for r in range(table.rowCount())
        if table.item(r, 0).data(Qt.ItemDataRole.UserRole) == wanted
    )
    table.setCurrentCell(row, 0)
    table.itemActivated.emit(table.item(row, 0))
    assert page.stack.currentWidget() is page.player


def record(page, qtbot, seconds: float = 2.0) -> None:
    """From the player: Start, skip the prep with Space, the 3-2-1, record, Stop."""
    player = page.player
    if player.phase == "idle":
        qtbot.mouseClick(player.start_button, Qt.MouseButton.LeftButton)
    assert player.phase == "prep"
    assert player.countdown.isVisible() and player.skip_button.isVisible()
    qtbot.keyClick(player, Qt.Key.Key_Space)  # skip the prep
    assert player.phase == "go"
    qtbot.waitUntil(lambda: page.stack.currentWidget() is page.recording, timeout=WAIT_MS)
    view = page.recording
    qtbot.waitUntil(lambda: view.preview.image is not None, timeout=WAIT_MS)
    qtbot.waitUntil(lambda: view.recorded >= seconds, timeout=WAIT_MS)
    assert view.time_left.text() != ""
    assert view.bar.value() > 0
    qtbot.keyClick(view, Qt.Key.Key_Space)  # stop
    qtbot.waitUntil(lambda: page.stack.currentWidget() is page.replay, timeout=WAIT_MS)


@pytest.mark.slow
def test_record_replay_retake_and_submit_with_self_assessment(page, qtbot, ctx, rep, submits):
    open_from_list(page, qtbot, ctx)
    assert page.player.title.text() == page.scenario.title
    assert "next: attempt 1 of 3, free practice" in page.player.meta.text()
    assert page.player.teleprompter.isVisible()
    # The talking points can be hidden, with a shortcut.
    qtbot.keyClick(page.player, Qt.Key.Key_T, Qt.KeyboardModifier.ControlModifier)
    assert not page.player.teleprompter.isVisible()
    qtbot.keyClick(page.player, Qt.Key.Key_T, Qt.KeyboardModifier.ControlModifier)
    assert page.player.teleprompter.isVisible()

    record(page, qtbot)
    replay = page.replay
    assert len(replay.takes) == 1
    assert replay.table.item(0, 0).text().startswith("Attempt 1 of")
    assert replay.retake_button.isEnabled()

    qtbot.mouseClick(replay.retake_button, Qt.MouseButton.LeftButton)
    assert page.stack.currentWidget() is page.player
    assert "next: attempt 2 of 3" in page.player.meta.text()
    record(page, qtbot)
    assert len(replay.takes) == 2
    first_take = replay.takes[1]

    # Pick the first take and submit it.
    replay.table.selectRow(1)
    assert replay.selected_take().id == first_take.id
    qtbot.mouseClick(replay.submit_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: len(submits) == 1, timeout=WAIT_MS)
    criteria = submits[0]["criteria"]
    assert criteria, "the self-assessment offers the scenario's rubric"
    qtbot.waitUntil(lambda: "Submitted" in replay.status.text(), timeout=WAIT_MS)

    with ctx.session() as s:
        sub = s.scalars(select(Submission)).one()
        assert sub.take_id == first_take.id
        assert sub.person_id == rep.id
        assert sub.note == "I tried the bundle offer."
        assert sub.self_scores == {c.key: c.max_score - 1 for c in criteria}
        takes = s.scalars(select(Take).where(Take.person_id == rep.id)).all()
        assert len(takes) == 2
        assert all(t.duration_seconds >= 1.5 for t in takes)
    assert not replay.submit_button.isEnabled()  # a submitted take is not handed in twice


@pytest.mark.slow
def test_take_check_flags_a_black_silent_recording_before_submitting(
    page, qtbot, ctx, submits, monkeypatch
):
    monkeypatch.setenv("CROSSCOACH_SOURCE", "black")
    open_from_list(page, qtbot, ctx)
    record(page, qtbot)
    # The check runs in the background after the take is stored; its findings show in the list.
    qtbot.waitUntil(
        lambda: bool(page.replay.takes and page.replay.takes[0].warnings), timeout=WAIT_MS
    )
    assert "black" in page.replay.table.item(0, 2).text()
    qtbot.mouseClick(page.replay.submit_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: len(submits) == 1, timeout=WAIT_MS)
    codes = {f.code for f in submits[0]["findings"]}
    assert {"black", "silent"} <= codes
    with ctx.session() as s:
        assert s.scalars(select(Submission)).one() is not None  # submitting anyway is allowed


@pytest.mark.slow
def test_retake_is_disabled_with_a_reason_when_attempts_are_used_up(page, qtbot, ctx):
    with ctx.session() as s:
        s.scalars(select(Scenario).where(Scenario.key == SCENARIO)).one().allowed_attempts = 1
    open_from_list(page, qtbot, ctx)
    record(page, qtbot)
    replay = page.replay
    assert not replay.retake_button.isEnabled()
    assert "used all 1 attempts" in replay.retake_reason.text()
    assert replay.retake_reason.isVisible()
    # Back in the player, Start is off for the same reason.
    qtbot.mouseClick(replay.back_button, Qt.MouseButton.LeftButton)
    open_from_list(page, qtbot, ctx)
    assert not page.player.start_button.isEnabled()
    assert "used all 1 attempts" in page.player.status.text()


def test_a_source_that_cannot_record_is_explained_and_stores_nothing(
    page, qtbot, ctx, tmp_path, monkeypatch
):
    monkeypatch.setenv("CROSSCOACH_SOURCE", f"file:{tmp_path / 'missing.mp4'}")
    open_from_list(page, qtbot, ctx)
    qtbot.mouseClick(page.player.start_button, Qt.MouseButton.LeftButton)
    qtbot.keyClick(page.player, Qt.Key.Key_Space)
    view = page.recording
    qtbot.waitUntil(lambda: view.problem.isVisible(), timeout=WAIT_MS)
    assert "does not exist" in view.problem.text()
    assert "What to do" in view.problem.text()
    with ctx.session() as s:
        assert s.scalars(select(Take)).all() == []
    # Esc leads back to the scenario.
    qtbot.keyClick(view, Qt.Key.Key_Escape)
    assert page.stack.currentWidget() is page.player


@pytest.mark.slow
def test_recording_stops_on_its_own_at_the_scenario_limit(page, qtbot, ctx):
    with ctx.session() as s:
        s.scalars(select(Scenario).where(Scenario.key == SCENARIO)).one().max_answer_seconds = 5
    open_from_list(page, qtbot, ctx)
    qtbot.mouseClick(page.player.start_button, Qt.MouseButton.LeftButton)
    qtbot.keyClick(page.player, Qt.Key.Key_Space)
    qtbot.waitUntil(lambda: page.stack.currentWidget() is page.recording, timeout=WAIT_MS)
    assert page.recording.time_caption.text() == "left of 0:05"
    # Nobody presses Stop: the take ends at 5 s and the replay opens.
    qtbot.waitUntil(lambda: page.stack.currentWidget() is page.replay, timeout=WAIT_MS)
    (take,) = page.replay.takes
    assert take.duration_seconds == pytest.approx(5.0, abs=0.3)
    assert not page.replay.notice.isVisible()  # it ended as planned, not early
