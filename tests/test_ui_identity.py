"""Protected profiles in the desktop app, through its real windows: switching to a
trainer asks for the passphrase (and a wrong one opens nothing), the app asks once at
its start, locks after the idle time (never during a recording), and the lock screen
takes the passphrase again or lets someone else switch in."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QApplication, QDialog

from app.identity import vault
from app.ui.first_start import FirstStartDialog
from app.ui.identity.act_as import ActAsDialog
from app.ui.identity.keys import ChangeSecretDialog
from app.ui.identity.lock import LockScreen
from app.ui.launch import open_main_window
from app.ui.main_window import MainWindow
from app.ui.pages.settings import ProfileSection
from app.ui.state import AppState

PASS = "toms own passphrase"
WAIT_MS = 20_000  # generous for a busy machine; never asserted as a time


@pytest.fixture
def state(ctx, qapp):
    s = AppState(ctx)
    s.apply_theme()
    return s


@pytest.fixture
def office(state, make_profile):
    """A shared computer: Tom (trainer, his passphrase chosen) and Rita (rep, no PIN)."""
    tom = make_profile("Tom", "trainer")
    state.ctx.confirm(tom, PASS)
    rita = make_profile("Rita", "rep")
    return tom, rita


@pytest.fixture
def window(state, qtbot):
    def make() -> MainWindow:
        w = MainWindow(state)
        qtbot.addWidget(w)
        w.show()
        return w

    return make


def answer_modal(qtbot, steps):
    """Run ``steps(dialog)`` on the modal dialog that the next action opens."""
    seen = {}

    def run():
        dialog = QApplication.activeModalWidget()
        seen["dialog"] = dialog
        try:
            steps(dialog)
        finally:
            if isinstance(dialog, QDialog) and dialog.isVisible():
                dialog.reject()

    QTimer.singleShot(0, run)
    return seen


def type_and_enter(qtbot, field, text: str) -> None:
    field.clear()
    qtbot.keyClicks(field, text)
    qtbot.keyClick(field, Qt.Key.Key_Return)


def test_a_rep_cannot_switch_to_the_trainer_without_the_passphrase(state, office, window, qtbot):
    tom, rita = office
    state.act_as(rita)
    w = window()
    w.show_page("settings")
    section = w.pages["settings"].section(ProfileSection)
    section.choice.setCurrentIndex(section.choice.findText("Tom", Qt.MatchFlag.MatchStartsWith))
    said = {}

    def wrong_then_cancel(dialog):
        assert isinstance(dialog, ActAsDialog)
        said["question"] = dialog.question.text()
        assert dialog.focusWidget() is dialog.form.secret  # ready to type
        type_and_enter(qtbot, dialog.form.secret, "ritas guess")
        said["error"] = dialog.form.error.text()
        said["cleared"] = dialog.form.secret.text() == ""
        said["still_open"] = dialog.isVisible()
        qtbot.keyClick(dialog, Qt.Key.Key_Escape)

    seen = answer_modal(qtbot, wrong_then_cancel)
    qtbot.mouseClick(section.switch_button, Qt.MouseButton.LeftButton)
    assert isinstance(seen["dialog"], ActAsDialog)
    assert said["question"] == "Type Tom's passphrase to continue as Tom."
    assert said["error"] == (
        "That is not Tom's passphrase. Type it again. A forgotten passphrase can be replaced "
        "by a manager."
    )
    assert said["cleared"] and said["still_open"]
    # Refused: still Rita, and the trainer's pages never opened.
    assert state.profile.name == "Rita" and state.ctx.signer() is not None
    assert "review" not in w.visible_pages() and "review" not in w.pages
    assert section.choice.currentText().startswith("Rita")
    assert "Rita · rep" in w.profile_label.text()

    answer_modal(qtbot, lambda d: type_and_enter(qtbot, d.form.secret, PASS))
    section.choice.setCurrentIndex(section.choice.findText("Tom", Qt.MatchFlag.MatchStartsWith))
    qtbot.mouseClick(section.switch_button, Qt.MouseButton.LeftButton)
    assert state.profile.name == "Tom" and "review" in w.visible_pages()
    assert state.ctx.signer().fingerprint() == vault.fingerprint(state.ctx.paths, tom.id)


def test_continue_as_on_the_first_start_asks_the_trainers_passphrase(state, office, qtbot):
    dialog = FirstStartDialog(state)
    qtbot.addWidget(dialog)
    rows = [dialog.existing.item(i).text() for i in range(dialog.existing.count())]
    dialog.existing.setCurrentRow(rows.index("Tom (trainer)"))
    answer_modal(qtbot, lambda d: type_and_enter(qtbot, d.form.secret, "not it"))
    qtbot.mouseClick(dialog.use_existing, Qt.MouseButton.LeftButton)
    assert dialog.result() != QDialog.DialogCode.Accepted and state.profile is None
    answer_modal(qtbot, lambda d: type_and_enter(qtbot, d.form.secret, PASS))
    qtbot.mouseClick(dialog.use_existing, Qt.MouseButton.LeftButton)
    assert dialog.result() == QDialog.DialogCode.Accepted and state.profile.name == "Tom"


def test_the_app_asks_the_remembered_trainer_once_when_it_starts(state, office, qtbot):
    tom, _rita = office
    state.ctx.lock()  # a new session: nothing unlocked yet
    state.ctx.use_profile(tom)
    said = {}

    def welcome_back(dialog):
        said["title"] = dialog.windowTitle()
        said["someone_else"] = dialog.someone_else is not None
        type_and_enter(qtbot, dialog.form.secret, "wrong words")
        said["error"] = dialog.form.error.text()
        type_and_enter(qtbot, dialog.form.secret, PASS)

    answer_modal(qtbot, welcome_back)
    w = open_main_window(state)
    assert w is not None
    qtbot.addWidget(w)
    assert said == {
        "title": "Welcome back",
        "someone_else": True,
        "error": "That is not Tom's passphrase. Type it again. A forgotten passphrase can be "
        "replaced by a manager.",
    }
    assert state.ctx.confirmed(tom) and "review" in w.visible_pages()


def test_someone_else_at_the_start_picks_their_own_profile(state, office, qtbot):
    tom, _rita = office
    state.ctx.lock()
    state.ctx.use_profile(tom)

    def pick_rita():
        first = QApplication.activeModalWidget()
        assert isinstance(first, FirstStartDialog)
        rows = [first.existing.item(i).text() for i in range(first.existing.count())]
        first.existing.setCurrentRow(rows.index("Rita (rep)"))
        qtbot.keyClick(first.existing, Qt.Key.Key_Return)  # a rep without a PIN: straight in

    def someone_else(dialog):
        QTimer.singleShot(0, pick_rita)
        dialog.someone_else.click()

    answer_modal(qtbot, someone_else)
    w = open_main_window(state)
    qtbot.addWidget(w)
    assert state.profile.name == "Rita" and "review" not in w.visible_pages()


def test_closing_the_start_question_opens_nothing(state, office, qtbot):
    tom, _rita = office
    state.ctx.lock()
    state.ctx.use_profile(tom)
    answer_modal(qtbot, lambda d: qtbot.keyClick(d, Qt.Key.Key_Escape))
    assert open_main_window(state) is None
    assert not state.ctx.confirmed(tom)


def lock_soon(state, w, minutes: float = 0.002) -> None:
    """The lock after ``minutes`` (0.002: about 120 ms), counted from now."""
    state.ctx.settings.set("lock_after_minutes", minutes)
    w.idle_lock.restart()


def test_the_app_locks_when_idle_and_the_same_passphrase_unlocks_it(state, office, window, qtbot):
    tom, _rita = office
    state.act_as(tom, PASS)
    w = window()
    profile_changes = []
    state.profile_changed.connect(profile_changes.append)
    lock_soon(state, w)
    qtbot.waitUntil(lambda: w.locked, timeout=WAIT_MS)
    screen = w.lock_screen
    assert isinstance(screen, LockScreen) and screen.isVisible() and screen.isModal()
    assert screen.geometry() == w.geometry()  # over the window
    assert w.body.currentWidget() is w.locked_body  # nothing of the pages shows
    assert not w.menuBar().isVisible() and not w.statusBar().isVisible()
    assert state.ctx.signer() is None  # the keys are forgotten while locked
    assert "Tom (trainer) was away for a while." in screen.who.text()
    assert screen.focusWidget() is screen.form.secret

    qtbot.keyClick(screen, Qt.Key.Key_Escape)  # Esc does not get past the lock
    assert w.locked and screen.isVisible()
    type_and_enter(qtbot, screen.form.secret, "a wrong one")
    assert w.locked and "That is not Tom's passphrase." in screen.form.error.text()
    type_and_enter(qtbot, screen.form.secret, PASS)
    qtbot.waitUntil(lambda: not w.locked, timeout=WAIT_MS)
    assert state.profile.name == "Tom" and state.ctx.signer() is not None
    assert w.body.currentIndex() == 0 and w.menuBar().isVisible()
    assert profile_changes == []  # the same person: no page reloaded


def test_no_lock_when_the_setting_says_never_or_for_a_rep_without_a_pin(
    state, office, window, qtbot
):
    tom, rita = office
    state.act_as(tom, PASS)
    w = window()
    lock_soon(state, w, 0)
    qtbot.wait(300)
    assert not w.locked
    state.act_as(rita)
    lock_soon(state, w)
    qtbot.wait(300)
    assert not w.locked and not w.idle_lock.waiting_for_recording


def test_someone_else_switches_in_from_the_lock_screen(state, office, window, qtbot):
    tom, rita = office
    state.act_as(tom, PASS)
    w = window()
    w.show_page("review")
    tom_form = ChangeSecretDialog(state, w)  # Tom left a form open
    tom_form.show()
    lock_soon(state, w)
    qtbot.waitUntil(lambda: w.locked, timeout=WAIT_MS)
    covers = tom_form.findChildren(type(w._covers[0])) if w._covers else []
    assert covers and covers[0].isVisible()  # its content is hidden too
    screen = w.lock_screen
    screen.others.setCurrentIndex(screen.others.findText("Rita", Qt.MatchFlag.MatchStartsWith))
    qtbot.mouseClick(screen.switch_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not w.locked, timeout=WAIT_MS)
    assert state.profile.name == "Rita"
    assert "review" not in w.visible_pages() and w.current_page() == "practice"
    assert not tom_form.isVisible()  # Tom's form went with Tom


def test_switching_from_the_lock_to_another_trainer_asks_their_passphrase(
    state, office, window, qtbot, make_profile
):
    tom, _rita = office
    tina = make_profile("Tina", "trainer")
    state.ctx.confirm(tina, "tinas passphrase")
    state.act_as(tom, PASS)
    w = window()
    lock_soon(state, w)
    qtbot.waitUntil(lambda: w.locked, timeout=WAIT_MS)
    screen = w.lock_screen
    screen.others.setCurrentIndex(screen.others.findText("Tina", Qt.MatchFlag.MatchStartsWith))
    answer_modal(qtbot, lambda d: type_and_enter(qtbot, d.form.secret, PASS))  # Tom's: no
    qtbot.mouseClick(screen.switch_button, Qt.MouseButton.LeftButton)
    assert w.locked and state.profile.name == "Tom"
    answer_modal(qtbot, lambda d: type_and_enter(qtbot, d.form.secret, "tinas passphrase"))
    qtbot.mouseClick(screen.switch_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not w.locked, timeout=WAIT_MS)
    assert state.profile.name == "Tina"


@pytest.mark.slow
def test_a_recording_is_never_interrupted_by_the_lock(
    state, make_profile, window, qtbot, monkeypatch
):
    from sqlalchemy import select

    from app.core.models import Take
    from app.scenarios.library import get_scenario
    from app.ui.practice import dialogs

    problems = []
    monkeypatch.setattr(dialogs, "report_error", lambda _parent, err: problems.append(err))
    monkeypatch.setenv("CROSSCOACH_SOURCE", "test")
    rita = make_profile("Rita", "rep")
    state.ctx.confirm(rita, "2468")  # a rep with a PIN: the app locks for her too
    state.act_as(rita, "2468")
    w = window()
    w.activateWindow()
    qtbot.waitUntil(w.isActiveWindow)
    page = w.pages["practice"]
    with state.ctx.session() as s:
        scenario = get_scenario(s, "hotel-breakfast", state.ctx.paths.media).id
    # Rita opens the scenario, starts, skips the prep: the recording runs.
    page.open_scenario(scenario)
    qtbot.mouseClick(page.player.start_button, Qt.MouseButton.LeftButton)
    assert page.player.phase == "prep"
    qtbot.keyClick(page.player, Qt.Key.Key_Space)
    qtbot.waitUntil(
        lambda: page.stack.currentWidget() is page.recording or bool(problems), timeout=WAIT_MS
    )
    assert problems == []
    qtbot.waitUntil(page.busy, timeout=WAIT_MS)
    lock_soon(state, w)
    qtbot.waitUntil(lambda: w.idle_lock.waiting_for_recording, timeout=WAIT_MS)
    # Well past the idle time (and past one second: a shorter take is not kept).
    qtbot.waitUntil(lambda: page.recording.recorded >= 1.5, timeout=WAIT_MS)
    assert not w.locked and page.busy() and w.idle_lock.waiting_for_recording
    page.controller.stop()  # as when the time limit ends it: no key is pressed
    qtbot.waitUntil(lambda: w.locked, timeout=WAIT_MS)
    assert not page.busy() and problems == []
    with state.ctx.session() as s:
        (take,) = s.scalars(select(Take)).all()
    assert take.duration_seconds >= 1.4  # the recording was kept whole
    type_and_enter(qtbot, w.lock_screen.form.secret, "2468")
    qtbot.waitUntil(lambda: not w.locked, timeout=WAIT_MS)
    assert page.stack.currentWidget() is page.replay
    page.controller.shutdown()


# --- the new-profile form and Settings → Passphrase and key ---------------------------------


@pytest.fixture
def settings_section(state, window):
    from app.ui.identity.settings_section import IdentitySection

    def open_it():
        w = window()
        w.show_page("settings")
        return w, w.pages["settings"].section(IdentitySection)

    return open_it


@pytest.fixture
def told(monkeypatch):
    from app.ui.identity import settings_section

    said = []
    monkeypatch.setattr(settings_section, "inform", lambda _parent, text: said.append(text))
    return said


def test_changing_the_passphrase_in_settings_keeps_the_key(state, office, settings_section, qtbot):
    tom, _rita = office
    state.act_as(tom, PASS)
    _w, section = settings_section()
    fingerprint = vault.fingerprint(state.ctx.paths, tom.id)
    assert fingerprint in section.key_line.text()
    assert section.change_button.text() == "Change passphrase…"
    assert not section.reset_button.isVisible()  # a trainer resets nobody

    def change(dialog):
        type_and_enter(qtbot, dialog.current, "not my passphrase")
        assert "not Tom's current passphrase" in dialog.error.text()
        dialog.current.setText(PASS)
        dialog.new.setText("a newer passphrase")
        dialog.again.setText("a newer passphrase")
        qtbot.keyClick(dialog.again, Qt.Key.Key_Return)

    answer_modal(qtbot, change)
    qtbot.mouseClick(section.change_button, Qt.MouseButton.LeftButton)
    assert vault.unlock(state.ctx.paths, tom.id, "a newer passphrase").fingerprint() == fingerprint


def test_export_in_settings_and_import_on_another_computer(
    state, office, settings_section, qtbot, tmp_path, told
):
    from app.bootstrap import open_context
    from app.ui.identity.keys import ImportKeyDialog

    tom, _rita = office
    state.act_as(tom, PASS)
    _w, section = settings_section()
    target = tmp_path / "stick" / "tom.crosscoach-key"

    def export(dialog):
        qtbot.keyClicks(dialog.file.path, str(target))
        qtbot.keyClicks(dialog.secret, PASS)
        qtbot.keyClick(dialog.secret, Qt.Key.Key_Return)

    answer_modal(qtbot, export)
    qtbot.mouseClick(section.export_button, Qt.MouseButton.LeftButton)
    assert told == [f"Your key is in {target}."] and target.is_file()

    # Another computer with Tom's profile (it came by sync) but not his key.
    other = open_context(tmp_path / "laptop")
    try:
        from app.core.models import Person

        with state.ctx.db.session() as s, other.db.session() as t:
            t.info["applying_remote"] = True
            row = s.get(Person, tom.id)
            t.merge(
                Person(
                    id=row.id,
                    name=row.name,
                    role=row.role,
                    device_id=row.device_id,
                    created_at=row.created_at,
                    updated_at=row.updated_at,
                    version=row.version,
                    edited_by=row.edited_by,
                )
            )
        laptop = AppState(other)
        dialog = ImportKeyDialog(laptop, expected=tom)
        qtbot.addWidget(dialog)
        dialog.show()
        dialog.activateWindow()
        qtbot.waitUntil(dialog.isActiveWindow)
        qtbot.keyClicks(dialog.file.path, str(target))
        qtbot.keyClicks(dialog.secret, "a wrong passphrase")
        qtbot.keyClick(dialog.secret, Qt.Key.Key_Return)
        assert "That is not the passphrase of this key file." in dialog.error.text()
        assert dialog.focusWidget() is dialog.secret
        dialog.secret.setText(PASS)
        qtbot.keyClick(dialog.secret, Qt.Key.Key_Return)
        assert dialog.result() == QDialog.DialogCode.Accepted
        assert vault.fingerprint(other.paths, tom.id) == vault.fingerprint(state.ctx.paths, tom.id)
    finally:
        other.close()


def test_a_manager_sets_a_new_passphrase_for_a_trainer_who_forgot(
    state, office, make_profile, settings_section, qtbot, told
):
    tom, _rita = office
    mia = make_profile("Mia", "manager")
    state.ctx.confirm(mia, "mias passphrase")
    state.act_as(mia, "mias passphrase")
    before = vault.fingerprint(state.ctx.paths, tom.id)
    _w, section = settings_section()
    assert section.reset_button.isVisible()

    def reset(dialog):
        dialog.person.setCurrentIndex(dialog.person.findText("Tom", Qt.MatchFlag.MatchStartsWith))
        dialog.mine.setText("not mine")
        dialog.new.setText("tom starts over")
        dialog.again.setText("tom starts over")
        qtbot.keyClick(dialog.again, Qt.Key.Key_Return)
        assert dialog.error.text() == "That is not Mia's passphrase. Type your own passphrase."
        dialog.mine.setText("mias passphrase")
        qtbot.keyClick(dialog.again, Qt.Key.Key_Return)

    answer_modal(qtbot, reset)
    qtbot.mouseClick(section.reset_button, Qt.MouseButton.LeftButton)
    after = vault.fingerprint(state.ctx.paths, tom.id)
    assert after != before
    assert told == [
        f"Tom has a new passphrase and a new key on this computer (fingerprint {after}). "
        "Their old key can no longer be used here."
    ]
    with pytest.raises(vault.WrongSecret):
        vault.unlock(state.ctx.paths, tom.id, PASS)


def focus_chain(dialog, start, steps: int) -> list[str]:
    """What Tab reaches from ``start``: each widget's accessible name or text."""
    names, widget = [], start
    for _ in range(steps):
        names.append(widget.accessibleName() or getattr(widget, "text", lambda: "")())
        widget = widget.nextInFocusChain()
        while not (widget.focusPolicy() & Qt.FocusPolicy.TabFocus) or not widget.isVisible():
            widget = widget.nextInFocusChain()
    return names


def test_the_lock_screen_works_with_the_keyboard_alone(state, office, window, qtbot):
    tom, _rita = office
    state.act_as(tom, PASS)
    w = window()
    lock_soon(state, w)
    qtbot.waitUntil(lambda: w.locked, timeout=WAIT_MS)
    screen = w.lock_screen
    screen.activateWindow()
    qtbot.waitUntil(screen.isActiveWindow)
    assert focus_chain(screen, screen.form.secret, 4) == [
        "Passphrase",
        "Unlock",
        "Profile to switch to",
        "Switch…",
    ]
    # Tab to the list of people, pick Rita with the arrow keys, Tab to Switch, Space.
    qtbot.keyClick(screen.form.secret, Qt.Key.Key_Tab)
    qtbot.keyClick(screen.focusWidget(), Qt.Key.Key_Tab)
    assert screen.focusWidget() is screen.others
    while not screen.others.currentText().startswith("Rita"):
        qtbot.keyClick(screen.others, Qt.Key.Key_Down)
    qtbot.keyClick(screen.others, Qt.Key.Key_Tab)
    assert screen.focusWidget() is screen.switch_button
    qtbot.keyClick(screen.switch_button, Qt.Key.Key_Space)
    qtbot.waitUntil(lambda: not w.locked, timeout=WAIT_MS)
    assert state.profile.name == "Rita"


def test_the_passphrase_forms_work_with_the_keyboard_alone(state, office, qtbot, make_profile):
    from app.ui.identity.keys import ExportKeyDialog, ImportKeyDialog, ResetSecretDialog

    tom, _rita = office
    prompt = ActAsDialog(state, tom)
    qtbot.addWidget(prompt)
    prompt.show()
    assert focus_chain(prompt, prompt.form.secret, 3) == ["Passphrase", "Continue", "Cancel"]
    mia = make_profile("Mia", "manager")
    state.ctx.confirm(mia, "mias passphrase")
    state.act_as(mia, "mias passphrase")
    for dialog, first, expected in (
        (ChangeSecretDialog, "current", ["Current passphrase", "New passphrase", "Type it again"]),
        (ExportKeyDialog, None, ["File", "Choose…", "Your passphrase"]),
        (ImportKeyDialog, None, ["File", "Choose…", "Passphrase of the key file"]),
        (ResetSecretDialog, "person", ["Person", "Your passphrase", "New PIN"]),  # Rita first
    ):
        shown = dialog(state)
        qtbot.addWidget(shown)
        shown.show()
        start = getattr(shown, first) if first else shown.file.path
        assert focus_chain(shown, start, 3) == expected, dialog.__name__
        assert shown.focusWidget() is start  # the cursor starts in the first field
