"""A database password never stays in settings.json and is never shown — whether it came
after the user name or as ``?password=`` in the URL's query — by ``remote set``,
``remote show``, an error message or the Sync settings of the desktop app."""

from __future__ import annotations

import json

import keyring
import pytest
from keyring.backends.fail import Keyring as NoKeyring
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QLineEdit

from app.core.errors import UserError
from app.sync.credentials import SERVICE, account, without_password
from app.ui.state import AppState
from app.ui.sync.settings_section import SyncSection

SECRET = "s3cret-in-query"


@pytest.fixture
def no_keyring(monkeypatch):
    before = keyring.get_keyring()
    keyring.set_keyring(NoKeyring())
    monkeypatch.delenv("PGPASSWORD", raising=False)
    monkeypatch.setenv("PGPASSFILE", "/nonexistent/pgpass")
    yield
    keyring.set_keyring(before)


def test_without_password_takes_it_from_the_user_part_and_from_the_query():
    assert without_password(f"postgresql://ana@db:5432/coaching?password={SECRET}") == (
        "postgresql://ana@db:5432/coaching",
        SECRET,
    )
    assert without_password(
        f"postgresql://ana@db/coaching?sslmode=verify-full&password={SECRET}&sslrootcert=/ca.pem"
    ) == ("postgresql://ana@db/coaching?sslmode=verify-full&sslrootcert=%2Fca.pem", SECRET)
    assert without_password("postgresql://ana:typed@db/c?password=other") == (
        "postgresql://ana@db/c",
        "typed",
    )
    assert without_password("postgresql://ana@db/c") == ("postgresql://ana@db/c", None)


def test_an_unreadable_database_address_is_refused_without_repeating_it():
    with pytest.raises(UserError) as refused:
        without_password(f"postgresql://ana:{SECRET}@db:port/coaching")
    assert SECRET not in str(refused.value)
    assert "postgresql://USER@HOST:5432/DATABASE" in refused.value.hint


def test_a_mistyped_remote_with_a_password_is_refused_without_showing_it(cli):
    code, out, err = cli("remote", "set", f"postgersql://ana:{SECRET}@db/coaching")
    assert code == 2 and out == ""
    assert "'postgersql://ana:***@db/coaching' is not a remote CrossCoach understands." in err
    assert SECRET not in err


@pytest.mark.postgres
def test_a_password_in_the_query_goes_to_the_keyring_and_is_never_shown(
    cli, data_dir, pg_database, memory_keyring
):
    code, out, err = cli("remote", "set", f"{pg_database}?sslmode=prefer&password={SECRET}")
    assert code == 0, err
    assert "The password is kept in this computer's keyring." in out
    assert f"This device now syncs with {pg_database}?sslmode=prefer." in out
    assert SECRET not in out + err
    assert SECRET not in (data_dir / "settings.json").read_text()
    assert memory_keyring.saved == {(SERVICE, account(pg_database)): SECRET}

    code, out, _ = cli("remote", "show", "--json")
    shown = json.loads(out)
    assert shown["remote"] == f"{pg_database}?sslmode=prefer"
    assert shown["password"] == "the operating system's keyring"
    _, out, _ = cli("remote", "show")
    assert "password: the operating system's keyring" in out
    assert SECRET not in out


@pytest.mark.postgres
def test_without_a_keyring_a_password_in_the_query_is_not_stored_anywhere(
    cli, data_dir, pg_database, no_keyring
):
    code, out, err = cli("remote", "set", f"{pg_database}?password={SECRET}")
    assert code == 0, err
    assert "This computer has no keyring, so the password was NOT stored." in out
    assert SECRET not in out + err
    assert SECRET not in (data_dir / "settings.json").read_text()
    _, out, _ = cli("remote", "show", "--offline")
    assert "password: none stored: this computer has no keyring" in out


def test_show_hides_a_password_an_older_version_left_in_settings(cli, ctx):
    ctx.settings.set("remote", f"postgresql://ana@db.example:5432/coaching?password={SECRET}")
    code, out, err = cli("remote", "show", "--offline")
    assert code == 0, err
    assert "remote: postgresql://ana@db.example:5432/coaching\n" in out
    assert (
        "password: written in CrossCoach's settings file; set the remote again to move it "
        "to the keyring"
    ) in out
    assert SECRET not in out + err


@pytest.fixture
def app_state(ctx):
    """The desktop app's state for the test data folder, kept alive until the test ends."""
    state = AppState(ctx)
    yield state
    state.sync.shutdown()  # waits for the sync a save starts before the database closes


@pytest.mark.postgres
def test_sync_settings_never_show_a_password_left_in_settings_and_save_moves_it(
    ctx, app_state, pg_database, memory_keyring, qtbot
):
    ctx.settings.set("remote", f"{pg_database}?password={SECRET}")
    section = SyncSection(app_state)
    qtbot.addWidget(section)
    section.show()
    texts = [w.text() for w in section.findChildren(QLabel)] + [
        w.text()
        for w in section.findChildren(QLineEdit)
        if w.echoMode() == QLineEdit.EchoMode.Normal
    ]
    assert [t for t in texts if SECRET in t] == []
    assert section.form.password_edit.echoMode() == QLineEdit.EchoMode.Password
    assert section.form.password_note.text() == (
        "Password: still written in CrossCoach's settings by an older version. "
        "Click Save to move it to this computer's keyring."
    )

    qtbot.mouseClick(section.save_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "keyring" in section.result.text(), timeout=20000)
    assert SECRET not in ctx.settings.path.read_text()
    assert ctx.settings.get("remote") == pg_database
    assert list(memory_keyring.saved.values()) == [SECRET]
    assert section.form.password_note.text().startswith("Password: the operating system's keyring.")
    qtbot.waitUntil(lambda: not app_state.sync.running, timeout=20000)  # the sync Save starts
