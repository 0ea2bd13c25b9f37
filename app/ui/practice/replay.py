"""Right after a take: play it back, see every take of this scenario, retake or submit."""

from __future__ import annotations

from PySide6.QtCore import Qt, QUrl, Signal
from PySide6.QtGui import QBrush, QColor, QKeySequence, QShortcut
from PySide6.QtMultimedia import QAudioOutput, QMediaPlayer
from PySide6.QtMultimediaWidgets import QVideoWidget
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QSlider,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.practice.takes import TakeInfo
from app.ui.audio import attach_audio
from app.ui.icons import set_icon
from app.ui.practice.views import length
from app.ui.theme import ERROR_COLOR, current_scheme


def take_label(take: TakeInfo, allowed: int) -> str:
    # Past the allowed number (a retake round), the number alone says which take it is.
    text = (
        f"Attempt {take.attempt} of {allowed}"
        if take.attempt <= allowed
        else f"Take {take.attempt}"
    )
    if take.recovered:
        text += " (recovered)"
    return text


def take_notes(take: TakeInfo, checking: bool = False) -> str:
    notes = []
    if take.submission_id:
        notes.append("Submitted.")
    if take.media_path is None:
        notes.append("The video file is missing.")
    notes.extend(w.message for w in take.warnings)
    if checking and not take.warnings:
        notes.append("Checking sound and picture…")
    return " ".join(notes) or "No problems found."


class ReplayView(QWidget):
    """Signals carry the chosen take: ``submit_requested(TakeInfo)``; ``retake_requested``."""

    retake_requested = Signal()
    submit_requested = Signal(object)
    back_requested = Signal()

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.takes: list[TakeInfo] = []
        self.allowed = 0
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(24, 12, 24, 16)

        head = QHBoxLayout()
        self.title = QLabel(objectName="detailTitle")
        self.title.setWordWrap(True)
        self.back_button = QPushButton("Back to the list")
        self.back_button.setToolTip("Back to your assignments (Alt+Left)")
        self.back_button.clicked.connect(self._back)
        head.addWidget(self.title, 1)
        head.addWidget(self.back_button, 0, Qt.AlignmentFlag.AlignTop)
        layout.addLayout(head)
        self.status = QLabel(objectName="replayStatus")
        self.status.setWordWrap(True)
        layout.addWidget(self.status)
        self.notice = QLabel(objectName="replayNotice")
        self.notice.setWordWrap(True)
        self.notice.hide()
        layout.addWidget(self.notice)

        body = QHBoxLayout()
        player_box = QVBoxLayout()
        self.video = QVideoWidget()
        self.video.setMinimumSize(480, 270)
        self.video.setStyleSheet("background: black;")
        player_box.addWidget(self.video, 1)
        controls = QHBoxLayout()
        self.play_button = QPushButton("Play")
        set_icon(self.play_button, "play")
        self.play_button.setToolTip("Play or pause (Space)")
        self.play_button.clicked.connect(self.toggle_play)
        self.seek = QSlider(Qt.Orientation.Horizontal)
        self.seek.sliderMoved.connect(lambda ms: self.media.setPosition(ms))
        self.position = QLabel("0:00 / 0:00")
        controls.addWidget(self.play_button)
        controls.addWidget(self.seek, 1)
        controls.addWidget(self.position)
        player_box.addLayout(controls)
        body.addLayout(player_box, 3)

        side = QVBoxLayout()
        side.addWidget(QLabel("Your takes of this scenario", objectName="sectionTitle"))
        self.table = QTableWidget(0, 3)
        self.table.setObjectName("takes")
        self.table.setHorizontalHeaderLabels(["Take", "Length", "Check"])
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().setVisible(False)
        self.table.setWordWrap(True)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        self.table.itemSelectionChanged.connect(lambda: self._selection_changed())
        side.addWidget(self.table, 1)
        private = QLabel("Takes stay private on this computer until you submit one.")
        private.setObjectName("hint")
        private.setWordWrap(True)  # unwrapped, it alone made the window too wide for 1024 px
        side.addWidget(private)
        buttons = QHBoxLayout()
        self.retake_button = QPushButton("Retake")
        set_icon(self.retake_button, "record")
        self.submit_button = QPushButton("Submit this take…")
        set_icon(self.submit_button, "export")
        self.retake_button.clicked.connect(self._retake)
        self.submit_button.clicked.connect(self._submit)
        buttons.addWidget(self.retake_button)
        buttons.addStretch(1)
        buttons.addWidget(self.submit_button)
        side.addLayout(buttons)
        self.retake_reason = QLabel(objectName="hint")
        self.retake_reason.setWordWrap(True)
        side.addWidget(self.retake_reason)
        body.addLayout(side, 2)
        layout.addLayout(body, 1)

        self.media = QMediaPlayer(self)
        self.audio = QAudioOutput(self)
        attach_audio(self.media, self.audio)
        self.media.setVideoOutput(self.video)
        self.media.durationChanged.connect(lambda ms: self.seek.setRange(0, ms))
        self.media.positionChanged.connect(self._position)
        self.media.playbackStateChanged.connect(self._state)

        def shortcut(keys, slot):
            sc = QShortcut(QKeySequence(keys), self, slot)
            sc.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)

        shortcut(Qt.Key.Key_Space, self.toggle_play)
        shortcut("Ctrl+R", self._retake)
        shortcut("Ctrl+Return", self._submit)
        shortcut("Alt+Left", self._back)

    # --- content ------------------------------------------------------------------

    def show_takes(
        self,
        title: str,
        takes: list[TakeInfo],
        allowed: int,
        retake_blocked: str | None,
        select_id: str | None = None,
        checking: frozenset[str] = frozenset(),
    ) -> None:
        """``takes`` newest first; ``retake_blocked`` is the reason Retake is off, if it is;
        ``checking`` holds the ids of takes whose check is still running."""
        playing = self.selected_take()
        self.title.setText(title)
        self.takes = takes
        self.allowed = allowed
        warn = QBrush(QColor(ERROR_COLOR[current_scheme()]))
        self.table.blockSignals(True)
        self.table.setRowCount(len(takes))
        selected_row = 0
        for row, take in enumerate(takes):
            cells = [
                take_label(take, allowed),
                length(take.duration_seconds),
                take_notes(take, take.id in checking),
            ]
            for col, text in enumerate(cells):
                item = QTableWidgetItem(text)
                item.setData(Qt.ItemDataRole.UserRole, take.id)
                if col == 2 and (take.warnings or take.media_path is None):
                    item.setForeground(warn)
                self.table.setItem(row, col, item)
            if take.id == select_id:
                selected_row = row
        self.table.resizeRowsToContents()
        self.table.blockSignals(False)
        self.retake_button.setEnabled(retake_blocked is None)
        self.retake_button.setToolTip(retake_blocked or "Record this scenario again (Ctrl+R)")
        self.retake_reason.setText(retake_blocked or "")
        self.retake_reason.setVisible(bool(retake_blocked))
        if takes:
            self.table.selectRow(selected_row)
            same = playing is not None and playing.id == takes[selected_row].id
            self._selection_changed(reload=not same)
        else:
            self.media.setSource(QUrl())
            self.submit_button.setEnabled(False)
            self.status.setText("No takes yet.")

    def show_notice(self, text: str) -> None:
        """A message about the latest take (it ended early), shown above the player."""
        self.notice.setText(text)
        self.notice.setVisible(bool(text))

    def selected_take(self) -> TakeInfo | None:
        rows = self.table.selectionModel().selectedRows()
        return self.takes[rows[0].row()] if rows else None

    def stop_playback(self) -> None:
        """Let go of the file (Windows locks files a player holds open)."""
        self.media.stop()
        self.media.setSource(QUrl())

    # --- playback ------------------------------------------------------------------

    def toggle_play(self) -> None:
        if self.media.playbackState() == QMediaPlayer.PlaybackState.PlayingState:
            self.media.pause()
        elif not self.media.source().isEmpty():
            self.media.play()

    def _state(self, state) -> None:
        playing = state == QMediaPlayer.PlaybackState.PlayingState
        self.play_button.setText("Pause" if playing else "Play")
        set_icon(self.play_button, "pause" if playing else "play")

    def _position(self, ms: int) -> None:
        if not self.seek.isSliderDown():
            self.seek.setValue(ms)
        self.position.setText(f"{length(ms / 1000)} / {length(self.media.duration() / 1000)}")

    def _selection_changed(self, reload: bool = True) -> None:
        take = self.selected_take()
        if take is None:
            return
        if reload:
            self.media.stop()
            path = take.media_path
            self.media.setSource(QUrl.fromLocalFile(str(path)) if path else QUrl())
        submitted = take.submission_id is not None
        self.submit_button.setEnabled(not submitted and take.media_path is not None)
        self.submit_button.setToolTip(
            "This take is already submitted." if submitted else "Hand this take in (Ctrl+Enter)"
        )
        label = take_label(take, self.allowed)
        self.status.setText(
            f"{label}: Submitted."
            if submitted
            else f"{label}, {length(take.duration_seconds)} long."
        )

    # --- actions ------------------------------------------------------------------

    def _retake(self) -> None:
        if self.retake_button.isEnabled():
            self.stop_playback()
            self.retake_requested.emit()

    def _submit(self) -> None:
        take = self.selected_take()
        if take is not None and self.submit_button.isEnabled():
            self.media.pause()
            self.submit_requested.emit(take)

    def _back(self) -> None:
        self.stop_playback()
        self.back_requested.emit()
