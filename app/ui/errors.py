"""The one place the desktop app tells the user that something went wrong.

Errors the code catches go to :func:`show_error`. Errors nobody caught — in a
slot, an event handler or a worker thread — are caught by the hooks
:func:`reporting_unexpected_errors` installs while the app runs: logged with
their traceback, then shown in the same dialog, instead of vanishing with the
console a windowed app does not have. The dialog itself is :func:`message_box`,
a plain function tests replace.
"""

from __future__ import annotations

import logging
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager

from PySide6.QtCore import QCoreApplication, QObject, Qt, Signal
from PySide6.QtWidgets import QApplication, QMessageBox, QWidget

from app.core.errors import DatabaseProblem, UserError
from app.core.logs import redact, unexpected
from app.ui.database_words import dialog_hint

log = logging.getLogger(__name__)

SHOWN_LINES = 12


def error_text(err: BaseException) -> tuple[str, str]:
    """(message, what to do) in plain words, for any error; never a password."""
    if isinstance(err, DatabaseProblem):  # its own hint speaks of commands
        return redact(err.message), redact(dialog_hint(err))
    problem = err if isinstance(err, UserError) else unexpected(err)
    return redact(problem.message), redact(problem.hint)


def show_error(parent: QWidget | None, err: BaseException, title: str = "CrossCoach") -> None:
    """A modal dialog: the problem in one sentence, then what to do."""
    if not isinstance(err, UserError):
        log.error("unexpected error", exc_info=err)
    message_box(parent, title, *error_text(err))


def message_box(parent: QWidget | None, title: str, message: str, hint: str) -> None:
    box = QMessageBox(
        QMessageBox.Icon.Warning, title, message, QMessageBox.StandardButton.Ok, parent
    )
    box.setObjectName("errorDialog")
    lines = message.splitlines()
    if len(lines) > SHOWN_LINES:
        # A pack with many problems: the first ones in view, all of them one click away.
        hidden = len(lines) - SHOWN_LINES
        box.setText("\n".join([*lines[:SHOWN_LINES], f"… and {hidden} more (Show Details)."]))
        box.setDetailedText(message)
    if hint:
        box.setInformativeText(f"What to do: {hint}")
    box.exec()


class _Reporter(QObject):
    """Brings an error caught on any thread to one dialog on the GUI thread."""

    caught = Signal(object)

    def __init__(self):
        super().__init__()
        self.showing = False
        self.caught.connect(self._show, Qt.ConnectionType.QueuedConnection)

    def _show(self, err: BaseException) -> None:
        if self.showing:
            return  # an error that repeats (in a paint event, say) is logged, not stacked
        self.showing = True
        try:
            message_box(QApplication.activeWindow(), "CrossCoach", *error_text(err))
        finally:
            self.showing = False


@contextmanager
def reporting_unexpected_errors() -> Iterator[None]:
    """While the block runs (the app), uncaught errors on any thread are logged and shown;
    the hooks in place before (a debugger's, a test runner's) still see them afterwards.
    An error that escapes the block itself is shown before it goes on."""
    reporter = _Reporter()
    before, before_thread = sys.excepthook, threading.excepthook

    def hook(kind, value, tb) -> None:
        if not issubclass(kind, KeyboardInterrupt):
            log.error("unexpected error", exc_info=(kind, value, tb))
            reporter.caught.emit(value)
        before(kind, value, tb)

    def thread_hook(args: threading.ExceptHookArgs) -> None:
        if not issubclass(args.exc_type, SystemExit):
            name = args.thread.name if args.thread else "a thread"
            log.error(
                "unexpected error in %s",
                name,
                exc_info=(args.exc_type, args.exc_value, args.exc_traceback),
            )
            reporter.caught.emit(args.exc_value)
        before_thread(args)

    sys.excepthook, threading.excepthook = hook, thread_hook
    try:
        yield
    except Exception as err:  # no event loop is left to queue the dialog on: show it now
        show_error(None, err)
        raise
    finally:
        sys.excepthook, threading.excepthook = before, before_thread
        QCoreApplication.removePostedEvents(reporter)  # nothing shown after the app ended
        reporter.deleteLater()
