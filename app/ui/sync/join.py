"""Joining a team on the first start: where the team meets, then fetch who is in it."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.core.errors import UserError
from app.sync.onboarding import Team, join_team
from app.ui.errors import show_error
from app.ui.icons import set_icon
from app.ui.state import AppState
from app.ui.sync.forms import RemoteForm, WrappedText
from app.ui.tasks import BackgroundTask


def join_buttons(dialog) -> tuple[QDialogButtonBox, QPushButton]:
    """ "Join the team" (calls ``dialog.join``) and Cancel, for both ways of joining."""
    buttons = QDialogButtonBox(
        QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
    )
    join = buttons.button(QDialogButtonBox.StandardButton.Ok)
    join.setText("Join the team")
    set_icon(join, "sync")
    buttons.accepted.connect(dialog.join)
    buttons.rejected.connect(dialog.reject)
    return buttons, join


class JoinTeamDialog(QDialog):
    """Ask where the team meets, connect, fetch the team; ``team`` holds the result."""

    def __init__(self, state: AppState, parent: QWidget | None = None):
        super().__init__(parent)
        self.state = state
        self.team: Team | None = None
        self.setWindowTitle("Join your team")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(20, 16, 20, 16)
        layout.addWidget(QLabel("Where does your team meet?", objectName="sectionTitle"))
        layout.addWidget(
            WrappedText(
                "Your manager or trainer tells you: a shared folder (a network drive, a cloud "
                "drive or a USB stick) or a team database. CrossCoach copies the team's "
                "scenarios and people to this computer, then you pick yourself. After that "
                "you can work offline; it syncs whenever the team can be reached.",
                objectName="hint",
            )
        )
        self.form = RemoteForm(allow_none=False, joining=True)
        layout.addWidget(self.form)
        self.buttons, self.join_button = join_buttons(self)
        layout.addWidget(self.buttons)
        self.resize(560, self.sizeHint().height())

    def join(self) -> None:
        try:
            spec = self.form.spec()
        except UserError as err:
            show_error(self, err, "Join your team")
            return
        password = self.form.password() or None
        ctx = self.state.ctx
        self.buttons.setEnabled(False)
        task = BackgroundTask(
            self,
            "Fetching your team…",
            lambda: join_team(ctx, spec, password)[1],
            self._joined,
        )
        task.done.connect(lambda: self.buttons.setEnabled(True))

    def _joined(self, team: Team) -> None:
        self.team = team
        self.state.sync.remote_changed()
        self.accept()
