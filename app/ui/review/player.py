"""The coaching player: Qt Multimedia playback built for reviewing a take.

Keys (while the player or the screen around it has focus): Space/K play or
pause, J/L or Left/Right seek 5 s (with Shift 1 s), comma/period step one
frame while paused, F full screen, Esc leaves full screen. Speed runs from
0.5x to 2x with the pitch kept (Qt's FFmpeg backend offers pitch
compensation; we switch it on whenever it is available).

The player opens paused on the first frame and lets go of the file whenever
it is hidden or closed (``release``), so sync or a move never meets a file
this process still holds open; it reopens at the same moment when shown again.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import Qt, QUrl, Signal
from PySide6.QtGui import QKeyEvent, QKeySequence, QShortcut
from PySide6.QtMultimedia import QAudioOutput, QMediaMetaData, QMediaPlayer
from PySide6.QtMultimediaWidgets import QVideoWidget
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QSizePolicy,
    QSlider,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from app.ui.audio import attach_audio
from app.ui.icons import set_icon
from app.ui.review.timeline import Marker, Timeline

SPEEDS = (0.5, 0.75, 1.0, 1.25, 1.5, 2.0)
SEEK_MS = 5000
FINE_SEEK_MS = 1000
DEFAULT_FPS = 30.0


def clock_text(ms: int) -> str:
    """``83000`` -> ``1:23``; hours appear only when needed."""
    seconds = max(0, int(ms)) // 1000
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


class _VideoSurface(QVideoWidget):
    """The picture; in full screen it is its own window, so it passes keys to the player."""

    def __init__(self, player: CoachingPlayer):
        super().__init__(player)
        self._player = player

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802 - Qt override
        if not self._player.handle_key(event):
            super().keyPressEvent(event)

    def mouseDoubleClickEvent(self, _event) -> None:  # noqa: N802 - Qt override
        self._player.toggle_full_screen()


class CoachingPlayer(QWidget):
    position_changed = Signal(int)  # ms
    first_frame = Signal()  # the opened video's first picture is on screen
    failed = Signal(str)  # plain words

    def __init__(self, parent: QWidget | None = None, *, key_host: QWidget | None = None):
        """``key_host``: the screen whose focus the player's keys follow (default: the player)."""
        super().__init__(parent)
        self.setObjectName("coachingPlayer")
        self._path: Path | None = None
        self._resume_ms = 0
        self._awaiting_first_frame = False
        self._play_after_open = False

        self.media = QMediaPlayer(self)
        self.audio = QAudioOutput(self)  # attached per video, when there is a device
        self.video = _VideoSurface(self)
        self.video.setMinimumSize(320, 180)
        self.video.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.media.setVideoOutput(self.video)
        if (
            self.media.pitchCompensationAvailability()
            is QMediaPlayer.PitchCompensationAvailability.Available
        ):
            self.media.setPitchCompensation(True)

        self.play_button = QToolButton(objectName="playButton")
        self.play_button.setToolTip("Play or pause (Space or K)")
        self.play_button.clicked.connect(self.toggle_play)
        self.position_label = QLabel("0:00", objectName="positionLabel")
        self.duration_label = QLabel("0:00", objectName="durationLabel")
        self.timeline = Timeline(self)
        self.timeline.seek_requested.connect(self.seek)
        self.timeline.marker_clicked.connect(self.seek)
        self.speed = QComboBox(objectName="speedBox")
        self.speed.setToolTip("Playback speed (the voice keeps its pitch)")
        for rate in SPEEDS:
            self.speed.addItem(f"{rate:g}×", rate)
        self.speed.setCurrentIndex(SPEEDS.index(1.0))
        self.speed.currentIndexChanged.connect(
            lambda i: self.media.setPlaybackRate(self.speed.itemData(i))
        )
        self.speed.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.volume = QSlider(Qt.Orientation.Horizontal, objectName="volumeSlider")
        self.volume.setRange(0, 100)
        self.volume.setValue(80)
        self.volume.setFixedWidth(90)
        self.volume.setToolTip("Volume")
        self.volume.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.volume.valueChanged.connect(lambda v: self.audio.setVolume(v / 100))
        self.audio.setVolume(0.8)
        self.full_button = QToolButton(objectName="fullScreenButton", text="Full screen")
        self.full_button.setToolTip("Full screen (F; Esc to leave)")
        self.full_button.clicked.connect(self.toggle_full_screen)
        for button in (self.play_button, self.full_button):
            button.setFocusPolicy(Qt.FocusPolicy.NoFocus)

        controls = QHBoxLayout()
        controls.setContentsMargins(0, 4, 0, 0)
        controls.addWidget(self.play_button)
        controls.addWidget(self.position_label)
        controls.addWidget(self.timeline, 1)
        controls.addWidget(self.duration_label)
        controls.addWidget(self.speed)
        controls.addWidget(QLabel("Volume"))
        controls.addWidget(self.volume)
        controls.addWidget(self.full_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.video, 1)
        layout.addLayout(controls)

        self.media.positionChanged.connect(self._on_position)
        self.media.durationChanged.connect(self._on_duration)
        self.media.playbackStateChanged.connect(self._show_play_state)
        self.media.errorOccurred.connect(self._on_error)
        self.media.mediaStatusChanged.connect(self._on_status)
        self._watching_frames = False
        self._show_play_state()
        self._install_keys(key_host or self)

    # -- opening and letting go -------------------------------------------------

    @property
    def source_path(self) -> Path | None:
        return self._path

    @property
    def is_open(self) -> bool:
        return not self.media.source().isEmpty()

    def open(self, path: Path, *, start_ms: int = 0, autoplay: bool = False) -> None:
        """Load a video, showing its first frame (at ``start_ms``) paused unless ``autoplay``."""
        self.release()
        self._path = Path(path)
        self._resume_ms = start_ms
        self._load(autoplay)

    def _load(self, autoplay: bool) -> None:
        attach_audio(self.media, self.audio)  # per video: a device may have been plugged in
        self._awaiting_first_frame = True
        self._watch_frames(True)
        self._play_after_open = autoplay
        self.media.setSource(QUrl.fromLocalFile(str(self._path)))
        # The FFmpeg backend renders nothing until playback starts: play, and
        # pause again on the first frame unless the caller wanted playback.
        self.media.play()

    def release(self) -> None:
        """Stop and let go of the file (the source is cleared, so no handle stays open)."""
        self._watch_frames(False)  # before stop(): see _watch_frames
        if self.is_open:
            self._resume_ms = self.media.position()
            self.media.stop()
            self.media.setSource(QUrl())
        self._awaiting_first_frame = False

    def close_video(self) -> None:
        """Forget the video entirely (nothing to reopen when shown again)."""
        self.release()
        self._path = None
        self._resume_ms = 0
        self.timeline.set_markers([])
        self.timeline.set_position(0)
        self.timeline.set_duration(0)
        self.position_label.setText("0:00")
        self.duration_label.setText("0:00")

    def showEvent(self, event) -> None:  # noqa: N802 - Qt override
        super().showEvent(event)
        if self._path is not None and not self.is_open:
            self._load(autoplay=False)

    def hideEvent(self, event) -> None:  # noqa: N802 - Qt override
        super().hideEvent(event)
        if not event.spontaneous():  # a minimised window keeps its video
            self.release()

    def closeEvent(self, event) -> None:  # noqa: N802 - Qt override
        self.release()
        super().closeEvent(event)

    # -- playing -------------------------------------------------------------------

    @property
    def playing(self) -> bool:
        return self.media.playbackState() is QMediaPlayer.PlaybackState.PlayingState

    def play(self) -> None:
        if self._path is not None and not self.is_open:
            self._load(autoplay=True)
        else:
            self.media.play()

    def pause(self) -> None:
        self.media.pause()

    def toggle_play(self) -> None:
        if self.playing:
            self.pause()
        else:
            self.play()

    def hold(self) -> bool:
        """Pause (while someone types a comment); returns whether it was playing."""
        was_playing = self.playing
        self.pause()
        return was_playing

    def position(self) -> int:
        return self.media.position()

    def duration(self) -> int:
        return self.media.duration()

    def seek(self, ms: int) -> None:
        duration = self.media.duration()
        ms = max(0, int(ms))
        if duration > 0:
            ms = min(ms, duration)
        self.media.setPosition(ms)
        self._on_position(ms)

    def seek_by(self, delta_ms: int) -> None:
        self.seek(self.media.position() + delta_ms)

    def frames_per_second(self) -> float:
        fps = self.media.metaData().value(QMediaMetaData.Key.VideoFrameRate)
        try:
            return float(fps) if fps and float(fps) > 0 else DEFAULT_FPS
        except (TypeError, ValueError):
            return DEFAULT_FPS

    def step_frame(self, direction: int) -> None:
        """One frame forward (+1) or back (-1); only while paused, as editors do."""
        if self.playing:
            return
        self.seek_by(round(direction * 1000 / self.frames_per_second()))

    def set_rate(self, rate: float) -> None:
        if rate in SPEEDS:
            self.speed.setCurrentIndex(SPEEDS.index(rate))

    def set_markers(self, markers: list[Marker]) -> None:
        self.timeline.set_markers(markers)

    def toggle_full_screen(self) -> None:
        self.video.setFullScreen(not self.video.isFullScreen())

    # -- keys ----------------------------------------------------------------------

    def _keymap(self) -> dict[Qt.Key, Callable[[Qt.KeyboardModifier], None]]:
        k = Qt.Key
        fine = Qt.KeyboardModifier.ShiftModifier
        return {
            k.Key_Space: lambda m: self.toggle_play(),
            k.Key_K: lambda m: self.toggle_play(),
            k.Key_J: lambda m: self.seek_by(-(FINE_SEEK_MS if m & fine else SEEK_MS)),
            k.Key_Left: lambda m: self.seek_by(-(FINE_SEEK_MS if m & fine else SEEK_MS)),
            k.Key_L: lambda m: self.seek_by(FINE_SEEK_MS if m & fine else SEEK_MS),
            k.Key_Right: lambda m: self.seek_by(FINE_SEEK_MS if m & fine else SEEK_MS),
            k.Key_Comma: lambda m: self.step_frame(-1),
            k.Key_Period: lambda m: self.step_frame(1),
            k.Key_F: lambda m: self.toggle_full_screen(),
        }

    def handle_key(self, event: QKeyEvent) -> bool:
        """Keys reaching the full-screen picture (its own window, outside the shortcuts)."""
        if event.key() == Qt.Key.Key_Escape:
            self.video.setFullScreen(False)
            return True
        action = self._keymap().get(event.key())
        if action is None:
            return False
        action(event.modifiers())
        return True

    def _install_keys(self, host: QWidget) -> None:
        """Shortcuts on ``host`` work wherever focus sits inside it; text fields keep
        their typing (Qt offers printable keys to a focused editor first)."""
        shift = Qt.KeyboardModifier.ShiftModifier
        for key, action in self._keymap().items():
            for modifiers in (Qt.KeyboardModifier.NoModifier, shift):
                if key in (Qt.Key.Key_Comma, Qt.Key.Key_Period) and modifiers:
                    continue
                shortcut = QShortcut(QKeySequence(modifiers | key), host)
                shortcut.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
                shortcut.activated.connect(lambda a=action, m=modifiers: a(m))
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)

    # -- reports from the media player ------------------------------------------------

    def _watch_frames(self, on: bool) -> None:
        """Listen to the video sink only until the first frame.

        Frames arrive from the backend's render thread; each one handed to Python
        needs the interpreter lock. Left connected, stop() (which waits for that
        thread while this one holds the lock) could deadlock, and every frame of
        playback would cost a trip through Python for nothing.
        """
        if on == self._watching_frames:
            return
        signal = self.video.videoSink().videoFrameChanged
        if on:
            signal.connect(self._on_frame)
        else:
            signal.disconnect(self._on_frame)
        self._watching_frames = on

    def _on_frame(self, frame) -> None:
        if self._awaiting_first_frame and frame.isValid():
            self._awaiting_first_frame = False
            self._watch_frames(False)
            if not self._play_after_open:
                self.media.pause()
            self.first_frame.emit()

    def _on_status(self, status: QMediaPlayer.MediaStatus) -> None:
        # A position set before the media is loaded is lost: apply it once loaded.
        if status is QMediaPlayer.MediaStatus.LoadedMedia and self._resume_ms:
            self.media.setPosition(self._resume_ms)

    def _on_position(self, ms: int) -> None:
        self.timeline.set_position(ms)
        self.position_label.setText(clock_text(ms))
        self.position_changed.emit(ms)

    def _on_duration(self, ms: int) -> None:
        if ms > 0:
            self.timeline.set_duration(ms)
            self.duration_label.setText(clock_text(ms))

    def _show_play_state(self, *_args) -> None:
        set_icon(self.play_button, "pause" if self.playing else "play")

    def _on_error(self, _error, text: str) -> None:
        self.failed.emit(f"The video could not be played ({text}).")
