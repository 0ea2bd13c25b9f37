"""The team's roster in the desktop app, through its real windows: a manager founds it in
Settings, writes an invitation, and approves the new member, who joined by opening the
invitation on their first start; a rep outside the roster asks to join; a manager
changes a role, revokes a lost laptop's key, and a reset passphrase moves the roster to
the new key. Two data folders (two computers) meet through a real shared folder."""

from __future__ import annotations

import dataclasses
import json

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QDialog
from test_ui_identity import answer_modal, type_and_enter

from app.bootstrap import open_context
from app.core.models import JoinRequest, Role, RosterEntry
from app.core.profiles import create_profile, list_profiles
from app.identity.keys import Keys
from app.sync import roster
from app.sync.onboarding import connect
from app.sync.service import SyncService
from app.ui import file_dialogs
from app.ui.first_start import FirstStartDialog
from app.ui.main_window import MainWindow
from app.ui.state import AppState
from app.ui.sync import team_section
from app.ui.sync.team_section import TeamSection

MIA = "mia's long passphrase"
ANA = "ana's own passphrase"
WAIT_MS = 60_000  # a shared, busy machine: generous, never asserted as a time


@pytest.fixture
def told(monkeypatch):
    """What the section tells (instead of a message box), and every question answered Yes."""
    said = []
    monkeypatch.setattr(team_section, "inform", lambda _parent, text: said.append(text))
    monkeypatch.setattr(team_section, "confirm", lambda _parent, question, _hint: True)
    return said


@pytest.fixture
def computers(tmp_path, qapp):
    """``computer("mia")``: a data folder of its own and its app state; all closed after."""
    opened: list[AppState] = []

    def computer(name: str) -> AppState:
        state = AppState(open_context(tmp_path / name))
        state.apply_theme()
        opened.append(state)
        return state

    yield computer
    for state in opened:
        state.sync.shutdown()
        state.ctx.close()


@pytest.fixture
def share(tmp_path):
    folder = tmp_path / "share"
    folder.mkdir()
    return f"folder:{folder}"


def person(state: AppState, name: str, role: str, secret: str | None, remote: str | None):
    """Someone who made their profile on this computer and acts as themself."""
    with state.ctx.session() as s:
        me = create_profile(s, name, Role(role))
    state.act_as(me, secret)
    if remote:
        connect(state.ctx.settings, remote)
    return me


def sync(state: AppState) -> None:
    """What the app's sync runs (and signs with the acting person's key)."""
    ctx = state.ctx
    SyncService(ctx.db, ctx.settings, keys_for=ctx.keys_for).sync()


def settings_team(state: AppState, qtbot, size=(1024, 640)) -> tuple[MainWindow, TeamSection]:
    window = MainWindow(state)
    qtbot.addWidget(window)
    window.resize(*size)
    window.show()
    window.show_page("settings")
    section = window.pages["settings"].section(TeamSection)
    return window, section


def table(section: TeamSection) -> dict[str, tuple[str, str]]:
    """Name -> (role, status), as the table shows them."""
    rows = {}
    for n in range(section.table.rowCount()):
        cells = [section.table.item(n, c).text() for c in range(section.table.columnCount())]
        rows[cells[0]] = (cells[1], cells[3])
    return rows


def select(qtbot, section: TeamSection, name: str) -> None:
    for n in range(section.table.rowCount()):
        if section.table.item(n, 0).text() == name:
            section.table.selectRow(n)
            return
    raise AssertionError(f"{name} is not in the table: {table(section)}")


def click(qtbot, button) -> None:
    assert button.isVisible() and button.isEnabled(), button.text()
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)


def test_found_invite_join_with_the_invitation_and_approve(
    computers, share, qtbot, told, monkeypatch, tmp_path
):
    mia = computers("mia")
    person(mia, "Mia", "manager", MIA, share)
    _w, section = settings_team(mia, qtbot)
    assert section.code_line.text() == "Your team has no roster yet."
    assert not section.table.isVisible()
    assert not section.invite_button.isVisible()

    click(qtbot, section.found_button)
    with mia.ctx.db.session() as s:
        code = roster.team_code(s)
    assert code and section.code_line.text() == f"Team code: {code}"
    assert table(section) == {"Mia (you)": ("Manager", "In the team")}
    assert not section.found_button.isVisible()
    assert "founded" in told[-1]

    invitation = tmp_path / "stick" / "ana-silva.crosscoach-invite"
    invitation.parent.mkdir()
    monkeypatch.setattr(team_section, "ask_save_path", lambda *_a: invitation)

    def fill(dialog):
        type_and_enter(qtbot, dialog.name, "Ana Silva")  # Enter: the default button

    answer_modal(qtbot, fill)
    click(qtbot, section.invite_button)
    qtbot.waitUntil(invitation.exists, timeout=WAIT_MS)
    assert json.loads(invitation.read_text())["name"] == "Ana Silva"
    assert f"The invitation for Ana Silva is in {invitation}" in told[-1]
    sync(mia)

    # Ana's first start: she opens the invitation, compares the code, and joins.
    ana = computers("ana")
    first = FirstStartDialog(ana)
    qtbot.addWidget(first)
    first.show()
    qtbot.waitExposed(first)
    monkeypatch.setattr(file_dialogs, "ask_open_path", lambda *_a: invitation)
    click(qtbot, first.invitation_button)
    dialog = first.invitation_dialog
    assert dialog.isVisible()
    assert dialog.code.text() == f"Team code: {code}"  # what she compares with Mia's
    assert dialog.form.spec() == share
    assert not dialog.secret.asks  # a rep chooses no passphrase to join (a PIN later)
    click(qtbot, dialog.join_button)
    qtbot.waitUntil(lambda: first.result() == QDialog.DialogCode.Accepted, timeout=WAIT_MS)
    assert ana.profile is not None and ana.profile.name == "Ana Silva"
    assert ana.ctx.settings.get("remote") == share
    with ana.ctx.db.session() as s:
        assert roster.team_code(s) == code
        assert [r.name for r in s.query(JoinRequest)] == ["Ana Silva"]
    qtbot.waitUntil(lambda: not ana.sync.running, timeout=WAIT_MS)
    sync(ana)  # sure to have sent it, whatever the background sync had done

    # Mia sees Ana asking, and approves her.
    sync(mia)
    section.reload()
    assert table(section)["Ana Silva"] == ("Rep", "Asks to join")
    assert not section.approve_button.isEnabled()  # nothing selected yet
    select(qtbot, section, "Ana Silva")
    assert not section.revoke_button.isEnabled()  # a request is approved, not revoked
    click(qtbot, section.approve_button)
    assert table(section)["Ana Silva"] == ("Rep", "In the team")
    assert "Ana Silva is in the team's roster" in told[-1]
    sync(mia)
    sync(ana)

    _aw, ana_section = settings_team(ana, qtbot)
    assert ana_section.code_line.text() == f"Team code: {code}"
    assert table(ana_section) == {
        "Ana Silva (you)": ("Rep", "In the team"),
        "Mia": ("Manager", "In the team"),
    }
    assert not ana_section.banner.isVisible()
    for button in (ana_section.invite_button, ana_section.approve_button,
                   ana_section.revoke_button, ana_section.found_button):  # fmt: skip
        assert not button.isVisible()  # a rep manages nobody


def test_a_rep_outside_the_roster_asks_to_join(computers, share, qtbot, told):
    mia = computers("mia")
    person(mia, "Mia", "manager", MIA, share)
    with mia.ctx.session() as s:
        roster.found(s, mia.profile, mia.ctx.signer())
    sync(mia)

    rob = computers("rob")
    connect(rob.ctx.settings, share)
    sync(rob)  # the team's people and roster arrive
    with rob.ctx.session() as s:
        me = create_profile(s, "Rob", Role.REP)
    rob.act_as(me)
    _w, section = settings_team(rob, qtbot)
    assert section.banner.isVisible()
    assert "Rob is not in the team's roster" in section.banner_text.text()
    click(qtbot, section.ask_button)
    assert "request to join is waiting for a manager" in section.banner_text.text()
    assert not section.ask_button.isVisible()
    sync(rob)
    sync(mia)
    with mia.ctx.db.session() as s:
        assert [r.name for r in roster.waiting_requests(s)] == ["Rob"]


def test_a_manager_changes_a_role_and_revokes_a_lost_laptop(computers, share, qtbot, told):
    mia = computers("mia")
    person(mia, "Mia", "manager", MIA, share)
    with mia.ctx.session() as s:
        roster.found(s, mia.profile, mia.ctx.signer())
        tom = create_profile(s, "Tom", Role.REP)
        roster.add_member(s, mia.profile, mia.ctx.signer(), tom.id, "Tom", Role.REP, "ab" * 32)
    _w, section = settings_team(mia, qtbot)
    assert table(section)["Tom"] == ("Rep", "In the team")

    select(qtbot, section, "Tom")

    def promote(dialog):
        dialog.role.setCurrentIndex(dialog.role.findData("trainer"))
        dialog.accept()

    answer_modal(qtbot, promote)
    click(qtbot, section.role_button)
    assert table(section)["Tom"] == ("Trainer", "In the team")

    select(qtbot, section, "Tom")
    click(qtbot, section.revoke_button)
    assert table(section)["Tom"] == ("Trainer", "Key revoked")
    assert "Tom's keys are revoked" in told[-1]
    select(qtbot, section, "Tom")
    assert not section.revoke_button.isEnabled() and not section.role_button.isEnabled()
    with mia.ctx.db.session() as s:
        [entry] = s.query(RosterEntry).filter_by(person_id=tom.id)
        assert entry.revoked_at and entry.role is Role.TRAINER


def test_a_reset_passphrase_moves_the_roster_to_the_new_key(computers, share, qtbot, monkeypatch):
    from app.identity import vault
    from app.ui.identity import settings_section
    from app.ui.identity.settings_section import IdentitySection

    said = []
    monkeypatch.setattr(settings_section, "inform", lambda _parent, text: said.append(text))
    mia = computers("mia")
    with mia.ctx.session() as s:
        tom = create_profile(s, "Tom", Role.TRAINER)
    mia.ctx.confirm(tom, "toms first passphrase")  # Tom's key, made on this computer
    old = vault.public_key(mia.ctx.paths, tom.id).hex()
    person(mia, "Mia", "manager", MIA, share)
    with mia.ctx.session() as s:
        roster.found(s, mia.profile, mia.ctx.signer())
        roster.add_member(s, mia.profile, mia.ctx.signer(), tom.id, "Tom", Role.TRAINER, old)
    window, _ = settings_team(mia, qtbot)
    identity = window.pages["settings"].section(IdentitySection)

    def reset(dialog):
        dialog.person.setCurrentIndex(dialog.person.findText("Tom", Qt.MatchFlag.MatchStartsWith))
        dialog.mine.setText(MIA)
        dialog.new.setText("tom starts over")
        dialog.again.setText("tom starts over")
        qtbot.keyClick(dialog.again, Qt.Key.Key_Return)

    answer_modal(qtbot, reset)
    click(qtbot, identity.reset_button)
    new = vault.public_key(mia.ctx.paths, tom.id).hex()
    assert new != old
    assert "The team's roster trusts the new key from now on" in said[-1]
    with mia.ctx.db.session() as s:
        keys = {
            e.public_key: e.revoked_at for e in s.query(RosterEntry).filter_by(person_id=tom.id)
        }
    assert keys[old] is not None and keys[new] is None


def _people(state: AppState):
    with state.ctx.db.session() as s:
        return list_profiles(s)


def test_a_damaged_invitation_or_a_missing_folder_makes_nobody(
    computers, share, qtbot, monkeypatch, shown_errors, tmp_path
):
    ana = computers("ana")
    first = FirstStartDialog(ana)
    qtbot.addWidget(first)
    first.show()
    damaged = tmp_path / "ana.crosscoach-invite"
    damaged.write_text('{"format": "crosscoach-invitation", "remote": ')
    monkeypatch.setattr(file_dialogs, "ask_open_path", lambda *_a: damaged)
    click(qtbot, first.invitation_button)
    assert shown_errors[-1][0].endswith("is not a CrossCoach invitation, or it is damaged.")
    assert first.invitation_dialog is None

    # A good invitation to a folder this computer cannot reach (the drive is not there).
    mia = computers("mia")
    person(mia, "Mia", "manager", MIA, share)
    with mia.ctx.session() as s:
        roster.found(s, mia.profile, mia.ctx.signer())
        invitation = roster.invite(s, mia.profile, share, "Ana", Role.TRAINER)
    gone = dataclasses.replace(invitation, remote=f"folder:{tmp_path / 'no-such-drive'}")
    path = roster.write_invitation(gone, tmp_path / "gone.crosscoach-invite")
    monkeypatch.setattr(file_dialogs, "ask_open_path", lambda *_a: path)
    click(qtbot, first.invitation_button)
    dialog = first.invitation_dialog
    assert dialog.secret.asks  # a trainer chooses a passphrase
    click(qtbot, dialog.join_button)
    assert "passphrase" in dialog.secret.error.text()  # none chosen: nothing starts
    dialog.secret.secret.setText(ANA)
    dialog.secret.again.setText(ANA)
    click(qtbot, dialog.join_button)
    qtbot.waitUntil(lambda: len(shown_errors) == 2, timeout=WAIT_MS)
    assert "shared folder" in shown_errors[-1][0]
    assert _people(ana) == []  # nobody was made
    with ana.ctx.db.session() as s:
        assert roster.pinned_root(s) is None  # another invitation may still come
    assert dialog.isVisible() and first.isVisible()


def test_a_manager_approves_with_the_keyboard_alone(computers, share, qtbot, told):
    mia = computers("mia")
    me = person(mia, "Mia", "manager", MIA, share)
    with mia.ctx.session() as s:
        roster.found(s, me, mia.ctx.signer())
        rob = create_profile(s, "Rob", Role.REP)
    rob_keys = Keys.generate()
    with mia.ctx.db.session() as s:  # Rob's request, as it arrives from his laptop
        s.add(JoinRequest(id=f"request-{rob.id}", person_id=rob.id, name="Rob", role=Role.REP,
                          public_key=rob_keys.public_bytes().hex(), author_id=rob.id))  # fmt: skip
    window, section = settings_team(mia, qtbot)
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)
    section.table.setFocus()
    qtbot.keyClick(section.table, Qt.Key.Key_Home)
    while section.selected() is None or section.selected().name != "Rob":
        qtbot.keyClick(section.table, Qt.Key.Key_Down)
    assert section.approve_button.isEnabled()
    qtbot.keyClick(section.table, Qt.Key.Key_Tab)
    assert QApplication.focusWidget() is section.invite_button
    qtbot.keyClick(section.invite_button, Qt.Key.Key_Tab)
    assert QApplication.focusWidget() is section.approve_button
    qtbot.keyClick(section.approve_button, Qt.Key.Key_Space)
    assert table(section)["Rob"] == ("Rep", "In the team")
    assert section.table.accessibleName() == "The team's roster"
