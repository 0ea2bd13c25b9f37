"""The Practice page's parts: the home lists, the player's media and voice, the submit
dialog, the device check (live preview and level from the synthetic source) and the
recovered-take banner after a recording killed halfway."""

from __future__ import annotations

import math
import os
import signal
from datetime import date, datetime, timedelta

import pytest
from factories import make_clip
from PySide6.QtCore import Qt
from PySide6.QtMultimedia import QMediaPlayer
from sqlalchemy import select

from app.core.clock import utcnow
from app.core.media import store_file
from app.core.models import Assignment, Scenario
from app.practice.assignments import AssignmentStatus
from app.practice.rounds import can_record
from app.recorder.finalize import UNRECOVERABLE
from app.recorder.record import prepare_take
from app.recorder.recovery import UNREADABLE
from app.recorder.sidecar import Sidecar
from app.recorder.take_check import BLACK, SILENT
from app.scenarios.library import get_scenario, search_scenarios
from app.ui import file_dialogs, tasks
from app.ui.practice import device_check
from app.ui.practice.device_check import DeviceCheckDialog, level_share, parse_level
from app.ui.practice.home import UNSAVED_TAB
from app.ui.practice.page import PracticePage, recovered_text
from app.ui.practice.speech import CustomerVoice
from app.ui.practice.submit_dialog import SubmitDialog
from app.ui.practice.views import clock, length
from app.ui.state import AppState

SCENARIO = "hotel-breakfast"
WAIT_MS = 60_000


@pytest.fixture
def rep(ctx, make_profile):
    profile = make_profile("Ana", "rep", team="North")
    ctx.use_profile(profile)
    return profile


@pytest.fixture
def make_page(ctx, qtbot, monkeypatch):
    monkeypatch.setenv("CROSSCOACH_SOURCE", "test")
    made = []

    def make() -> PracticePage:
        page = PracticePage(AppState(ctx))
        qtbot.addWidget(page)
        page.resize(1200, 800)
        page.show()
        page.activateWindow()
        qtbot.waitUntil(page.isActiveWindow)
        made.append(page)
        return page

    yield make
    for page in made:
        page.controller.shutdown()


def scenario(ctx, key: str = SCENARIO):
    with ctx.session() as s:
        return get_scenario(s, key, ctx.paths.media)


# --- plain helpers ----------------------------------------------------------------


def test_timer_and_length_texts():
    assert clock(75.4) == "1:16"  # time left rounds up: 0:00 only when it is over
    assert clock(0) == "0:00"
    assert clock(-3) == "0:00"
    assert length(3.4) == "0:03"
    assert length(119.6) == "2:00"


def test_level_lines_from_ffmpeg_and_the_meter_scale():
    line = "[Parsed_ametadata_5 @ 0x55] lavfi.astats.Overall.RMS_level=-21.039359"
    assert parse_level(line) == pytest.approx(-21.039359)
    assert (
        parse_level("[Parsed_ametadata_5 @ 0x55] lavfi.astats.Overall.RMS_level=-inf") == -math.inf
    )
    assert parse_level("frame:12 pts:12288 pts_time:0.256") is None
    assert level_share(-math.inf) == 0.0
    assert level_share(-60.0) == 0.0
    assert level_share(0.0) == 1.0
    assert 0.6 < level_share(-21.0) < 0.7


# --- home -------------------------------------------------------------------------


def test_home_lists_assignments_with_status_and_overdue_and_searches_scenarios(
    ctx, rep, make_page, qtbot
):
    sc = scenario(ctx)
    with ctx.session() as s:
        s.add(
            Assignment(
                scenario_id=sc.id, person_id=rep.id, due_date=date.today() - timedelta(days=2)
            )
        )
    page = make_page()
    table = page.home.assignments
    assert page.home.assignments_stack.currentWidget() is table
    assert table.rowCount() == 1
    assert table.item(0, 0).text() == sc.title
    assert "overdue" in table.item(0, 1).text()
    assert table.item(0, 2).text() == f"0 of {sc.allowed_attempts}"
    assert table.item(0, 3).text() == "To do"
    assert AssignmentStatus.TO_DO.value == "to do"
    assert "1 overdue" in page.home.summary.text()

    qtbot.keyClick(page.home.scenarios, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    assert page.home.search.hasFocus()
    qtbot.keyClicks(page.home.search, "breakfast")

    def titles():
        return [
            page.home.scenarios.item(r, 0).text() for r in range(page.home.scenarios.rowCount())
        ]

    qtbot.waitUntil(lambda: titles() == [sc.title])  # searched once typing paused
    page.home.search.setText("no scenario has this word zzz")
    qtbot.waitUntil(lambda: page.home.scenarios_stack.currentWidget() is page.home.no_scenarios)
    assert "zzz" in page.home.no_scenarios.text.text()


def test_home_without_assignments_says_so_in_plain_words(ctx, rep, make_page):
    page = make_page()
    assert page.home.assignments_stack.currentWidget() is page.home.no_assignments
    assert "free practice" in page.home.no_assignments.text.text()
    with ctx.session() as s:
        assert page.home.scenarios.rowCount() == len(search_scenarios(s))


# --- player -----------------------------------------------------------------------


def test_player_plays_the_prompt_media_and_remembers_the_hidden_teleprompter(
    ctx, rep, make_page, qtbot, tmp_path
):
    clip = make_clip(tmp_path / "customer.mp4", 2, size=(320, 240), fps=15, tone=300)
    sha, _stored = store_file(ctx.paths.media, clip)
    with ctx.session() as s:
        row = s.scalars(select(Scenario).where(Scenario.key == SCENARIO)).one()
        row.prompt_media_sha256, row.prompt_media_name = sha, "customer.mp4"
    page = make_page()
    page.open_scenario(scenario(ctx).id)
    player = page.player
    assert player.play_prompt.isVisible()
    qtbot.mouseClick(player.play_prompt, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(
        lambda: player.media.playbackState() == QMediaPlayer.PlaybackState.PlayingState,
        timeout=WAIT_MS,
    )
    qtbot.waitUntil(lambda: player.video.isVisible(), timeout=WAIT_MS)

    qtbot.keyClick(player, Qt.Key.Key_T, Qt.KeyboardModifier.ControlModifier)
    assert not player.teleprompter.isVisible()
    assert player.hide_points.text() == "Show talking points"
    again = make_page()  # the choice is remembered
    again.open_scenario(scenario(ctx).id)
    assert not again.player.teleprompter.isVisible()
    assert again.recording.teleprompter.isHidden()


def test_read_aloud_button_only_with_a_real_voice(ctx, rep, make_page):
    page = make_page()
    page.open_scenario(scenario(ctx).id)
    assert page.player.read_aloud.isVisible() == CustomerVoice().available


def test_escape_cancels_the_prep_countdown(ctx, rep, make_page, qtbot):
    page = make_page()
    page.open_scenario(scenario(ctx).id)
    qtbot.keyClick(page.player, Qt.Key.Key_Space)  # Space starts, too
    assert page.player.phase == "prep"
    qtbot.keyClick(page.player, Qt.Key.Key_Escape)
    assert page.player.phase == "idle"
    assert page.player.start_button.isVisible()
    assert page.stack.currentWidget() is page.player
    assert not page.controller.busy


# --- submit dialog ------------------------------------------------------------------


def test_submit_dialog_warns_and_asks_before_submitting_anyway(ctx, qtbot):
    criteria = scenario(ctx).criteria
    dialog = SubmitDialog("Attempt 1 of 3", 12.0, [BLACK, SILENT], criteria)
    qtbot.addWidget(dialog)
    assert BLACK.message in dialog.findings.text()
    assert SILENT.message in dialog.findings.text()
    assert not dialog.submit_button.isEnabled()
    dialog.confirm.setChecked(True)
    assert dialog.submit_button.isEnabled()
    assert dialog.choice().self_scores == {}  # the self-assessment is optional
    dialog.assess.setChecked(True)
    first = criteria[0]
    dialog.scores[first.key].setValue(first.max_score + 5)  # clamped to the criterion's max
    assert dialog.choice().self_scores[first.key] == first.max_score
    assert set(dialog.choice().self_scores) == {c.key for c in criteria}


def test_submit_dialog_refuses_an_overlong_note(ctx, qtbot):
    dialog = SubmitDialog("Attempt 1 of 3", 12.0, [], scenario(ctx).criteria)
    qtbot.addWidget(dialog)
    assert dialog.submit_button.isEnabled()
    dialog.note.setPlainText("x" * 2001)
    dialog.submit_button.click()
    assert dialog.result() == 0
    assert "longer than" in dialog.note_error.text()


# --- device check -------------------------------------------------------------------


def test_device_check_shows_the_test_source_with_a_moving_level_and_remembers_it(ctx, qtbot):
    ctx.settings.set("recording_source", "test")
    dialog = DeviceCheckDialog(ctx.settings)
    qtbot.addWidget(dialog)
    dialog.show()
    assert dialog.source.currentData() == "test"
    qtbot.waitUntil(lambda: dialog.preview.image is not None, timeout=WAIT_MS)
    qtbot.waitUntil(lambda: dialog.meter.value() > 0, timeout=WAIT_MS)
    assert dialog.live.process.state() != dialog.live.process.ProcessState.NotRunning
    dialog.quality.setCurrentIndex(1)
    qtbot.mouseClick(dialog.use_button, Qt.MouseButton.LeftButton)
    assert dialog.live.process.state() == dialog.live.process.ProcessState.NotRunning
    assert ctx.settings.get("recording_source") == "test"
    assert ctx.settings.get("recording_preset") == "low"


def test_device_check_explains_a_missing_camera_and_saves_a_video_file_choice(
    ctx, qtbot, tmp_path, monkeypatch
):
    dialog = DeviceCheckDialog(ctx.settings)  # "device" by default; this machine has none
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitUntil(lambda: "What to do" in dialog.message.text(), timeout=WAIT_MS)
    assert "camera" in dialog.message.text().lower()

    clip = make_clip(tmp_path / "me.mp4", 2, size=(320, 240), fps=15, sound=False)
    monkeypatch.setattr(device_check, "ask_open_path", lambda *_a: clip)
    dialog.source.setCurrentIndex(2)  # a video file
    qtbot.mouseClick(dialog.file_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.preview.image is not None, timeout=WAIT_MS)
    qtbot.mouseClick(dialog.use_button, Qt.MouseButton.LeftButton)
    assert ctx.settings.get("recording_source") == f"file:{clip}"


# --- recovery -------------------------------------------------------------------------


@pytest.mark.slow
def test_a_take_killed_halfway_is_offered_as_recovered_at_start_up(ctx, rep, make_page, qtbot):
    sc = scenario(ctx)
    recording = prepare_take(ctx, sc.id, source="test", seconds=30, can_record=can_record)
    recording.start()
    qtbot.waitUntil(lambda: recording.progress.seconds >= 3.0, timeout=WAIT_MS)
    os.kill(recording._proc.pid, signal.SIGKILL)  # a crash mid-take
    recording.wait()
    recording.release()  # ... of the whole recorder: its lock is gone with it
    assert list(ctx.paths.in_progress.glob("*.mp4"))

    page = make_page()
    qtbot.waitUntil(lambda: page.banner.isVisible(), timeout=WAIT_MS)
    text = page.banner_text.text()
    assert "interrupted" in text and sc.title in text and "kept" in text
    qtbot.mouseClick(page.banner_open, Qt.MouseButton.LeftButton)
    assert page.stack.currentWidget() is page.replay
    assert "(recovered)" in page.replay.table.item(0, 0).text()
    assert not list(ctx.paths.in_progress.glob("*.mp4"))


def test_recovered_text_names_each_take():
    from app.recorder.recovery import RecoveryReport

    class T:
        scenario_id, duration_seconds = "s1", 4.24

    assert recovered_text(RecoveryReport(recovered=[T()]), {"s1": "Breakfast"}) == (
        "We found a recording that was interrupted and saved it as a take: "
        "“Breakfast” (kept 4.2 s). It is marked “recovered” in your takes."
    )
    assert recovered_text(RecoveryReport(), {}) == ""
    broken = RecoveryReport(set_aside=[{"take_id": "x", "reason": "r"}])
    assert recovered_text(broken, {}) == (
        "One interrupted recording could not be saved as a take. It is kept on this "
        "computer: see “Unsaved recordings”, where you can save a copy."
    )
    two = RecoveryReport(set_aside=[{"take_id": "x", "reason": "r"}] * 2)
    assert recovered_text(two, {}).startswith("2 interrupted recordings could not be saved")


def leave_unreadable(ctx, take_id: str, person_id: str | None, scenario_id: str, size: int):
    """A recording no ffmpeg can read, as a crash could leave it (with its sidecar)."""
    folder = ctx.paths.in_progress
    data = os.urandom(size)
    (folder / f"{take_id}.mp4").write_bytes(data)
    if person_id is not None:
        Sidecar(take_id, scenario_id, person_id, utcnow().isoformat(), "test", 10.0).write(folder)
    return data


def test_recordings_that_could_not_be_saved_are_listed_and_copied_out(
    ctx, rep, make_profile, make_page, qtbot, monkeypatch, tmp_path
):
    sc = scenario(ctx)
    mine = leave_unreadable(ctx, "mine", rep.id, sc.id, 2_500_000)
    leave_unreadable(ctx, "nobodys", None, sc.id, 100_000)  # whose is unknown: shown
    other = make_profile("Bo", "rep")
    leave_unreadable(ctx, "bos", other.id, sc.id, 100_000)  # another rep's: not shown

    page = make_page()
    qtbot.waitUntil(lambda: page.banner.isVisible(), timeout=WAIT_MS)
    assert "2 interrupted recordings could not be saved as takes" in page.banner_text.text()
    assert page.banner_unsaved.isVisible() and not page.banner_open.isVisible()
    qtbot.mouseClick(page.banner_unsaved, Qt.MouseButton.LeftButton)

    home = page.home
    assert home.mine.currentIndex() == UNSAVED_TAB and "(2)" in home.mine.tabText(UNSAVED_TAB)
    table = home.unsaved
    rows = {
        table.item(r, 0).data(Qt.ItemDataRole.UserRole): [
            table.item(r, c).text() for c in range(table.columnCount())
        ]
        for r in range(table.rowCount())
    }
    assert set(rows) == {"mine", "nobodys"}
    title, when, size, why = rows["mine"]
    assert why == UNREADABLE and title == sc.title and size == "2.5 MB"
    assert str(ctx.paths.root) not in why  # no folder of ours in what the person reads
    assert when == datetime.now().strftime("%d %b %Y, ") + when[-5:]
    assert rows["nobodys"][0] == "Unknown scenario" and rows["nobodys"][2] == "0.1 MB"

    # With the keyboard alone: the row, Enter, a file name without ".mp4".
    asked = []
    target = tmp_path / "for my trainer"
    monkeypatch.setattr(file_dialogs, "ask_save_path", lambda *a: asked.append(a[1:]) or target)
    table.setFocus()
    table.selectRow(
        next(
            r
            for r in range(table.rowCount())
            if table.item(r, 0).data(Qt.ItemDataRole.UserRole) == "mine"
        )
    )
    qtbot.keyClick(table, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: "Saved a copy" in home.unsaved_note.text(), timeout=WAIT_MS)
    saved = target.with_name("for my trainer.mp4")
    assert asked[0][0] == "Save a copy of the recording" and asked[0][2].endswith(".mp4")
    assert saved.read_bytes() == mine and str(saved) in home.unsaved_note.text()
    assert (ctx.paths.in_progress / UNRECOVERABLE / "mine.mp4").exists()  # a copy: still kept

    # A folder that cannot be written: the error says so in plain words.
    errors = []
    monkeypatch.setattr(tasks, "show_error", lambda _parent, err: errors.append(err))
    monkeypatch.setattr(file_dialogs, "ask_save_path", lambda *a: tmp_path / "gone" / "x.mp4")
    qtbot.mouseClick(home.save_copy, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: bool(errors), timeout=WAIT_MS)
    assert "could not be saved as" in errors[0].message and "another folder" in errors[0].hint

    # Tidied away by hand: nothing to list, no tab.
    for path in (ctx.paths.in_progress / UNRECOVERABLE).iterdir():
        path.unlink()
    page.go_home()
    assert not home.mine.isTabVisible(UNSAVED_TAB)
