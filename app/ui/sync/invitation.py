"""Joining the team with the invitation file a manager handed over (the first start).

The same steps as ``crosscoach team join`` (app.sync.onboarding.accept_invitation):
this computer trusts the invitation's team code, joins the shared folder, makes the
invited person's profile; then the person gets their key (choosing a passphrase if
they are a trainer or manager) and asks a manager to add it to the roster.
"""

from __future__ import annotations

from PySide6.QtWidgets import QDialog, QLabel, QVBoxLayout, QWidget

from app.core.errors import UserError
from app.core.profiles import Profile
from app.identity.acting import Need, Step, secret_word
from app.sync.onboarding import accept_invitation, ask_to_join_after
from app.sync.roster import Invitation
from app.sync.signing import short
from app.ui.errors import show_error
from app.ui.identity.secret_form import SecretForm
from app.ui.state import AppState
from app.ui.sync.forms import RemoteForm, WrappedText
from app.ui.sync.join import join_buttons
from app.ui.tasks import BackgroundTask

ROLE_WORDS = {"rep": "a rep", "trainer": "a trainer", "manager": "a manager"}
INVITE_FILTER = "CrossCoach invitations (*.crosscoach-invite);;All files (*)"


class InvitationDialog(QDialog):
    """Who is invited, the team code to compare, where the team meets (the folder may be
    somewhere else on this computer), and a passphrase to choose; ``joined`` afterwards."""

    def __init__(self, state: AppState, invitation: Invitation, parent: QWidget | None = None):
        super().__init__(parent)
        self.state = state
        self.invitation = invitation
        self.joined: Profile | None = None
        self.setWindowTitle("Join your team")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(20, 16, 20, 16)
        by = f"{invitation.invited_by} invites you" if invitation.invited_by else "You are invited"
        layout.addWidget(
            QLabel(
                f"{by} as {invitation.name}, {ROLE_WORDS[invitation.role.value]}.",
                objectName="sectionTitle",
                wordWrap=True,
            )
        )
        self.code = QLabel(f"Team code: {short(invitation.root)}", objectName="teamCode")
        layout.addWidget(self.code)
        layout.addWidget(
            WrappedText(
                "Compare this code with the one your manager sees, in person or on the phone: "
                "the same code means the invitation really comes from your team.",
                objectName="hint",
            )
        )
        self.form = RemoteForm(allow_none=False, joining=True)
        self.form.load(invitation.remote)
        layout.addWidget(self.form)
        layout.addWidget(
            WrappedText(
                "The shared folder, as it was on your manager's computer: change it if the "
                "drive has another name or letter here.",
                objectName="hint",
            )
        )
        person = Profile(invitation.person_id, invitation.name, invitation.role, None)
        step = Step.SET if invitation.role.reviews else Step.NOTHING
        self.secret = SecretForm(Need(person, step, secret_word(invitation.role)))
        layout.addWidget(self.secret)
        self.buttons, self.join_button = join_buttons(self)
        layout.addWidget(self.buttons)
        self.resize(560, self.sizeHint().height())
        self.secret.focus()

    def join(self) -> None:
        secret = self.secret.value()
        if self.secret.asks and secret is None:
            return  # the reason is shown under the field
        try:
            spec = self.form.spec()
        except UserError as err:
            show_error(self, err, "Join your team")
            return
        ctx = self.state.ctx
        self.buttons.setEnabled(False)
        task = BackgroundTask(
            self,
            "Joining your team…",
            lambda: accept_invitation(ctx, self.invitation, spec),
            lambda me: self._joined(me, secret),
        )
        task.done.connect(lambda: self.buttons.setEnabled(True))

    def _joined(self, me: Profile, secret: str | None) -> None:
        try:
            self.state.act_as(me, secret)  # their key, kept with the passphrase just chosen
            ask_to_join_after(self.state.ctx, me)
        except UserError as err:
            show_error(self, err, "Join your team")
            return
        self.joined = me
        self.state.sync.remote_changed()
        self.state.sync.sync_now()
        self.accept()
