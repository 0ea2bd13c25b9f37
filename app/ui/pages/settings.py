"""Settings: the data folder, who is acting, the theme, recording, sync and backups.

The page is a column of sections; each section is a function
``(state) -> QGroupBox`` listed in SECTIONS, so a new area adds its own
section without touching the others.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from app.core.profiles import list_profiles
from app.ui.backups import BackupSection
from app.ui.file_dialogs import open_folder
from app.ui.first_start import NewProfileDialog, describe
from app.ui.icons import set_icon
from app.ui.identity.act_as import ask_to_act_as
from app.ui.identity.settings_section import IdentitySection
from app.ui.pages.base import Page, PageSpec
from app.ui.practice.settings_section import RecordingSection
from app.ui.state import AppState
from app.ui.sync.settings_section import SyncSection
from app.ui.sync.team_section import TeamSection

THEME_LABELS = {"system": "Follow the system", "light": "Light", "dark": "Dark"}


def _hint(text: str) -> QLabel:
    label = QLabel(text, objectName="hint")
    label.setWordWrap(True)
    return label


class DataFolderSection(QGroupBox):
    def __init__(self, state: AppState):
        super().__init__("Data folder")
        root = state.ctx.paths.root
        layout = QVBoxLayout(self)
        layout.addWidget(
            _hint(
                "Your profile, scenarios and recordings are kept in this folder on this computer."
            )
        )
        row = QHBoxLayout()
        self.path = QLabel(str(root), objectName="dataFolder")
        self.path.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.open_button = QPushButton("Open folder")
        set_icon(self.open_button, "folder")
        self.open_button.clicked.connect(lambda: open_folder(root))
        row.addWidget(self.path, 1)
        row.addWidget(self.open_button)
        layout.addLayout(row)


class ProfileSection(QGroupBox):
    def __init__(self, state: AppState):
        super().__init__("Profile")
        self.state = state
        layout = QVBoxLayout(self)
        self.current = QLabel(objectName="currentProfile")
        layout.addWidget(self.current)
        layout.addWidget(
            _hint("On a shared computer, switch to your own profile before you start.")
        )
        row = QHBoxLayout()
        self.choice = QComboBox()
        self.switch_button = QPushButton("Switch")
        self.new_button = QPushButton("New profile…")
        set_icon(self.switch_button, "user")
        set_icon(self.new_button, "add")
        row.addWidget(self.choice, 1)
        row.addWidget(self.switch_button)
        row.addWidget(self.new_button)
        layout.addLayout(row)
        self.switch_button.clicked.connect(self._switch)
        self.new_button.clicked.connect(self._new)
        state.profile_changed.connect(lambda _p: self.reload())
        self.reload()

    def reload(self) -> None:
        profile = self.state.profile
        self.current.setText(f"Acting as {describe(profile)}" if profile else "Nobody is active.")
        with self.state.ctx.session() as s:
            profiles = list_profiles(s)
        self.choice.clear()
        for p in profiles:
            self.choice.addItem(describe(p), p)
            if profile and p.id == profile.id:
                self.choice.setCurrentIndex(self.choice.count() - 1)

    def _switch(self) -> None:
        chosen = self.choice.currentData()
        if chosen is not None and (
            self.state.profile is None or chosen.id != self.state.profile.id
        ):
            ask_to_act_as(self, self.state, chosen)  # their passphrase, if they have one
            self.reload()  # refused or cancelled: the list shows who still acts

    def _new(self) -> None:
        NewProfileDialog(self.state, self).exec()


class AppearanceSection(QGroupBox):
    def __init__(self, state: AppState):
        super().__init__("Appearance")
        layout = QHBoxLayout(self)
        layout.addWidget(QLabel("Theme"))
        self.theme = QComboBox()
        for key, label in THEME_LABELS.items():
            self.theme.addItem(label, key)
        self.theme.setCurrentIndex(list(THEME_LABELS).index(state.theme))
        self.theme.currentIndexChanged.connect(lambda _i: state.set_theme(self.theme.currentData()))
        layout.addWidget(self.theme)
        layout.addStretch(1)


SECTIONS = [
    DataFolderSection,
    ProfileSection,
    IdentitySection,
    AppearanceSection,
    RecordingSection,
    SyncSection,
    TeamSection,
    BackupSection,
]


class SettingsPage(Page):
    def __init__(self, state: AppState):
        super().__init__()
        body = QWidget()
        column = QVBoxLayout(body)
        column.setContentsMargins(24, 16, 24, 24)
        column.setSpacing(16)
        self.sections = [build(state) for build in SECTIONS]
        for section in self.sections:
            section.setMaximumWidth(760)
            # sections keep their natural height; the stretch below takes the rest
            section.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Maximum)
            column.addWidget(section)
        column.addStretch(1)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        scroll.setWidget(body)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(scroll)

    def section(self, kind: type) -> QGroupBox:
        return next(s for s in self.sections if isinstance(s, kind))


PAGE = PageSpec(
    "settings",
    "Settings",
    "Where your data lives, who you are on this computer, your passphrase and key, how "
    "CrossCoach looks, your team, and backups.",
    "settings",
    SettingsPage,
)
