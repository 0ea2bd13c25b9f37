"""Run slow work off the GUI thread, with a progress dialog when it takes a while.

The work is a plain function without widgets; its result (or error) comes
back on the GUI thread, where success goes to ``on_done`` and any error to
the one error dialog (:func:`app.ui.errors.show_error`), or to ``on_failed``
when the caller shows it itself. Work the user did not ask for (the daily
backup) runs quietly: no ``label``, no progress dialog.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QRunnable, Qt, QThreadPool, Signal
from PySide6.QtWidgets import QProgressDialog, QWidget

from app.ui.errors import show_error

# A dialog appears only if the work is still running after this long.
PROGRESS_DELAY_MS = 400


class _Signals(QObject):
    finished = Signal(object)
    failed = Signal(object)


class _Job(QRunnable):
    def __init__(self, work: Callable[[], Any]):
        super().__init__()
        self.work = work
        self.signals = _Signals()

    def run(self) -> None:
        try:
            result = self.work()
        except BaseException as err:  # noqa: BLE001 - reported to the user on the GUI thread
            self.signals.failed.emit(err)
        else:
            self.signals.finished.emit(result)


class BackgroundTask(QObject):
    """One piece of work in flight; ``done`` fires after success or failure was handled."""

    done = Signal()

    def __init__(
        self,
        parent: QWidget,
        label: str | None,
        work: Callable[[], Any],
        on_done: Callable[[Any], None],
        on_failed: Callable[[BaseException], None] | None = None,
    ):
        super().__init__(parent)
        self._parent = parent
        self._on_done = on_done
        self._on_failed = on_failed or (lambda err: show_error(self._parent, err))
        self._progress = None
        if label is not None:
            self._progress = QProgressDialog(label, "", 0, 0, parent)
            self._progress.setWindowTitle("CrossCoach")
            self._progress.setCancelButton(None)  # one transaction: it cannot stop halfway
            self._progress.setWindowModality(Qt.WindowModality.WindowModal)
            self._progress.setMinimumDuration(PROGRESS_DELAY_MS)
        self._job = _Job(work)
        self._job.signals.finished.connect(self._succeeded, Qt.ConnectionType.QueuedConnection)
        self._job.signals.failed.connect(self._failed, Qt.ConnectionType.QueuedConnection)
        QThreadPool.globalInstance().start(self._job)

    def _close_progress(self) -> None:
        if self._progress is not None:
            self._progress.reset()
            self._progress.deleteLater()

    def _succeeded(self, result: Any) -> None:
        self._close_progress()
        try:
            self._on_done(result)
        finally:
            self.done.emit()
            self.deleteLater()

    def _failed(self, err: BaseException) -> None:
        self._close_progress()
        try:
            self._on_failed(err)
        finally:
            self.done.emit()
            self.deleteLater()
