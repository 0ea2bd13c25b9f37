"""The form that names a remote: a shared folder or a team database (no widgets of
the page around it), used by Settings and by joining a team on the first start."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QFileDialog,
    QGridLayout,
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
from app.ui.file_dialogs import ask_open_path
from app.ui.icons import set_icon
from app.ui.sync.wording import FOLDER_PREFIX

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


def join_password_note(source: str) -> str:
    """What a new member reads under the password: no stored one yet is normal."""
    if "no keyring" not in source:
        return (
            "If your login has a password, type it: CrossCoach keeps it in this computer's "
            "keyring, never in its settings."
        )
    return (
        "This computer has no keyring to keep a password in. If your login has one, it is "
        "used to join; for the syncs after that, ask whoever looks after this computer to "
        "store it for PostgreSQL (in the PGPASSWORD variable or the file "
        f"{credentials.pgpass_file()})."
    )


class WrappedText(QLabel):
    """A word-wrapped label that asks for its full height: the Settings page scrolls,
    and a scrolled page lays out by minimum sizes, which ignore wrapping."""

    def __init__(self, text: str = "", objectName: str = ""):  # noqa: N803 - Qt's spelling
        super().__init__(text, objectName=objectName)
        self.setWordWrap(True)

    def resizeEvent(self, event) -> None:  # noqa: N802 - Qt override
        super().resizeEvent(event)
        self._fit()

    def setText(self, text: str) -> None:  # noqa: N802 - Qt's name
        super().setText(text)
        self._fit()

    def _fit(self) -> None:
        # heightForWidth is -1 for an empty label (and meaningless before a first layout)
        self.setMinimumHeight(max(self.heightForWidth(self.width()), 0) if self.width() > 1 else 0)


class RemoteForm(QWidget):
    """Choose how to sync and fill in where: ``spec()`` and ``password()`` read it."""

    changed = Signal()  # the choice of mode changed

    def __init__(
        self, allow_none: bool = True, joining: bool = False, parent: QWidget | None = None
    ):
        super().__init__(parent)
        self.stored = ""  # the remote in settings (an older version may have left a password)
        self.joining = joining  # a new member's first start: nothing is stored yet
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        row = QHBoxLayout()
        label = QLabel("Sync through")
        row.addWidget(label)
        self.mode = QComboBox()
        self.mode.setAccessibleName("Sync through")
        label.setBuddy(self.mode)
        for key, text in MODES if allow_none else MODES[1:]:
            self.mode.addItem(text, key)
        row.addWidget(self.mode, 1)
        layout.addLayout(row)
        # One form shows at a time; a hidden one takes no room.
        self.forms = {"folder": self._folder_form(), "postgres": self._database_form()}
        for form in self.forms.values():
            layout.addWidget(form)
        self.mode.currentIndexChanged.connect(self._mode_changed)
        self._mode_changed(self.mode.currentIndex())

    def _folder_form(self) -> QWidget:
        form = QWidget()
        row = QHBoxLayout(form)
        row.setContentsMargins(0, 0, 0, 0)
        self.folder = QLineEdit(placeholderText="The folder your team shares")
        self.folder.setAccessibleName("Shared folder")
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
        self.password_edit = QLineEdit()
        self.password_edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.password_edit.setPlaceholderText(
            "Only if your login has one"
            if self.joining
            else "Leave empty to keep a stored password"
        )
        self.password_note = WrappedText(objectName="hint")
        self.sslmode = QComboBox()
        for key, label in SSL_MODES:
            self.sslmode.addItem(label, key)
        ca_row = QHBoxLayout()
        self.ca_file = QLineEdit(placeholderText="Optional: the team's CA certificate (.pem)")
        self.ca_button = QPushButton("Choose…")
        self.ca_button.clicked.connect(self._choose_ca)
        self.ca_file.setAccessibleName("CA certificate")
        self.ca_button.setAccessibleName("Choose the CA certificate")
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
            ("Password", self.password_edit),
            ("", self.password_note),
            ("Secure connection", self.sslmode),
            ("CA certificate", ca_row),
        )
        for n, (name, field) in enumerate(rows):
            label = QLabel(name)
            fields.addWidget(label, n, 0)
            if isinstance(field, QWidget) and name:
                label.setBuddy(field)
                field.setAccessibleName(name)
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
        self.changed.emit()

    def load(self, spec: str, stored: str = "") -> None:
        """Fill the form from a remote (``stored``: the one in settings, which an older
        version may have left with a password in it)."""
        self.stored = stored
        self._select(spec.split(":", 1)[0] if spec else "none")
        if spec.startswith(FOLDER_PREFIX):
            self.folder.setText(spec[len(FOLDER_PREFIX) :])
        elif spec.startswith("postgres"):
            u = make_url(spec)
            self.host.setText(u.host or "")
            self.port.setValue(u.port or DEFAULT_PORT)
            self.database.setText(u.database or "")
            self.user.setText(u.username or "")
            index = self.sslmode.findData(u.query.get("sslmode", "prefer"))
            self.sslmode.setCurrentIndex(max(index, 0))
            self.ca_file.setText(u.query.get("sslrootcert", ""))
            # An older CrossCoach kept a ?password= in settings: Save moves it to the keyring.
            self.password_edit.setText(credentials.without_password(spec)[1] or "")
        self._mode_changed(self.mode.currentIndex())
        self._show_password_source()

    def _select(self, mode: str) -> None:
        index = self.mode.findData("postgres" if mode.startswith("postgres") else mode)
        self.mode.setCurrentIndex(max(index, 0))

    def _show_password_source(self) -> None:
        """Where the password for the database in the form comes from (keyring or fallback)."""
        try:
            url = self.spec() if self.mode.currentData() == "postgres" else None
        except UserError:
            url = None  # not filled in yet
        stored = self.stored
        if stored.startswith("postgres") and credentials.without_password(stored)[1]:
            self.password_note.setText(
                "Password: still written in CrossCoach's settings by an older version. "
                "Click Save to move it to this computer's keyring."
            )
            return
        source = credentials.password_source(url or PLACEHOLDER_URL)
        if self.joining and source.startswith("none stored"):
            self.password_note.setText(join_password_note(source))
            return
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

    def password(self) -> str:
        return self.password_edit.text() if self.mode.currentData() == "postgres" else ""
