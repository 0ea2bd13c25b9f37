"""Screenshots of the team's roster: Settings → Team roster for a manager (members, a
request to join selected), a rep outside the roster (the banner), and the invitation a
new member opens on their first start.

Runs the real windows on an X display of the size to look at, and grabs the screen
with ImageMagick::

    Xvfb :97 -screen 0 1024x640x24 & export DISPLAY=:97
    QT_QPA_PLATFORM=xcb python docs/screenshots/take_team_screenshots.py [OUT_DIR [light|dark] [SUFFIX]]

It writes team-roster, team-ask, team-first-start and team-invitation, each in light and dark (with
SUFFIX, e.g. -1024x640, after the name). Everything lives in a fresh temporary folder
with a shared folder of its own: your own data is never touched.
"""

from __future__ import annotations

import sys
from pathlib import Path

from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QScrollArea
from take_identity_screenshots import run_shots
from take_screenshots import grab, settle  # this folder: run as a script

from app.bootstrap import open_context
from app.core.models import Role
from app.core.profiles import create_profile
from app.identity.keys import Keys
from app.sync import roster
from app.sync.onboarding import connect
from app.sync.service import SyncService
from app.ui.first_start import FirstStartDialog
from app.ui.main_window import MainWindow
from app.ui.state import AppState
from app.ui.sync.invitation import InvitationDialog
from app.ui.sync.team_section import TeamSection


def centre(widget) -> None:
    """In the middle of the screen, at the size the dialog chose for itself."""
    area = QGuiApplication.primaryScreen().availableGeometry()
    frame = widget.frameGeometry()
    frame.moveCenter(area.center())
    widget.move(frame.topLeft())


def computer(root: Path, name: str, scheme: str) -> AppState:
    ctx = open_context(root / name)
    ctx.settings.set("theme", scheme)
    state = AppState(ctx)
    state.apply_theme()
    return state


def sync(state: AppState) -> None:
    ctx = state.ctx
    SyncService(ctx.db, ctx.settings, keys_for=ctx.keys_for).sync()


def show_team(state: AppState) -> MainWindow:
    window = MainWindow(state)
    window.setGeometry(QGuiApplication.primaryScreen().availableGeometry())
    window.show()
    window.show_page("settings")
    page = window.pages["settings"]
    section = page.section(TeamSection)
    settle()
    page.findChild(QScrollArea).verticalScrollBar().setValue(section.y() - 8)
    return window


def shoot(out_dir: Path, scheme: str, root: Path, suffix: str) -> None:
    share = root / f"{scheme}-share"
    share.mkdir()
    remote = f"folder:{share}"
    mia = computer(root, f"{scheme}-mia", scheme)
    with mia.ctx.session() as s:
        me = create_profile(s, "Mia Berg", Role.MANAGER)
    mia.act_as(me, "mias passphrase")
    connect(mia.ctx.settings, remote)
    with mia.ctx.session() as s:
        roster.found(s, me, mia.ctx.signer())
        for name, role in (("Tom Becker", Role.TRAINER), ("Rita Gomes", Role.REP)):
            person = create_profile(s, name, role)
            key = Keys.generate().public_bytes().hex()
            roster.add_member(s, me, mia.ctx.signer(), person.id, name, role, key)
        lost = create_profile(s, "Nora Lind", Role.REP)
        roster.add_member(
            s, me, mia.ctx.signer(), lost.id, "Nora Lind", Role.REP,
            Keys.generate().public_bytes().hex(),
        )  # fmt: skip
        roster.revoke(s, me, mia.ctx.signer(), lost.id, mia.ctx.db.clock.tick())
        invitation = roster.invite(s, me, remote, "Ana Lima", Role.TRAINER)
    sync(mia)

    # Rob made his profile on his own laptop: he is not in the roster and asks to join.
    rob = computer(root, f"{scheme}-rob", scheme)
    connect(rob.ctx.settings, remote)
    sync(rob)
    with rob.ctx.session() as s:
        robs = create_profile(s, "Rob Meyer", Role.REP)
    rob.act_as(robs)
    window = show_team(rob)
    grab(out_dir, f"team-ask-{scheme}{suffix}")
    with rob.ctx.session() as s:
        roster.ask_to_join(s, robs, rob.ctx.signer())
    sync(rob)
    rob.sync.shutdown()
    window.close()

    sync(mia)
    window = show_team(mia)
    section = window.pages["settings"].section(TeamSection)
    for n in range(section.table.rowCount()):
        if section.table.item(n, 0).text() == "Rob Meyer":
            section.table.selectRow(n)
    grab(out_dir, f"team-roster-{scheme}{suffix}")
    mia.sync.shutdown()
    window.close()

    # Ana opens her invitation on her first start.
    ana = computer(root, f"{scheme}-ana", scheme)
    first = FirstStartDialog(ana)
    first.show()
    centre(first)
    grab(out_dir, f"team-first-start-{scheme}{suffix}")
    dialog = InvitationDialog(ana, invitation, first)
    dialog.show()
    centre(dialog)
    settle()
    dialog.secret.secret.setText("anas")
    dialog.secret.again.setText("anas")
    dialog.join()  # too short: said under the fields, nothing starts
    grab(out_dir, f"team-invitation-{scheme}{suffix}")
    dialog.reject()
    first.close()
    for state in (mia, rob, ana):
        state.ctx.close()


if __name__ == "__main__":
    sys.exit(run_shots(shoot, sys.argv[1:]))
