"""Settings → Team roster: the team's code, who is in the roster, who asks to join, and
what a manager does about it (found the roster, invite, approve, change a role, revoke).

Everything goes through app.sync.roster, like ``crosscoach team``; what changes is
signed with the acting manager's key and goes to the team with the next sync.
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QFrame,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.core.errors import UserError
from app.core.models import Role
from app.sync import roster
from app.sync.signing import short
from app.ui.errors import show_error
from app.ui.file_dialogs import ask_save_path
from app.ui.icons import set_icon
from app.ui.identity.settings_section import inform, run_dialog
from app.ui.state import AppState
from app.ui.sync.forms import WrappedText
from app.ui.sync.invitation import INVITE_FILTER
from app.ui.widgets import IconLabel

ROLE_WORDS = {Role.REP: "Rep", Role.TRAINER: "Trainer", Role.MANAGER: "Manager"}
COLUMNS = ("Name", "Role", "Key", "Status")


def confirm(parent: QWidget, question: str, hint: str) -> bool:
    """Ask before something that cannot be taken back (a function tests can replace)."""
    box = QMessageBox(QMessageBox.Icon.Question, "CrossCoach", question, parent=parent)
    box.setInformativeText(hint)
    box.setStandardButtons(QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel)
    box.setDefaultButton(QMessageBox.StandardButton.Cancel)
    return box.exec() == QMessageBox.StandardButton.Yes


@dataclass(frozen=True)
class Row:
    """One line of the table: a member's key, or a request to join."""

    person_id: str
    name: str
    role: Role
    fingerprint: str
    status: str
    request: bool = False  # asks to join: a manager approves it
    active: bool = True  # a key that still counts (may be revoked, its role changed)


def roster_rows(state: AppState) -> tuple[str | None, list[Row]]:
    """The team code and the rows to show (members first, then who asks to join)."""
    with state.ctx.session() as s:
        code = roster.team_code(s)
        rows = [
            Row(
                m.person_id,
                m.name,
                Role(m.role),
                m.fingerprint,
                "Removed" if m.removed else "Key revoked" if m.revoked_at else "In the team",
                active=not (m.removed or m.revoked_at),
            )
            for m in roster.members(s)
        ]
        rows += [
            Row(r.person_id, r.name, r.role, short(r.public_key), "Asks to join", request=True)
            for r in roster.waiting_requests(s)
        ]
    return code, rows


class InviteDialog(QDialog):
    """Who the invitation is for: their name and role."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle("Invite someone to the team")
        layout = QVBoxLayout(self)
        layout.addWidget(
            WrappedText(
                "CrossCoach writes an invitation file: where the team meets and the team's "
                "code. Hand it to the person (a USB stick, an e-mail); they open it on the "
                "first start of CrossCoach. Approve them here once they have joined.",
                objectName="hint",
            )
        )
        form = QFormLayout()
        self.name = QLineEdit(placeholderText="Their name, as the team knows them")
        self.name.setAccessibleName("Name")
        self.role = QComboBox()
        self.role.setAccessibleName("Role")
        for role, word in ROLE_WORDS.items():
            self.role.addItem(word, role.value)
        form.addRow("Name", self.name)
        form.addRow("Role", self.role)
        layout.addLayout(form)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        ok = buttons.button(QDialogButtonBox.StandardButton.Ok)
        ok.setText("Write the invitation…")
        set_icon(ok, "export")
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.resize(480, self.sizeHint().height())


class RoleDialog(QDialog):
    def __init__(self, row: Row, parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle(f"{row.name}'s role")
        layout = QVBoxLayout(self)
        layout.addWidget(
            WrappedText(
                f"The role {row.name} has in the team's roster decides what their signed "
                "work may do (only trainers and managers review).",
                objectName="hint",
            )
        )
        form = QFormLayout()
        self.role = QComboBox()
        self.role.setAccessibleName("Role")
        for role, word in ROLE_WORDS.items():
            self.role.addItem(word, role.value)
        self.role.setCurrentIndex(self.role.findData(row.role.value))
        form.addRow("Role", self.role)
        layout.addLayout(form)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Change the role")
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)


class TeamSection(QGroupBox):
    def __init__(self, state: AppState):
        super().__init__("Team roster")
        self.state = state
        self.rows: list[Row] = []
        layout = QVBoxLayout(self)
        self.code_line = WrappedText(objectName="teamCode")
        self.code_line.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(self.code_line)
        self.hint = WrappedText(objectName="hint")
        layout.addWidget(self.hint)

        self.banner = QFrame(objectName="teamBanner")  # the same kind as the recovered-take one
        self.banner.setFrameShape(QFrame.Shape.StyledPanel)
        banner_row = QHBoxLayout(self.banner)
        self.banner_text = WrappedText(objectName="teamBannerText")
        self.ask_button = QPushButton("Ask to join")
        set_icon(self.ask_button, "user")
        self.ask_button.clicked.connect(self.ask_to_join)
        banner_row.addWidget(IconLabel("info", 20), 0, Qt.AlignmentFlag.AlignTop)
        banner_row.addWidget(self.banner_text, 1)
        banner_row.addWidget(self.ask_button, 0, Qt.AlignmentFlag.AlignTop)
        layout.addWidget(self.banner)

        self.table = QTableWidget(0, len(COLUMNS))
        self.table.setHorizontalHeaderLabels(COLUMNS)
        self.table.setAccessibleName("The team's roster")
        self.table.verticalHeader().hide()
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setTabKeyNavigation(False)  # Tab leaves the table for the buttons
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        for column in range(1, len(COLUMNS)):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
        self.table.itemSelectionChanged.connect(self._enable)
        layout.addWidget(self.table)

        buttons = QHBoxLayout()
        self.found_button = QPushButton("Found the team's roster")
        self.invite_button = QPushButton("Invite someone…")
        self.approve_button = QPushButton("Approve")
        self.role_button = QPushButton("Change role…")
        self.revoke_button = QPushButton("Revoke keys…")
        for button, icon in (
            (self.found_button, "key"),
            (self.invite_button, "add"),
            (self.approve_button, "check"),
            (self.role_button, "user"),
            (self.revoke_button, "delete"),
        ):
            set_icon(button, icon)
            buttons.addWidget(button)
        buttons.addStretch(1)
        layout.addLayout(buttons)
        self.found_button.clicked.connect(self.found)
        self.invite_button.clicked.connect(self.invite)
        self.approve_button.clicked.connect(self.approve)
        self.role_button.clicked.connect(self.change_role)
        self.revoke_button.clicked.connect(self.revoke)

        state.profile_changed.connect(lambda _p: self.reload())
        state.keys_changed.connect(self.reload)
        state.sync.on_arrival(self, ("roster", "join_requests", "people"), self.reload)
        self.reload()

    # --- what it shows ------------------------------------------------------------------------

    def reload(self) -> None:
        code, self.rows = roster_rows(self.state)
        profile = self.state.profile
        manager = profile is not None and profile.role is Role.MANAGER
        if code is None:
            self.code_line.setText("Your team has no roster yet.")
            self.hint.setText(
                "Once a manager founds it, only what the people in it sign counts for the "
                "team: nobody can fake a trainer's review, an approval or a reward, even on "
                "a shared folder."
                + (" Found it once, for the whole team, on your own computer." if manager else "")
            )
        else:
            self.code_line.setText(f"Team code: {code}")
            self.hint.setText(
                "Compare the team code in person with your manager's: the same code means the "
                "same team. Only what the people below sign counts for the team."
            )
        self._show_banner(code, profile)
        self.table.setVisible(code is not None)
        self.table.setRowCount(len(self.rows))
        for index, row in enumerate(self.rows):
            mine = profile is not None and row.person_id == profile.id
            name = f"{row.name} (you)" if mine else row.name
            for column, text in enumerate(
                (name, ROLE_WORDS[row.role], row.fingerprint, row.status)
            ):
                item = QTableWidgetItem(text)
                if column == 2:
                    item.setToolTip("The key's fingerprint: read it aloud to compare it")
                self.table.setItem(index, column, item)
        visible = min(max(len(self.rows), 2), 6)
        self.table.setFixedHeight(
            self.table.horizontalHeader().sizeHint().height()
            + visible * self.table.verticalHeader().defaultSectionSize()
            + 2 * self.table.frameWidth()
        )
        self.found_button.setVisible(manager and code is None)
        for button in (self.invite_button, self.approve_button, self.role_button):
            button.setVisible(manager and code is not None)
        self.revoke_button.setVisible(manager and code is not None)
        self._enable()

    def _show_banner(self, code: str | None, profile) -> None:
        """Someone the roster does not know: their work waits until a manager adds them."""
        if (
            code is None
            or profile is None
            or any(r.person_id == profile.id and r.active and not r.request for r in self.rows)
        ):
            self.banner.hide()
            return
        asked = any(r.person_id == profile.id and r.request for r in self.rows)
        if asked:
            self.banner_text.setText(
                f"{profile.name}'s request to join is waiting for a manager. Until they "
                "approve it, your work stays on this computer and waits on the others."
            )
        else:
            self.banner_text.setText(
                f"{profile.name} is not in the team's roster, so your work waits on the other "
                "computers until a manager adds you. Ask to join, then tell your manager."
            )
        self.ask_button.setVisible(not asked)
        self.banner.show()

    def selected(self) -> Row | None:
        rows = self.table.selectionModel().selectedRows()
        return self.rows[rows[0].row()] if rows else None

    def _enable(self) -> None:
        row = self.selected()
        self.approve_button.setEnabled(row is not None and row.request)
        member = row is not None and not row.request and row.active
        self.role_button.setEnabled(member)
        self.revoke_button.setEnabled(member)

    # --- what people do -----------------------------------------------------------------------

    def _change(self, work, done: str) -> bool:
        """Run one roster change as the acting person; tell what it did, then sync."""
        ctx = self.state.ctx
        try:
            with ctx.session() as s:
                work(s, ctx.profile(), ctx.signer())
        except UserError as err:
            show_error(self, err, "Team roster")
            return False
        self.reload()
        self.state.sync.local_change()
        inform(self, done)
        return True

    def found(self) -> None:
        if not confirm(
            self,
            "Found the team's roster with your key?",
            "Do it once, for the whole team. From then on only what the people in the roster "
            "sign counts; you add everyone else.",
        ):
            return
        self._change(
            lambda s, me, keys: roster.found(s, me, keys),
            "The team's roster is founded. Read the team code aloud to your team: they "
            "compare it with the one they see.",
        )

    def invite(self) -> None:
        dialog = InviteDialog(self)
        if run_dialog(dialog) != QDialog.DialogCode.Accepted:
            return
        ctx = self.state.ctx
        try:
            with ctx.session() as s:
                invitation = roster.invite(
                    s, ctx.profile(), ctx.settings.get("remote"), dialog.name.text(),
                    Role(dialog.role.currentData()),
                )  # fmt: skip
        except UserError as err:
            show_error(self, err, "Team roster")
            return
        suggested = "-".join(invitation.name.lower().split()) + ".crosscoach-invite"
        target = ask_save_path(self, "Save the invitation", INVITE_FILTER, suggested)
        if target is None:
            return
        try:
            roster.write_invitation(invitation, target)
        except OSError as exc:
            show_error(
                self,
                UserError(
                    f"CrossCoach could not write the invitation ({exc.strerror}).",
                    "Choose another folder.",
                ),
            )
            return
        inform(
            self,
            f"The invitation for {invitation.name} is in {target}. Hand it over; when "
            f"{invitation.name} has joined, select them here and click Approve.",
        )

    def approve(self) -> None:
        row = self.selected()
        if row is None or not row.request:
            return
        self._change(
            lambda s, me, keys: roster.approve(s, me, keys, row.person_id),
            f"{row.name} is in the team's roster as a {row.role.value}. Their work counts for "
            "the team from the next sync.",
        )

    def change_role(self) -> None:
        row = self.selected()
        if row is None or row.request:
            return
        dialog = RoleDialog(row, self)
        if run_dialog(dialog) != QDialog.DialogCode.Accepted:
            return
        role = Role(dialog.role.currentData())
        self._change(
            lambda s, me, keys: roster.set_role(s, me, keys, row.person_id, role),
            f"{row.name} is a {role.value} in the team's roster now.",
        )

    def revoke(self) -> None:
        row = self.selected()
        if row is None or row.request:
            return
        if not confirm(
            self,
            f"Revoke {row.name}'s keys?",
            "For a lost or stolen laptop: nothing signed with them from now on counts for "
            f"the team. {row.name} gets a new key when a manager sets a new passphrase for them.",
        ):
            return
        clock = self.state.ctx.db.clock
        self._change(
            lambda s, me, keys: roster.revoke(s, me, keys, row.person_id, clock.tick()),
            f"{row.name}'s keys are revoked. The team learns it with the next sync.",
        )

    def ask_to_join(self) -> None:
        self._change(
            lambda s, me, keys: roster.ask_to_join(s, me, keys),
            "Your request to join is on its way. Tell your manager: they approve it in "
            "Settings, under Team roster.",
        )
