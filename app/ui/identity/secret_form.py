"""The passphrase (or PIN) fields that acting as someone needs, for every place that asks:
the switch prompt, the lock screen, the start of the app."""

from __future__ import annotations

from PySide6.QtWidgets import QFormLayout, QLabel, QLineEdit, QVBoxLayout, QWidget

from app.core.errors import UserError
from app.identity.acting import MIN_PASSPHRASE, MIN_PIN, Need, Step, check_new_secret
from app.ui.widgets import FieldError, grow_to_fit


def secret_field(label: str, placeholder: str = "") -> QLineEdit:
    """A field that shows dots for what is typed, named for screen readers."""
    field = QLineEdit(placeholderText=placeholder)
    field.setEchoMode(QLineEdit.EchoMode.Password)
    field.setAccessibleName(label)
    field.setMinimumWidth(240)
    return field


def hint_label(text: str) -> QLabel:
    label = QLabel(text, objectName="hint")
    label.setWordWrap(True)
    return label


def choosing_hint(word: str) -> str:
    shortest = MIN_PASSPHRASE if word == "passphrase" else MIN_PIN
    return (
        f"At least {shortest} characters. Forgotten? A manager sets a new one, and you get "
        "a new key."
    )


class SecretForm(QWidget):
    """One field to type a passphrase (unlock), two to choose one (first use here), or,
    when the key is on another computer, nothing to type."""

    def __init__(self, need: Need, parent: QWidget | None = None):
        super().__init__(parent)
        self.need = need
        word = need.word
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(6)
        self.secret: QLineEdit | None = None
        self.again: QLineEdit | None = None
        self.error = FieldError()
        if need.step is Step.UNLOCK:
            label = "Passphrase" if word == "passphrase" else "PIN"
            self.secret = secret_field(label)
            form = QFormLayout()
            form.setContentsMargins(0, 0, 0, 0)
            form.addRow(label, self.secret)
            layout.addLayout(form)
        elif need.step is Step.SET:
            self.secret = secret_field(f"New {word}")
            self.again = secret_field("Type it again")
            form = QFormLayout()
            form.setContentsMargins(0, 0, 0, 0)
            form.addRow(f"New {word}", self.secret)
            form.addRow("Type it again", self.again)
            layout.addLayout(form)
            layout.addWidget(hint_label(choosing_hint(word)))
        layout.addWidget(self.error)
        fields = [f for f in (self.secret, self.again) if f is not None]
        for field in fields:
            field.textChanged.connect(lambda _t: self.error.show_message(""))

    @property
    def asks(self) -> bool:
        return self.secret is not None

    def value(self) -> str | None:
        """What was typed (checked when choosing a new one); None, with the reason shown,
        when it will not do."""
        if self.secret is None:
            return None
        if self.need.step is Step.SET:
            try:
                check_new_secret(self.need.profile.role, self.secret.text(), self.again.text())
            except UserError as err:
                self.show_error(err, clear=False)
                return None
        return self.secret.text()

    def show_error(self, err: UserError, *, clear: bool = True) -> None:
        if self.secret is not None:
            if clear:
                self.secret.clear()
                if self.again is not None:
                    self.again.clear()
            self.secret.setFocus()
        self.error.show_message(f"{err.message} {err.hint}".strip())  # (clearing hid it)
        if self.window() is not self:
            grow_to_fit(self.window())

    def focus(self) -> None:
        if self.secret is not None:
            self.secret.setFocus()
