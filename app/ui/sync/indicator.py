"""The sync status in the main window's status bar, its details popup and "Sync now"."""

from __future__ import annotations

from PySide6.QtCore import QPoint, QSize, Qt, QTimer
from PySide6.QtGui import QAction, QGuiApplication, QKeySequence
from PySide6.QtWidgets import (
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from app.ui.icons import ICON_PROPERTY, set_icon
from app.ui.sync.controller import SyncController
from app.ui.sync.wording import detail_lines, problem, set_aside_lines, short_text

SYNC_NOW_KEYS = QKeySequence(Qt.Key.Key_F5)
REFRESH_MS = 30 * 1000  # "Synced 2 min ago" stays true
SHOWN_WARNINGS = 3


class SyncDetails(QFrame):
    """A popup with everything about the last and the next sync, and a Sync now button."""

    def __init__(self, controller: SyncController, sync_now: QAction, parent: QWidget):
        super().__init__(parent, Qt.WindowType.Popup)
        self.setObjectName("syncDetails")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.controller = controller
        layout = QVBoxLayout(self)
        layout.setContentsMargins(14, 12, 14, 12)
        self.title = QLabel(objectName="sectionTitle")
        layout.addWidget(self.title)
        self.rows = QGridLayout()
        self.rows.setHorizontalSpacing(16)
        self.rows.setColumnStretch(1, 1)
        layout.addLayout(self.rows)
        self.problem = QLabel(objectName="fieldError")
        self.what_to_do = QLabel()
        self.set_aside = QLabel()
        self.set_aside.setObjectName("syncSetAside")
        self.warnings = QLabel(objectName="hint")
        for label in (self.problem, self.what_to_do, self.set_aside, self.warnings):
            label.setWordWrap(True)
            label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            layout.addWidget(label)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        self.sync_button = QPushButton("Sync now")
        set_icon(self.sync_button, "sync")
        self.sync_button.setToolTip(f"Sync now ({SYNC_NOW_KEYS.toString()})")
        self.sync_button.clicked.connect(sync_now.trigger)
        buttons.addWidget(self.sync_button)
        layout.addLayout(buttons)
        self.setMinimumWidth(480)
        self.setMaximumWidth(600)
        controller.changed.connect(self.refresh)
        self.refresh()

    def refresh(self) -> None:
        view = self.controller.view()
        self.title.setText(short_text(view))
        while self.rows.count():
            self.rows.takeAt(0).widget().deleteLater()
        for n, (name, value) in enumerate(detail_lines(view)):
            key = QLabel(name, objectName="hint")
            text = QLabel(value)
            text.setWordWrap(True)
            text.setMinimumWidth(320)
            text.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            self.rows.addWidget(key, n, 0, Qt.AlignmentFlag.AlignTop)
            self.rows.addWidget(text, n, 1, Qt.AlignmentFlag.AlignTop)
        failure = problem(view)
        self.problem.setText(failure.message if failure else "")
        self.what_to_do.setText(f"What to do: {failure.hint}" if failure and failure.hint else "")
        aside = set_aside_lines(view)
        self.set_aside.setText(
            "Not applied or not sent:\n" + "\n".join(f"• {line}" for line in aside) if aside else ""
        )
        warnings = [] if aside else (view.status.warnings[-SHOWN_WARNINGS:] if view.status else [])
        self.warnings.setText("\n".join(f"• {w}" for w in warnings))
        for label in (self.problem, self.what_to_do, self.set_aside, self.warnings):
            label.setVisible(bool(label.text()))
        if not view.remote:
            self.what_to_do.setText("To share with your team, choose a remote in Settings → Sync.")
            self.what_to_do.show()
        self.sync_button.setEnabled(bool(view.remote))
        self.sync_button.setText("Syncing…" if view.syncing else "Sync now")
        if self.isVisible():
            self.adjustSize()

    def show_above(self, anchor: QWidget) -> None:
        self.refresh()
        self.adjustSize()
        corner = anchor.mapToGlobal(QPoint(anchor.width(), 0))
        x, y = corner.x() - self.width(), corner.y() - self.height() - 4
        screen = QGuiApplication.screenAt(corner) or QGuiApplication.primaryScreen()
        area = screen.availableGeometry()
        x = min(x, area.right() + 1 - self.width())  # all of it on the screen
        self.move(max(area.left(), x), max(area.top(), y))
        self.show()


class SyncIndicator(QToolButton):
    """Icon and one line ("Synced 2 min ago"); a click opens :class:`SyncDetails`.

    ``sync_now_action`` (F5) is for the window's menu; a "Sync now" that fails
    opens the details, so the reason is in front of the person who asked.
    """

    def __init__(self, controller: SyncController, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("syncIndicator")
        self.controller = controller
        self.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.setAutoRaise(True)
        self.setIconSize(QSize(16, 16))
        # No taller than the status bar's labels.
        self.setStyleSheet("QToolButton#syncIndicator { padding: 0 4px; }")
        self.sync_now_action = QAction("Sync now", self)
        self.sync_now_action.setShortcut(SYNC_NOW_KEYS)
        set_icon(self.sync_now_action, "sync")
        self.sync_now_action.triggered.connect(self.sync_now)
        self.details = SyncDetails(controller, self.sync_now_action, self)
        self._asked = False  # the person pressed Sync now and waits for the outcome
        self.clicked.connect(lambda: self.details.show_above(self))
        controller.changed.connect(self.refresh)
        controller.failed.connect(self._failed)
        controller.synced.connect(lambda _report: setattr(self, "_asked", False))
        self._clock = QTimer(self)
        self._clock.setInterval(REFRESH_MS)
        self._clock.timeout.connect(self.refresh)
        self._clock.start()
        self.refresh()

    def sync_now(self) -> None:
        self._asked = True
        if not self.controller.sync_now():
            self.details.show_above(self)

    def _failed(self, _err) -> None:
        if self._asked and self.isVisible():
            self.details.show_above(self)
        self._asked = False

    def refresh(self) -> None:
        view = self.controller.view()
        self.setText(short_text(view))
        if problem(view) is not None:
            name = "warning"
        elif view.remote and not view.syncing and view.status and view.status.last_sync_at:
            name = "check"
        else:
            name = "sync"
        if self.property(ICON_PROPERTY) != name:
            set_icon(self, name)
        self.setToolTip(f"{self.text()} — click for details; {SYNC_NOW_KEYS.toString()} syncs now")
