"""Sync in the desktop app, through its real windows: two data folders meet through a
real shared folder (and a real PostgreSQL), the status bar says what happens, and
the window keeps working while a sync waits on the network."""

from __future__ import annotations

import socket
import threading

import pytest
from PySide6.QtCore import Qt, QTimer

from app.bootstrap import open_context
from app.core.profiles import create_profile, list_profiles, parse_role
from app.ui.main_window import MainWindow
from app.ui.state import AppState
from app.ui.sync import forms
from app.ui.sync.settings_section import SyncSection

SYNC_TIMEOUT = 20000


@pytest.fixture
def open_window(tmp_path, qtbot, qapp):
    """``open_window("a", remote)``: a fresh data folder with a trainer, in a real main window."""
    opened = []

    def open_(name: str, remote: str | None = None) -> MainWindow:
        ctx = open_context(tmp_path / name)
        ctx.settings.set("remote", remote)
        with ctx.session() as s:
            trainer = create_profile(s, f"Trainer {name}", parse_role("trainer"), None)
        state = AppState(ctx)
        state.apply_theme()
        state.use_profile(trainer)
        window = MainWindow(state)
        qtbot.addWidget(window)
        window.show()
        qtbot.waitExposed(window)
        opened.append(state)
        return window

    yield open_
    for state in opened:
        state.sync.shutdown()  # waits for a running sync before the database closes
        state.ctx.close()


def indicator_texts(window: MainWindow) -> list[str]:
    """Every text the status-bar indicator shows from now on."""
    seen: list[str] = []
    window.state.sync.changed.connect(lambda: seen.append(window.sync_status.text()))
    return seen


def wait_idle(qtbot, window: MainWindow) -> None:
    qtbot.waitUntil(lambda: not window.state.sync.running, timeout=SYNC_TIMEOUT)


def names(window: MainWindow) -> set[str]:
    with window.state.ctx.session() as s:
        return {p.name for p in list_profiles(s)}


def test_a_change_made_on_one_computer_reaches_the_other_through_sync_now(
    open_window, tmp_path, qtbot
):
    share = tmp_path / "share"
    share.mkdir()
    a = open_window("a", f"folder:{share}")
    b = open_window("b", f"folder:{share}")
    wait_idle(qtbot, a)
    before = a.state.sync.view().status.changes_waiting_up
    assert before == 1  # its own trainer (the built-in pack ships everywhere, never sent)
    assert a.sync_status.text() == "Not synced yet · 1 change waiting"
    with a.state.ctx.session() as s:
        create_profile(s, "Bea Rep", parse_role("rep"), "North")
    seen = indicator_texts(a)

    # F5 from anywhere in A's window; the sync runs in a worker.
    a.activateWindow()
    qtbot.waitUntil(a.isActiveWindow)
    qtbot.keyClick(a, Qt.Key.Key_F5)
    assert a.state.sync.running
    qtbot.waitUntil(lambda: a.sync_status.text() == "Synced just now", timeout=SYNC_TIMEOUT)
    assert seen[0].startswith("Syncing…")
    assert any(t == "Syncing… sending changes" for t in seen)

    # B: "Sync now" in the details popup.
    qtbot.mouseClick(b.sync_status, Qt.MouseButton.LeftButton)
    details = b.sync_status.details
    assert details.isVisible()
    qtbot.mouseClick(details.sync_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: b.sync_status.text() == "Synced just now", timeout=SYNC_TIMEOUT)
    assert {"Bea Rep", "Trainer a", "Trainer b"} <= names(b)

    rows = dict(
        (
            details.rows.itemAtPosition(n, 0).widget().text(),
            details.rows.itemAtPosition(n, 1).widget().text(),
        )
        for n in range(details.rows.rowCount())
        if details.rows.itemAtPosition(n, 0)
    )
    assert rows["Remote"] == f"Shared folder {share}"
    assert rows["Last sync"].endswith("(just now)")
    assert rows["Waiting to send"] == "0 changes"
    assert rows["Waiting to receive"] == "0 changes"
    assert rows["Last sync moved"].startswith(f"Sent {before} change(s)")  # B's own
    assert "received" in rows["Last sync moved"]
    assert not details.problem.isVisible()


def test_an_unreachable_shared_folder_is_explained_and_the_changes_wait(
    open_window, tmp_path, qtbot
):
    window = open_window("a", f"folder:{tmp_path / 'usb-stick-not-plugged-in'}")
    wait_idle(qtbot, window)
    waiting = window.state.sync.view().status.changes_waiting_up
    with window.state.ctx.session() as s:
        create_profile(s, "Bea Rep", parse_role("rep"), None)

    window.sync_status.sync_now_action.trigger()
    qtbot.waitUntil(
        lambda: window.sync_status.text() == f"Offline — {waiting + 1} changes waiting",
        timeout=SYNC_TIMEOUT,
    )
    details = window.sync_status.details
    assert details.isVisible()  # the person who asked sees why
    assert "is not reachable" in details.problem.text()
    assert details.what_to_do.text().startswith("What to do: Connect the drive")
    assert "wait on this device" in details.what_to_do.text()
    assert window.state.ctx.settings.get("remote").startswith("folder:")  # nothing forgotten


def test_a_database_on_a_closed_port_is_explained_in_plain_words(open_window, qtbot):
    window = open_window("a", "postgresql://ana@127.0.0.1:1/coaching")
    wait_idle(qtbot, window)
    window.sync_status.sync_now_action.trigger()
    qtbot.waitUntil(lambda: window.sync_status.text().startswith("Offline"), timeout=SYNC_TIMEOUT)
    problem = window.sync_status.details.problem.text()
    assert problem.startswith("The shared database at 127.0.0.1:1/coaching is not reachable")
    assert "Traceback" not in problem


def test_the_window_keeps_working_while_the_database_does_not_answer(open_window, qtbot):
    # A server that accepts the connection and then says nothing: the sync waits for
    # the driver's connect timeout, the window must not.
    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(1)
    held = []
    stop = threading.Event()

    def accept():
        silent.settimeout(0.2)
        while not stop.is_set():
            try:
                held.append(silent.accept()[0])
            except OSError:
                continue

    threading.Thread(target=accept, daemon=True).start()
    port = silent.getsockname()[1]
    try:
        window = open_window("a", f"postgresql://ana@127.0.0.1:{port}/coaching")
        wait_idle(qtbot, window)
        window.sync_status.sync_now_action.trigger()
        qtbot.waitUntil(
            lambda: bool(held), timeout=SYNC_TIMEOUT
        )  # the worker is connected, waiting

        ticks = []
        timer = QTimer()
        timer.timeout.connect(lambda: ticks.append(1))
        timer.start(20)
        qtbot.waitUntil(lambda: len(ticks) >= 10)  # the event loop runs meanwhile
        timer.stop()
        assert window.state.sync.running
        assert window.sync_status.text().startswith("Syncing…")
        assert window.show_page("settings") and window.current_page() == "settings"
        window.sync_status.sync_now_action.trigger()  # asking again only queues a follow-up
        assert window.state.sync.running
    finally:
        stop.set()
        for conn in held:
            conn.close()
        silent.close()
    qtbot.waitUntil(lambda: not window.state.sync.running, timeout=SYNC_TIMEOUT * 2)
    assert window.sync_status.text().startswith(("Offline", "Sync problem"))


def test_saves_close_together_make_one_sync_and_requests_meanwhile_one_more(
    open_window, tmp_path, qtbot
):
    share = tmp_path / "share"
    share.mkdir()
    window = open_window("a", f"folder:{share}")
    sync = window.state.sync
    wait_idle(qtbot, window)
    runs = []
    sync.synced.connect(runs.append)

    sync.after_change.setInterval(200)
    for _ in range(5):
        sync.local_change()
    qtbot.waitUntil(lambda: len(runs) == 1, timeout=SYNC_TIMEOUT)
    qtbot.wait(600)
    assert len(runs) == 1

    assert sync.sync_now()
    assert sync.sync_now() and sync.sync_now()  # while the first runs: one follow-up
    qtbot.waitUntil(lambda: len(runs) == 3, timeout=SYNC_TIMEOUT)
    wait_idle(qtbot, window)
    qtbot.wait(300)
    assert len(runs) == 3


def test_without_a_remote_nothing_syncs_and_the_indicator_says_where_to_set_it_up(
    open_window, qtbot
):
    window = open_window("a")
    sync = window.state.sync
    assert window.sync_status.text() == "Sync not set up"
    sync.local_change()
    assert not sync.after_change.isActive() and not sync.background.isActive()
    window.sync_status.sync_now_action.trigger()
    assert not sync.running
    details = window.sync_status.details
    assert details.isVisible()
    assert "Settings → Sync" in details.what_to_do.text()
    assert not details.sync_button.isEnabled()


# --- the Settings page ---------------------------------------------------------------------


def sync_section(window: MainWindow) -> SyncSection:
    window.show_page("settings")
    return window.pages["settings"].section(SyncSection)


def test_settings_save_a_shared_folder_and_the_first_sync_follows(
    open_window, tmp_path, qtbot, monkeypatch
):
    share = tmp_path / "team share"
    share.mkdir()
    window = open_window("a")
    section = sync_section(window)
    assert section.current.text() == "This computer does not sync yet."
    monkeypatch.setattr(forms, "choose_folder", lambda _parent: share)

    section.form.mode.setCurrentIndex(section.form.mode.findData("folder"))
    qtbot.mouseClick(section.form.choose_button, Qt.MouseButton.LeftButton)
    assert section.form.folder.text() == str(share)
    qtbot.mouseClick(section.test_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(section.result.isVisible, timeout=SYNC_TIMEOUT)
    assert section.result.text() == f"Connected: Shared folder {share.resolve()} answers."
    assert window.state.ctx.settings.get("remote") is None  # testing saves nothing

    qtbot.mouseClick(section.save_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(
        lambda: window.state.ctx.settings.get("remote") == f"folder:{share.resolve()}",
        timeout=SYNC_TIMEOUT,
    )
    assert section.current.text() == f"This computer syncs with: Shared folder {share.resolve()}."
    assert window.state.sync.background.isActive()
    qtbot.waitUntil(lambda: window.sync_status.text() == "Synced just now", timeout=SYNC_TIMEOUT)
    assert (share / "crosscoach-share.json").exists()

    section.form.mode.setCurrentIndex(section.form.mode.findData("none"))
    qtbot.mouseClick(section.save_button, Qt.MouseButton.LeftButton)
    assert window.state.ctx.settings.get("remote") is None
    assert window.sync_status.text() == "Sync not set up"
    assert not window.state.sync.background.isActive()


def test_settings_refuse_a_missing_folder_or_database_and_keep_the_old_remote(
    open_window, tmp_path, qtbot, shown_errors
):
    share = tmp_path / "share"
    share.mkdir()
    window = open_window("a", f"folder:{share}")
    section = sync_section(window)
    assert section.form.folder.text() == str(share)

    section.form.folder.setText(str(tmp_path / "not-there"))
    qtbot.mouseClick(section.save_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: bool(shown_errors), timeout=SYNC_TIMEOUT)
    message, hint = shown_errors.pop()
    assert message == f"The shared folder {tmp_path / 'not-there'} is not reachable."
    assert hint.startswith("What to do: Connect the drive")

    section.form.mode.setCurrentIndex(section.form.mode.findData("postgres"))
    qtbot.mouseClick(section.test_button, Qt.MouseButton.LeftButton)
    assert shown_errors.pop() == (
        "The team database needs a server and a database and a user.",
        "What to do: Ask whoever runs the database for these, then fill them in.",
    )
    qtbot.keyClicks(section.form.host, "127.0.0.1")
    section.form.port.setValue(1)
    qtbot.keyClicks(section.form.database, "coaching")
    qtbot.keyClicks(section.form.user, "ana")
    qtbot.mouseClick(section.save_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: bool(shown_errors), timeout=SYNC_TIMEOUT)
    message, hint = shown_errors.pop()
    assert message.startswith("The shared database at 127.0.0.1:1/coaching is not reachable")
    assert "your changes wait on this device" in hint
    assert window.state.ctx.settings.get("remote") == f"folder:{share}"
    assert section.save_button.isEnabled()


def _member_login(admin_url: str, window) -> str:
    """A database login for the window's trainer, made by the product's own add_member."""
    from sqlalchemy.engine import make_url

    from app.sync.postgres import add_member

    profile = window.state.profile
    login = f"{make_url(admin_url).database}_{profile.name.lower().replace(' ', '_')}"
    add_member(admin_url, login, profile.id, profile.role.value)
    return login


@pytest.mark.postgres
def test_settings_save_a_team_database_with_tls_options_and_the_password_in_the_keyring(
    open_window, empty_pg, qtbot, monkeypatch
):
    from keyring_support import MemoryKeyring
    from sqlalchemy.engine import make_url

    from app.sync import credentials

    keyring = MemoryKeyring()
    monkeypatch.setattr(credentials, "_keyring", lambda: keyring)
    target = make_url(empty_pg)
    window = open_window("a")
    login = _member_login(empty_pg, window)  # the trainer's own login, never the admin's
    section = sync_section(window)
    section.form.mode.setCurrentIndex(section.form.mode.findData("postgres"))
    qtbot.keyClicks(section.form.host, target.host)
    qtbot.keyClicks(section.form.database, target.database)
    qtbot.keyClicks(section.form.user, login)
    qtbot.keyClicks(section.form.password_edit, "s3cret pass")
    section.form.sslmode.setCurrentIndex(section.form.sslmode.findData("disable"))

    qtbot.mouseClick(section.save_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: bool(window.state.ctx.settings.get("remote")), timeout=SYNC_TIMEOUT)
    saved = window.state.ctx.settings.get("remote")
    assert saved == f"postgresql://{login}@{target.host}:5432/{target.database}?sslmode=disable"
    assert "s3cret" not in window.state.ctx.settings.path.read_text()
    assert list(keyring.saved.values()) == ["s3cret pass"]
    assert "keyring" in section.result.text()
    assert section.form.password_edit.text() == ""
    assert section.form.password_note.text().startswith("Password: the operating system's keyring.")
    qtbot.waitUntil(lambda: window.sync_status.text() == "Synced just now", timeout=SYNC_TIMEOUT)


@pytest.mark.postgres
def test_without_a_keyring_the_password_is_not_stored_and_the_page_says_what_to_do(
    open_window, empty_pg, qtbot, monkeypatch
):
    from app.sync import credentials

    monkeypatch.setattr(credentials, "_keyring", lambda: None)
    monkeypatch.delenv("PGPASSWORD", raising=False)
    monkeypatch.setenv("PGPASSFILE", "/nonexistent/pgpass")
    window = open_window("a")
    login = _member_login(empty_pg, window)
    window.state.ctx.settings.set("remote", empty_pg.replace("postgres@", f"{login}@"))
    window.state.sync.remote_changed()
    section = sync_section(window)
    section.load()
    assert section.form.host.text() == "127.0.0.1" and section.form.port.value() == 5432
    assert "this computer has no keyring" in section.form.password_note.text()
    qtbot.keyClicks(section.form.password_edit, "typed")
    qtbot.mouseClick(section.save_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "NOT stored" in section.result.text(), timeout=SYNC_TIMEOUT)
    assert "PGPASSWORD" in section.result.text()
    assert "typed" not in window.state.ctx.settings.path.read_text()


# --- what the team refused ---------------------------------------------------------------------


@pytest.mark.postgres
def test_a_change_the_team_refuses_is_counted_in_the_status_and_explained_in_the_details(
    empty_pg, make_device, tmp_path, clips, qtbot
):
    from sync_support import Office

    from app.core.profiles import find_profile

    office = Office("postgres", make_device, tmp_path, empty_pg)
    mia_laptop = office.device("mia-laptop", "Mia")
    mia = office.add(mia_laptop, "Mia", "manager")
    tina = office.add(mia_laptop, "Tina", "trainer", by=mia)
    rob = office.add(mia_laptop, "Rob", "rep", by=mia)
    mia_laptop.sync()
    tina_laptop = office.device("tina-laptop", "Tina")
    tina_laptop.sync()
    scenario = tina_laptop.make_catalogue(tina)
    tina_laptop.sync()
    rob_laptop = office.device("rob-laptop", "Rob")
    rob_laptop.sync()
    sub = rob_laptop.submit(rob, scenario, clips[0])
    rob_laptop.review(rob, sub, 100, "I am great")  # a rep's review of his own take
    rob_laptop.comment(rob, sub, 0.5, "My own comment")

    state = AppState(rob_laptop.ctx)
    with rob_laptop.session() as s:
        state.use_profile(find_profile(s, rob))
    window = MainWindow(state)
    qtbot.addWidget(window)
    window.show()
    try:
        wait_idle(qtbot, window)
        window.sync_status.sync_now_action.trigger()
        qtbot.waitUntil(lambda: not window.sync_status.text().startswith("Syncing"),
                        timeout=SYNC_TIMEOUT)  # fmt: skip
        wait_idle(qtbot, window)
        assert window.sync_status.text() == "Synced just now · 1 change set aside"
        report = window.state.sync.view().report
        assert [i["where"] for i in report.set_aside] == ["sent"]
        assert report.records_up == 2  # the submission and the comment went out

        qtbot.mouseClick(window.sync_status, Qt.MouseButton.LeftButton)
        details = window.sync_status.details
        assert details.isVisible() and details.set_aside.isVisible()
        lines = details.set_aside.text().splitlines()
        assert lines[0] == "Not applied or not sent:"
        assert len(lines) == 2 and "review" in lines[1].lower()
        assert lines[1].endswith(": only trainers and managers write reviews")
        rows = {
            details.rows.itemAtPosition(n, 0).widget().text(): details.rows.itemAtPosition(n, 1)
            .widget()
            .text()
            for n in range(details.rows.rowCount())
            if details.rows.itemAtPosition(n, 0)
        }
        assert rows["Set aside"] == "1 change, tried again at every sync"
        assert not details.problem.isVisible()
        details.hide()
    finally:
        state.sync.shutdown()
        window.close()
