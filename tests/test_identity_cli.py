"""Protected profiles on the command line: acting as a trainer (--as, or the remembered
active profile) needs their passphrase, typed at a prompt in a terminal or given to a
script in CROSSCOACH_PASSPHRASE; otherwise one plain sentence and a non-zero exit.
Keys are exported and imported between devices, and a manager resets a forgotten
passphrase."""

from __future__ import annotations

import fcntl
import json
import os
import select
import subprocess
import sys
import termios
import time

import pytest

PASS = "correct horse battery"  # conftest's CROSSCOACH_PASSPHRASE
WAIT_S = 60  # a generous bound for a busy machine, never asserted as a time


@pytest.fixture
def shared_computer(cli, monkeypatch):
    """Tom (trainer, with his passphrase) and Rita (rep) on one computer; Rita is active
    and nothing gives the passphrase to the commands that follow."""
    assert cli("profile", "create", "--name", "Tom", "--role", "trainer")[0] == 0
    assert cli("profile", "create", "--name", "Rita", "--role", "rep")[0] == 0
    assert cli("profile", "use", "Rita")[0] == 0
    monkeypatch.delenv("CROSSCOACH_PASSPHRASE")
    return cli


def one_sentence(err: str) -> str:
    first, *rest = err.strip().splitlines()
    assert first.startswith("crosscoach: ") and first.endswith(".")
    assert all(line.startswith("  What to do: ") for line in rest) and len(rest) <= 1
    assert "Traceback" not in err
    return first


def test_a_rep_cannot_act_as_the_trainer_without_the_passphrase(shared_computer, monkeypatch):
    cli = shared_computer
    code, out, err = cli("--as", "Tom", "queue")
    assert code != 0 and out == ""
    assert one_sentence(err) == (
        "crosscoach: Acting as Tom needs their passphrase, which this command can only read "
        "from a terminal or from CROSSCOACH_PASSPHRASE."
    )
    monkeypatch.setenv("CROSSCOACH_PASSPHRASE", "a guess at it")
    code, out, err = cli("--as", "Tom", "queue")
    assert code == 4 and out == ""
    assert one_sentence(err) == "crosscoach: That is not Tom's passphrase."
    monkeypatch.setenv("CROSSCOACH_PASSPHRASE", PASS)
    code, out, _ = cli("--as", "Tom", "queue")
    assert code == 0 and "new: 0" in out


def test_switching_to_the_trainer_asks_too_and_changes_nothing_when_refused(shared_computer):
    cli = shared_computer
    code, _, err = cli("profile", "use", "Tom")
    assert code != 0 and "needs their passphrase" in err
    _, out, _ = cli("profile", "list", "--json")
    assert [p["name"] for p in json.loads(out) if p["active"]] == ["Rita"]


def test_a_remembered_trainer_profile_asks_for_the_passphrase(shared_computer, monkeypatch):
    cli = shared_computer
    monkeypatch.setenv("CROSSCOACH_PASSPHRASE", PASS)
    assert cli("profile", "use", "Tom")[0] == 0
    monkeypatch.delenv("CROSSCOACH_PASSPHRASE")  # Tom walked away; Rita types a command
    code, out, err = cli("queue")
    assert code != 0 and out == "" and "Acting as Tom needs their passphrase" in err
    code, out, err = cli("assign", "hotel-breakfast", "--to", "Rita")
    assert code != 0 and "Acting as Tom needs their passphrase" in err
    monkeypatch.setenv("CROSSCOACH_PASSPHRASE", "Rita's guess")
    assert cli("queue")[0] == 4
    # A rep without a PIN needs nothing, even with a trainer remembered.
    code, out, _ = cli("--as", "Rita", "takes", "list")
    assert code == 0 and "No takes yet" in out


def test_export_then_import_on_another_computer_keeps_the_fingerprint(
    cli, data_dir, tmp_path, capsys, monkeypatch
):
    from app.cli.main import run

    cli("profile", "create", "--name", "Tom", "--role", "trainer")
    _, out, _ = cli("key", "show", "--json")
    shown = json.loads(out)
    target = tmp_path / "usb" / "tom.crosscoach-key"
    code, out, _ = cli("key", "export", "--to", str(target))
    assert code == 0 and "protected with Tom's passphrase" in out and target.is_file()

    # Tom's laptop joins the team's shared folder: his profile comes, his key does not.
    share = tmp_path / "share"
    assert cli("remote", "set", f"folder:{share}")[0] == 0
    assert cli("sync")[0] == 0
    laptop = tmp_path / "laptop"

    def on_laptop(*args):
        code = run(["--data-dir", str(laptop), *args])
        captured = capsys.readouterr()
        return code, captured.out, captured.err

    code, _, err = on_laptop("remote", "join", f"folder:{share}")
    assert code == 0, err
    code, _, err = on_laptop("--as", "Tom", "queue")
    assert code == 3 and "Tom's key is not on this computer" in err
    assert "crosscoach key export --to FILE" in err  # the command line names its commands
    monkeypatch.setenv("CROSSCOACH_PASSPHRASE", "not the one")
    code, _, err = on_laptop("key", "import", str(target))
    assert code == 4 and "not the passphrase of this key file" in err
    monkeypatch.setenv("CROSSCOACH_PASSPHRASE", PASS)
    code, out, _ = on_laptop("key", "import", str(target))
    assert code == 0 and shown["fingerprint"] in out
    code, out, _ = on_laptop("key", "show", "Tom", "--json")
    assert json.loads(out)["fingerprint"] == shown["fingerprint"]
    assert on_laptop("--as", "Tom", "queue")[0] == 0


def test_a_manager_resets_a_forgotten_passphrase(cli, monkeypatch):
    cli("profile", "create", "--name", "Mia", "--role", "manager")
    cli("profile", "create", "--name", "Tom", "--role", "trainer")
    _, out, _ = cli("key", "show", "Tom", "--json")
    before = json.loads(out)["fingerprint"]
    monkeypatch.setenv("CROSSCOACH_NEW_PASSPHRASE", "tom starts again")
    code, _, err = cli("--as", "Tom", "profile", "reset-passphrase", "Mia")
    assert code == 4 and "Only a manager" in err
    code, out, err = cli("--as", "Mia", "profile", "reset-passphrase", "Tom")
    assert code == 0, err
    assert "a NEW key" in out and "old key can no longer be used here" in out
    _, out, _ = cli("key", "show", "Tom", "--json")
    assert json.loads(out)["fingerprint"] != before
    assert cli("--as", "Tom", "queue")[0] == 4  # the old passphrase no longer works
    monkeypatch.setenv("CROSSCOACH_PASSPHRASE", "tom starts again")
    assert cli("--as", "Tom", "queue")[0] == 0


def test_changing_a_passphrase_keeps_the_key(cli, monkeypatch):
    cli("profile", "create", "--name", "Tom", "--role", "trainer")
    _, out, _ = cli("key", "show", "--json")
    before = json.loads(out)["fingerprint"]
    monkeypatch.setenv("CROSSCOACH_NEW_PASSPHRASE", "a fresher passphrase")
    code, out, _ = cli("profile", "change-passphrase")
    assert code == 0 and before in out
    assert cli("queue")[0] == 4  # the old one no longer works
    monkeypatch.setenv("CROSSCOACH_PASSPHRASE", "a fresher passphrase")
    assert cli("queue")[0] == 0


# --- at a real terminal --------------------------------------------------------------------


def run_in_terminal(data_dir, args: list[str], answers: list[tuple[str, str]]):
    """Run ``crosscoach ARGS`` in its own pseudo-terminal (its controlling terminal, as in
    a real shell) and answer each prompt; returns (exit code, everything it printed)."""
    main, child = os.openpty()

    def take_terminal():
        os.setsid()
        fcntl.ioctl(0, termios.TIOCSCTTY, 0)

    env = {k: v for k, v in os.environ.items() if not k.startswith("CROSSCOACH_")}
    env.update(CROSSCOACH_DATA_DIR=str(data_dir), QT_QPA_PLATFORM="offscreen")
    process = subprocess.Popen(
        [sys.executable, "-m", "app", *args],
        stdin=child,
        stdout=child,
        stderr=child,
        env=env,
        preexec_fn=take_terminal,
        close_fds=True,
    )
    os.close(child)
    seen = b""
    deadline = time.monotonic() + WAIT_S
    pending = list(answers)
    while True:
        ready, _, _ = select.select([main], [], [], 0.2)
        if ready:
            try:
                chunk = os.read(main, 4096)
            except OSError:  # the child closed the terminal
                break
            if not chunk:
                break
            seen += chunk
        if pending and pending[0][0].encode() in seen.split(b"\n")[-1]:
            os.write(main, pending.pop(0)[1].encode() + b"\n")
        if process.poll() is not None and not ready:
            break
        assert time.monotonic() < deadline, seen.decode(errors="replace")
    code = process.wait(timeout=WAIT_S)
    os.close(main)
    return code, seen.decode(errors="replace")


def test_at_a_terminal_the_passphrase_is_asked_and_never_shown(shared_computer, data_dir):
    code, out = run_in_terminal(
        data_dir, ["--as", "Tom", "queue"], [("Tom's passphrase: ", "a wrong guess")]
    )
    assert code == 4 and "That is not Tom's passphrase." in out
    assert "a wrong guess" not in out  # nothing typed is echoed
    code, out = run_in_terminal(data_dir, ["--as", "Tom", "queue"], [("Tom's passphrase: ", PASS)])
    assert code == 0 and "new: 0" in out and PASS not in out


@pytest.mark.real_kdf  # the crosscoach process makes Tina's key at the real cost
def test_at_a_terminal_a_new_trainer_types_the_passphrase_twice(data_dir, cli):
    code, out = run_in_terminal(
        data_dir,
        ["profile", "create", "--name", "Tina", "--role", "trainer"],
        [
            ("Tina's passphrase: ", "tinas words here"),
            ("Type it again: ", "tinas words HERE"),
            ("Tina's passphrase: ", "tinas words here"),
            ("Type it again: ", "tinas words here"),
        ],
    )
    assert code == 0, out
    assert "The two passphrases are not the same." in out and "Created trainer Tina" in out
