"""Runs the plain recorder for the UI: its thread callbacks become Qt signals on the GUI
thread, and everything slow (starting, stopping, finalizing, the take check) runs in a
worker. QtCore only: no widgets.

One take at a time::

    controller.start(ctx, scenario_id, assignment_id)
    -> started, first_frame, progress(seconds)*, preview_ready(QImage)* (polled ~15 fps)
    -> stop() or the time limit
    -> saving, then stored(take id, problem or "") or failed(message, hint)
    -> checked(take id, findings) once the take check has run
"""

from __future__ import annotations

import logging
import threading

from PySide6.QtCore import QObject, QThreadPool, QTimer, Signal
from PySide6.QtGui import QImage

from app.core.errors import UserError
from app.practice.takes import recheck_take
from app.recorder.record import finish_take, prepare_take
from app.recorder.recording import Progress, Recording, RecordingObserver

log = logging.getLogger(__name__)

PREVIEW_INTERVAL_MS = 66  # ~15 pictures a second: all a person can follow


def frame_to_image(width: int, height: int, data: bytes) -> QImage:
    """A bgr24 frame as a QImage that owns its pixels."""
    return QImage(data, width, height, width * 3, QImage.Format.Format_BGR888).copy()


def user_error_text(err: BaseException) -> tuple[str, str]:
    if isinstance(err, UserError):
        return err.message, err.hint
    log.error("recording failed", exc_info=err)
    return (
        f"The recording stopped because of an unexpected problem ({type(err).__name__}: {err}).",
        "Try again. If it keeps happening, send the log folder to your trainer or IT contact.",
    )


class _Observer(RecordingObserver):
    """Called on the recorder's threads: only emits signals (queued to the GUI thread)."""

    def __init__(self, controller: RecorderController):
        self._c = controller

    def first_frame(self, seconds_since_start: float) -> None:
        self._c.first_frame.emit(seconds_since_start)

    def progress(self, progress: Progress) -> None:
        self._c.progress.emit(progress.seconds)


class RecorderController(QObject):
    started = Signal()
    first_frame = Signal(float)  # seconds from start to the first picture
    progress = Signal(float)  # seconds recorded so far
    preview_ready = Signal(QImage)
    saving = Signal()  # ffmpeg has ended; the take is being stored
    stored = Signal(str, str)  # take id, the problem that ended it early ("" if none)
    checked = Signal(str, object)  # take id, list[Finding]
    failed = Signal(str, str)  # message, what to do

    def __init__(self, parent: QObject | None = None):
        super().__init__(parent)
        self._pool = QThreadPool(self)
        self._pool.setMaxThreadCount(3)
        self._recording: Recording | None = None
        self._guard = threading.Lock()
        self._last_index = -1
        self._busy = False
        self._stop_asked = False
        self.checked_ids: set[str] = set()
        self._timer = QTimer(self, interval=PREVIEW_INTERVAL_MS)
        self._timer.timeout.connect(self._poll_preview)
        self.started.connect(self._timer.start)
        self.saving.connect(self._timer.stop)
        self.failed.connect(self._timer.stop)
        self.checked.connect(lambda take_id, _f: self.checked_ids.add(take_id))

    @property
    def busy(self) -> bool:
        return self._busy

    def start(self, ctx, scenario_id: str, assignment_id: str | None, seconds: float | None = None):
        """Begin a take in the background; refuses (returns False) while one is running."""
        if self._busy:
            return False
        self._busy = True
        self._stop_asked = False
        self._last_index = -1
        self._pool.start(lambda: self._run(ctx, scenario_id, assignment_id, seconds))
        return True

    def stop(self) -> None:
        """Ask for a graceful stop; returns at once (ffmpeg may take a moment)."""
        self._stop_asked = True
        with self._guard:
            recording = self._recording
        if recording is not None:
            self._pool.start(recording.stop)

    def shutdown(self, timeout_ms: int = 30_000) -> bool:
        """Stop a running take and wait until it is stored (the app is quitting)."""
        self.stop()
        return self._pool.waitForDone(timeout_ms)

    # --- worker -------------------------------------------------------------------

    def _run(self, ctx, scenario_id: str, assignment_id: str | None, seconds: float | None):
        try:
            recording = prepare_take(
                ctx,
                scenario_id,
                seconds=seconds,
                assignment_id=assignment_id,
                observer=_Observer(self),
            )
            recording.start()
            with self._guard:
                self._recording = recording
            self.started.emit()
            if self._stop_asked:  # Stop was pressed while the camera was starting
                recording.stop()
            result = recording.wait()
            self.saving.emit()
            take = finish_take(ctx, recording, result)
        except BaseException as err:  # noqa: BLE001 - every failure reaches the user
            self._busy = False
            self.failed.emit(*user_error_text(err))
            return
        finally:
            with self._guard:
                self._recording = None
        self._busy = False  # a retake may start while this one is being checked
        self.stored.emit(take.id, take.problem or "")
        try:
            self.checked.emit(take.id, recheck_take(ctx, take.id))
        except BaseException as err:  # noqa: BLE001 - the take is stored; the check can wait
            log.warning("take check failed for %s: %s", take.id, err)

    # --- preview (GUI thread) -----------------------------------------------------------

    def _poll_preview(self) -> None:
        with self._guard:
            recording = self._recording
        frame = recording.latest_preview() if recording is not None else None
        if frame is None or frame.index == self._last_index:
            return
        self._last_index = frame.index
        self.preview_ready.emit(frame_to_image(frame.width, frame.height, frame.data))
