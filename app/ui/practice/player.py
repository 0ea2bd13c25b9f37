"""The scenario player: the customer's situation, what to suggest, the talking points,
the prompt media, then the prep countdown and a 3-2-1 before recording starts."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, QTimer, QUrl, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtMultimedia import QAudioOutput, QMediaPlayer
from PySide6.QtMultimediaWidgets import QVideoWidget
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from app.scenarios.library import ScenarioDetail
from app.ui.audio import attach_audio
from app.ui.icons import set_icon
from app.ui.practice.speech import CustomerVoice
from app.ui.practice.views import CountdownLabel, Teleprompter, big_font

GO_SECONDS = 3  # the "3-2-1" after the prep time


def _section(title: str) -> tuple[QLabel, QLabel]:
    heading = QLabel(title, objectName="sectionTitle")
    body = QLabel()
    body.setWordWrap(True)
    body.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    return heading, body


class ScenarioPlayer(QWidget):
    """Emits ``record_requested`` when the 3-2-1 reaches zero, ``back_requested`` on Back."""

    record_requested = Signal()
    back_requested = Signal()
    teleprompter_toggled = Signal(bool)

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.scenario: ScenarioDetail | None = None
        self._remaining = 0
        self._phase = "idle"  # idle | prep | go
        self._tick = QTimer(self, interval=1000)
        self._tick.timeout.connect(self._on_tick)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)  # so its shortcuts work when shown

        layout = QVBoxLayout(self)
        layout.setContentsMargins(24, 12, 24, 16)
        head = QHBoxLayout()
        self.back_button = QPushButton("Back to the list")
        self.back_button.setToolTip("Back to your assignments (Alt+Left)")
        self.back_button.clicked.connect(self._back)
        self.title = QLabel(objectName="detailTitle")
        self.title.setWordWrap(True)
        head.addWidget(self.title, 1)
        head.addWidget(self.back_button, 0, Qt.AlignmentFlag.AlignTop)
        layout.addLayout(head)
        self.meta = QLabel(objectName="hint")
        self.meta.setWordWrap(True)
        layout.addWidget(self.meta)

        split = QSplitter(Qt.Orientation.Horizontal)
        body = QWidget(objectName="detailBody")
        column = QVBoxLayout(body)
        column.setContentsMargins(16, 12, 16, 12)
        h, self.situation = _section("The customer")
        column.addWidget(h)
        column.addWidget(self.situation)
        h, self.customer_line = _section("The customer says")
        self.customer_line.setFont(big_font(self, 13, bold=False))
        self.customer_line.setObjectName("customerLine")
        column.addWidget(h)
        column.addWidget(self.customer_line)
        media_row = QHBoxLayout()
        self.play_prompt = QPushButton("Play the customer")
        set_icon(self.play_prompt, "play")
        self.play_prompt.setToolTip("Play the scenario's recording of the customer (Ctrl+P)")
        self.play_prompt.clicked.connect(self._toggle_prompt)
        self.read_aloud = QPushButton("Read the customer's line aloud")
        set_icon(self.read_aloud, "play")
        self.read_aloud.setToolTip("A computer voice reads the customer's line (Ctrl+L)")
        self.read_aloud.clicked.connect(self._read_aloud)
        media_row.addWidget(self.play_prompt)
        media_row.addWidget(self.read_aloud)
        media_row.addStretch(1)
        column.addLayout(media_row)
        self.video = QVideoWidget()
        self.video.setMinimumHeight(200)
        self.video.hide()
        column.addWidget(self.video)
        h, self.buying = _section("What they are buying")
        column.addWidget(h)
        column.addWidget(self.buying)
        h, self.suggest = _section("What to suggest, and why")
        column.addWidget(h)
        column.addWidget(self.suggest)
        h, self.avoid = _section("Words to avoid")
        self.avoid_heading = h
        column.addWidget(h)
        column.addWidget(self.avoid)
        column.addStretch(1)
        scroll = QScrollArea(objectName="detailScroll")
        scroll.setWidgetResizable(True)
        scroll.setWidget(body)
        split.addWidget(scroll)
        self.teleprompter = Teleprompter()
        split.addWidget(self.teleprompter)
        split.setSizes([560, 440])
        layout.addWidget(split, 1)

        bar = QFrame(objectName="countdownBar")
        bar_box = QHBoxLayout(bar)
        bar_box.setContentsMargins(0, 8, 0, 0)
        self.status = QLabel()
        self.status.setWordWrap(True)
        self.countdown = CountdownLabel()
        self.countdown.hide()
        self.skip_button = QPushButton("Skip prep")
        self.skip_button.setToolTip("Start recording now (Space)")
        self.skip_button.clicked.connect(self.skip_prep)
        self.skip_button.hide()
        self.start_button = QPushButton("Start")
        self.start_button.setObjectName("primary")
        self.start_button.setMinimumHeight(36)
        self.start_button.setFont(big_font(self, 12))
        set_icon(self.start_button, "record")
        self.start_button.clicked.connect(self.start)
        self.hide_points = QPushButton("Hide talking points")
        self.hide_points.setToolTip("Show or hide the talking points (Ctrl+T)")
        self.hide_points.clicked.connect(
            lambda: self.set_teleprompter_visible(not self.teleprompter.isVisible())
        )
        bar_box.addWidget(self.status, 1)
        bar_box.addWidget(self.countdown)
        bar_box.addWidget(self.skip_button)
        bar_box.addWidget(self.hide_points)
        bar_box.addWidget(self.start_button)
        layout.addWidget(bar)

        self.media = QMediaPlayer(self)
        self.audio = QAudioOutput(self)
        attach_audio(self.media, self.audio)
        self.media.setVideoOutput(self.video)
        self.media.hasVideoChanged.connect(self.video.setVisible)
        self.media.playbackStateChanged.connect(self._media_state)
        self.voice = CustomerVoice(self)

        def shortcut(keys, slot):
            sc = QShortcut(QKeySequence(keys), self, slot)
            sc.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            return sc

        shortcut(Qt.Key.Key_Space, self._space)
        shortcut("Ctrl+Return", self.start)
        shortcut("Ctrl+T", lambda: self.hide_points.click())
        shortcut("Ctrl+P", lambda: self.play_prompt.isVisible() and self.play_prompt.click())
        shortcut("Ctrl+L", lambda: self.read_aloud.isVisible() and self.read_aloud.click())
        shortcut("Alt+Left", self._back)
        shortcut(Qt.Key.Key_Escape, self._escape)

    # --- content ------------------------------------------------------------------

    def show_scenario(
        self, scenario: ScenarioDetail, blocked_reason: str | None, attempt_note: str = ""
    ) -> None:
        """Show a scenario; ``blocked_reason`` (attempts used up) disables Start;
        ``attempt_note`` says which attempt the next take is."""
        self.cancel_countdown()
        self.media.stop()
        self.scenario = scenario
        self.title.setText(scenario.title)
        bits = [
            f"{scenario.prep_seconds} s to prepare",
            f"up to {scenario.max_answer_seconds} s to answer",
        ]
        if scenario.difficulty:
            bits.insert(0, scenario.difficulty.capitalize())
        if attempt_note:
            bits.append(attempt_note)
        self.meta.setText(" · ".join(bits))
        self.situation.setText(scenario.situation)
        self.customer_line.setText(f"“{scenario.customer_line}”" if scenario.customer_line else "")
        self.buying.setText(scenario.product)
        why = f": {scenario.cross_sell_why}" if scenario.cross_sell_why else ""
        self.suggest.setText(f"{scenario.cross_sell}{why}")
        self.avoid.setText(", ".join(scenario.keywords_avoid))
        self.avoid.setVisible(bool(scenario.keywords_avoid))
        self.avoid_heading.setVisible(bool(scenario.keywords_avoid))
        self.teleprompter.set_content(scenario.talking_points, scenario.keywords_mention)
        media = scenario.prompt_media_path
        self.play_prompt.setVisible(bool(media))
        self.video.hide()
        if media:
            self.media.setSource(QUrl.fromLocalFile(str(Path(media))))
        else:
            self.media.setSource(QUrl())
        self.read_aloud.setVisible(self.voice.available and bool(scenario.customer_line))
        self.set_blocked(blocked_reason)

    def set_blocked(self, reason: str | None) -> None:
        self.start_button.setEnabled(reason is None)
        if reason:
            self.start_button.setToolTip(reason)
            self.status.setText(reason)
        else:
            self.start_button.setToolTip("Start the prep time, then record (Ctrl+Enter)")
            self.status.setText(
                "Read the situation, then press Start: you get the prep time, a 3-2-1, "
                "and the recording begins."
            )

    def set_teleprompter_visible(self, visible: bool) -> None:
        self.teleprompter.setVisible(visible)
        self.hide_points.setText("Hide talking points" if visible else "Show talking points")
        self.teleprompter_toggled.emit(visible)

    # --- prompt media and voice --------------------------------------------------

    def _toggle_prompt(self) -> None:
        if self.media.playbackState() == QMediaPlayer.PlaybackState.PlayingState:
            self.media.pause()
        else:
            self.media.play()

    def _media_state(self, state) -> None:
        playing = state == QMediaPlayer.PlaybackState.PlayingState
        self.play_prompt.setText("Pause the customer" if playing else "Play the customer")
        set_icon(self.play_prompt, "pause" if playing else "play")

    def _read_aloud(self) -> None:
        if self.scenario is not None:
            self.voice.say(self.scenario.customer_line)

    # --- prep countdown and 3-2-1 ------------------------------------------------

    @property
    def phase(self) -> str:
        return self._phase

    def start(self) -> None:
        if self.scenario is None or not self.start_button.isEnabled() or self._phase != "idle":
            return
        self.media.pause()
        self.voice.stop()
        if self.start_button.hasFocus():
            # Hidden, it would hand the focus to the next widget in the window (the
            # navigation) and Space / Esc would no longer skip or cancel the countdown.
            self.setFocus(Qt.FocusReason.OtherFocusReason)
        self.start_button.hide()
        self.countdown.show()
        if self.scenario.prep_seconds > 0:
            self._enter("prep", self.scenario.prep_seconds)
        else:
            self._enter("go", GO_SECONDS)
        self._tick.start()

    def skip_prep(self) -> None:
        if self._phase == "prep":
            self._enter("go", GO_SECONDS)
            self._tick.start()  # a full second for the "3"

    def cancel_countdown(self) -> None:
        self._tick.stop()
        self._phase = "idle"
        self.countdown.hide()
        self.skip_button.hide()
        self.start_button.show()
        if self.scenario is not None and self.start_button.isEnabled():
            self.set_blocked(None)

    def _enter(self, phase: str, seconds: int) -> None:
        self._phase = phase
        self._remaining = seconds
        self.skip_button.setVisible(phase == "prep")
        self._show_count()

    def _show_count(self) -> None:
        if self._phase == "prep":
            self.status.setText(
                "Get ready: think about what you will say. Press Space to start now."
            )
            self.countdown.setText(f"{self._remaining}")
        else:
            self.status.setText("Recording starts in…")
            self.countdown.setText(f"{self._remaining}")

    def _on_tick(self) -> None:
        self._remaining -= 1
        if self._remaining > 0:
            self._show_count()
        elif self._phase == "prep":
            self._enter("go", GO_SECONDS)
        else:
            self._tick.stop()
            self._phase = "idle"
            self.countdown.hide()
            self.skip_button.hide()
            self.start_button.show()
            self.record_requested.emit()

    # --- keys -------------------------------------------------------------------

    def _space(self) -> None:
        if self._phase == "prep":
            self.skip_prep()
        elif self._phase == "idle":
            self.start()

    def _escape(self) -> None:
        if self._phase != "idle":
            self.cancel_countdown()
        else:
            self._back()

    def _back(self) -> None:
        self.cancel_countdown()
        self.media.stop()
        self.voice.stop()
        self.back_requested.emit()
