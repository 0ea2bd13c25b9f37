"""Runs the plain recorder for the UI: its thread callbacks become Qt signals on the GUI
thread, and everything slow (starting, stopping, finalizing, the take check) runs as a
job (app.ui.jobs): the take in the media lane, where it goes before a waiting sync and
asks a running one to pause. QtCore only: no widgets.

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
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QTimer, Signal
from PySide6.QtGui import QImage

from app.core.errors import UserError
from app.core.logs import unexpected
from app.practice.rounds import can_record, next_attempt
from app.practice.takes import recheck_take
from app.recorder.record import finish_take, prepare_take
from app.recorder.recording import Recording, RecordingObserver, RecordingProgress
from app.ui.errors import error_text
from app.ui.jobs import MEDIA, Job, JobManager

if TYPE_CHECKING:
    from app.identity.context import AppContext

log = logging.getLogger(__name__)

PREVIEW_INTERVAL_MS = 66  # ~15 pictures a second: all a person can follow


def frame_to_image(width: int, height: int, data: bytes) -> QImage:
    """A bgr24 frame as a QImage that owns its pixels."""
    return QImage(data, width, height, width * 3, QImage.Format.Format_BGR888).copy()


def user_error_text(err: BaseException) -> tuple[str, str]:
    if isinstance(err, UserError):
        return error_text(err)  # a database problem in the app's words
    log.error("recording failed", exc_info=err)
    return (
        f"The recording stopped because of an unexpected problem ({type(err).__name__}: {err}).",
        unexpected(err).hint,
    )


class _Reports(QObject):
    """What one take's worker emits. It belongs to the take, not to the controller: the
    controller's signals follow it only while the controller lives (Qt drops those
    connections when the controller is destroyed), so a take that is still winding down
    never emits on a deleted object."""

    started = Signal()
    first_frame = Signal(float)
    progress = Signal(float)
    saving = Signal()
    stored = Signal(str, str)
    checked = Signal(str, object)
    failed = Signal(str, str)


_REPORTED = ("started", "first_frame", "progress", "saving", "stored", "checked", "failed")


class _Observer(RecordingObserver):
    """Called on the recorder's threads: only emits signals (queued to the GUI thread)."""

    def __init__(self, reports: _Reports):
        self._reports = reports

    def first_frame(self, seconds_since_start: float) -> None:
        self._reports.first_frame.emit(seconds_since_start)

    def progress(self, progress: RecordingProgress) -> None:
        self._reports.progress.emit(progress.seconds)


class _Take:
    """One take's state, shared by the GUI thread and the worker, free of Qt objects that
    the controller owns, so the take can outlive the controller."""

    def __init__(self, reports: _Reports):
        self.reports = reports
        self.guard = threading.Lock()
        self.recording: Recording | None = None
        self.busy = True  # until the take is stored or has failed
        self.stop_asked = False
        self.abandoned = False  # the controller is gone: nobody stores or checks this take

    def never_started(self) -> None:
        self.busy = False

    def current(self) -> Recording | None:
        with self.guard:
            return self.recording

    def abandon(self) -> None:
        """Stop now and leave the fragment and its sidecar in in-progress/: start-up
        recovery stores it as a take. Blocks while ffmpeg finishes the file."""
        self.abandoned = self.stop_asked = True
        recording = self.current()
        if recording is not None:
            recording.stop()

    def run(
        self, ctx: AppContext, scenario_id: str, assignment_id: str | None, seconds: float | None
    ):
        reports = self.reports
        try:
            recording = prepare_take(
                ctx,
                scenario_id,
                seconds=seconds,
                assignment_id=assignment_id,
                observer=_Observer(reports),
                can_record=can_record,
            )
            if self.abandoned:
                self.busy = False
                return
            recording.start()
            with self.guard:
                self.recording = recording
            reports.started.emit()
            if self.stop_asked:  # Stop was pressed while the camera was starting
                recording.stop()
            result = recording.wait()
            if self.abandoned:
                recording.release()  # left in in-progress/ for recovery
                self.busy = False
                return
            reports.saving.emit()
            # Lets go of the take's lock.
            take = finish_take(ctx, recording, result, next_attempt=next_attempt)
        except BaseException as err:  # noqa: BLE001 - every failure reaches the user
            started = self.current()
            if started is not None:
                started.release()
            self.busy = False
            reports.failed.emit(*user_error_text(err))
            return
        finally:
            with self.guard:
                self.recording = None
        self.busy = False  # a retake may start while this one is being checked
        reports.stored.emit(take.id, take.problem or "")
        if self.abandoned:
            return  # the stored take is checked when it is next opened
        try:
            reports.checked.emit(take.id, recheck_take(ctx, take.id))
        except BaseException as err:  # noqa: BLE001 - the take is stored; the check can wait
            log.warning("take check failed for %s: %s", take.id, err)


class _Current:
    """The controller's take, reachable from its ``destroyed`` handler (which must not
    hold the controller itself)."""

    take: _Take | None = None

    def abandon(self) -> None:
        if self.take is not None:
            self.take.abandon()


class RecorderController(QObject):
    started = Signal()
    first_frame = Signal(float)  # seconds from start to the first picture
    progress = Signal(float)  # seconds recorded so far
    preview_ready = Signal(QImage)
    saving = Signal()  # ffmpeg has ended; the take is being stored
    stored = Signal(str, str)  # take id, the problem that ended it early ("" if none)
    checked = Signal(str, object)  # take id, list[Finding]
    failed = Signal(str, str)  # message, what to do

    def __init__(self, parent: QObject | None = None, jobs: JobManager | None = None):
        super().__init__(parent)
        self.jobs = jobs if jobs is not None else JobManager(self)
        self._current = current = _Current()
        self._job: Job | None = None
        # Destroyed mid-take (its page closed without quitting the app): stop the take,
        # which leaves it for recovery.
        self.destroyed.connect(lambda: current.abandon())
        self._last_index = -1
        self.checked_ids: set[str] = set()
        self._timer = QTimer(self, interval=PREVIEW_INTERVAL_MS)
        self._timer.timeout.connect(self._poll_preview)
        self.started.connect(self._timer.start)
        self.saving.connect(self._timer.stop)
        self.failed.connect(self._timer.stop)
        self.checked.connect(lambda take_id, _f: self.checked_ids.add(take_id))

    @property
    def busy(self) -> bool:
        take = self._current.take
        return take is not None and take.busy

    def start(
        self,
        ctx: AppContext,
        scenario_id: str,
        assignment_id: str | None,
        seconds: float | None = None,
    ):
        """Begin a take in the background; refuses (returns False) while one is running."""
        if self.busy:
            return False
        reports = _Reports()
        for name in _REPORTED:
            getattr(reports, name).connect(getattr(self, name))
        take = self._current.take = _Take(reports)
        self._last_index = -1
        job = Job(
            lambda _control: take.run(ctx, scenario_id, assignment_id, seconds),
            lane=MEDIA,
            urgent=True,
        )
        # take.run reports its own failures; ``failed`` means it never started (quitting)
        job.failed.connect(lambda _err: take.never_started())
        self._job = self.jobs.start(job)
        return True

    def stop(self) -> None:
        """Ask for a graceful stop; returns at once (ffmpeg may take a moment)."""
        take = self._current.take
        if take is None:
            return
        take.stop_asked = True
        recording = take.current()
        if recording is not None:
            self.jobs.start(Job(lambda _control: recording.stop()))

    def shutdown(self, timeout_ms: int = 30_000) -> bool:
        """Stop a running take and wait until it is stored (the app is quitting)."""
        self.stop()
        job = self._job
        if job is not None and not job.started:
            job.cancel()  # waiting for the recovery or a sync to pause: never starts now
        return job is None or job.wait(timeout_ms / 1000)

    # --- preview (GUI thread) -----------------------------------------------------------

    def _poll_preview(self) -> None:
        take = self._current.take
        recording = take.current() if take is not None else None
        frame = recording.latest_preview() if recording is not None else None
        if frame is None or frame.index == self._last_index:
            return
        self._last_index = frame.index
        self.preview_ready.emit(frame_to_image(frame.width, frame.height, frame.data))
