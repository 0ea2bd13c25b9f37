"""What pages share: the open installation plus the two things that change while
the window is open (who is acting, and the theme), announced by signals.

Pages receive this object, never the main window or a global.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, QSettings, Signal
from PySide6.QtWidgets import QApplication

from app.core.profiles import Profile
from app.identity.context import AppContext
from app.ui.icons import refresh_icons
from app.ui.jobs import JobManager
from app.ui.sync.controller import SyncController
from app.ui.theme import THEMES, apply_theme


def ui_settings(ctx: AppContext) -> QSettings:
    """Window state (geometry, last page) kept as INI inside the data folder,
    so each data folder, and each test's temporary one, has its own."""
    return QSettings(str(ctx.paths.root / "ui.ini"), QSettings.Format.IniFormat)


class AppState(QObject):
    profile_changed = Signal(object)  # Profile
    theme_changed = Signal(str)  # "system" | "light" | "dark"
    backups_changed = Signal()  # a backup was made (app.ui.backups)
    locked_changed = Signal(bool)  # the app locked (True) or was unlocked (False)
    keys_changed = Signal()  # a passphrase, PIN or key changed (app.ui.identity)

    def __init__(self, ctx: AppContext, parent: QObject | None = None):
        super().__init__(parent)
        self.ctx = ctx
        self.ui_settings = ui_settings(ctx)
        # Recording, recovery and sync of this data folder, one at a time (app.ui.jobs).
        self.jobs = JobManager(self)
        # Background sync; a page that saved a submission or a review calls
        # state.sync.local_change() so the team gets it soon.
        self.sync = SyncController(ctx, self.jobs, self)

    @property
    def profile(self) -> Profile | None:
        return self.ctx.profile_or_none()

    def use_profile(self, profile: Profile) -> None:
        """Make ``profile`` the acting one. Every place where a person picks a profile
        goes through :meth:`act_as` (app.ui.identity.act_as.ask_to_act_as) instead,
        which checks their passphrase first."""
        self.ctx.use_profile(profile)
        self.profile_changed.emit(profile)

    def act_as(self, profile: Profile, secret: str | None = None, *, proven: bool = False):
        """Check the passphrase (or PIN) and act as ``profile``: a UserError in plain words
        when it is wrong. Acting as the same person again (unlocking) changes no page."""
        keys = self.ctx.confirm(profile, secret, proven=proven)
        current = self.profile
        if current is None or current.id != profile.id:
            self.use_profile(profile)
        else:
            self.ctx.use_profile(profile)  # --as: remembered from now on
        self.keys_changed.emit()
        return keys

    def lock(self) -> None:
        """Forget the unlocked keys (the window shows its lock screen)."""
        self.ctx.lock()
        self.locked_changed.emit(True)

    def unlocked(self) -> None:
        self.locked_changed.emit(False)

    def reopen_database(self) -> None:
        """A backup was restored into the database: open it afresh; pages reload what they
        show when the acting person changes, and after a restore anything may have."""
        self.ctx.reopen()
        self.profile_changed.emit(self.profile)

    @property
    def theme(self) -> str:
        theme = self.ctx.settings.get("theme")
        return theme if theme in THEMES else "system"

    def set_theme(self, theme: str) -> None:
        if theme not in THEMES:
            raise ValueError(theme)
        self.ctx.settings.set("theme", theme)
        self.apply_theme()

    def apply_theme(self) -> None:
        """Apply the chosen theme (again after the system switched light/dark)."""
        app = QApplication.instance()
        apply_theme(app, self.theme)
        for window in app.topLevelWidgets():
            refresh_icons(window)
        self.theme_changed.emit(self.theme)
