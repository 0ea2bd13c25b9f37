"""Asking for a passphrase before someone acts as a person: wherever a profile is picked
(the first start's "Continue as", Settings' switcher, the lock screen, the app's start).

:func:`ask_to_act_as` is the one entry: a rep without a PIN switches at once; anyone
else gets :class:`ActAsDialog`, which asks their passphrase (or has them choose one,
or says their key is on another computer and offers to import it).
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QApplication,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QLabel,
    QLayout,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.core.errors import UserError
from app.core.profiles import Profile
from app.identity import acting
from app.identity.acting import Step
from app.ui.errors import show_error
from app.ui.icons import set_icon
from app.ui.identity.secret_form import SecretForm
from app.ui.state import AppState
from app.ui.widgets import IconLabel

SOMEONE_ELSE = 2  # ActAsDialog's result when the person chose another profile


def describe(profile: Profile) -> str:
    team = f", {profile.team}" if profile.team else ""
    return f"{profile.name} ({profile.role.value}{team})"


def elsewhere_words(profile: Profile) -> str:
    return (
        f"{profile.name}'s key is on the computer where their profile was made, not on this "
        "one. On that computer, open Settings and choose “Export my key”, then import the "
        f"file here. Or a manager can set a new passphrase for {profile.name} on this "
        "computer (in Settings), which makes a new key."
    )


class ActAsDialog(QDialog):
    """ "Switch to Tom": who, what to type, and Continue. ``offer_switch`` adds "Someone
    else…" (the app's start, when the remembered person may not be the one at the keyboard)."""

    def __init__(
        self,
        state: AppState,
        profile: Profile,
        parent: QWidget | None = None,
        *,
        proven: bool = False,
        offer_switch: bool = False,
        title: str | None = None,
    ):
        super().__init__(parent)
        self.state = state
        self.profile = profile
        self.proven = proven
        self.setObjectName("actAsDialog")
        self.setWindowTitle(title or f"Switch to {profile.name}")
        layout = QVBoxLayout(self)
        layout.setSizeConstraint(QLayout.SizeConstraint.SetMinimumSize)  # grows for a message
        layout.setContentsMargins(24, 20, 24, 16)
        layout.setSpacing(12)
        who = QHBoxLayout()
        who.setSpacing(12)
        who.addWidget(IconLabel("lock", 40), 0, Qt.AlignmentFlag.AlignTop)
        names = QVBoxLayout()
        names.setSpacing(2)
        self.name_label = QLabel(profile.name, objectName="detailTitle")
        self.question = QLabel(wordWrap=True)
        self.question.setMinimumWidth(360)
        names.addWidget(self.name_label)
        names.addWidget(self.question)
        who.addLayout(names, 1)
        layout.addLayout(who)
        self.form_holder = QVBoxLayout()
        layout.addLayout(self.form_holder)
        self.form: SecretForm | None = None
        self.import_button = QPushButton("Import the key…")
        set_icon(self.import_button, "import")
        self.import_button.clicked.connect(self._import)
        layout.addWidget(self.import_button, 0, Qt.AlignmentFlag.AlignLeft)

        self.buttons = QDialogButtonBox()
        self.continue_button = self.buttons.addButton(
            "Continue", QDialogButtonBox.ButtonRole.AcceptRole
        )
        self.buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
        self.someone_else = None
        if offer_switch:
            self.someone_else = self.buttons.addButton(
                "Someone else…", QDialogButtonBox.ButtonRole.ResetRole
            )
            self.someone_else.clicked.connect(lambda: self.done(SOMEONE_ELSE))
        self.continue_button.clicked.connect(self._continue)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)
        self._show_need()

    def _show_need(self) -> None:
        """What acting as the person asks for now (it changes after a key is imported)."""
        need = acting.need(
            self.state.ctx.paths, self.state.ctx.db, self.profile, proven=self.proven
        )
        if self.form is not None:
            self.form.setParent(None)
            self.form.deleteLater()
        self.form = SecretForm(need)
        self.form_holder.addWidget(self.form)
        elsewhere = need.step is Step.ELSEWHERE
        self.question.setText(elsewhere_words(self.profile) if elsewhere else need.question())
        self.import_button.setVisible(elsewhere)
        self.continue_button.setVisible(not elsewhere)
        self.continue_button.setDefault(not elsewhere)
        self.import_button.setDefault(elsewhere)
        self.layout().activate()
        self.adjustSize()
        if elsewhere:
            self.import_button.setFocus()
        else:
            self.form.focus()

    def _continue(self) -> None:
        if self.form is None:
            return
        secret = self.form.value()
        if self.form.asks and secret is None:
            return  # the reason is under the fields
        QApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)  # scrypt: a blink
        try:
            self.state.act_as(self.profile, secret, proven=self.proven)
        except UserError as err:
            self.form.show_error(err)
            return
        finally:
            QApplication.restoreOverrideCursor()
        self.accept()

    def _import(self) -> None:
        from app.ui.identity.keys import ImportKeyDialog

        dialog = ImportKeyDialog(self.state, self, expected=self.profile)
        if dialog.exec() == QDialog.DialogCode.Accepted:
            self._show_need()


def ask_to_act_as(
    parent: QWidget | None, state: AppState, profile: Profile, *, proven: bool = False
) -> bool:
    """Act as ``profile`` after whatever it asks for; False when it was refused or cancelled.
    A rep without a PIN needs nothing and switches at once."""
    need = acting.need(state.ctx.paths, state.ctx.db, profile, proven=proven)
    if need.step is Step.NOTHING:
        try:
            state.act_as(profile, proven=proven)
        except UserError as err:
            show_error(parent, err)
            return False
        return True
    return (
        run_dialog(ActAsDialog(state, profile, parent, proven=proven))
        == QDialog.DialogCode.Accepted
    )


def run_dialog(dialog: QDialog) -> int:
    """Show a modal question and wait for its answer."""
    try:
        return dialog.exec()
    finally:
        dialog.deleteLater()
