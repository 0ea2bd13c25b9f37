"""``crosscoach sync`` and ``crosscoach remote`` through the real CLI."""

from __future__ import annotations

import json

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from app.cli.main import run
from app.core.settings import Settings


def test_remote_set_show_and_sync_between_two_data_folders(cli, data_dir, tmp_path, capsys):
    share = tmp_path / "team share"
    code, out, _ = cli("profile", "create", "--name", "Tina", "--role", "trainer")
    assert code == 0
    code, out, err = cli("remote", "set", f"folder:{share}")
    assert code == 0, err
    assert (share / "crosscoach-share.json").exists()
    code, out, _ = cli("remote", "show", "--json")
    shown = json.loads(out)
    assert shown["remote"] == f"folder:{share.resolve()}"
    assert shown["changes_waiting_up"] > 0

    code, out, _ = cli("sync", "--json")
    sent = json.loads(out)
    assert code == 0 and sent["records_up"] == shown["changes_waiting_up"]

    other = tmp_path / "second-device"
    code = run(["--data-dir", str(other), "sync", "--remote", f"folder:{share}"])
    out = capsys.readouterr().out
    assert code == 0 and "received" in out
    run(["--data-dir", str(other), "profile", "list", "--json"])
    names = [p["name"] for p in json.loads(capsys.readouterr().out)]
    assert names == ["Tina"]

    code, out, _ = cli("sync")
    assert code == 0 and out.startswith("Sent 0 change(s)")


def test_sync_without_a_remote_says_how_to_set_one(cli):
    code, _, err = cli("sync")
    assert code == 2
    assert "No remote is set up" in err and "crosscoach remote set" in err


def test_unknown_remote_is_refused_plainly(cli):
    code, _, err = cli("remote", "set", "ftp://example.com/share")
    assert code == 2
    assert "not a remote CrossCoach understands" in err and "What to do" in err


def test_unreachable_folder_keeps_changes_waiting(cli, tmp_path):
    cli("profile", "create", "--name", "Rob", "--role", "rep")
    code, _, err = cli("sync", "--remote", f"folder:{tmp_path / 'usb-stick-not-plugged-in'}")
    assert code == 2
    assert "is not reachable" in err and "wait on this device" in err
    code, out, _ = cli("remote", "show", "--json", "--offline")
    assert json.loads(out)["last_error"].endswith("is not reachable.")


def test_database_password_never_lands_in_settings(cli, data_dir, pg_database):
    with_password = pg_database.replace("postgres@", "postgres:s3cret-pw@")
    # Something of this device's own to send (the built-in pack is shipped, never sent).
    assert cli("profile", "create", "--name", "Tina", "--role", "trainer")[0] == 0
    code, out, err = cli("remote", "set", with_password + "?sslmode=prefer")
    assert code == 0, err
    assert "keyring" in out  # stored there, or said plainly that it was not stored
    stored = Settings(data_dir / "settings.json").get("remote")
    assert "s3cret-pw" not in (data_dir / "settings.json").read_text()
    assert stored.startswith("postgresql://postgres@127.0.0.1:5432/")
    code, out, _ = cli("remote", "show", "--json")
    shown = json.loads(out)
    assert shown["sslmode"] == "prefer"
    assert shown["password"]  # says where the password comes from
    code, out, err = cli("sync", "--json")
    assert code == 0, err
    assert json.loads(out)["records_up"] > 0


def test_admin_commands_set_up_the_database_and_map_a_login(cli, pg_database):
    code, out, err = cli("remote", "setup-postgres", pg_database)  # again: idempotent
    assert code == 0, err
    assert "row-level security" in out
    cli("profile", "create", "--name", "Ana Silva", "--role", "rep")
    login = make_url(pg_database).database + "_ana"
    code, out, err = cli("remote", "add-member", pg_database, "--login", login, "--person", "Ana")
    assert code == 3 and "no profile called 'Ana'" in err
    code, out, err = cli(
        "remote", "add-member", pg_database, "--login", login, "--person", "Ana Silva"
    )
    assert code == 0, err
    engine = create_engine(pg_database.replace("postgresql://", "postgresql+psycopg://", 1))
    with engine.connect() as c:
        member = c.execute(
            text("SELECT role FROM crosscoach.members WHERE login = :l"), {"l": login}
        ).scalar_one()
        groups = c.execute(
            text(
                "SELECT g.rolname FROM pg_auth_members m JOIN pg_roles g ON g.oid = m.roleid "
                "JOIN pg_roles u ON u.oid = m.member WHERE u.rolname = :l"
            ),
            {"l": login},
        ).scalars()
        # the login joins this database's own group, and nothing shared with other databases
        assert member == "rep" and list(groups) == [make_url(pg_database).database + "_team"]
    engine.dispose()
    code, _, err = cli(
        "remote", "add-member", pg_database, "--login", "Bad Name!", "--person", "Ana Silva"
    )
    assert code == 2 and "not a login name" in err
