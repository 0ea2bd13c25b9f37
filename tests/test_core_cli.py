"""The command line shell: version, profiles, --as, and errors without tracebacks."""

from __future__ import annotations

import json
import subprocess
import sys

from app import __version__


def test_version(capsys):
    from app.cli.main import run

    try:
        run(["--version"])
    except SystemExit as done:
        assert done.code == 0
    assert capsys.readouterr().out.strip() == f"CrossCoach {__version__}"


def test_profiles_create_list_use(cli):
    code, out, _ = cli(
        "profile", "create", "--name", "Ana Silva", "--role", "rep", "--team", "North"
    )
    assert code == 0 and "Created rep Ana Silva" in out
    cli("profile", "create", "--name", "Tom", "--role", "trainer")
    code, out, _ = cli("profile", "list", "--json")
    people = {p["name"]: p for p in json.loads(out)}
    assert people["Ana Silva"] == {
        **people["Ana Silva"],
        "role": "rep",
        "team": "North",
        "active": True,
    }
    assert people["Tom"]["active"] is False  # the first profile made on a device is the active one
    code, out, _ = cli("profile", "use", "tom")
    assert code == 0 and "Tom (trainer) is now the active profile" in out
    _, out, _ = cli("profile", "list", "--json")
    assert [p["name"] for p in json.loads(out) if p["active"]] == ["Tom"]


def test_names_beyond_ascii_are_found_in_any_case(cli):
    cli("profile", "create", "--name", "Łukasz Ångström", "--role", "rep")
    code, out, err = cli("profile", "use", "łukasz ångström")
    assert code == 0, err
    assert "Łukasz Ångström (rep) is now the active profile" in out


def test_acting_as_someone_unknown_is_a_clear_error(cli):
    code, out, err = cli("--as", "Nobody", "profile", "list")
    assert code != 0 and out == ""
    assert "There is no profile called 'Nobody'" in err and "What to do:" in err
    assert "Traceback" not in err


def test_ambiguous_name_asks_for_the_id(cli):
    cli("profile", "create", "--name", "Sam", "--role", "rep")
    cli("profile", "create", "--name", "sam", "--role", "trainer")
    code, _, err = cli("profile", "use", "Sam")
    assert code != 0 and "More than one profile matches" in err


def test_blank_profile_name_refused(cli):
    code, _, err = cli("profile", "create", "--name", "  ", "--role", "rep")
    assert code == 2 and "needs a name" in err


def test_unwritable_data_folder_is_explained(tmp_path):
    blocked = tmp_path / "file-not-folder"
    blocked.write_text("")
    result = subprocess.run(
        [sys.executable, "-m", "app", "--data-dir", str(blocked / "data"), "profile", "list"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert "cannot write to its data folder" in result.stderr
    assert "Traceback" not in result.stderr


def test_data_dir_from_environment(tmp_path, monkeypatch):
    folder = tmp_path / "from-env"
    monkeypatch.setenv("CROSSCOACH_DATA_DIR", str(folder))
    result = subprocess.run(
        [sys.executable, "-m", "app", "profile", "create", "--name", "Env", "--role", "rep"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert (folder / "crosscoach.db").exists() and (folder / "settings.json").exists()
