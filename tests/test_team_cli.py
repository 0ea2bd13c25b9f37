"""``crosscoach team``: a manager founds the roster, invites, approves; a new member joins.

Two data folders (two computers) and a real shared folder, all through the
command line, as an admin would script it.
"""

from __future__ import annotations

import json

import pytest

from app.cli.main import run

PASSPHRASE = "mia's long passphrase"


@pytest.fixture
def office(tmp_path, monkeypatch, capsys):
    share = tmp_path / "share"
    share.mkdir()
    monkeypatch.delenv("CROSSCOACH_PROFILE", raising=False)

    def at(computer: str):
        folder = tmp_path / computer

        def call(*args: str, passphrase: str | None = None):
            if passphrase is None:
                monkeypatch.delenv("CROSSCOACH_PASSPHRASE", raising=False)
            else:
                monkeypatch.setenv("CROSSCOACH_PASSPHRASE", passphrase)
            code = run(["--data-dir", str(folder), *args])
            out = capsys.readouterr()
            return code, out.out, out.err

        return call

    return at, f"folder:{share}", tmp_path


def test_found_invite_join_approve(office):
    at, share, tmp_path = office
    mia = at("mia-laptop")
    code, _, err = mia("profile", "create", "--name", "Mia", "--role", "manager",
                       passphrase=PASSPHRASE)  # fmt: skip
    assert code == 0, err
    assert mia("remote", "set", share, passphrase=PASSPHRASE)[0] == 0
    code, out, err = mia("team", "found", passphrase=PASSPHRASE)
    assert code == 0, err
    team_code = out.split("Team code: ")[1].split()[0:4]
    assert mia("sync", passphrase=PASSPHRASE)[0] == 0

    invitation = tmp_path / "ana.crosscoach-invite"
    code, out, err = mia("team", "invite", "--name", "Ana Silva", "--role", "rep",
                         "--to", str(invitation), passphrase=PASSPHRASE)  # fmt: skip
    assert code == 0, err and invitation.exists()

    ana = at("ana-laptop")
    code, out, err = ana("team", "join", str(invitation))
    assert code == 0, err
    assert "You joined as Ana Silva (rep)" in out
    assert out.split("Team code: ")[1].split()[0:4] == team_code  # compared in person

    mia("sync", passphrase=PASSPHRASE)
    code, out, _ = mia("team", "show", "--json", passphrase=PASSPHRASE)
    shown = json.loads(out)
    assert [w["name"] for w in shown["waiting"]] == ["Ana Silva"]
    code, out, err = mia("team", "approve", "Ana Silva", passphrase=PASSPHRASE)
    assert code == 0, err
    mia("sync", passphrase=PASSPHRASE)
    ana("sync")
    code, out, _ = ana("team", "show", "--json")
    roster = {m["name"]: m["role"] for m in json.loads(out)["members"]}
    assert roster == {"Mia": "manager", "Ana Silva": "rep"}
    # Ana's own profile, made before the approval, counts on Mia's computer now
    code, out, _ = mia("profile", "list", "--json", passphrase=PASSPHRASE)
    assert "Ana Silva" in {p["name"] for p in json.loads(out)}
    code, out, _ = mia("sync", "--json", passphrase=PASSPHRASE)
    assert json.loads(out)["set_aside"] == []


def test_a_rep_cannot_found_or_approve(office):
    at, share, _ = office
    rob = at("rob-laptop")
    rob("profile", "create", "--name", "Rob", "--role", "rep")
    code, _, err = rob("team", "found")
    assert code == 4 and "Only managers can found the team's roster" in err
    code, _, err = rob("team", "approve", "Ana")
    assert code == 4 and "Only managers" in err
