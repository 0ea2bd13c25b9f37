"""The Sync section of the Settings page: no remote, a shared folder or a team database.

Checking a remote contacts it, so it runs off the GUI thread (BackgroundTask);
saving goes through :func:`app.sync.onboarding.connect`, the same as the
command line: a database password goes to the OS keyring, never to settings.
"""

from __future__ import annotations

from PySide6.QtWidgets import QGroupBox, QHBoxLayout, QPushButton, QVBoxLayout

from app.core.errors import UserError
from app.core.profiles import Profile
from app.sync import credentials
from app.sync.onboarding import Connected, connect
from app.sync.remote import open_remote
from app.ui.errors import show_error
from app.ui.icons import set_icon
from app.ui.state import AppState
from app.ui.sync.forms import RemoteForm, WrappedText
from app.ui.sync.members import AddMemberDialog
from app.ui.sync.wording import describe_remote
from app.ui.tasks import BackgroundTask


def check_remote(spec: str) -> str:
    """Open the remote as a sync would; returns its description. Runs in a worker."""
    remote = open_remote(spec)
    try:
        remote.open()
    finally:
        remote.close()
    return describe_remote(spec)


class SyncSection(QGroupBox):
    def __init__(self, state: AppState):
        super().__init__("Sync")
        self.state = state
        self.settings = state.ctx.settings
        self.member_dialog: AddMemberDialog | None = None
        layout = QVBoxLayout(self)
        hint = WrappedText(
            "CrossCoach works offline. To share submissions, reviews and scenarios with your "
            "team, connect this computer to the shared folder or the team database; it then "
            "syncs every few minutes and right after you submit or review.",
            objectName="hint",
        )
        layout.addWidget(hint)
        self.current = WrappedText(objectName="syncCurrent")
        layout.addWidget(self.current)
        self.form = RemoteForm()
        self.form.changed.connect(self._mode_changed)
        layout.addWidget(self.form)

        self.result = WrappedText(objectName="syncResult")
        self.result.hide()
        layout.addWidget(self.result)
        buttons = QHBoxLayout()
        self.members_button = QPushButton("Add a team member…")
        set_icon(self.members_button, "user")
        self.members_button.clicked.connect(self.add_member)
        buttons.addWidget(self.members_button)
        buttons.addStretch(1)
        self.test_button = QPushButton("Test connection")
        self.save_button = QPushButton("Save")
        set_icon(self.test_button, "sync")
        set_icon(self.save_button, "save")
        self.test_button.clicked.connect(self.test_connection)
        self.save_button.clicked.connect(self.save)
        buttons.addWidget(self.test_button)
        buttons.addWidget(self.save_button)
        layout.addLayout(buttons)
        self.load()
        state.profile_changed.connect(lambda _p: self._show_members_button())

    def _mode_changed(self) -> None:
        self.test_button.setEnabled(self.form.mode.currentData() != "none")
        self.result.hide()

    # --- load, build, test, save ------------------------------------------------------------

    def load(self) -> None:
        """Fill the form from settings.json (the remote saved last)."""
        spec = self.settings.get("remote") or ""
        self.current.setText(
            f"This computer syncs with: {describe_remote(spec)}."
            if spec
            else "This computer does not sync yet."
        )
        self.form.load(spec, stored=spec)
        self._show_members_button()

    def _show_members_button(self) -> None:
        """Managers and trainers who also look after the team database add people to it
        (not reps, and not on a shared folder, where people join by themselves)."""
        spec = self.settings.get("remote") or ""
        profile = self.state.profile
        self.members_button.setVisible(
            spec.startswith("postgres") and profile is not None and profile.reviews
        )

    def add_member(self) -> None:
        """Open the dialog (window-modal, no nested event loop); ``_member_added`` after."""
        self.member_dialog = AddMemberDialog(self.state, self)
        self.member_dialog.accepted.connect(lambda: self._member_added(self.member_dialog.added))
        self.member_dialog.open()

    def _member_added(self, profile: Profile | None) -> None:
        if profile is not None:
            self._show_result(
                f"{profile.name} can now sign in to the team database with their login; "
                "they join the team from CrossCoach's first start."
            )

    def _checked_spec(self) -> tuple[bool, str | None]:
        """(True, spec) for a complete form; (False, None) after telling what is missing."""
        try:
            return True, self.form.spec()
        except UserError as err:
            show_error(self, err, "Sync settings")
            return False, None

    def test_connection(self) -> None:
        ok, spec = self._checked_spec()
        if not ok or spec is None:
            return
        target = credentials.with_password(spec, self.form.password())
        self._set_busy(True)
        task = BackgroundTask(
            self,
            "Contacting the remote…",
            lambda: check_remote(target),
            lambda described: self._show_result(f"Connected: {described} answers."),
        )
        task.done.connect(lambda: self._set_busy(False))

    def save(self) -> None:
        ok, spec = self._checked_spec()
        if not ok:
            return
        if spec is None:
            self._saved(None)
            return
        password = self.form.password() or None
        self._set_busy(True)
        task = BackgroundTask(
            self,
            "Checking the remote before saving…",
            lambda: connect(None, spec, password),
            self._saved,
        )
        task.done.connect(lambda: self._set_busy(False))

    def _saved(self, connected: Connected | None) -> None:
        note = ""
        if connected is not None and connected.password_kept:
            note = " The password is kept in this computer's keyring."
        elif connected is not None and connected.password_kept is False:
            note = (
                " This computer has no keyring, so the password was NOT stored: set "
                f"PGPASSWORD or write it to {credentials.pgpass_file()}."
            )
        self.form.password_edit.clear()
        self.settings.set("remote", connected.spec if connected else None)
        self.load()
        self._show_result(
            (f"Saved. This computer now syncs with {describe_remote(connected.spec)}." + note)
            if connected
            else "Saved. This computer no longer syncs."
        )
        self.state.sync.remote_changed()
        if connected:
            self.state.sync.sync_now()

    def _show_result(self, text: str) -> None:
        self.result.setText(text)
        self.result.show()

    def _set_busy(self, busy: bool) -> None:
        self.test_button.setEnabled(not busy and self.form.mode.currentData() != "none")
        self.save_button.setEnabled(not busy)
