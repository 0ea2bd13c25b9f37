"""Adding a person to the team database, for the manager who also looks after it.

The same as ``crosscoach remote add-member``: a profile (made here by the acting
trainer or manager if the person is new, so the team accepts it) and a
database login that acts as that profile. Creating logins needs the
database administrator's login, asked for here and never stored.
"""

from __future__ import annotations

from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)
from sqlalchemy.engine import make_url

from app.core.errors import UserError
from app.core.models import Role
from app.core.profiles import Profile, create_profile, list_profiles
from app.sync.credentials import with_password
from app.sync.postgres import add_member
from app.ui.errors import show_error
from app.ui.first_start import ROLE_LABELS
from app.ui.icons import set_icon
from app.ui.state import AppState
from app.ui.sync.forms import WrappedText
from app.ui.tasks import BackgroundTask

NEW_PERSON = "new"


def suggested_login(name: str) -> str:
    """``Ana Silva`` -> ``ana_silva``: a login name PostgreSQL and CrossCoach accept."""
    cleaned = "".join(c if c.isalnum() else "_" for c in name.strip().lower())
    cleaned = "_".join(part for part in cleaned.split("_") if part)
    return cleaned if cleaned[:1].isalpha() else f"member_{cleaned}"


class AddMemberDialog(QDialog):
    """Give a person a login to the team database; ``added`` is their profile afterwards."""

    def __init__(self, state: AppState, parent: QWidget | None = None):
        super().__init__(parent)
        self.state = state
        self.added: Profile | None = None
        self.setWindowTitle("Add a team member")
        url = make_url(state.ctx.settings.get("remote"))
        self.url = url
        layout = QVBoxLayout(self)
        layout.addWidget(
            WrappedText(
                f"The person gets a login to the team database {url.database} on {url.host}. "
                "Only the database administrator may create logins: type their user and "
                "password (they are used once, never kept).",
                objectName="hint",
            )
        )
        form = QFormLayout()
        self.person = QComboBox()
        self.person.setAccessibleName("Person")
        with state.ctx.session() as s:
            for profile in list_profiles(s):
                self.person.addItem(self._label(profile), profile.id)
        self.person.addItem("Someone new…", NEW_PERSON)
        self.name = QLineEdit(placeholderText="The new person's name")
        self.role = QComboBox()
        for role, label in ROLE_LABELS.items():
            self.role.addItem(label, role.value)
        self.team = QLineEdit(placeholderText="Optional, for example North")
        self.login = QLineEdit(placeholderText="for example ana_silva")
        self.admin_user = QLineEdit(placeholderText="for example postgres")
        self.admin_password = QLineEdit()
        self.admin_password.setEchoMode(QLineEdit.EchoMode.Password)
        for label, field in (
            ("Person", self.person),
            ("Name", self.name),
            ("Role", self.role),
            ("Team", self.team),
            ("Their login", self.login),
            ("Administrator", self.admin_user),
            ("Administrator's password", self.admin_password),
        ):
            form.addRow(QLabel(label), field)
            field.setAccessibleName(label)
        layout.addLayout(form)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.add_button = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.add_button.setText("Add to the team")
        set_icon(self.add_button, "user")
        self.buttons.accepted.connect(self.add)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)
        self.person.setCurrentIndex(self.person.findData(NEW_PERSON))  # the usual case
        self.person.currentIndexChanged.connect(self._person_changed)
        self.name.textEdited.connect(lambda text: self.login.setText(suggested_login(text)))
        self._person_changed()
        self.name.setFocus()

    def _new(self) -> bool:
        return self.person.currentData() == NEW_PERSON

    def _person_changed(self) -> None:
        for field in (self.name, self.role, self.team):
            field.setEnabled(self._new())
        if not self._new():
            self.login.setText(suggested_login(self.person.currentText().split(" (")[0]))

    def add(self) -> None:
        try:
            profile = self._profile()
        except UserError as err:
            show_error(self, err, "Add a team member")
            return
        # The team's server and TLS options, with the administrator's user and password.
        admin = self.url.set(username=self.admin_user.text().strip() or None)
        admin = admin.difference_update_query(["password"])
        admin_url = with_password(admin.render_as_string(hide_password=False),
                                  self.admin_password.text())  # fmt: skip
        login = self.login.text().strip()
        self.buttons.setEnabled(False)
        task = BackgroundTask(
            self,
            "Adding the login to the team database…",
            lambda: add_member(admin_url, login, profile.id, profile.role.value),
            lambda _none: self._added(profile),
        )
        task.done.connect(lambda: self.buttons.setEnabled(True))

    def _profile(self) -> Profile:
        """The chosen person, or the new one, made by the acting trainer or manager.

        A new person is then chosen in the list: if the database refuses the login
        (a wrong administrator password, say), trying again does not make them twice.
        """
        if not self._new():
            with self.state.ctx.session() as s:
                return next(p for p in list_profiles(s) if p.id == self.person.currentData())
        with self.state.ctx.session() as s:
            profile = create_profile(
                s, self.name.text(), Role(self.role.currentData()), self.team.text().strip() or None
            )
        login = self.login.text()
        self.person.insertItem(self.person.count() - 1, self._label(profile), profile.id)
        self.person.setCurrentIndex(self.person.findData(profile.id))
        self.login.setText(login)  # choosing the person suggested one; keep what was typed
        return profile

    @staticmethod
    def _label(profile: Profile) -> str:
        return f"{profile.name} ({profile.role.value})"

    def _added(self, profile: Profile) -> None:
        self.added = profile
        self.state.sync.local_change()  # the new profile reaches the team soon
        self.accept()
