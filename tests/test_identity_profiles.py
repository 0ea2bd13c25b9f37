"""A profile gets its key pair when it is made: a trainer or manager chooses a passphrase
(typed twice, or CROSSCOACH_PASSPHRASE on the command line), a rep may choose a PIN; a
passphrase that will not do makes no profile at all."""

from __future__ import annotations

import json

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog

from app.core.errors import UserError
from app.identity import vault
from app.ui.state import AppState

PASS = "correct horse battery"  # conftest's CROSSCOACH_PASSPHRASE


def one_sentence(err: str) -> str:
    first, *rest = err.strip().splitlines()
    assert first.startswith("crosscoach: ") and first.endswith(".")
    assert all(line.startswith("  What to do: ") for line in rest) and len(rest) <= 1
    assert "Traceback" not in err
    return first


@pytest.fixture
def state(ctx, qapp):
    s = AppState(ctx)
    s.apply_theme()
    return s


def test_a_trainer_needs_a_real_passphrase(ctx, make_profile):
    tom = make_profile("Tom", "trainer")
    for weak, words in ((None, "needs a passphrase"), ("", "needs a passphrase"),
                        ("short", "at least 8 characters")):  # fmt: skip
        with pytest.raises(UserError, match=words):
            ctx.confirm(tom, weak)
    assert not vault.has_key(ctx.paths, tom.id)  # nothing half-made


def test_a_rep_may_choose_a_pin_when_the_profile_is_made(ctx, make_profile):
    rita = make_profile("Rita", "rep")
    with pytest.raises(UserError, match="at least 4 characters"):
        ctx.confirm(rita, "12")
    keys = ctx.confirm(rita, "2468")
    assert vault.secret_word(ctx.paths, rita.id) == "PIN"
    assert vault.unlock(ctx.paths, rita.id, "2468") == keys


def test_creating_a_trainer_without_a_passphrase_is_refused_and_makes_nobody(cli, monkeypatch):
    monkeypatch.delenv("CROSSCOACH_PASSPHRASE")
    code, out, err = cli("profile", "create", "--name", "Tina", "--role", "trainer")
    assert code != 0 and out == ""
    assert "Tina's passphrase can only be read from a terminal" in one_sentence(err)
    monkeypatch.setenv("CROSSCOACH_PASSPHRASE", "short")
    code, _, err = cli("profile", "create", "--name", "Tina", "--role", "trainer")
    assert code != 0 and "at least 8 characters" in err
    _, out, _ = cli("profile", "list", "--json")
    assert json.loads(out) == []


def test_every_role_gets_a_key_when_the_profile_is_made(cli, data_dir, monkeypatch):
    _, out, _ = cli("profile", "create", "--name", "Mia", "--role", "manager", "--json")
    mia = json.loads(out)
    _, out, _ = cli("profile", "create", "--name", "Tom", "--role", "trainer", "--json")
    tom = json.loads(out)
    code, out, _ = cli("profile", "create", "--name", "Rita", "--role", "rep")
    assert code == 0 and "no keyring" in out  # where the key went, said plainly
    monkeypatch.setenv("CROSSCOACH_PASSPHRASE", "7531")
    code, out, _ = cli("profile", "create", "--name", "Ravi", "--role", "rep", "--pin", "--json")
    ravi = json.loads(out)
    _, out, _ = cli("profile", "list", "--json")
    listed = {p["name"]: p for p in json.loads(out)}
    assert all(p["fingerprint"] for p in listed.values())
    assert listed["Mia"]["fingerprint"] == mia["fingerprint"]
    assert listed["Ravi"]["fingerprint"] == ravi["fingerprint"]
    from app.core.paths import DataPaths

    paths = DataPaths(data_dir)
    assert vault.storage(paths, mia["id"]) == vault.storage(paths, tom["id"]) == "encrypted"
    assert vault.secret_word(paths, ravi["id"]) == "PIN"
    assert vault.storage(paths, listed["Rita"]["id"]) == "file"
    # A profile a manager makes for someone else gets its key when that person first acts.
    monkeypatch.setenv("CROSSCOACH_PASSPHRASE", PASS)
    code, out, _ = cli("--as", "Mia", "profile", "create", "--name", "Nora", "--role", "trainer")
    assert code == 0 and "Nora chooses a passphrase when they first act" in out
    monkeypatch.setenv("CROSSCOACH_PASSPHRASE", "noras own words")
    code, _, _ = cli("--as", "Nora", "queue")
    assert code == 0
    assert vault.unlock(paths, vault_id(cli, "Nora"), "noras own words")


def vault_id(cli, name: str) -> str:
    _, out, _ = cli("profile", "list", "--json")
    return next(p["id"] for p in json.loads(out) if p["name"] == name)


def test_the_new_profile_form_sets_the_passphrase_or_an_optional_pin(state, qtbot):
    from app.ui.first_start import NewProfileDialog

    dialog = NewProfileDialog(state)
    qtbot.addWidget(dialog)
    dialog.show()
    form = dialog.form
    assert form.secret_label.text() == "PIN" and form.secret.placeholderText() == "Optional"
    qtbot.keyClicks(form.name, "Rita")
    qtbot.keyClick(form.name, Qt.Key.Key_Return)  # a rep without a PIN: made at once
    assert dialog.result() == QDialog.DialogCode.Accepted
    rita = state.profile
    assert rita.name == "Rita" and vault.storage(state.ctx.paths, rita.id) == "file"

    dialog = NewProfileDialog(state)
    qtbot.addWidget(dialog)
    dialog.show()
    form = dialog.form
    form.role.setCurrentIndex(form.role.findData("manager"))
    assert form.secret_label.text() == "Passphrase"
    qtbot.keyClicks(form.name, "Mia")
    qtbot.keyClicks(form.secret, "mias passphrase")
    qtbot.keyClicks(form.again, "mias passphrase!")
    qtbot.keyClick(form.again, Qt.Key.Key_Return)
    assert form.secret_error.text() == (
        "The two passphrases are not the same. Type the same passphrase twice."
    )
    assert dialog.result() != QDialog.DialogCode.Accepted and state.profile.name == "Rita"
    with state.ctx.db.session() as s:
        from app.core.profiles import list_profiles

        assert [p.name for p in list_profiles(s)] == ["Rita"]  # nobody half-made
    form.again.clear()
    qtbot.keyClicks(form.again, "mias passphrase")
    qtbot.keyClick(form.again, Qt.Key.Key_Return)
    assert dialog.result() == QDialog.DialogCode.Accepted
    mia = state.profile
    assert mia.name == "Mia" and state.ctx.signer() is not None
    assert vault.unlock(state.ctx.paths, mia.id, "mias passphrase") == state.ctx.signer()
