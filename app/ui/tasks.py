"""Slow work a person asked for, with a progress dialog when it takes a while.

A :class:`app.ui.jobs.Job` underneath (the one background idiom): the work is a
plain function without widgets; its result (or error) comes back on the GUI
thread, where success goes to ``on_done`` and any error to the one error dialog
(:func:`app.ui.errors.show_error`), or to ``on_failed`` when the caller shows it
itself. Work the user did not ask for (the daily backup) runs quietly: no
``label``, no progress dialog.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtWidgets import QProgressDialog, QWidget

from app.ui.errors import show_error
from app.ui.jobs import Job, quick_jobs

# A dialog appears only if the work is still running after this long.
PROGRESS_DELAY_MS = 400


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
        self._job = Job(lambda _control: work())
        self._job.succeeded.connect(self._succeeded)
        self._job.failed.connect(self._failed)
        quick_jobs().start(self._job)

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
