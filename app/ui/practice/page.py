"""The Practice page: assignments and free practice -> scenario player -> recording -> replay,
and the rep's submissions -> their trainer's feedback -> the retake.

The page holds the screens in a stack and the recorder controller; everything
the screens show comes from plain functions in app.practice, app.scenarios,
app.recorder and app.review.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from PySide6.QtCore import QCoreApplication
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QStackedWidget,
    QVBoxLayout,
)

from app.core.errors import UserError
from app.core.media import find_media
from app.practice.assignments import list_assignments
from app.practice.rounds import can_record, next_attempt
from app.practice.submit import submit_take
from app.practice.takes import TakeInfo, recheck_take, takes_visible_to
from app.recorder.recovery import (
    RecoveryReport,
    UnsavedRecording,
    list_unsaved,
    recover_in_progress,
    save_copy,
)
from app.review.decisions import SubmissionFeedback, rep_feedback
from app.scenarios.library import ScenarioDetail, get_scenario, search_scenarios
from app.sync.service import RECORDINGS
from app.ui import file_dialogs
from app.ui.icons import set_icon
from app.ui.jobs import MEDIA, Job
from app.ui.pages.base import Page, PageSpec
from app.ui.practice import dialogs
from app.ui.practice.controller import RecorderController
from app.ui.practice.device_check import DeviceCheckDialog
from app.ui.practice.feedback import FeedbackScreen, has_feedback
from app.ui.practice.home import PracticeHome
from app.ui.practice.player import ScenarioPlayer
from app.ui.practice.recording_view import RecordingView
from app.ui.practice.replay import ReplayView, take_label
from app.ui.state import AppState
from app.ui.tasks import BackgroundTask
from app.ui.widgets import typing_pause_timer

if TYPE_CHECKING:
    from app.identity.context import AppContext

SHOWN_TABLES = (
    "scenarios", "rubrics", "rubric_criteria", "products", "cross_sells", "assignments",
    "submissions", "reviews", "comments", "top_videos", "people", RECORDINGS,
)  # fmt: skip

log = logging.getLogger(__name__)

RETAKE_HINT = "Submit the take you like best; your trainer can ask for a retake, which gives you new attempts."
TELEPROMPTER_KEY = "practice/teleprompter"


def _recover(ctx: AppContext) -> RecoveryReport:
    """Start-up recovery of interrupted recordings (a job in the media lane)."""
    try:
        return recover_in_progress(ctx, next_attempt=next_attempt)
    except UserError as err:  # no ffmpeg: the leftovers wait for the next start
        return RecoveryReport(failed=[{"take_id": "", "reason": err.message}])
    except Exception:  # noqa: BLE001 - never block start-up; the files stay for next time
        log.exception("recovery of interrupted recordings failed")
        return RecoveryReport()


def recovered_text(report: RecoveryReport, titles: dict[str, str]) -> str:
    """The banner's words about interrupted recordings ("" when there is nothing to say)."""
    parts = [
        f"“{titles.get(take.scenario_id, 'a scenario')}” (kept {take.duration_seconds:.1f} s)"
        for take in report.recovered
    ]
    text = ""
    if len(parts) == 1:
        text = (
            f"We found a recording that was interrupted and saved it as a take: {parts[0]}. "
            "It is marked “recovered” in your takes."
        )
    elif parts:
        text = (
            f"We found {len(parts)} recordings that were interrupted and saved them as takes: "
            f"{', '.join(parts)}. They are marked “recovered” in your takes."
        )
    if len(report.set_aside) == 1:
        text += (
            " One interrupted recording could not be saved as a take. It is kept on this "
            "computer: see “Unsaved recordings”, where you can save a copy."
        )
    elif report.set_aside:
        text += (
            f" {len(report.set_aside)} interrupted recordings could not be saved as takes. "
            "They are kept on this computer: see “Unsaved recordings”, where you can save "
            "a copy."
        )
    return text.strip()


class PracticePage(Page):
    def __init__(self, state: AppState):
        super().__init__()
        self.state = state
        self.ctx = state.ctx
        self.scenario: ScenarioDetail | None = None
        self.assignment_id: str | None = None
        self.attempt_note = ""
        self.checking: set[str] = set()  # takes stored but not checked yet
        self.controller = RecorderController(self, state.jobs)
        self.feedback: dict[str, SubmissionFeedback] = {}  # the rep's submissions by id

        self.stack = QStackedWidget()
        self.home = PracticeHome()
        self.player = ScenarioPlayer()
        self.recording = RecordingView()
        self.replay = ReplayView()
        self.feedback_screen = FeedbackScreen()
        for screen in (self.home, self.player, self.recording, self.replay, self.feedback_screen):
            self.stack.addWidget(screen)
        self.stack.currentChanged.connect(self._screen_changed)

        self.banner = QFrame(objectName="recoveredBanner")
        self.banner.setFrameShape(QFrame.Shape.StyledPanel)
        row = QHBoxLayout(self.banner)
        self.banner_text = QLabel()
        self.banner_text.setWordWrap(True)
        self.banner_open = QPushButton("Show it")
        self.banner_unsaved = QPushButton("Show unsaved")
        self.banner_close = QPushButton("Dismiss")
        self.banner_open.clicked.connect(self._open_recovered)
        self.banner_unsaved.clicked.connect(self._open_unsaved)
        self.banner_close.clicked.connect(self.banner.hide)
        row.addWidget(self.banner_text, 1)
        row.addWidget(self.banner_open)
        row.addWidget(self.banner_unsaved)
        row.addWidget(self.banner_close)
        self.banner.hide()
        self.recovered: list = []
        self.unsaved: list[UnsavedRecording] = []  # the rep's, as listed on the home screen

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.banner)
        layout.addWidget(self.stack, 1)

        self.device_action = QAction("Check camera and microphone…", self)
        self.device_action.setShortcut(QKeySequence("Ctrl+D"))
        set_icon(self.device_action, "settings")
        self.device_action.triggered.connect(self.open_device_check)

        self.home.open_scenario.connect(self.open_scenario)
        self.home.device_check_requested.connect(self.open_device_check)
        self.home.open_feedback.connect(self.open_feedback)
        self.home.save_unsaved.connect(self.save_unsaved_copy)
        self.feedback_screen.back_requested.connect(self.go_home)
        self.feedback_screen.view.retake_requested.connect(self.record_retake)
        self._search_timer = typing_pause_timer(self, self.refresh_scenarios)
        self.home.search.textChanged.connect(lambda _t: self._search_timer.start())
        self.player.back_requested.connect(self.go_home)
        self.player.record_requested.connect(self.start_take)
        self.player.teleprompter_toggled.connect(self._teleprompter_toggled)
        self.recording.stop_requested.connect(self.controller.stop)
        self.replay.back_requested.connect(self.go_home)
        self.replay.retake_requested.connect(self.retake)
        self.replay.submit_requested.connect(self.submit)

        c = self.controller
        c.first_frame.connect(lambda _s: self.recording.on_first_frame())
        c.progress.connect(self.recording.on_progress)
        c.preview_ready.connect(self.recording.on_preview)
        c.saving.connect(self.recording.on_saving)
        c.stored.connect(self._stored)
        c.checked.connect(self._checked)
        c.failed.connect(self._failed)

        state.profile_changed.connect(lambda _p: self.go_home())
        state.sync.on_arrival(self, SHOWN_TABLES, self.reload)  # what a sync brought
        app = QCoreApplication.instance()
        if app is not None:
            app.aboutToQuit.connect(self.controller.shutdown)
        visible = state.ui_settings.value(TELEPROMPTER_KEY, True)
        self.player.set_teleprompter_visible(visible not in (False, "false"))
        self.go_home()
        self._start_recovery()

    def menu_actions(self) -> list[QAction]:
        return [self.device_action]

    # --- home ----------------------------------------------------------------------

    def busy(self) -> bool:
        """A take is being recorded or saved: the idle lock waits for it."""
        return self.controller.busy

    def go_home(self) -> None:
        if self.controller.busy:
            return  # a take is being recorded or saved: stay with it
        self.replay.stop_playback()
        self.refresh_assignments()
        self.refresh_scenarios()
        self.stack.setCurrentWidget(self.home)
        self.home.scenarios.setFocus()

    def refresh_assignments(self) -> None:
        """Re-read the rep's assignments and submissions (with their feedback)."""
        profile = self.state.profile
        if profile is None:
            self.feedback = {}
            self.home.show_assignments([])
            self.home.show_submissions([])
            return
        with self.ctx.session() as s:
            rows = list_assignments(s, profile.id)
            mine = rep_feedback(s, profile)
        self.feedback = {f.submission_id: f for f in mine}
        reviewed = frozenset(f.submission_id for f in mine if has_feedback(f))
        self.home.show_assignments(rows, reviewed)
        self.home.show_submissions(mine)
        self.refresh_unsaved()

    def refresh_unsaved(self) -> None:
        """The recordings of this rep (or of nobody known) that could not be saved."""
        profile = self.state.profile
        self.unsaved = [
            r
            for r in list_unsaved(self.ctx.paths.in_progress)
            if profile is None or r.person_id in (None, profile.id)
        ]
        titles = self._titles()
        self.home.show_unsaved(
            [(r, titles.get(r.scenario_id, "Unknown scenario")) for r in self.unsaved]
        )

    def _titles(self) -> dict[str, str]:
        with self.ctx.session() as s:
            return {r.id: r.title for r in search_scenarios(s)}

    def save_unsaved_copy(self, take_id: str) -> None:
        """Ask where, then copy the recording there in the background."""
        recording = next((r for r in self.unsaved if r.take_id == take_id), None)
        if recording is None:
            return
        suggested = f"CrossCoach recording {recording.recorded_at.astimezone():%Y-%m-%d %H%M}.mp4"
        target = file_dialogs.ask_save_path(
            self, "Save a copy of the recording", "Video (*.mp4)", suggested
        )
        if target is None:
            return
        if target.suffix.lower() != ".mp4" and not target.exists():
            target = target.with_name(target.name + ".mp4")
        self.home.unsaved_note.setText("")
        BackgroundTask(
            self,
            "Saving a copy…",
            lambda: save_copy(recording, target),
            lambda saved: self.home.unsaved_note.setText(f"Saved a copy as {saved}."),
        )

    def reload(self) -> None:
        """Show what a sync brought: the lists, and the feedback on screen if it changed."""
        shown = self.feedback_screen.view.feedback
        self.refresh_assignments()
        self.refresh_scenarios()
        if self.stack.currentWidget() is self.feedback_screen and shown is not None:
            fresh = self.feedback.get(shown.submission_id)
            if fresh is None:
                self.go_home()  # withdrawn meanwhile
            elif fresh != shown or self.feedback_screen.view.player.source_path is None:
                self.open_feedback(shown.submission_id)  # new feedback, or the video arrived

    def refresh_scenarios(self) -> None:
        text = self.home.search.text()
        with self.ctx.session() as s:
            rows = search_scenarios(s, text)
        self.home.show_scenarios(rows, text)

    # --- feedback ----------------------------------------------------------------------

    def open_feedback(self, submission_id: str) -> None:
        feedback = self.feedback.get(submission_id)
        if feedback is None:
            return
        video = find_media(self.ctx.paths.media, feedback.sha256)
        self.feedback_screen.show_feedback(feedback, video)
        self.stack.setCurrentWidget(self.feedback_screen)
        self.feedback_screen.view.comments.setFocus()

    def record_retake(self, submission_id: str) -> None:
        """Straight to the scenario player: the retake request opened a fresh round."""
        feedback = self.feedback.get(submission_id)
        if feedback is not None:
            self.open_scenario(feedback.scenario_key)

    def _screen_changed(self, _index: int) -> None:
        if self.stack.currentWidget() is not self.feedback_screen:
            self.feedback_screen.view.leave()  # let go of the video file

    # --- player -------------------------------------------------------------------

    def open_scenario(self, scenario_id: str) -> None:
        self.replay.show_notice("")
        try:
            with self.ctx.session() as s:
                self.scenario = get_scenario(s, scenario_id, self.ctx.paths.media)
        except UserError as err:
            dialogs.report_error(self, err)
            return
        reason = self.blocked_reason()
        self.player.show_scenario(self.scenario, reason, "" if reason else self.attempt_note)
        self.stack.setCurrentWidget(self.player)
        self.player.setFocus()

    def blocked_reason(self) -> str | None:
        """Why no new take may be recorded now (attempts used up), or None."""
        profile = self.state.profile
        if profile is None:
            return "Choose who you are (Settings, Profile) before you record."
        try:
            with self.ctx.session() as s:
                plan = can_record(s, profile.id, self.scenario.id)
        except UserError as err:
            return f"{err.message} {RETAKE_HINT}"
        self.assignment_id = plan.assignment_id
        purpose = "for your assignment" if plan.assignment_id else "free practice"
        self.attempt_note = f"next: attempt {plan.attempt} of {plan.allowed}, {purpose}"
        return None

    def _teleprompter_toggled(self, visible: bool) -> None:
        self.recording.teleprompter.setVisible(visible)
        self.state.ui_settings.setValue(TELEPROMPTER_KEY, visible)

    # --- recording -------------------------------------------------------------------

    def start_take(self) -> None:
        reason = self.blocked_reason()
        if reason:
            self.player.set_blocked(reason)
            return
        sc = self.scenario
        self.recording.begin(
            sc.title, sc.max_answer_seconds, sc.talking_points, sc.keywords_mention
        )
        if self.controller.start(self.ctx, sc.id, self.assignment_id):
            self.stack.setCurrentWidget(self.recording)
            self.recording.setFocus()

    def _stored(self, take_id: str, problem: str) -> None:
        self.checking.add(take_id)
        self.show_replay(select_id=take_id)
        self.replay.show_notice(
            f"⚠ The take ended early: {problem} What was recorded until then is kept: "
            "watch it before you submit."
            if problem
            else ""
        )

    def _checked(self, take_id: str, _findings) -> None:
        self.checking.discard(take_id)
        if self.stack.currentWidget() is self.replay and self.scenario is not None:
            selected = self.replay.selected_take()
            if any(t.id == take_id for t in self.replay.takes):
                self.show_replay(select_id=selected.id if selected else take_id, keep_player=True)

    def _failed(self, message: str, hint: str) -> None:
        if self.stack.currentWidget() is self.recording:
            self.recording.on_problem(message, hint)
            self._show_back_from_recording()
        else:
            dialogs.report_error(self, UserError(message, hint))

    def _show_back_from_recording(self) -> None:
        """After a failed take: the problem stays on screen with a way back."""
        self.recording.state.setText("Press Esc to go back to the scenario.")
        self.recording.stop_requested.disconnect()
        self.recording.stop_requested.connect(self._back_to_player_after_failure)
        self.recording.stop_button.setText("Back to the scenario")
        self.recording.stop_button.setEnabled(True)

    def _back_to_player_after_failure(self) -> None:
        self.recording.stop_requested.disconnect()
        self.recording.stop_requested.connect(self.controller.stop)
        self.recording.stop_button.setText("Stop")
        self.open_scenario(self.scenario.id)

    # --- replay, retake, submit -----------------------------------------------------

    def scenario_takes(self) -> list[TakeInfo]:
        profile = self.state.profile
        with self.ctx.session() as s:
            return takes_visible_to(s, profile.id, self.ctx.paths.media, self.scenario.id)

    def show_replay(self, select_id: str | None = None, keep_player: bool = False) -> None:
        reason = self.blocked_reason()
        if not keep_player:
            self.replay.stop_playback()
        self.replay.show_takes(
            self.scenario.title,
            self.scenario_takes(),
            self.scenario.allowed_attempts,
            reason,
            select_id,
            frozenset(self.checking),
        )
        self.stack.setCurrentWidget(self.replay)
        self.replay.setFocus()
        if not keep_player and select_id:
            self.replay.media.play()

    def retake(self) -> None:
        self.open_scenario(self.scenario.id)
        self.player.start()

    def submit(self, take: TakeInfo) -> None:
        if take.id in self.controller.checked_ids or take.warnings:
            self._ask_and_submit(take, list(take.warnings))
            return
        BackgroundTask(
            self,
            "Checking your take…",
            lambda: recheck_take(self.ctx, take.id),
            lambda findings: self._checked_then_submit(take, findings),
        )

    def _checked_then_submit(self, take: TakeInfo, findings) -> None:
        self.controller.checked_ids.add(take.id)
        self._ask_and_submit(take, findings)

    def _ask_and_submit(self, take: TakeInfo, findings) -> None:
        choice = dialogs.ask_submit(
            self,
            take_label(take, self.scenario.allowed_attempts),
            take.duration_seconds,
            findings,
            self.scenario.criteria,
        )
        if choice is None:
            return
        try:
            submit_take(self.ctx, take.id, choice.note, choice.self_scores)
        except UserError as err:
            dialogs.report_error(self, err)
            return
        self.state.sync.local_change()  # trainers see it soon
        self.show_replay(select_id=take.id, keep_player=True)

    # --- recovery ------------------------------------------------------------------

    def _start_recovery(self) -> None:
        ctx = self.ctx
        job = Job(lambda _control: _recover(ctx), lane=MEDIA)
        job.succeeded.connect(self.show_recovered)
        self.state.jobs.start(job)

    def show_recovered(self, report: RecoveryReport) -> None:
        profile = self.state.profile
        mine = [t for t in report.recovered if profile is None or t.person_id == profile.id]
        self.refresh_unsaved()
        listed = {r.take_id for r in self.unsaved}
        aside = [item for item in report.set_aside if item["take_id"] in listed]
        text = recovered_text(RecoveryReport(recovered=mine, set_aside=aside), self._titles())
        if not text:
            return
        self.recovered = mine
        self.banner_text.setText(text)
        self.banner_open.setVisible(bool(mine))
        self.banner_unsaved.setVisible(bool(aside))
        self.banner.show()

    def _open_unsaved(self) -> None:
        self.banner.hide()
        self.go_home()
        self.home.show_unsaved_tab()

    def _open_recovered(self) -> None:
        if not self.recovered or self.controller.busy:
            return
        take = self.recovered[0]
        self.banner.hide()
        with self.ctx.session() as s:
            self.scenario = get_scenario(s, take.scenario_id, self.ctx.paths.media)
        self.show_replay(select_id=take.id)

    # --- devices ------------------------------------------------------------------------

    def open_device_check(self) -> None:
        if self.controller.busy:
            return
        self.activate_requested.emit()
        DeviceCheckDialog(self.ctx.settings, self).exec()


PAGE = PageSpec(
    "practice",
    "Practice",
    "Pick a scenario, read the customer's situation, then record your answer on camera.",
    "practice",
    PracticePage,
)
