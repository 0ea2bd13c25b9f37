"""Starting the desktop app: Qt application, data folder, theme, who you are, main window."""

from __future__ import annotations

import logging
import os
import sys

from PySide6.QtCore import QCoreApplication, QEvent, QTimer
from PySide6.QtWidgets import QApplication, QDialog

from app.core.errors import DatabaseProblem, UserError
from app.core.logs import start as start_logging
from app.core.paths import resolve_data_dir
from app.identity import acting
from app.identity.acting import Step
from app.ui.backups import start_daily_backup
from app.ui.database_problem import open_or_explain
from app.ui.errors import reporting_unexpected_errors, show_error
from app.ui.first_start import FirstStartDialog
from app.ui.icons import app_icon
from app.ui.identity.act_as import SOMEONE_ELSE, ActAsDialog
from app.ui.main_window import MainWindow
from app.ui.state import AppState

# Quit on its own after this many milliseconds: lets tests, screenshot scripts and
# a packaged build's smoke test start the real app and end it cleanly.
QUIT_AFTER_ENV = "CROSSCOACH_QUIT_AFTER_MS"

log = logging.getLogger(__name__)


def application() -> QApplication:
    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setApplicationName("CrossCoach")
    app.setOrganizationName("CrossCoach")
    app.setApplicationDisplayName("CrossCoach")
    app.setWindowIcon(app_icon())
    return app


def follow_system_scheme(app: QApplication, state: AppState) -> None:
    """Re-apply the theme when the system switches light/dark (for "system" only)."""

    def changed(_scheme) -> None:
        if state.theme == "system":
            state.apply_theme()

    app.styleHints().colorSchemeChanged.connect(changed)


def open_main_window(state: AppState) -> MainWindow | None:
    """The main window, after asking who you are if nobody is active — or, for the
    remembered person (or ``--as``), their passphrase if they have one; None if the
    user closed that question instead of answering."""
    if state.profile is not None and not state.ctx.confirmed(state.profile):
        answer = confirm_on_start(state)
        if answer == SOMEONE_ELSE:
            if FirstStartDialog(state).exec() != QDialog.DialogCode.Accepted:
                return None
        elif answer != QDialog.DialogCode.Accepted:
            return None
    if state.profile is None and FirstStartDialog(state).exec() != QDialog.DialogCode.Accepted:
        return None
    window = MainWindow(state)
    window.show()
    return window


def confirm_on_start(state: AppState) -> int:
    """The remembered person's passphrase (or PIN), asked once per session; a rep
    without one goes straight in. Accepted, Rejected, or SOMEONE_ELSE."""
    profile = state.profile
    need = acting.need(state.ctx.paths, state.ctx.db, profile)
    if need.step is Step.NOTHING:
        try:
            state.act_as(profile)
        except UserError as err:
            show_error(None, err)
            return QDialog.DialogCode.Rejected
        return QDialog.DialogCode.Accepted
    dialog = ActAsDialog(state, profile, offer_switch=True, title="Welcome back")
    return dialog.exec()


def quit_after_ms() -> int | None:
    raw = os.environ.get(QUIT_AFTER_ENV, "").strip()
    return int(raw) if raw.isdigit() else None


def launch_gui(data_dir=None, acting_as: str | None = None) -> int:
    start_logging(resolve_data_dir(data_dir), "desktop app")
    app = application()
    with reporting_unexpected_errors():
        return _run(app, data_dir, acting_as)


def _run(app: QApplication, data_dir, acting_as: str | None) -> int:
    quit_ms = quit_after_ms()
    if quit_ms is not None:
        QTimer.singleShot(quit_ms, app.closeAllWindows)
        QTimer.singleShot(quit_ms, app.quit)
    try:
        ctx = open_or_explain(data_dir, acting_as)  # the database-problem screen, if needed
        if ctx is None:
            return DatabaseProblem.exit_code  # the user chose Quit there
        if ctx.acting_as:
            ctx.profile()  # a mistyped --as is reported before any window opens
    except UserError as err:
        show_error(None, err, "CrossCoach cannot start")
        return err.exit_code
    state = AppState(ctx)
    try:
        state.apply_theme()
        follow_system_scheme(app, state)
        window = open_main_window(state)
        if window is None:
            return 0
        start_daily_backup(state, window)
        code = app.exec()
        # Closing the last window posts a Quit of its own, which may still be queued when
        # the loop ends; left there it would end the next event loop in this process and
        # make every later one return at once (tests and scripts run more after us).
        QCoreApplication.removePostedEvents(app, QEvent.Type.Quit)
        return code
    finally:
        ctx.close()
