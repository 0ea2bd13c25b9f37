"""The Sync section of the Settings page: no remote, a shared folder or a team database.

Checking a remote contacts it, so it runs off the GUI thread (BackgroundTask);
a database password goes to the OS keyring through :mod:`app.sync.credentials`,
never to settings.json.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox,
    QFileDialog,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)
from sqlalchemy.engine import URL, make_url

from app.core.errors import UserError
from app.sync import credentials
from app.sync.remote import open_remote
from app.ui.errors import show_error
from app.ui.file_dialogs import ask_open_path
from app.ui.icons import set_icon
from app.ui.state import AppState
from app.ui.sync.wording import FOLDER_PREFIX, describe_remote
from app.ui.tasks import BackgroundTask

MODES = (
    ("none", "Nothing: keep everything on this computer"),
    ("folder", "A shared folder (network share, cloud drive, USB stick)"),
    ("postgres", "A team database (PostgreSQL)"),
)
SSL_MODES = (
    ("prefer", "Encrypt when the server offers it (PostgreSQL's default)"),
    ("require", "Always encrypt"),
    ("verify-ca", "Encrypt and check the server's certificate"),
    ("verify-full", "Encrypt, check the certificate and the server's name"),
    ("disable", "Never encrypt (only on a network you trust)"),
)
DEFAULT_PORT = 5432
PLACEHOLDER_URL = "postgresql://user@server/database"  # asks only whether a keyring exists


def choose_folder(parent: QWidget | None) -> Path | None:
    """The folder chooser (a function tests can replace); None when cancelled."""
    path = QFileDialog.getExistingDirectory(parent, "Choose the shared folder")
    return Path(path) if path else None


def choose_ca_file(parent: QWidget | None) -> Path | None:
    return ask_open_path(
        parent, "Choose the CA certificate", "Certificates (*.pem *.crt);;All files (*)"
    )


def folder_spec(text: str) -> str:
    if not text.strip():
        raise UserError(
            "No shared folder is chosen yet.",
            "Click Choose… and pick the folder your team shares.",
        )
    return f"{FOLDER_PREFIX}{Path(text.strip()).expanduser().resolve()}"


def database_url(host: str, port: int, database: str, user: str, sslmode: str, ca_file: str) -> str:
    """A ``postgresql://`` remote without password; TLS options in its query."""
    missing = [
        name
        for name, value in (("server", host), ("database", database), ("user", user))
        if not value.strip()
    ]
    if missing:
        raise UserError(
            f"The team database needs a {' and a '.join(missing)}.",
            "Ask whoever runs the database for these, then fill them in.",
        )
    query = {}
    if sslmode != "prefer":
        query["sslmode"] = sslmode
    if ca_file.strip():
        query["sslrootcert"] = str(Path(ca_file.strip()).expanduser())
    url = URL.create(
        "postgresql",
        username=user.strip(),
        host=host.strip(),
        port=port,
        database=database.strip(),
        query=query,
    )
    return url.render_as_string(hide_password=False)


def check_remote(spec: str) -> str:
    """Open the remote as a sync would; returns its description. Runs in a worker."""
    remote = open_remote(spec)
    try:
        remote.open()
    finally:
        remote.close()
    return describe_remote(spec)


class WrappedText(QLabel):
    """A word-wrapped label that asks for its full height: the Settings page scrolls,
    and a scrolled page lays out by minimum sizes, which ignore wrapping."""

    def __init__(self, text: str = "", objectName: str = ""):  # noqa: N803 - Qt's spelling
        super().__init__(text, objectName=objectName)
        self.setWordWrap(True)

    def resizeEvent(self, event) -> None:  # noqa: N802 - Qt override
        super().resizeEvent(event)
        self.setMinimumHeight(self.heightForWidth(self.width()))

    def setText(self, text: str) -> None:  # noqa: N802 - Qt's name
        super().setText(text)
        self.setMinimumHeight(self.heightForWidth(self.width()) if self.width() > 1 else 0)


class SyncSection(QGroupBox):
    def __init__(self, state: AppState):
        super().__init__("Sync")
        self.state = state
        self.settings = state.ctx.settings
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

        row = QHBoxLayout()
        row.addWidget(QLabel("Sync through"))
        self.mode = QComboBox()
        for key, label in MODES:
            self.mode.addItem(label, key)
        row.addWidget(self.mode, 1)
        layout.addLayout(row)

        # One form shows at a time; a hidden one takes no room.
        self.forms = {"folder": self._folder_form(), "postgres": self._database_form()}
        for form in self.forms.values():
            layout.addWidget(form)
        self.mode.currentIndexChanged.connect(self._mode_changed)

        self.result = WrappedText(objectName="syncResult")
        self.result.hide()
        layout.addWidget(self.result)
        buttons = QHBoxLayout()
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

    # --- the forms --------------------------------------------------------------------------

    def _folder_form(self) -> QWidget:
        form = QWidget()
        row = QHBoxLayout(form)
        row.setContentsMargins(0, 0, 0, 0)
        self.folder = QLineEdit(placeholderText="The folder your team shares")
        self.choose_button = QPushButton("Choose…")
        set_icon(self.choose_button, "folder")
        self.choose_button.clicked.connect(self._choose_folder)
        row.addWidget(self.folder, 1)
        row.addWidget(self.choose_button)
        return form

    def _database_form(self) -> QWidget:
        form = QWidget()
        fields = QGridLayout(form)  # a grid, so the wrapped password note gets its full height
        fields.setContentsMargins(0, 0, 0, 0)
        fields.setColumnStretch(1, 1)
        self.host = QLineEdit(placeholderText="db.example.com")
        self.port = QSpinBox()
        self.port.setRange(1, 65535)
        self.port.setValue(DEFAULT_PORT)
        self.port.setMaximumWidth(110)
        self.database = QLineEdit(placeholderText="coaching")
        self.user = QLineEdit()
        self.password = QLineEdit()
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.password.setPlaceholderText("Leave empty to keep a stored password")
        self.password_note = WrappedText(objectName="hint")
        self.sslmode = QComboBox()
        for key, label in SSL_MODES:
            self.sslmode.addItem(label, key)
        ca_row = QHBoxLayout()
        self.ca_file = QLineEdit(placeholderText="Optional: the team's CA certificate (.pem)")
        self.ca_button = QPushButton("Choose…")
        self.ca_button.clicked.connect(self._choose_ca)
        ca_row.addWidget(self.ca_file, 1)
        ca_row.addWidget(self.ca_button)
        for edit in (self.host, self.database, self.user):
            edit.editingFinished.connect(self._show_password_source)
        self.port.editingFinished.connect(self._show_password_source)
        rows = (
            ("Server", self.host),
            ("Port", self.port),
            ("Database", self.database),
            ("User", self.user),
            ("Password", self.password),
            ("", self.password_note),
            ("Secure connection", self.sslmode),
            ("CA certificate", ca_row),
        )
        for n, (name, field) in enumerate(rows):
            fields.addWidget(QLabel(name), n, 0)
            if isinstance(field, QWidget):
                fields.addWidget(
                    field,
                    n,
                    1,
                    Qt.AlignmentFlag.AlignLeft if field is self.port else Qt.AlignmentFlag(0),
                )
            else:
                fields.addLayout(field, n, 1)
        return form

    def _choose_folder(self) -> None:
        chosen = choose_folder(self)
        if chosen is not None:
            self.folder.setText(str(chosen))

    def _choose_ca(self) -> None:
        chosen = choose_ca_file(self)
        if chosen is not None:
            self.ca_file.setText(str(chosen))

    def _mode_changed(self, _index: int) -> None:
        for mode, form in self.forms.items():
            form.setVisible(mode == self.mode.currentData())
        if self.mode.currentData() == "postgres":
            self._show_password_source()
        self.test_button.setEnabled(self.mode.currentData() != "none")
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
        if spec.startswith(FOLDER_PREFIX):
            self.mode.setCurrentIndex(1)
            self.folder.setText(spec[len(FOLDER_PREFIX) :])
        elif spec.startswith("postgres"):
            self.mode.setCurrentIndex(2)
            u = make_url(spec)
            self.host.setText(u.host or "")
            self.port.setValue(u.port or DEFAULT_PORT)
            self.database.setText(u.database or "")
            self.user.setText(u.username or "")
            index = self.sslmode.findData(u.query.get("sslmode", "prefer"))
            self.sslmode.setCurrentIndex(max(index, 0))
            self.ca_file.setText(u.query.get("sslrootcert", ""))
            # An older CrossCoach kept a ?password= in settings: Save moves it to the keyring.
            self.password.setText(credentials.without_password(spec)[1] or "")
        else:
            self.mode.setCurrentIndex(0)
        self._mode_changed(self.mode.currentIndex())
        self._show_password_source()

    def _show_password_source(self) -> None:
        """Where the password for the database in the form comes from (keyring or fallback)."""
        try:
            url = self.spec() if self.mode.currentData() == "postgres" else None
        except UserError:
            url = None  # not filled in yet
        stored = self.settings.get("remote") or ""
        if stored.startswith("postgres") and credentials.without_password(stored)[1]:
            self.password_note.setText(
                "Password: still written in CrossCoach's settings by an older version. "
                "Click Save to move it to this computer's keyring."
            )
            return
        source = credentials.password_source(url or PLACEHOLDER_URL)
        self.password_note.setText(
            f"Password: {source}. CrossCoach never writes it into its settings."
        )

    def spec(self) -> str | None:
        """The remote the form describes, without password; None for no remote."""
        mode = self.mode.currentData()
        if mode == "folder":
            return folder_spec(self.folder.text())
        if mode == "postgres":
            return database_url(
                self.host.text(),
                self.port.value(),
                self.database.text(),
                self.user.text(),
                self.sslmode.currentData(),
                self.ca_file.text(),
            )
        return None

    def _checked_spec(self) -> tuple[bool, str | None]:
        """(True, spec) for a complete form; (False, None) after telling what is missing."""
        try:
            return True, self.spec()
        except UserError as err:
            show_error(self, err, "Sync settings")
            return False, None

    def test_connection(self) -> None:
        ok, spec = self._checked_spec()
        if not ok or spec is None:
            return
        target = (
            credentials.with_password(spec, self.password.text())
            if spec.startswith("postgres")
            else spec
        )
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
            self._saved(None, "")
            return
        password = self.password.text() if spec.startswith("postgres") else ""
        self._set_busy(True)
        task = BackgroundTask(
            self,
            "Checking the remote before saving…",
            lambda: check_remote(credentials.with_password(spec, password)),
            lambda _described: self._saved(spec, password),
        )
        task.done.connect(lambda: self._set_busy(False))

    def _saved(self, spec: str | None, password: str) -> None:
        note = ""
        if password:
            if credentials.store_password(spec, password):
                note = " The password is kept in this computer's keyring."
            else:
                note = (
                    " This computer has no keyring, so the password was NOT stored: set "
                    f"PGPASSWORD or write it to {credentials.pgpass_file()}."
                )
            self.password.clear()
        self.settings.set("remote", spec)
        self.load()
        self._show_result(
            (f"Saved. This computer now syncs with {describe_remote(spec)}." + note)
            if spec
            else "Saved. This computer no longer syncs."
        )
        self.state.sync.remote_changed()
        if spec:
            self.state.sync.sync_now()

    def _show_result(self, text: str) -> None:
        self.result.setText(text)
        self.result.show()

    def _set_busy(self, busy: bool) -> None:
        self.test_button.setEnabled(not busy and self.mode.currentData() != "none")
        self.save_button.setEnabled(not busy)
