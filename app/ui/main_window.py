"""The main window: navigation rail, page header, the pages, menus and status bar.

Pages are listed in PAGES (one module per page in app/ui/pages). The window
shows the ones the acting profile may use, remembers its geometry and the
last page, and gives every page a Ctrl+number shortcut by its position.
"""

from __future__ import annotations

from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence
from PySide6.QtWidgets import (
    QApplication,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMainWindow,
    QMenu,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from app.core.errors import UserError
from app.core.profiles import Profile
from app.ui.about import show_about
from app.ui.errors import show_error
from app.ui.icons import app_icon, icon
from app.ui.identity.lock import IdleLock, LockScreen, cover_windows
from app.ui.pages import scenarios, settings
from app.ui.pages.base import Page, PageSpec
from app.ui.practice import page as practice
from app.ui.review import leaderboard_page as leaderboard
from app.ui.review import review_page as review
from app.ui.review import top_videos_page as top_videos
from app.ui.state import AppState
from app.ui.sync.indicator import SyncIndicator
from app.ui.widgets import IconLabel, PageHeader

PAGES: tuple[PageSpec, ...] = (
    practice.PAGE,
    review.PAGE,
    top_videos.PAGE,
    leaderboard.PAGE,
    scenarios.PAGE,
    settings.PAGE,
)

GEOMETRY_KEY = "window/geometry"
LAST_PAGE_KEY = "window/page"


def may_see(spec: PageSpec, profile: Profile | None) -> bool:
    return not spec.reviewers_only or (profile is not None and profile.reviews)


class MainWindow(QMainWindow):
    def __init__(self, state: AppState):
        super().__init__()
        self.state = state
        self.setWindowTitle("CrossCoach")
        self.setWindowIcon(app_icon())
        self.pages: dict[str, Page] = {}
        self._specs = {spec.key: spec for spec in PAGES}

        self.nav = QListWidget(objectName="navigation")
        self.nav.setIconSize(QSize(22, 22))
        self.nav.setFixedWidth(200)
        self.nav.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.header = PageHeader("", "")
        self.stack = QStackedWidget()
        for spec in PAGES:
            item = QListWidgetItem(spec.title)
            item.setData(Qt.ItemDataRole.UserRole, spec.key)
            item.setToolTip(spec.subtitle)
            self.nav.addItem(item)
        self.nav.currentItemChanged.connect(self._nav_changed)

        content = QWidget()
        column = QVBoxLayout(content)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(0)
        column.addWidget(self.header)
        column.addWidget(self.stack, 1)
        central = QWidget()
        row = QHBoxLayout(central)
        row.setContentsMargins(0, 0, 0, 0)
        row.setSpacing(0)
        row.addWidget(self.nav)
        row.addWidget(content, 1)
        # While the app is locked the window shows nothing of its content (the lock
        # screen lies over it; a window moved from under the lock shows an empty page).
        self.body = QStackedWidget()
        self.body.addWidget(central)
        self.locked_body = QWidget(objectName="lockedBody")
        self.body.addWidget(self.locked_body)
        self.setCentralWidget(self.body)
        self.lock_screen: LockScreen | None = None
        self._covers: list[QWidget] = []
        self._locked_person: str | None = None

        self._build_menus()
        self._build_status_bar()
        self._apply_icons()
        state.profile_changed.connect(self._profile_changed)
        state.theme_changed.connect(lambda _t: self._apply_icons())
        self._profile_changed(state.profile)
        self._restore()
        self.idle_lock = IdleLock(state, self.lock, self.busy, self)

    # --- building ---------------------------------------------------------------------------

    def _build_menus(self) -> None:
        menu = self.menuBar()
        file_menu = self.file_menu = menu.addMenu("&File")
        quit_action = file_menu.addAction("&Quit")
        quit_action.setShortcut(QKeySequence.StandardKey.Quit)
        quit_action.triggered.connect(self.close)

        self.go_menu = menu.addMenu("&Go")
        self.go_actions: dict[str, QAction] = {}
        for n, spec in enumerate(PAGES, 1):
            action = self.go_menu.addAction(spec.title)
            action.setShortcut(QKeySequence(f"Ctrl+{n}"))
            action.triggered.connect(lambda _c=False, key=spec.key: self.show_page(key))
            self.go_actions[spec.key] = action

        help_menu = menu.addMenu("&Help")
        self.open_logs_action = help_menu.addAction("Open the &log folder")
        self.open_logs_action.triggered.connect(self.open_log_folder)
        help_menu.addSeparator()
        about = help_menu.addAction("&About CrossCoach")
        about.setShortcut(QKeySequence(Qt.Key.Key_F1))
        about.triggered.connect(lambda: show_about(self))
        self.help_menu = help_menu

    def _build_status_bar(self) -> None:
        bar = self.statusBar()
        self.profile_icon = IconLabel("user", 16)
        self.profile_label = QLabel(objectName="statusProfile")
        self.folder_label = QLabel(objectName="statusFolder")
        self.folder_label.setText(f"Data folder: {self.state.ctx.paths.root}")
        bar.addWidget(self.profile_icon)
        bar.addWidget(self.profile_label)
        bar.addPermanentWidget(self.folder_label)
        self.sync_status = SyncIndicator(self.state.sync)
        bar.addPermanentWidget(self.sync_status)
        first = self.file_menu.actions()[0]
        self.file_menu.insertAction(first, self.sync_status.sync_now_action)
        self.file_menu.insertSeparator(first)

    def _apply_icons(self) -> None:
        for i in range(self.nav.count()):
            item = self.nav.item(i)
            item.setIcon(icon(self._specs[item.data(Qt.ItemDataRole.UserRole)].icon))

    def _page(self, key: str) -> Page:
        """The page widget, built the first time it is needed."""
        if key not in self.pages:
            spec = self._specs[key]
            page = spec.factory(self.state)
            page.activate_requested.connect(lambda key=key: self.show_page(key))
            self.stack.addWidget(page)
            self.pages[key] = page
            actions = page.menu_actions()
            if actions:
                page_menu = QMenu(spec.title, self)
                page_menu.addActions(actions)
                self.menuBar().insertMenu(self.help_menu.menuAction(), page_menu)
        return self.pages[key]

    # --- behaviour --------------------------------------------------------------------------

    def visible_pages(self) -> list[str]:
        return [spec.key for spec in PAGES if may_see(spec, self.state.profile)]

    def current_page(self) -> str:
        item = self.nav.currentItem()
        return item.data(Qt.ItemDataRole.UserRole) if item else ""

    def show_page(self, key: str) -> bool:
        """Bring a page to the front; False when the acting profile may not see it."""
        if key not in self.visible_pages():
            return False
        for i in range(self.nav.count()):
            if self.nav.item(i).data(Qt.ItemDataRole.UserRole) == key:
                self.nav.setCurrentRow(i)
        return True

    def busy(self) -> bool:
        """A page is doing what a lock must not interrupt (a recording)."""
        return any(page.busy() for page in self.pages.values())

    @property
    def locked(self) -> bool:
        return self.lock_screen is not None

    def lock(self) -> None:
        """Hide everything behind the lock screen; the acting person's keys are forgotten
        until their passphrase is typed again (or someone else switches in)."""
        if self.lock_screen is not None or self.state.profile is None:
            return
        self._locked_person = self.state.profile.id
        self.idle_lock.set_locked(True)
        self.state.lock()
        self.body.setCurrentWidget(self.locked_body)
        self.menuBar().setVisible(False)
        self.statusBar().setVisible(False)
        self._covers = cover_windows(QApplication.topLevelWidgets(), self)
        self.lock_screen = LockScreen(self.state, self)
        self.lock_screen.finished.connect(self._unlocked)
        self.lock_screen.show()

    def _unlocked(self, _result: int) -> None:
        screen, self.lock_screen = self.lock_screen, None
        someone_else = screen is not None and screen.unlocked_as != self._locked_person
        for cover in self._covers:
            window = cover.parentWidget()
            cover.deleteLater()
            if someone_else and window is not None:
                window.close()  # the previous person's forms and questions end with them
        self._covers = []
        self.body.setCurrentIndex(0)
        self.menuBar().setVisible(True)
        self.statusBar().setVisible(True)
        self.idle_lock.set_locked(False)
        self.state.unlocked()
        if screen is not None:
            screen.deleteLater()

    def open_log_folder(self) -> None:
        """The folder to send when something went wrong, in the system's file manager."""
        folder = self.state.ctx.paths.logs
        if not settings.open_folder(folder):
            show_error(
                self,
                UserError(
                    f"CrossCoach could not open the log folder {folder}.",
                    "Open that folder in your file manager.",
                ),
            )

    def _nav_changed(self, item: QListWidgetItem | None, _previous) -> None:
        if item is None:
            return
        spec = self._specs[item.data(Qt.ItemDataRole.UserRole)]
        self.header.set_text(spec.title, spec.subtitle)
        self.stack.setCurrentWidget(self._page(spec.key))

    def _profile_changed(self, profile: Profile | None) -> None:
        visible = self.visible_pages()
        for i in range(self.nav.count()):
            key = self.nav.item(i).data(Qt.ItemDataRole.UserRole)
            self.nav.item(i).setHidden(key not in visible)
            self.go_actions[key].setEnabled(key in visible)
        # Visible pages are built up front so their menu shortcuts work from anywhere.
        for key in visible:
            self._page(key)
        if self.current_page() not in visible:
            self.show_page(visible[0])
        if profile is None:
            self.profile_label.setText("Nobody is active")
        else:
            team = f" · {profile.team}" if profile.team else ""
            self.profile_label.setText(f"{profile.name} · {profile.role.value}{team}")

    def _restore(self) -> None:
        qs = self.state.ui_settings
        geometry = qs.value(GEOMETRY_KEY)
        if geometry is None or not self.restoreGeometry(geometry):
            self.resize(1200, 780)
        last = qs.value(LAST_PAGE_KEY)
        if not (isinstance(last, str) and self.show_page(last)):
            self.show_page(self.visible_pages()[0])

    def save_state(self) -> None:
        qs = self.state.ui_settings
        qs.setValue(GEOMETRY_KEY, self.saveGeometry())
        qs.setValue(LAST_PAGE_KEY, self.current_page())
        qs.sync()

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802 - Qt override
        self.save_state()
        self.idle_lock.stop()
        if self.lock_screen is not None:
            self.lock_screen.quitting = True
            self.lock_screen.close()
        super().closeEvent(event)
