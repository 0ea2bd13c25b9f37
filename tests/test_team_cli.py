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


TOM = "tom's long passphrase"


def _team_with_tom(office):
    """Mia founds the roster and invites Tom, a trainer, who joins from his laptop and
    is approved. Returns both computers."""
    at, share, tmp_path = office
    mia, tom = at("mia-laptop"), at("tom-laptop")
    mia("profile", "create", "--name", "Mia", "--role", "manager", passphrase=PASSPHRASE)
    mia("remote", "set", share, passphrase=PASSPHRASE)
    mia("team", "found", passphrase=PASSPHRASE)
    invitation = tmp_path / "tom.crosscoach-invite"
    mia("team", "invite", "--name", "Tom", "--role", "trainer", "--to", str(invitation),
        passphrase=PASSPHRASE)  # fmt: skip
    mia("sync", passphrase=PASSPHRASE)
    code, out, err = tom("team", "join", str(invitation), passphrase=TOM)
    assert code == 0, err
    assert "You joined as Tom (trainer)" in out
    mia("sync", passphrase=PASSPHRASE)
    assert mia("team", "approve", "Tom", passphrase=PASSPHRASE)[0] == 0
    mia("sync", passphrase=PASSPHRASE)
    tom("sync", passphrase=TOM)
    return mia, tom


def _toms_keys(call, passphrase: str) -> list[dict]:
    code, out, err = call("team", "show", "--json", passphrase=passphrase)
    assert code == 0, err
    return [m for m in json.loads(out)["members"] if m["name"] == "Tom"]


def test_nobody_chooses_a_first_passphrase_for_someone_the_roster_knows(office):
    mia, _tom = _team_with_tom(office)
    # Tom's profile reached Mia's laptop, and the roster holds the key of his own laptop:
    # typing "a passphrase for Tom" here must not make him a second key.
    code, _, err = mia("--as", "Tom", "team", "show", passphrase="I say I am Tom")
    assert code != 0
    assert "the team's roster holds the key Tom uses on another one" in err
    assert len(_toms_keys(mia, PASSPHRASE)) == 1


def test_a_managers_reset_moves_the_roster_to_the_new_key(office, monkeypatch, tmp_path):
    mia, tom = _team_with_tom(office)
    [before] = _toms_keys(mia, PASSPHRASE)
    old_key = tmp_path / "tom-old.key"  # Tom's key as his laptop holds it
    assert tom("key", "export", "--to", str(old_key), passphrase=TOM)[0] == 0

    monkeypatch.setenv("CROSSCOACH_NEW_PASSPHRASE", "tom's brand new words")
    code, out, err = mia("profile", "reset-passphrase", "Tom", passphrase=PASSPHRASE)
    assert code == 0, err
    assert "roster trusts the new key from now on" in out
    monkeypatch.delenv("CROSSCOACH_NEW_PASSPHRASE")
    mia("sync", passphrase=PASSPHRASE)
    tom("sync", passphrase=TOM)

    # Every computer of the team now holds both keys: the old one revoked, the new one not.
    for call, words in ((mia, PASSPHRASE), (tom, TOM)):
        keys = {k["fingerprint"]: k["revoked_at"] for k in _toms_keys(call, words)}
        assert len(keys) == 2
        assert keys[before["fingerprint"]] is not None
        assert [f for f, revoked in keys.items() if revoked is None] != [before["fingerprint"]]

    # The old key, exported before, is no longer one the team trusts: no computer takes it.
    code, _, err = mia("key", "import", str(old_key), passphrase=TOM)
    assert code != 0
    assert "not the key the team's roster holds for Tom" in err
