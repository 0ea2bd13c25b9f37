"""The recording screen: the live preview, a big timer with the time left, Stop."""

from __future__ import annotations

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QImage, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.ui.icons import set_icon
from app.ui.practice.views import PreviewView, Teleprompter, big_font, clock

REC_RED = "#d92d20"


class RecordingView(QWidget):
    """Shows one take being recorded; emits ``stop_requested`` on Stop, Space or Esc."""

    stop_requested = Signal()

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.limit = 0.0
        self.recorded = 0.0
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(24, 16, 24, 16)
        layout.setSpacing(16)

        left = QVBoxLayout()
        self.title = QLabel(objectName="detailTitle")
        self.title.setWordWrap(True)
        left.addWidget(self.title)
        self.preview = PreviewView()
        left.addWidget(self.preview, 1)
        self.problem = QLabel(objectName="recordingProblem")
        self.problem.setWordWrap(True)
        self.problem.setStyleSheet(
            f"QLabel {{ border: 2px solid {REC_RED}; border-radius: 6px; padding: 10px; }}"
        )
        self.problem.hide()
        left.addWidget(self.problem)
        layout.addLayout(left, 3)

        side = QFrame(objectName="recordingSide")
        column = QVBoxLayout(side)
        column.setContentsMargins(0, 0, 0, 0)
        self.indicator = QLabel(objectName="recIndicator")
        self.indicator.setFont(big_font(self, 16))
        self.indicator.setTextFormat(Qt.TextFormat.RichText)
        self.indicator.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.time_left = QLabel("0:00", objectName="timeLeft")
        self.time_left.setFont(big_font(self, 56))
        self.time_left.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.time_caption = QLabel(objectName="hint")
        self.time_caption.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.bar = QProgressBar(objectName="timeBar")
        self.bar.setTextVisible(False)
        self.bar.setRange(0, 1000)
        self.bar.setFixedHeight(14)
        self.stop_button = QPushButton("Stop")
        set_icon(self.stop_button, "stop")
        self.stop_button.setToolTip("Stop recording (Space or Esc)")
        self.stop_button.setMinimumHeight(44)
        self.stop_button.setFont(big_font(self, 13))
        self.stop_button.clicked.connect(self._stop)
        self.state = QLabel(objectName="hint")
        self.state.setWordWrap(True)
        self.state.setAlignment(Qt.AlignmentFlag.AlignCenter)
        column.addWidget(self.indicator)
        column.addWidget(self.time_left)
        column.addWidget(self.time_caption)
        column.addWidget(self.bar)
        column.addSpacing(8)
        column.addWidget(self.stop_button)
        column.addWidget(self.state)
        column.addSpacing(12)
        self.teleprompter = Teleprompter()
        column.addWidget(self.teleprompter, 1)
        side.setMinimumWidth(300)
        side.setMaximumWidth(420)
        layout.addWidget(side, 2)

        self._blink_on = True
        self._blink = QTimer(self, interval=600)
        self._blink.timeout.connect(self._toggle_blink)
        for key in (Qt.Key.Key_Space, Qt.Key.Key_Escape):
            sc = QShortcut(QKeySequence(key), self, self._stop)
            sc.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)

    # --- states ----------------------------------------------------------------

    def begin(self, title: str, limit_seconds: float, points, mention) -> None:
        self.title.setText(title)
        self.limit = float(limit_seconds)
        self.recorded = 0.0
        self.problem.hide()
        self.preview.clear("Starting the camera…")
        self.teleprompter.set_content(points, mention)
        self.stop_button.setEnabled(True)
        self._show_rec(dot=True)
        self.state.setText("Waiting for the first picture…")
        self._show_time()
        self._blink.stop()

    def on_first_frame(self) -> None:
        self.state.setText("Recording. Speak to the camera.")
        self._blink.start()

    def on_progress(self, seconds: float) -> None:
        self.recorded = seconds
        self._show_time()

    def on_preview(self, image: QImage) -> None:
        self.preview.show_image(image)

    def on_saving(self) -> None:
        self._blink.stop()
        self.indicator.setText("■ Stopped")
        self.stop_button.setEnabled(False)
        self.state.setText("Saving your take…")

    def on_problem(self, message: str, hint: str) -> None:
        """Shown in plain words on the screen; the part already recorded is being kept."""
        self._blink.stop()
        self.stop_button.setEnabled(False)
        self.indicator.setText("■ Stopped")
        text = f"<b>{message}</b>"
        if hint:
            text += f"<br>What to do: {hint}"
        self.problem.setText(text)
        self.problem.show()

    def _toggle_blink(self) -> None:
        self._blink_on = not self._blink_on
        self._show_rec(dot=self._blink_on)

    def _show_rec(self, dot: bool) -> None:
        """A red "REC" whose dot blinks while the camera records."""
        colour = REC_RED if dot else "transparent"
        self.indicator.setText(
            f"<span style='color:{colour}'>●</span> <span style='color:{REC_RED}'>REC</span>"
        )

    def _show_time(self) -> None:
        left = max(0.0, self.limit - self.recorded)
        self.time_left.setText(clock(left))
        self.time_caption.setText(f"left of {clock(self.limit)}")
        share = self.recorded / self.limit if self.limit else 0.0
        self.bar.setValue(int(min(1.0, share) * 1000))

    def _stop(self) -> None:
        if self.stop_button.isEnabled():
            self.stop_button.setEnabled(False)
            self.state.setText("Stopping…")
            self.stop_requested.emit()
