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
    QLabel,
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
from app.ui.icons import set_icon
from app.ui.state import AppState
from app.ui.widgets import FieldError

ROLE_LABELS = {
    Role.REP: "Rep: I practise scenarios",
    Role.TRAINER: "Trainer: I review and coach reps",
    Role.MANAGER: "Manager: I review and follow my teams",
}


def describe(profile: Profile) -> str:
    team = f", {profile.team}" if profile.team else ""
    return f"{profile.name} ({profile.role.value}{team})"


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
        self.name.textChanged.connect(lambda _t: self.name_error.show_message(""))

    def create(self, state: AppState) -> Profile | None:
        """Create the profile and make it the active one; None (with the reason
        shown under the field) when the input is not acceptable."""
        try:
            with state.ctx.session() as s:
                profile = create_profile(
                    s,
                    self.name.text(),
                    Role(self.role.currentData()),
                    self.team.text().strip() or None,
                )
        except UserError as err:
            self.name_error.show_message(f"{err.message} {err.hint}".strip())
            self.name.setFocus()
            return None
        state.use_profile(profile)
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
        layout.addWidget(self.form)
        layout.addWidget(buttons)
        self.resize(460, self.sizeHint().height())

    def _create(self) -> None:
        if self.form.create(self.state):
            self.accept()


class FirstStartDialog(QDialog):
    """Asks who you are before the main window opens."""

    def __init__(self, state: AppState, parent: QWidget | None = None):
        super().__init__(parent)
        self.state = state
        self.setObjectName("firstStart")
        self.setWindowTitle("Welcome to CrossCoach")
        with state.ctx.session() as s:
            existing = list_profiles(s)

        layout = QVBoxLayout(self)
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

        self.existing = QListWidget()
        self.use_existing = QPushButton("Continue as selected")
        if existing:
            group = QGroupBox("I already have a profile on this computer")
            box = QVBoxLayout(group)
            for profile in existing:
                item = QListWidgetItem(describe(profile))
                item.setData(Qt.ItemDataRole.UserRole, profile)
                self.existing.addItem(item)
            self.existing.setMaximumHeight(140)
            self.existing.itemDoubleClicked.connect(lambda _i: self._continue_existing())
            self.use_existing.clicked.connect(self._continue_existing)
            self.use_existing.setEnabled(False)
            self.existing.currentItemChanged.connect(
                lambda cur, _prev: self.use_existing.setEnabled(cur is not None)
            )
            box.addWidget(self.existing)
            box.addWidget(self.use_existing, 0, Qt.AlignmentFlag.AlignRight)
            layout.addWidget(group)

        new_group = QGroupBox("I am new here" if existing else "About you")
        new_box = QVBoxLayout(new_group)
        self.form = NewProfileForm()
        new_box.addWidget(self.form)
        layout.addWidget(new_group)

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
        self.resize(520, self.sizeHint().height())
        self.form.name.setFocus()

    def _create(self) -> None:
        if self.form.create(self.state):
            self.accept()

    def _continue_existing(self) -> None:
        item = self.existing.currentItem()
        if item is not None:
            self.state.use_profile(item.data(Qt.ItemDataRole.UserRole))
            self.accept()
