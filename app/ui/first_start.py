"""Who is using CrossCoach: asked on the first start, and whenever nobody is active.

A device may be shared, so existing profiles can be picked as well as a new
one created. The same form creates profiles from the Settings page.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLayout,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.core.errors import UserError
from app.core.models import Role
from app.core.profiles import Profile, create_profile, list_profiles
from app.identity.acting import check_new_secret
from app.sync.onboarding import Team
from app.sync.roster import read_invitation
from app.ui import file_dialogs
from app.ui.errors import show_error
from app.ui.icons import set_icon
from app.ui.identity.act_as import ask_to_act_as, describe
from app.ui.identity.secret_form import hint_label, secret_field
from app.ui.state import AppState
from app.ui.sync.invitation import INVITE_FILTER, InvitationDialog
from app.ui.sync.join import JoinTeamDialog
from app.ui.widgets import FieldError, grow_to_fit, keep_on_screen

ROLE_LABELS = {
    Role.REP: "Rep: I practise scenarios",
    Role.TRAINER: "Trainer: I review and coach reps",
    Role.MANAGER: "Manager: I review and follow my teams",
}


class _SecretRefused(UserError):
    """The passphrase (or PIN) typed in the new-profile form will not do."""


class NewProfileForm(QWidget):
    """Name, role and optional team, with the problem shown under the name."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        form = QFormLayout(self)
        form.setContentsMargins(0, 0, 0, 0)
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.ExpandingFieldsGrow)
        self.name = QLineEdit(placeholderText="The name your team knows you by")
        self.name_error = FieldError()
        self.role = QComboBox()
        for role, label in ROLE_LABELS.items():
            self.role.addItem(label, role.value)  # Qt keeps str enums as plain text
        self.team = QLineEdit(placeholderText="Optional, for example North or Field sales")
        name_box = QVBoxLayout()
        name_box.setSpacing(2)
        name_box.addWidget(self.name)
        name_box.addWidget(self.name_error)
        form.addRow("Name", name_box)
        form.addRow("Role", self.role)
        form.addRow("Team", self.team)
        for field, label in ((self.name, "Name"), (self.role, "Role"), (self.team, "Team")):
            field.setAccessibleName(label)  # the Name row holds a layout: no label buddy
        self.name.textChanged.connect(lambda _t: self.name_error.show_message(""))
        # Trainers and managers choose their passphrase now; a rep may choose a PIN.
        self.secret = secret_field("Passphrase")
        self.again = secret_field("Type it again")
        self.secret_label = QLabel("Passphrase")
        self.secret_error = FieldError()
        self.secret_hint = hint_label("")
        secret_box = QVBoxLayout()
        secret_box.setSpacing(2)
        secret_box.addWidget(self.again)
        secret_box.addWidget(self.secret_error)
        secret_box.addWidget(self.secret_hint)
        form.addRow(self.secret_label, self.secret)
        form.addRow("Type it again", secret_box)
        for field in (self.secret, self.again):
            field.textChanged.connect(lambda _t: self.secret_error.show_message(""))
        self.role.currentIndexChanged.connect(lambda _i: self._secret_words())
        self._secret_words()

    def chosen_role(self) -> Role:
        return Role(self.role.currentData())

    def _secret_words(self) -> None:
        role = self.chosen_role()
        if role.reviews:
            self.secret_label.setText("Passphrase")
            self.secret.setPlaceholderText("At least 8 characters")
            self.secret_hint.setText("Asked whenever someone acts as you on this computer.")
        else:
            self.secret_label.setText("PIN")
            self.secret.setPlaceholderText("Optional")
            self.secret_hint.setText("Only if others use this computer: asked when they pick you.")
        self.secret.setAccessibleName(self.secret_label.text())

    def create(self, state: AppState) -> Profile | None:
        """Create the profile and make it the active one; None (with the reason
        shown under the field) when the input is not acceptable.

        The person typing is the one the profile is for, so they make it themself,
        whoever was acting before on a shared computer.
        """
        role = self.chosen_role()
        secret, again = self.secret.text(), self.again.text()
        try:
            with state.ctx.db.session() as s:  # a refused passphrase makes no profile
                profile = create_profile(
                    s, self.name.text(), role, self.team.text().strip() or None
                )
                if role.reviews or secret or again:
                    try:
                        check_new_secret(role, secret, again)
                    except UserError as err:
                        raise _SecretRefused(err.message, err.hint) from None
        except _SecretRefused as err:
            self.secret_error.show_message(f"{err.message} {err.hint}".strip())
            self.secret.setFocus()
            grow_to_fit(self)
            return None
        except UserError as err:
            self.name_error.show_message(f"{err.message} {err.hint}".strip())
            self.name.setFocus()
            grow_to_fit(self)
            return None
        try:  # their key, made now, kept with the passphrase (or PIN) just chosen
            state.act_as(profile, secret or None)
        except UserError as err:
            show_error(self, err)
            return None
        return profile


class NewProfileDialog(QDialog):
    def __init__(self, state: AppState, parent: QWidget | None = None):
        super().__init__(parent)
        self.state = state
        self.setWindowTitle("New profile")
        self.form = NewProfileForm()
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Create profile")
        buttons.accepted.connect(self._create)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.setSizeConstraint(QLayout.SizeConstraint.SetMinimumSize)  # grows for a message
        layout.addWidget(self.form)
        layout.addWidget(buttons)
        self.resize(460, self.sizeHint().height())

    def _create(self) -> None:
        if self.form.create(self.state):
            self.accept()


class FirstStartDialog(QDialog):
    """Asks who you are before the main window opens: join your team first (then pick
    yourself from it), pick a profile already on this computer, or make a new one."""

    def __init__(self, state: AppState, parent: QWidget | None = None):
        super().__init__(parent)
        self.state = state
        self.join_dialog: JoinTeamDialog | None = None
        self.invitation_dialog: InvitationDialog | None = None
        self.team: Team | None = None  # the team joined from here
        self.setObjectName("firstStart")
        self.setWindowTitle("Welcome to CrossCoach")
        layout = QVBoxLayout(self)
        layout.setSizeConstraint(QLayout.SizeConstraint.SetMinimumSize)  # grows for a message
        layout.setContentsMargins(24, 20, 24, 20)
        layout.setSpacing(12)
        title = QLabel("Who is using CrossCoach?", objectName="pageTitle")
        intro = QLabel(
            "Your name and role decide what you see: reps practise scenarios, "
            "trainers and managers also review takes.",
            objectName="pageSubtitle",
        )
        intro.setWordWrap(True)
        layout.addWidget(title)
        layout.addWidget(intro)

        team_row = QHBoxLayout()
        self.team_note = QLabel(
            "Does your team share a folder or a team database? Join it first, or open the "
            "invitation your manager gave you; then pick yourself from the team."
        )
        self.team_note.setWordWrap(True)
        self.join_button = QPushButton("Join my team…")
        set_icon(self.join_button, "sync")
        self.join_button.clicked.connect(self._join)
        self.invitation_button = QPushButton("Open an invitation…")
        set_icon(self.invitation_button, "import")
        self.invitation_button.setToolTip("The invitation file your manager gave you")
        self.invitation_button.clicked.connect(self._open_invitation)
        layout.addWidget(self.team_note)
        team_row.addWidget(self.join_button)
        team_row.addWidget(self.invitation_button)
        team_row.addStretch(1)
        layout.addLayout(team_row)

        self.existing_group = QGroupBox("I already have a profile on this computer")
        box = QVBoxLayout(self.existing_group)
        self.existing = QListWidget()
        self.existing.setAccessibleName("Profiles")
        self.existing.setMaximumHeight(160)
        self.use_existing = QPushButton("Continue as selected")
        # Enter or a double click (a single one where the system says so) picks the person.
        self.existing.itemActivated.connect(lambda _i: self._continue_existing())
        self.use_existing.clicked.connect(self._continue_existing)
        self.existing.currentItemChanged.connect(
            lambda cur, _prev: self.use_existing.setEnabled(cur is not None)
        )
        box.addWidget(self.existing)
        box.addWidget(self.use_existing, 0, Qt.AlignmentFlag.AlignRight)
        layout.addWidget(self.existing_group)

        self.new_group = QGroupBox("About you")
        new_box = QVBoxLayout(self.new_group)
        self.form = NewProfileForm()
        new_box.addWidget(self.form)
        layout.addWidget(self.new_group)

        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.create_button = buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.create_button.setText("Create profile and start")
        set_icon(self.create_button, "user")
        buttons.button(QDialogButtonBox.StandardButton.Cancel).setText("Quit")
        buttons.accepted.connect(self._create)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        with state.ctx.session() as s:
            self._show_people(list_profiles(s))
        self.resize(560, self.sizeHint().height())
        keep_on_screen(self)  # on a small screen the list of people gives way
        self.form.name.setFocus()

    def _show_people(self, people: list[Profile], me: Profile | None = None) -> None:
        self.existing.clear()
        for profile in people:
            item = QListWidgetItem(describe(profile))
            item.setData(Qt.ItemDataRole.UserRole, profile)
            self.existing.addItem(item)
            if me is not None and profile.id == me.id:
                self.existing.setCurrentItem(item)
        self.existing_group.setVisible(bool(people))
        self.use_existing.setEnabled(self.existing.currentItem() is not None)
        self.new_group.setTitle("I am new here" if people else "About you")

    def _join(self) -> None:
        """Open the join dialog (window-modal, without a nested event loop: joining
        runs in a worker and reports back); ``_joined`` shows the team afterwards."""
        dialog = self.join_dialog = JoinTeamDialog(self.state, self)
        dialog.accepted.connect(lambda: self._joined(dialog.team))
        dialog.open()

    def _open_invitation(self) -> None:
        """Join with an invitation file: the person is made and acts as themself after."""
        path = file_dialogs.ask_open_path(self, "Open your invitation", INVITE_FILTER)
        if path is None:
            return
        try:
            invitation = read_invitation(path)
        except UserError as err:
            show_error(self, err, "Join your team")
            return
        dialog = self.invitation_dialog = InvitationDialog(self.state, invitation, self)
        dialog.accepted.connect(self.accept)
        dialog.open()

    def _joined(self, team: Team) -> None:
        self.team = team
        self.join_button.setEnabled(False)
        self.invitation_button.setEnabled(False)
        self.existing_group.setTitle("Pick yourself from your team")
        self._show_people(team.people, team.me)
        if team.me is not None:
            self.team_note.setText(
                f"You joined the team. The team database knows you as {team.me.name}: "
                "continue as yourself."
            )
            self.use_existing.setText(f"Continue as {team.me.name}")
            self.use_existing.setDefault(True)
            self.use_existing.setFocus()
        else:
            self.team_note.setText(
                "You joined the team. Pick yourself from the list, or, if you are new, "
                "make your profile below."
            )
            self.existing.setFocus()  # the join button had it; a keyboard goes on from here
        # In a team database the manager adds people; a profile made here could not be sent.
        self.new_group.setVisible(not team.database)
        self.create_button.setVisible(not team.database)
        self._fit_on_screen()

    def _fit_on_screen(self) -> None:
        """Grow to show the team, and stay whole on the screen (it grew downwards)."""
        self.layout().activate()
        self.resize(self.width(), max(self.height(), self.sizeHint().height()))
        area = self.screen().availableGeometry()
        frame = self.frameGeometry()
        x = min(frame.x(), area.right() + 1 - frame.width())
        y = min(frame.y(), area.bottom() + 1 - frame.height())
        self.move(max(area.left(), x), max(area.top(), y))

    def _create(self) -> None:
        if self.form.create(self.state):
            self.accept()

    def _continue_existing(self) -> None:
        item = self.existing.currentItem()
        if item is None:
            return
        profile = item.data(Qt.ItemDataRole.UserRole)
        # The team database's login named this person: they may choose their passphrase here.
        me = self.team.me if self.team is not None and self.team.database else None
        if ask_to_act_as(self, self.state, profile, proven=me is not None and me.id == profile.id):
            self.accept()
