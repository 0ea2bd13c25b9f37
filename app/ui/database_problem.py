"""The database-problem screen: opening the database, and what to do when it cannot be.

:func:`open_or_explain` opens the installation on a worker thread. Nothing
shows while that goes well. When a write has to wait for another CrossCoach,
the screen says so and waits with it; when the open fails with a diagnosis
(:mod:`app.core.health`), it shows the sentence, what to do in the app's own
words and the actions that fit: restore the latest backup, rebuild from the
recordings, open the data folder, try again, quit.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

from PySide6.QtCore import QCoreApplication, QEvent, QEventLoop, QObject, Qt, Signal
from PySide6.QtGui import QCloseEvent
from PySide6.QtWidgets import (
    QApplication,
    QDialog,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.bootstrap import open_context, rebuild_installation, restore_installation
from app.core import backups, health
from app.core.errors import DatabaseProblem
from app.core.paths import DataPaths, resolve_data_dir
from app.core.rebuild import RebuildReport
from app.core.settings import Settings
from app.identity.context import AppContext
from app.ui import file_dialogs
from app.ui.database_words import REPAIRABLE, TITLES, made_when, screen_hint
from app.ui.errors import show_error
from app.ui.icons import set_icon
from app.ui.tasks import BackgroundTask
from app.ui.theme import apply_theme
from app.ui.widgets import IconLabel


def confirm(parent: QWidget | None, title: str, text: str) -> bool:
    """A yes/no question in plain words (a function tests can replace)."""
    answer = QMessageBox.question(parent, title, text)
    return answer == QMessageBox.StandardButton.Yes


def inform(parent: QWidget | None, text: str) -> None:
    """What a restore or a rebuild did (a function tests can replace)."""
    QMessageBox.information(parent, "CrossCoach", text)


def restore_question(backup: backups.Backup) -> str:
    return (
        f"Restore the backup made {made_when(backup.made_at)}?\n\n"
        "The database in use now is kept aside in the data folder (nothing is deleted). "
        "Changes made after that backup are not in it, except takes, which are added back "
        "from their records."
    )


def outcome(report: RebuildReport, restored: backups.Backup | None = None) -> str:
    """What a restore or a rebuild did, in a few plain sentences."""
    lines = []
    if restored is not None:
        lines.append(f"The backup made {made_when(restored.made_at)} is restored.")
    else:
        lines.append("The database is rebuilt.")
    n = len(report.takes)
    if n or restored is None:
        lines.append(f"{n} take{'s' if n != 1 else ''} were added back from their records.")
    if report.waiting:
        lines.append(
            f"{len(report.waiting)} take(s) wait for their scenario: import its pack again, or "
            "sync, then rebuild again."
        )
    if report.kept_aside:
        lines.append(f"The file it replaced is kept in {report.kept_aside}.")
    if restored is None and report.kept_aside:
        lines.append(
            "Submissions, reviews and comments were only in the old database: restore a backup "
            "to get them back, or sync to get your team's copy."
        )
    return "\n\n".join(lines)


class _Opener(QObject):
    """Opens the installation on a daemon thread: quitting never waits for it."""

    waiting = Signal(str)
    opened = Signal(object)  # AppContext
    failed = Signal(object)  # BaseException

    def __init__(self, open_installation: Callable[..., AppContext], parent: QObject):
        super().__init__(parent)
        self._open = open_installation
        self.abandoned = False

    def start(self) -> None:
        threading.Thread(target=self._run, name="open-database", daemon=True).start()

    def _run(self) -> None:
        try:
            ctx = self._open(self.waiting.emit)
        except BaseException as err:  # noqa: BLE001 - shown on the screen, on the GUI thread
            self.failed.emit(err)
            return
        if self.abandoned:
            ctx.close()  # the user quit while it was opening
        else:
            self.opened.emit(ctx)


class DatabaseProblemScreen(QDialog):
    def __init__(self, paths: DataPaths, open_installation: Callable[..., AppContext]):
        super().__init__()
        self.paths = paths
        self.setObjectName("databaseProblem")
        self.setWindowTitle("CrossCoach")
        self.ctx: AppContext | None = None
        self.problem: DatabaseProblem | None = None
        self.error: BaseException | None = None  # anything else that stopped the opening
        self._loop: QEventLoop | None = None
        self._opener = _Opener(open_installation, self)
        self._opener.waiting.connect(self._waiting)
        self._opener.opened.connect(self._opened)
        self._opener.failed.connect(self._failed)
        self._build()

    def _build(self) -> None:
        self.title = QLabel(objectName="problemTitle")
        self.message = QLabel(objectName="problemMessage")
        self.hint = QLabel(objectName="problemHint")
        for label in (self.title, self.message, self.hint):
            label.setWordWrap(True)
            label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            label.setMinimumWidth(460)  # wrapped text would otherwise ask for a narrow window
        self.folder = QLabel(f"Data folder: {self.paths.root}", objectName="hint")
        self.folder.setWordWrap(True)
        self.busy = QProgressBar()
        self.busy.setRange(0, 0)
        self.busy.setTextVisible(False)
        self.busy.setMaximumHeight(8)
        self.busy.hide()

        text = QVBoxLayout()
        text.setSpacing(10)
        for widget in (self.title, self.message, self.hint, self.folder, self.busy):
            text.addWidget(widget)
        text.addStretch(1)
        top = QHBoxLayout()
        top.setSpacing(16)
        top.addWidget(IconLabel("warning", 48), 0, Qt.AlignmentFlag.AlignTop)
        top.addLayout(text, 1)

        self.restore_button = QPushButton("Restore the latest backup")
        self.rebuild_button = QPushButton("Rebuild from recordings")
        self.folder_button = QPushButton("Open data folder")
        self.retry_button = QPushButton("Try again")
        self.quit_button = QPushButton("Quit")
        set_icon(self.restore_button, "import")
        set_icon(self.rebuild_button, "add")
        set_icon(self.folder_button, "folder")
        set_icon(self.retry_button, "sync")
        self.restore_button.clicked.connect(self.restore_latest)
        self.rebuild_button.clicked.connect(self.rebuild)
        self.folder_button.clicked.connect(lambda: file_dialogs.open_folder(self.paths.root))
        self.retry_button.clicked.connect(self.try_again)
        self.quit_button.clicked.connect(self.close)
        actions = QHBoxLayout()
        for button in (self.restore_button, self.rebuild_button, self.folder_button):
            actions.addWidget(button)
        actions.addStretch(1)
        actions.addWidget(self.retry_button)
        actions.addWidget(self.quit_button)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(24, 24, 24, 20)
        layout.setSpacing(20)
        layout.addLayout(top, 1)
        layout.addLayout(actions)

    # --- running --------------------------------------------------------------------------

    def start(self) -> None:
        """Start opening the installation; the screen shows itself only when needed."""
        self._opener.start()

    def run(self) -> AppContext | None:
        """Open the installation (see :meth:`start`) and wait; None if the user quit."""
        self.start()
        self._loop = QEventLoop()
        self._loop.exec()
        return self.ctx

    def _finish(self) -> None:
        self.hide()
        if self._loop is not None:
            self._loop.quit()

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802 - Qt override
        if not self.quit_button.isEnabled():
            event.ignore()  # a restore or a rebuild is writing: it cannot stop halfway
            return
        self._opener.abandoned = True
        super().closeEvent(event)
        self._finish()

    def reject(self) -> None:  # Escape: the same as Quit
        self.close()

    def _appear(self) -> None:
        if not self.isVisible():
            apply_theme(QApplication.instance(), Settings(self.paths.settings).get("theme"))
            self.show()
            self.raise_()
            self.activateWindow()

    def _working(self, title: str, message: str, *, can_quit: bool) -> None:
        self.title.setText(title)
        self.message.setText(message)
        self.hint.hide()
        self.busy.show()
        for button in (
            self.restore_button,
            self.rebuild_button,
            self.folder_button,
            self.retry_button,
        ):
            button.setEnabled(False)
        self.quit_button.setEnabled(can_quit)
        self._appear()

    # --- what the opener reports ----------------------------------------------------------

    def _waiting(self, text: str) -> None:
        self._working(TITLES[health.LOCKED], text, can_quit=True)

    def _opened(self, ctx: AppContext) -> None:
        self.ctx = ctx
        self._finish()

    def _failed(self, err: BaseException) -> None:
        if not isinstance(err, DatabaseProblem):
            self.error = err  # not the database's health: the caller reports it
            self._finish()
            return
        self.show_problem(err)

    def show_problem(self, problem: DatabaseProblem) -> None:
        self.problem = problem
        found = backups.list_backups(self.paths)
        latest = found[0] if found else None
        self.title.setText(TITLES[problem.kind])
        self.message.setText(problem.message)
        self.hint.setText(f"What to do: {screen_hint(problem, latest)}")
        self.hint.show()
        self.busy.hide()
        repairable = problem.kind in REPAIRABLE
        can_restore = latest is not None and problem.kind != health.LOCKED
        self.restore_button.setVisible(can_restore)
        self.rebuild_button.setVisible(repairable)
        self.rebuild_button.setText(
            "Rebuild from recordings" if problem.take_records else "Start a new database"
        )
        self.folder_button.setVisible(problem.kind != health.LOCKED)
        for button in (
            self.restore_button,
            self.rebuild_button,
            self.folder_button,
            self.retry_button,
            self.quit_button,
        ):
            button.setEnabled(True)
        primary = self.retry_button
        if repairable:
            primary = self.restore_button if can_restore else self.rebuild_button
        primary.setDefault(True)
        primary.setFocus()
        self._appear()

    # --- the actions ----------------------------------------------------------------------

    def try_again(self) -> None:
        self._working("Opening the database…", "Trying again.", can_quit=True)
        self._opener.abandoned = False
        self._opener.start()

    def restore_latest(self) -> None:
        found = backups.list_backups(self.paths)
        if not found or not confirm(self, "Restore the latest backup", restore_question(found[0])):
            return
        chosen = found[0]
        self._working(
            "Restoring the backup…",
            f"Putting the backup made {made_when(chosen.made_at)} in place.",
            can_quit=False,
        )
        BackgroundTask(
            self,
            None,
            lambda: restore_installation(self.paths.root, chosen.name),
            lambda done: self._repaired(outcome(done[1], done[0])),
            self._repair_failed,
        )

    def rebuild(self) -> None:
        self._working(
            "Rebuilding the database…",
            "Adding back your takes from their records.",
            can_quit=False,
        )
        BackgroundTask(
            self,
            None,
            lambda: rebuild_installation(self.paths.root),
            lambda report: self._repaired(outcome(report)),
            self._repair_failed,
        )

    def _repaired(self, summary: str) -> None:
        inform(self, summary)
        self.try_again()

    def _repair_failed(self, err: BaseException) -> None:
        if isinstance(err, DatabaseProblem):
            self.show_problem(err)
            return
        show_error(self, err)
        if self.problem is not None:
            self.show_problem(self.problem)


def open_or_explain(data_dir=None, acting_as: str | None = None) -> AppContext | None:
    """The opened installation, after the database-problem screen if one was needed.

    None when the user chose Quit there. Errors that are not about the
    database's health (an unknown --as, a newer data folder) are raised for the
    caller to show as before.
    """
    paths = resolve_data_dir(data_dir)
    screen = DatabaseProblemScreen(
        paths, lambda on_wait: open_context(data_dir, acting_as, on_wait=on_wait)
    )
    try:
        ctx = screen.run()
        if screen.error is not None:
            raise screen.error
        return ctx
    finally:
        screen.deleteLater()
        # Closing the screen as the last window queues a Quit of its own: it must not end
        # the main window's event loop (or, in tests and scripts, a later one).
        QCoreApplication.removePostedEvents(QApplication.instance(), QEvent.Type.Quit)
