"""Dialogs about a person's passphrase and key: change it, export the key for another
computer, import it there, and a manager's reset of someone's forgotten passphrase."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QApplication,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLayout,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.core.errors import UserError
from app.core.models import Person, Role
from app.core.profiles import Profile, list_profiles, to_profile
from app.identity import acting, vault
from app.identity.acting import MIN_PASSPHRASE, MIN_PIN, ReplacingNeedsSecret, secret_word
from app.identity.vault import EXPORT_SUFFIX
from app.sync import roster
from app.ui import file_dialogs
from app.ui.identity.secret_form import choosing_hint, hint_label, secret_field
from app.ui.state import AppState
from app.ui.widgets import FieldError, grow_to_fit

KEY_FILTER = f"CrossCoach key (*{EXPORT_SUFFIX})"


class _Form(QDialog):
    """A small form: an intro, rows, the problem under them, and two buttons."""

    def __init__(self, title: str, intro: str, action: str, parent: QWidget | None):
        super().__init__(parent)
        self.setWindowTitle(title)
        layout = QVBoxLayout(self)
        layout.setSizeConstraint(QLayout.SizeConstraint.SetMinimumSize)  # grows for a message
        layout.setContentsMargins(20, 16, 20, 12)
        layout.setSpacing(10)
        self.intro = QLabel(intro, wordWrap=True)
        self.intro.setMinimumWidth(420)
        layout.addWidget(self.intro)
        self.rows = QFormLayout()
        self.rows.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.ExpandingFieldsGrow)
        layout.addLayout(self.rows)
        self.hint_holder = QVBoxLayout()
        layout.addLayout(self.hint_holder)
        self.error = FieldError()
        layout.addWidget(self.error)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.ok = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok.setText(action)
        self.buttons.accepted.connect(self._done)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)

    def add(self, label: str, field: QWidget) -> QWidget:
        self.rows.addRow(label, field)
        if isinstance(field, QLineEdit):
            field.textChanged.connect(lambda _t: self.error.show_message(""))
        return field

    def fail(self, err: UserError, focus: QWidget | None = None) -> None:
        """Show why, and put the cursor where the fix goes."""
        self.error.show_message(f"{err.message} {err.hint}".strip())
        grow_to_fit(self)
        focus = focus or self.focus_on_error()
        if focus is not None:
            focus.setFocus()
            if isinstance(focus, QLineEdit):
                focus.selectAll()

    def _done(self) -> None:
        QApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)
        try:
            self.run()
        except UserError as err:
            self.fail(err)
            return
        finally:
            QApplication.restoreOverrideCursor()
        self.accept()

    def run(self) -> None:  # raise a UserError to stay open with its words shown
        raise NotImplementedError

    def focus_on_error(self) -> QWidget | None:
        return None


class ChangeSecretDialog(_Form):
    """The acting person's new passphrase (or a rep's PIN: set, change, or remove)."""

    def __init__(self, state: AppState, parent: QWidget | None = None, *, remove: bool = False):
        self.state = state
        self.profile = profile = state.profile
        word = secret_word(profile.role)
        current = vault.secret_word(state.ctx.paths, profile.id)
        self.remove = remove
        if remove:
            title, intro, action = (
                "Remove your PIN",
                "Without a PIN, anyone at this computer can switch to your profile.",
                "Remove PIN",
            )
        elif current:
            title, intro, action = (
                f"Change your {word}",
                f"Your key stays the same; only the {word} that protects it changes.",
                f"Change {word}",
            )
        else:
            title, intro, action = (
                "Set a PIN",
                "With a PIN, CrossCoach asks for it when someone switches to your profile, "
                "and locks after a while without use.",
                "Set PIN",
            )
        super().__init__(title, intro, action, parent)
        self.current = None
        if current:
            self.current = self.add(f"Current {current}", secret_field(f"Current {current}"))
        self.new = self.again = None
        if not remove:
            self.new = self.add(f"New {word}", secret_field(f"New {word}"))
            self.again = self.add("Type it again", secret_field("Type it again"))
            self.hint_holder.addWidget(hint_label(choosing_hint(word)))
        (self.current or self.new).setFocus()

    def run(self) -> None:
        old = self.current.text() if self.current else None
        new = None if self.remove else self.new.text()
        again = None if self.remove else self.again.text()
        acting.change_secret(self.state.ctx.paths, self.profile, old, new, again)
        self.state.keys_changed.emit()

    def focus_on_error(self):
        if self.current is not None and "current" in self.error.text():
            return self.current
        return self.new or self.current


class FileRow(QWidget):
    """A file name and a Choose… button."""

    def __init__(self, choose, placeholder: str):
        super().__init__()
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        self.path = QLineEdit(placeholderText=placeholder)
        self.path.setAccessibleName("File")
        self.choose = QPushButton("Choose…")
        self.choose.clicked.connect(lambda: self._pick(choose))
        row.addWidget(self.path, 1)
        row.addWidget(self.choose)

    def _pick(self, choose) -> None:
        chosen = choose()
        if chosen is not None:
            self.path.setText(str(chosen))

    def value(self) -> Path:
        text = self.path.text().strip()
        if not text:
            raise UserError("Which file?", "Choose a file, or type its name.")
        return Path(text).expanduser()


class ExportKeyDialog(_Form):
    """Write the acting person's key to a file for another of their computers."""

    def __init__(self, state: AppState, parent: QWidget | None = None):
        self.state = state
        self.profile = profile = state.profile
        self.word = vault.secret_word(state.ctx.paths, profile.id)
        protected_by = (
            f"your {self.word}" if self.word else "a passphrase you choose now for the file"
        )
        super().__init__(
            "Export my key",
            f"Writes your key to a file, protected with {protected_by}. On your other "
            "computer, open Settings and choose “Import a key”. Keep the file to yourself, "
            "and delete it once it is imported.",
            "Export",
            parent,
        )
        suggested = f"{profile.name}{EXPORT_SUFFIX}"
        self.file = self.add(
            "File",
            FileRow(
                lambda: file_dialogs.ask_save_path(self, "Export my key", KEY_FILTER, suggested),
                f"for example {suggested} on a USB stick",
            ),
        )
        self.secret = self.new = self.again = None
        if self.word:
            self.secret = self.add(f"Your {self.word}", secret_field(f"Your {self.word}"))
        else:
            self.new = self.add("Passphrase for the file", secret_field("Passphrase for the file"))
            self.again = self.add("Type it again", secret_field("Type it again"))
        self.written: Path | None = None
        self.file.path.setFocus()

    def run(self) -> None:
        target = self.file.value()
        self.written = acting.export_key(
            self.state.ctx.paths,
            self.profile,
            self.secret.text() if self.secret else None,
            target,
            self.new.text() if self.new else None,
            self.again.text() if self.again else None,
        )

    def focus_on_error(self):
        if "file" in self.error.text().lower() and "passphrase" not in self.error.text():
            return self.file.path
        return self.secret or self.new


class ImportKeyDialog(_Form):
    """Take a key exported on another computer as its person's key here."""

    def __init__(
        self, state: AppState, parent: QWidget | None = None, *, expected: Profile | None = None
    ):
        self.state = state
        self.expected = expected
        whose = f"{expected.name}'s key" if expected else "a key"
        super().__init__(
            "Import a key",
            f"Choose the file with {whose} that was exported on another computer, and type "
            "the passphrase that protects it.",
            "Import",
            parent,
        )
        self.file = self.add(
            "Key file",
            FileRow(
                lambda: file_dialogs.ask_open_path(self, "Import a key", KEY_FILTER),
                "the file exported on the other computer",
            ),
        )
        self.secret = self.add("Its passphrase", secret_field("Passphrase of the key file"))
        self.current = secret_field("Current passphrase on this computer")
        self.current_label = QLabel("Current passphrase here")
        self.rows.addRow(self.current_label, self.current)
        self._show_current(False)
        self.imported: Profile | None = None
        self.file.path.setFocus()

    def _show_current(self, visible: bool) -> None:
        self.current.setVisible(visible)
        self.current_label.setVisible(visible)

    def run(self) -> None:
        key_file = vault.read_key_file(self.file.value())
        with self.state.ctx.db.session() as s:
            person = s.get(Person, key_file.person_id)
            if person is None or person.deleted:
                raise UserError(
                    f"This key is {key_file.name or 'someone'}'s, whose profile is not on this "
                    "computer yet.",
                    "Join your team or sync first, then import it again.",
                )
            profile = to_profile(person)
        if self.expected is not None and profile.id != self.expected.id:
            raise UserError(
                f"This key file is {profile.name}'s, not {self.expected.name}'s.",
                f"Choose the file exported for {self.expected.name}.",
            )
        try:
            acting.import_key(
                self.state.ctx.paths,
                self.state.ctx.db,
                profile,
                key_file,
                self.secret.text(),
                self.current.text() if self.current.isVisible() else None,
            )
        except ReplacingNeedsSecret:
            first_time = not self.current.isVisible()
            self._show_current(True)
            if first_time:
                raise UserError(
                    f"{profile.name} already has another key on this computer.",
                    f"To replace it, also type {profile.name}'s current passphrase here.",
                ) from None
            raise
        self.imported = profile
        self.state.keys_changed.emit()

    def focus_on_error(self):
        text = self.error.text()
        if self.current.isVisible() and "current" in text:
            return self.current
        if "passphrase" in text:
            return self.secret
        return self.file.path


class ResetSecretDialog(_Form):
    """A manager sets a new passphrase (or PIN) for someone who forgot theirs."""

    def __init__(self, state: AppState, parent: QWidget | None = None):
        self.state = state
        self.manager = manager = state.profile
        super().__init__(
            "Set a new passphrase for someone",
            "For someone who forgot their passphrase or PIN. Their old key was protected "
            "with it, so they get a NEW key on this computer, and the old one can no longer "
            "be used here. Type your own passphrase to show that you are "
            f"{manager.name}.",
            "Set new passphrase",
            parent,
        )
        self.person = QComboBox()
        self.person.setAccessibleName("Person")
        with state.ctx.db.session() as s:
            for p in list_profiles(s):
                if p.id != manager.id:
                    self.person.addItem(f"{p.name} ({p.role.value})", p)
        self.add("Person", self.person)
        self.mine = self.add("Your passphrase", secret_field("Your passphrase"))
        self.new_label = QLabel()
        self.new = secret_field("New passphrase")
        self.again = secret_field("Type it again")
        self.rows.addRow(self.new_label, self.new)
        self.add("Type it again", self.again)
        self.new.textChanged.connect(lambda _t: self.error.show_message(""))
        self.note = hint_label("")
        self.hint_holder.addWidget(self.note)
        self.person.currentIndexChanged.connect(lambda _i: self._words())
        self._words()
        self.done_text = ""
        self.person.setFocus()

    def _words(self) -> None:
        person: Profile | None = self.person.currentData()
        rep = person is not None and person.role is Role.REP
        self.new_label.setText("New PIN" if rep else "New passphrase")
        self.new.setAccessibleName(self.new_label.text())
        self.note.setText(
            f"At least {MIN_PIN} characters, or leave it empty for no PIN."
            if rep
            else f"At least {MIN_PASSPHRASE} characters. Tell it to them in person."
        )

    def run(self) -> None:
        person: Profile | None = self.person.currentData()
        if person is None:
            raise UserError("There is nobody else on this computer.", "")
        paths = self.state.ctx.paths
        try:
            mine = vault.unlock(paths, self.manager.id, self.mine.text())
        except vault.WrongSecret:
            raise vault.WrongSecret(
                f"That is not {self.manager.name}'s passphrase.", "Type your own passphrase."
            ) from None
        had = vault.has_key(paths, person.id)
        keys = acting.reset_secret(
            paths, self.manager, mine, person, self.new.text() or None, self.again.text() or None
        )
        ctx = self.state.ctx
        with ctx.session() as s:  # the team trusts the new key, not the old one
            in_roster = roster.replace_key(
                s, self.manager, mine, person, keys.public_bytes().hex(), ctx.db.clock.tick()
            )
        word = secret_word(person.role)
        if had:
            self.done_text = (
                f"{person.name} has a new {word} and a new key on this computer "
                f"(fingerprint {keys.fingerprint()}). Their old key can no longer be used here."
            )
        else:
            self.done_text = (
                f"{person.name} has a {word} and their first key on this computer "
                f"(fingerprint {keys.fingerprint()})."
            )
        if in_roster is not None:
            self.done_text += (
                " The team's roster trusts the new key from now on, and no longer the old one."
            )
            self.state.sync.local_change()
        self.state.keys_changed.emit()

    def focus_on_error(self):
        return self.mine if self.manager.name in self.error.text() else self.new
