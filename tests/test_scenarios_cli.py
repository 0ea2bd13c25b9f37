"""``crosscoach scenarios ...`` through the real CLI."""

from __future__ import annotations

import json

from scenarios_support import dump_database, pack_data, scenario, write_pack

from app.bootstrap import open_context


def test_list_shows_the_builtins_in_a_fresh_data_folder(cli, data_dir):
    assert not data_dir.exists()
    code, out, err = cli("scenarios", "list")
    assert code == 0 and err == ""
    lines = out.splitlines()[2:]
    assert len(lines) >= 7
    assert any("Burger" in line and "Fries" in line for line in lines)
    code, out, _ = cli("scenarios", "list", "--json")
    rows = json.loads(out)
    assert len(rows) == len(lines) and {"id", "key", "title", "tags"} <= set(rows[0])


def test_list_search(cli):
    code, out, _ = cli("scenarios", "list", "--search", "life insurance", "--json")
    assert [r["key"] for r in json.loads(out)] == ["bank-life-insurance"]
    code, out, _ = cli("scenarios", "list", "--search", "zebra")
    assert code == 0 and "No scenarios match." in out


def test_show_prints_rubric_with_weights(cli):
    code, out, _ = cli("scenarios", "show", "pacemaker-loop-recorder")
    assert code == 0
    assert "Implantable loop recorder" in out and "Talking points:" in out
    assert "Accurate and within the rules" in out and "27 %" in out
    code, out, _ = cli("scenarios", "show", "burger-fries", "--json")
    detail = json.loads(out)
    assert [c["weight"] for c in detail["criteria"]] == [2.0, 3.0, 2.0, 2.0]
    code, _, err = cli("scenarios", "show", "no-such-scenario")
    assert code == 3 and "There is no scenario 'no-such-scenario'" in err
    assert "What to do:" in err and "Traceback" not in err


def test_validate_good_and_bad(cli, tmp_path):
    good = write_pack(tmp_path / "good", pack_data())
    code, out, _ = cli("scenarios", "validate", str(good))
    assert code == 0 and out.startswith("valid: 1 scenarios")
    bad = write_pack(
        tmp_path / "bad",
        pack_data(scenarios=[scenario("a", title=""), scenario("b", difficulty="extreme")]),
    )
    code, out, err = cli("scenarios", "validate", str(bad))
    assert code != 0 and out == ""
    assert "2 problem(s)" in err
    assert "scenarios[0].title" in err and "scenarios[1].difficulty" in err
    assert str(bad / "pack.yaml") in err


def test_import_and_export_through_the_cli(cli, data_dir, tmp_path):
    pack = write_pack(tmp_path / "pack", pack_data())
    code, _, err = cli("scenarios", "import", str(pack))
    assert code != 0 and "does not know who you are" in err

    cli("profile", "create", "--name", "Rick", "--role", "rep")
    ctx = open_context(data_dir)
    before = dump_database(ctx)
    ctx.close()
    code, _, err = cli("scenarios", "import", str(pack))
    assert code == 4 and "Only trainers and managers can import scenario packs" in err
    ctx = open_context(data_dir)
    assert dump_database(ctx) == before
    ctx.close()

    cli("profile", "create", "--name", "Tina", "--role", "trainer")
    code, out, err = cli("--as", "Tina", "scenarios", "import", str(pack))
    assert code == 0, err
    assert "1 new and 0 updated scenarios" in out
    code, out, _ = cli("--as", "Tina", "scenarios", "import", str(pack))
    assert "0 new and 1 updated scenarios" in out

    code, out, _ = cli("scenarios", "export", "tent-bag", "burger-fries", str(tmp_path / "two.zip"))
    assert code == 0 and "Exported 2 scenarios" in out
    code, out, _ = cli("scenarios", "validate", str(tmp_path / "two.zip"))
    assert code == 0 and out.startswith("valid: 2 scenarios")
    code, out, _ = cli("scenarios", "export", "--all", str(tmp_path / "all"))
    assert code == 0 and "Exported 12 scenarios" in out
    assert (tmp_path / "all" / "pack.yaml").is_file()

    code, _, err = cli("scenarios", "export", str(tmp_path / "nothing.zip"))
    assert code == 2 and "one or more IDs or keys, or --all" in err
    code, _, err = cli("scenarios", "export", "--all", str(tmp_path / "two.zip"))
    assert code == 2 and "does not overwrite" in err
