# ruff: noqa: F811  (the fixtures imported from the support modules are parameters here)
"""Every database survives: each way it can fail is named in one plain sentence, nothing on
disk is lost, and the documented action brings the takes back.

Through the real ``crosscoach`` command (in-process, and as a process where stderr matters),
on real SQLite files damaged for real, with a real second process holding the write lock
and a real small filesystem filled up or made read-only.
"""

from __future__ import annotations

import json
import shutil
import sqlite3
import subprocess
from datetime import UTC, datetime, timedelta

import pytest
from db_health_support import (
    TAKES,
    add_take,
    builtin_scenario,
    crosscoach,
    damage_page_in_the_middle,
    digest,
    garbage_header,
    keep_records,
    plain,
    release,
    stocked,  # noqa: F401  (fixture)
    take_ids_listed,
    truncate,
    writing_elsewhere,
)
from recorder_support import fill, small_disk  # noqa: F401  (fixture)
from sqlalchemy import select

from app.bootstrap import open_context, rebuild_installation, restore_installation
from app.core import backups, health
from app.core.errors import DatabaseProblem
from app.core.models import Person, Take
from app.core.paths import DataPaths
from app.core.rebuild import read_take_records


def test_a_truncated_database_is_named_and_a_backup_brings_every_take_back(stocked, cli, make_take):
    code, _, err = cli("backup", "make")
    assert code == 0, err
    [made] = backups.list_backups(stocked.paths)
    ana = stocked.profile().id
    later = add_take(stocked, make_take, ana, attempt=TAKES + 1)  # recorded after the backup
    before = take_ids_listed(cli)
    assert later in before and len(before) == TAKES + 1
    stocked.close()
    db = stocked.paths.database
    truncate(db)
    damaged = digest(db)

    for command in (
        ("takes", "list"),
        ("record", "--scenario", "phone-headset-sound", "--source", "test"),
    ):
        code, out, err = cli(*command)
        assert code == 5 and out == ""
        assert f"The database {db} is damaged" in err
        assert "crosscoach backup restore" in err
        plain(err)
    assert digest(db) == damaged  # failing commands changed nothing on disk

    code, out, err = cli("backup", "restore", made.name)
    assert code == 0, err
    assert "Added back 1 take" in out
    [kept] = list(stocked.paths.set_aside.iterdir())
    assert digest(kept / "crosscoach.db") == damaged  # the damaged file, byte for byte
    assert take_ids_listed(cli) == before


def test_a_garbage_header_gives_one_sentence_and_no_traceback_on_any_command(stocked, cli):
    db = stocked.paths.database
    garbage_header(db)
    damaged = digest(db)
    for command in (
        ("takes", "list"),
        ("record", "--scenario", "phone-headset-sound", "--source", "test"),
    ):
        done = crosscoach(stocked.paths.root, *command)
        _, err = done.communicate(timeout=60)
        assert done.returncode == 5
        assert "no longer starts the way a database file does" in err
        plain(err)
    done = crosscoach(stocked.paths.root, "doctor", "--source", "test")
    out, err = done.communicate(timeout=60)
    assert done.returncode == 1 and err == ""
    assert "[PROBLEM] database: The database" in out and "is damaged" in out
    assert "[ok] ffmpeg" in out  # the other checks still ran
    assert digest(db) == damaged

    code, out, err = cli("database", "rebuild")  # no backup yet: rebuilt from the records
    assert code == 0, err
    assert f"Added back {TAKES} takes" in out and "Added back the profiles of: Ana" in out
    assert "Submissions, reviews, comments" in out  # what could not be rebuilt is said
    assert len(take_ids_listed(cli)) == TAKES


def test_a_damaged_page_in_the_middle_is_found_by_the_check_and_a_rebuild_recovers(
    stocked, cli, make_take
):
    with stocked.db.session() as s:
        take = s.scalars(select(Take)).first()
        values = {c.key: getattr(take, c.key) for c in Take.__table__.columns if c.key != "id"}
        for n in range(400):  # enough takes for their table to span many pages
            s.add(Take(**{**values, "attempt": 10 + n}))
    keep_records(stocked)
    before = take_ids_listed(cli)
    stocked.close()
    db = stocked.paths.database
    page = damage_page_in_the_middle(db, holding=before[len(before) // 2].encode())
    damaged = digest(db)
    assert 2 < page < db.stat().st_size // 4096

    code, _, err = cli("takes", "list")
    assert code == 5 and f"The database {db} is damaged: " in err
    plain(err)
    assert digest(db) == damaged

    code, out, err = cli("database", "rebuild", "--json")
    assert code == 0, err
    report = json.loads(out)
    assert len(report["takes"]) == len(before) and report["people"] == ["Ana"]
    assert digest(stocked.paths.set_aside / report["kept_aside"] / "crosscoach.db") == damaged
    assert take_ids_listed(cli) == before


def test_an_empty_database_is_never_replaced_silently(stocked, cli):
    db = stocked.paths.database
    before = take_ids_listed(cli)
    stocked.close()
    db.write_bytes(b"")
    for command in (("takes", "list"), ("profile", "list")):
        code, _, err = cli(*command)
        assert code == 5
        assert (
            f"The database {db} is empty, but this data folder still holds {TAKES} recordings"
            in err
        )
        plain(err)
    assert db.exists() and db.stat().st_size == 0  # still there, still empty: not replaced

    code, out, err = cli("database", "rebuild")
    assert code == 0, err
    assert take_ids_listed(cli) == before
    [kept] = list(stocked.paths.set_aside.iterdir())
    assert (kept / "crosscoach.db").stat().st_size == 0


def test_a_missing_database_with_takes_on_disk_is_said_and_restored(stocked, cli):
    code, _, _ = cli("profile", "list")  # the day's first command makes the daily backup
    [daily] = backups.list_backups(stocked.paths)
    assert code == 0 and daily.kind == backups.DAILY
    before = take_ids_listed(cli)
    stocked.close()
    stocked.paths.database.unlink()
    code, _, err = cli("takes", "list")
    assert code == 5 and "is missing, but this data folder still holds" in err
    assert "1 backup" in err
    plain(err)
    assert not stocked.paths.database.exists()  # nothing was created in its place
    code, out, err = cli("backup", "restore", "--json")
    assert code == 0, err
    assert json.loads(out)["restored"]["name"] == daily.name
    assert take_ids_listed(cli) == before


def test_another_process_writing_makes_a_write_wait_then_names_it(ctx, cli, monkeypatch):
    monkeypatch.setattr(health, "LOCK_WAIT_SECONDS", 2.0)
    with writing_elsewhere(ctx.paths.database) as holder:
        code, out, err = cli("profile", "create", "--name", "Zed-Sentinel", "--role", "rep")
        assert code == 5 and out == ""
        assert "is writing to the database; waiting…" in err
        assert f"process {holder.pid}) is still writing to the database after 2 seconds" in err
        assert "Zed-Sentinel" not in err  # the values it was writing never reach the user
        plain(err)
        code, out, _ = cli("profile", "list")  # reading does not wait for a writer
        assert code == 0 and "Zed-Sentinel" not in out
    code, out, err = cli("profile", "create", "--name", "Zed-Sentinel", "--role", "rep")
    assert code == 0, err


def test_a_command_waits_for_the_other_writer_and_then_goes_on(ctx):
    with writing_elsewhere(ctx.paths.database) as holder:
        command = crosscoach(ctx.paths.root, "profile", "create", "--name", "Bo", "--role", "rep")
        notice = command.stderr.readline()
        assert notice.startswith("crosscoach: Another program (python")
        assert notice.endswith(f"process {holder.pid}) is writing to the database; waiting…\n")
        release(holder)
        out, err = command.communicate(timeout=60)
    assert command.returncode == 0, err
    assert out.startswith("Created rep Bo")


def test_a_full_disk_is_named_and_nothing_is_lost(small_disk, monkeypatch):
    monkeypatch.delenv("CROSSCOACH_PROFILE", raising=False)
    disk = small_disk(8)
    ctx = open_context(disk / "data")
    try:
        from app.core.profiles import create_profile, parse_role

        with ctx.session() as s:
            ana = create_profile(s, "Ana", parse_role("rep"))
        ctx.use_profile(ana)
        _small_take(ctx, ana.id, builtin_scenario(ctx))
        keep_records(ctx)
    finally:
        ctx.close()
    db = ctx.paths.database
    kept = digest(db)
    filler = fill(disk, leave_bytes=0)
    for command in (("takes", "list"), ("profile", "create", "--name", "Bo", "--role", "rep")):
        done = crosscoach(ctx.paths.root, *command)
        _, err = done.communicate(timeout=60)
        assert done.returncode == 5
        assert f"The disk holding {ctx.paths.root} is full" in err and "Free some space" in err
        plain(err)
    assert digest(db) == kept
    filler.unlink()
    done = crosscoach(ctx.paths.root, "takes", "list", "--json")
    out, err = done.communicate(timeout=60)
    assert done.returncode == 0, err
    assert len(json.loads(out)) == 1


def _small_take(ctx, person_id, scenario_id):
    """A take whose 'video' is a few bytes: a small disk has no room for ffmpeg's clips."""
    from app.core.clock import utcnow
    from app.core.media import store_file

    clip = ctx.paths.root / "clip.mp4"
    clip.write_bytes(b"a tiny stand-in for a video")
    sha, stored = store_file(ctx.paths.media, clip, move=True)
    with ctx.session() as s:
        take = Take(person_id=person_id, scenario_id=scenario_id, sha256=sha,
                    size_bytes=stored.stat().st_size, duration_seconds=1.0, width=16, height=9,
                    recorded_at=utcnow())  # fmt: skip
        s.add(take)
        s.flush()
        return take.id


def test_a_read_only_data_folder_is_named_and_nothing_changes(small_disk, cli, data_dir):
    disk = small_disk(16)
    root = disk / "data"
    code, _, err = cli(
        "--data-dir", str(root), "profile", "create", "--name", "Ana", "--role", "rep"
    )
    assert code == 0, err
    kept = {p.name: digest(p) for p in root.iterdir() if p.is_file()}
    subprocess.run(["mount", "-o", "remount,ro", str(disk)], check=True)
    for command in (("profile", "list"), ("takes", "list")):
        code, _, err = cli("--data-dir", str(root), *command)
        assert code == 5
        assert f"CrossCoach cannot write to its data folder {root}: it is read-only." in err
        plain(err)
    assert {p.name: digest(p) for p in root.iterdir() if p.is_file()} == kept
    subprocess.run(["mount", "-o", "remount,rw", str(disk)], check=True)
    code, out, _ = cli("--data-dir", str(root), "profile", "list")
    assert code == 0 and "Ana" in out


# --- backups ----------------------------------------------------------------------------------


def test_the_daily_backup_is_made_once_a_day_and_the_last_seven_are_kept(ctx):
    paths = ctx.paths
    manual = backups.make_backup(paths)
    day = datetime(2026, 3, 2, 12, tzinfo=UTC)
    made = []
    for n in range(9):
        now = day + timedelta(days=n)
        made.append(_daily_on(paths, now))
        assert _daily_on(paths, now + timedelta(minutes=5)) is None  # once a day
    kept = backups.list_backups(paths)
    assert [b.name for b in kept if b.kind == backups.DAILY] == [m.name for m in made[::-1][:7]]
    assert manual.name in [b.name for b in kept]  # made by hand: never rotated
    for backup in kept:
        assert health.quick_check(backup.path) == ["ok"]
        assert not backup.path.with_name(backup.name + "-wal").exists()  # one file each


def _daily_on(paths, now):
    return backups.daily_backup(paths, now=now)


def test_a_damaged_database_never_pushes_good_backups_out(stocked):
    paths = stocked.paths
    good = [_daily_on(paths, datetime(2026, 3, d, 9, tzinfo=UTC)) for d in range(1, 8)]
    with stocked.db.session() as s:
        take = s.scalars(select(Take)).first()
        holding = take.id.encode()
    stocked.close()
    damage_page_in_the_middle(paths.database, holding=holding)
    with pytest.raises(DatabaseProblem) as problem:
        _daily_on(paths, datetime(2026, 3, 8, 9, tzinfo=UTC))
    assert problem.value.kind == health.DAMAGED
    assert [b.name for b in backups.list_backups(paths)] == [g.name for g in good[::-1]]
    assert [p.name for p in paths.backups.iterdir() if p.name.startswith(".")] == []


def test_a_backup_made_while_another_process_writes_is_consistent(ctx):
    with writing_elsewhere(ctx.paths.database):
        made = backups.make_backup(ctx.paths)
    con = sqlite3.connect(made.path)
    held = con.execute("SELECT count(*) FROM local_state WHERE key = 'held-by-test'").fetchone()
    con.close()
    assert held == (0,) and health.quick_check(made.path) == ["ok"]


def test_restoring_into_an_open_database_keeps_the_current_one_aside(ctx, make_profile, cli):
    make_profile("Before", "rep")
    first = backups.make_backup(ctx.paths)
    make_profile("After", "trainer")
    other = sqlite3.connect(ctx.paths.database)  # another CrossCoach has it open
    try:
        chosen, report = restore_installation(ctx.paths.root, first.name)
        names = {r[0] for r in other.execute("SELECT name FROM people")}
        assert names == {"Before"}  # it sees the restored database at once
    finally:
        other.close()
    assert chosen == first and report.kept_aside
    aside = sqlite3.connect(f"{report.kept_aside}/crosscoach.db")
    assert {r[0] for r in aside.execute("SELECT name FROM people")} == {"Before", "After"}
    aside.close()
    ctx.reopen()
    with ctx.db.session() as s:
        assert [p.name for p in s.scalars(select(Person))] == ["Before"]
    code, out, _ = cli("backup", "list", "--json")
    assert code == 0 and first.name in [b["name"] for b in json.loads(out)]


def test_a_damaged_backup_is_refused(ctx, cli):
    made = backups.make_backup(ctx.paths)
    garbage_header(made.path)
    code, _, err = cli("backup", "restore", made.name)
    assert code == 2 and "is damaged too" in err
    code, _, err = cli("backup", "restore", "nope.db")
    assert code == 3 and "There is no backup called 'nope.db'" in err


# --- take records -----------------------------------------------------------------------------


def test_a_take_of_an_unknown_scenario_waits_and_a_second_rebuild_adds_nothing_twice(
    ctx, make_profile, make_scenario, make_take
):
    ana = make_profile("Ana", "rep")
    make_take(ana.id, make_scenario("imported-pack-scenario"))
    keep_records(ctx)
    ctx.close()
    ctx.paths.database.unlink()
    report = rebuild_installation(ctx.paths.root)
    assert report.takes == [] and report.waiting == [
        {"take_id": report.waiting[0]["take_id"], "scenario": "Scenario imported-pack-scenario"}
    ]
    again = rebuild_installation(ctx.paths.root)  # the database is sound now: only adds
    assert again.takes == [] and again.kept_aside is None and len(again.waiting) == 1


def test_deleting_a_take_removes_its_record(stocked, cli):
    [first, *_] = take_ids_listed(cli)
    code, _, err = cli("takes", "delete", first)
    assert code == 0, err
    records, _ = read_take_records(stocked.paths)
    assert first not in {r["take"]["id"] for r in records} and len(records) == TAKES - 1
    stocked.close()
    stocked.paths.database.unlink()
    rebuild_installation(stocked.paths.root)
    assert first not in take_ids_listed(cli)  # a rebuild does not bring it back


@pytest.mark.slow
def test_a_recorded_take_leaves_its_record_and_comes_back_after_the_database_is_lost(cli, data_dir):
    cli("profile", "create", "--name", "Ana", "--role", "rep")
    code, out, err = cli("record", "--scenario", "phone-headset-sound", "--source", "test",
                         "--seconds", "1", "--json")  # fmt: skip
    assert code == 0, err
    take = json.loads(out)
    paths = DataPaths(data_dir)
    [record] = read_take_records(paths)[0]
    assert record["take"]["sha256"] == take["sha256"] and record["person"]["name"] == "Ana"
    shutil.move(paths.database, data_dir / "lost.db")
    code, _, err = cli("takes", "list")
    assert code == 5 and "is missing" in err
    code, _, err = cli("database", "rebuild")
    assert code == 0, err
    assert take_ids_listed(cli) == [take["id"]]


def test_what_the_lock_table_calls_a_program():
    assert health.program_name(["/usr/bin/crosscoach", "sync"]) == "CrossCoach"
    assert health.program_name(["/usr/bin/python3", "-m", "app", "record"]) == "CrossCoach"
    assert health.program_name(["CrossCoach.exe"]) == "CrossCoach"
    assert health.program_name(["/usr/bin/python3.11", "-c", "..."]) == "python3.11"
    assert health.program_name(["/usr/bin/sqlite3", "crosscoach.db"]) == "sqlite3"
    assert health.program_name([]) is None
