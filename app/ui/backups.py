"""Backups in the desktop app: the daily copy at start-up and the Backups section of Settings.

The daily copy runs on a worker after the window is up, so start-up never
waits for it. The section lists every backup, makes one now, and restores
the chosen one (after asking, in plain words) with the same function as
``crosscoach backup restore``; the pages then reload what they show.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QPushButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.bootstrap import restore_installation
from app.core import backups
from app.core.health import megabytes
from app.ui import database_problem, file_dialogs
from app.ui.database_words import kind_label, made_when
from app.ui.icons import set_icon
from app.ui.state import AppState
from app.ui.sync.settings_section import WrappedText
from app.ui.tasks import BackgroundTask


def start_daily_backup(state: AppState, window: QWidget) -> BackgroundTask:
    """The day's backup, off the GUI thread; a problem it finds is shown like any other."""
    return BackgroundTask(
        window,
        None,
        lambda: backups.daily_backup(state.ctx.paths),
        lambda made: state.backups_changed.emit() if made else None,
    )


class BackupSection(QGroupBox):
    def __init__(self, state: AppState):
        super().__init__("Backups")
        self.state = state
        self.paths = state.ctx.paths
        layout = QVBoxLayout(self)
        layout.addWidget(
            WrappedText(
                "CrossCoach copies its database the first time it starts each day (the last 7 "
                "are kept) and before every update. Restoring one keeps the database in use "
                "aside: nothing is deleted.",
                objectName="hint",
            )
        )
        self.list = QTreeWidget(objectName="backupList")
        self.list.setHeaderLabels(["Made", "Kind", "Size"])
        self.list.setRootIsDecorated(False)
        self.list.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.list.setMinimumHeight(150)
        header = self.list.header()
        header.setStretchLastSection(False)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        for column in (1, 2):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
        self.list.headerItem().setTextAlignment(2, Qt.AlignmentFlag.AlignRight)
        layout.addWidget(self.list)
        self.status = WrappedText(objectName="backupStatus")
        layout.addWidget(self.status)

        row = QHBoxLayout()
        self.folder_button = QPushButton("Open backups folder")
        self.make_button = QPushButton("Back up now")
        self.restore_button = QPushButton("Restore…")
        set_icon(self.folder_button, "folder")
        set_icon(self.make_button, "save")
        set_icon(self.restore_button, "import")
        self.folder_button.clicked.connect(lambda: file_dialogs.open_folder(self.paths.backups))
        self.make_button.clicked.connect(self.make_now)
        self.restore_button.clicked.connect(self.restore_selected)
        row.addWidget(self.folder_button)
        row.addStretch(1)
        row.addWidget(self.make_button)
        row.addWidget(self.restore_button)
        layout.addLayout(row)
        self.list.itemSelectionChanged.connect(self._selection_changed)
        state.backups_changed.connect(self.reload)
        self.reload()

    def reload(self) -> None:
        self.list.clear()
        found = backups.list_backups(self.paths)
        for backup in found:
            when = made_when(backup.made_at)
            item = QTreeWidgetItem(
                [
                    when[:1].upper() + when[1:],
                    kind_label(backup),
                    megabytes(backup.size_bytes),
                ]
            )
            item.setData(0, Qt.ItemDataRole.UserRole, backup.name)
            item.setTextAlignment(2, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            self.list.addTopLevelItem(item)
        if found:
            self.list.setCurrentItem(self.list.topLevelItem(0))
            self.status.setText(f"Latest backup: {made_when(found[0].made_at)}.")
        else:
            self.status.setText(
                "No backup yet: the first one is made the next time CrossCoach starts."
            )
        self._selection_changed()

    def selected(self) -> backups.Backup | None:
        item = self.list.currentItem()
        if item is None:
            return None
        name = item.data(0, Qt.ItemDataRole.UserRole)
        return next((b for b in backups.list_backups(self.paths) if b.name == name), None)

    def _selection_changed(self) -> None:
        self.restore_button.setEnabled(self.list.currentItem() is not None)

    def make_now(self) -> None:
        BackgroundTask(
            self,
            "Backing up the database…",
            lambda: backups.make_backup(self.paths),
            lambda made: self.state.backups_changed.emit(),
        )

    def restore_selected(self) -> None:
        chosen = self.selected()
        if chosen is None or not database_problem.confirm(
            self, "Restore a backup", database_problem.restore_question(chosen)
        ):
            return
        BackgroundTask(
            self,
            "Restoring the backup…",
            lambda: restore_installation(self.paths.root, chosen.name),
            self._restored,
        )

    def _restored(self, done) -> None:
        chosen, report = done
        self.state.reopen_database()
        database_problem.inform(self, database_problem.outcome(report, chosen))
