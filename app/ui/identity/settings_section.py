"""Settings → Passphrase and key: the acting person's key, their passphrase (or PIN),
export and import, a manager's reset of someone's passphrase, and the idle lock."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QDialog,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
)

from app.core.models import Role
from app.identity import acting, vault
from app.ui.icons import set_icon
from app.ui.identity.keys import (
    ChangeSecretDialog,
    ExportKeyDialog,
    ImportKeyDialog,
    ResetSecretDialog,
)
from app.ui.identity.secret_form import hint_label
from app.ui.state import AppState

LOCK_SETTING = "lock_after_minutes"
MAX_LOCK_MINUTES = 240


def inform(parent, text: str) -> None:
    """What an action did, in a few words (a function tests can replace)."""
    from PySide6.QtWidgets import QMessageBox

    QMessageBox.information(parent, "CrossCoach", text)


def run_dialog(dialog: QDialog) -> int:
    """Show a modal form and wait for it (a function tests can replace)."""
    return dialog.exec()


class IdentitySection(QGroupBox):
    def __init__(self, state: AppState):
        super().__init__("Passphrase and key")
        self.state = state
        layout = QVBoxLayout(self)
        self.key_line = QLabel(objectName="keyLine", wordWrap=True)
        layout.addWidget(self.key_line)
        layout.addWidget(
            hint_label(
                "Your key signs what you do in CrossCoach. Read its fingerprint aloud to "
                "compare it with the one your team sees."
            )
        )
        row = QHBoxLayout()
        self.change_button = QPushButton()
        self.remove_pin_button = QPushButton("Remove PIN…")
        self.export_button = QPushButton("Export my key…")
        self.import_button = QPushButton("Import a key…")
        set_icon(self.change_button, "key")
        set_icon(self.export_button, "export")
        set_icon(self.import_button, "import")
        for button in (
            self.change_button,
            self.remove_pin_button,
            self.export_button,
            self.import_button,
        ):
            row.addWidget(button)
        row.addStretch(1)
        layout.addLayout(row)
        self.reset_button = QPushButton("Set a new passphrase for someone…")
        set_icon(self.reset_button, "user")
        reset_row = QHBoxLayout()
        reset_row.addWidget(self.reset_button)
        reset_row.addStretch(1)
        layout.addLayout(reset_row)

        lock_row = QHBoxLayout()
        lock_label = QLabel("Lock CrossCoach after")
        self.lock_minutes = QSpinBox()
        self.lock_minutes.setRange(0, MAX_LOCK_MINUTES)
        self.lock_minutes.setSuffix(" minutes without use")
        self.lock_minutes.setSpecialValueText("Never")
        self.lock_minutes.setAccessibleName("Lock CrossCoach after this many minutes without use")
        lock_label.setBuddy(self.lock_minutes)
        minutes = state.ctx.settings.get(LOCK_SETTING)
        self.lock_minutes.setValue(
            int(minutes) if isinstance(minutes, int | float) and minutes >= 1 else 0
        )
        self.lock_minutes.valueChanged.connect(
            lambda value: state.ctx.settings.set(LOCK_SETTING, value)
        )
        lock_row.addWidget(lock_label)
        lock_row.addWidget(self.lock_minutes)
        lock_row.addStretch(1)
        layout.addLayout(lock_row)
        layout.addWidget(
            hint_label(
                "When someone with a passphrase or PIN is acting. A recording is never "
                "interrupted: CrossCoach locks when it ends."
            )
        )

        self.change_button.clicked.connect(lambda: self._open(ChangeSecretDialog(state, self)))
        self.remove_pin_button.clicked.connect(
            lambda: self._open(ChangeSecretDialog(state, self, remove=True))
        )
        self.export_button.clicked.connect(self._export)
        self.import_button.clicked.connect(self._import)
        self.reset_button.clicked.connect(self._reset)
        state.profile_changed.connect(lambda _p: self.reload())
        state.keys_changed.connect(self.reload)
        self.reload()

    def reload(self) -> None:
        profile = self.state.profile
        paths = self.state.ctx.paths
        if profile is None:
            self.key_line.setText("Nobody is active.")
            for button in (self.change_button, self.remove_pin_button, self.export_button):
                button.setVisible(False)
            self.reset_button.setVisible(False)
            return
        has_key = vault.has_key(paths, profile.id)
        try:
            word = vault.secret_word(paths, profile.id)
        except vault.KeyProblem:
            word = None
        self.key_line.setText(acting.describe_key(paths, profile.id, profile.name))
        if profile.role.reviews:
            self.change_button.setText("Change passphrase…")
        else:
            self.change_button.setText("Change PIN…" if word else "Set a PIN…")
        self.change_button.setVisible(has_key)
        self.remove_pin_button.setVisible(has_key and not profile.role.reviews and bool(word))
        self.export_button.setVisible(has_key)
        self.reset_button.setVisible(profile.role is Role.MANAGER and has_key)

    def _open(self, dialog: QDialog) -> bool:
        accepted = run_dialog(dialog) == QDialog.DialogCode.Accepted
        self.reload()
        return accepted

    def _export(self) -> None:
        dialog = ExportKeyDialog(self.state, self)
        if self._open(dialog) and dialog.written is not None:
            inform(self, f"Your key is in {dialog.written}.")

    def _import(self) -> None:
        dialog = ImportKeyDialog(self.state, self)
        if self._open(dialog) and dialog.imported is not None:
            inform(
                self,
                f"{dialog.imported.name}'s key is now on this computer. "
                f"{acting.describe_key(self.state.ctx.paths, dialog.imported.id)}",
            )

    def _reset(self) -> None:
        dialog = ResetSecretDialog(self.state, self)
        if self._open(dialog) and dialog.done_text:
            inform(self, dialog.done_text)
