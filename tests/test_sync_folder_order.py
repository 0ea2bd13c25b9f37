"""Change files out of order, from a newer CrossCoach, and a data folder from an earlier one.

Cloud drives deliver files in any order; a colleague may update CrossCoach
before the rest of the team; a data folder synced by the earlier release
(numeric read cursors, no change log) must carry on without losing or
doubling anything.
"""

from __future__ import annotations

import json
import shutil
from collections import Counter

import pytest
from sqlalchemy import delete, select
from sync_support import Office, as_person, assert_converged

from app.cli.main import run
from app.core.models import LocalState, Scenario, SyncLogEntry
from app.review.comments import add_comment
from app.review.scoring import edit_review, score_submission
from app.review.top_videos import mark_top
from app.sync import folder as folder_remote
from app.sync import remote as remote_module
from app.sync.service import SyncService


@pytest.fixture
def office(make_device, tmp_path, clips):
    """Tina's laptop (trainer), Tom's laptop (the reader here), Rob's laptop with one take."""
    office = Office("folder", make_device, tmp_path)
    a = office.device("tina-laptop", "Tina")
    tina = office.add(a, "Tina", "trainer")
    tom = office.add(a, "Tom", "trainer", by=tina)
    rob = office.add(a, "Rob", "rep", by=tina)
    scenario = a.make_catalogue(tina)
    a.sync()
    b, c = office.device("tom-laptop", "Tom"), office.device("rob-laptop", "Rob")
    c.sync()
    take = c.submit(rob, scenario, clips[0])
    for device in (c, a, b):
        device.sync()
    people = {"tina": tina, "tom": tom, "rob": rob, "scenario": scenario, "take": take}
    return office, (a, b, c), people


def _files(office, device) -> list:
    return sorted((office.share / "devices" / device.db.device_id / "changes").glob("*.json"))


def _versions_in(files) -> Counter:
    """(table, id, version) of every change in these change files."""
    found = Counter()
    for f in files:
        for c in json.loads(f.read_bytes())["changes"]:
            found[(c["table"], c["id"], c["version"])] += 1
    return found


def _log(device, from_device) -> Counter:
    with device.db.session() as s:
        rows = s.execute(
            select(SyncLogEntry.table_name, SyncLogEntry.record_id, SyncLogEntry.version).where(
                SyncLogEntry.device_id == from_device.db.device_id
            )
        )
        return Counter(tuple(r) for r in rows)


def _remote_show(device, capsys) -> dict:
    capsys.readouterr()
    assert run(["--data-dir", str(device.root), "remote", "show", "--json"]) == 0
    return json.loads(capsys.readouterr().out)


def test_a_change_file_that_arrives_late_is_applied_once(office, tmp_path, capsys):
    office, (a, b, c), p = office
    tina, take = p["tina"], p["take"]
    # Tina's file 2: her review and a new scenario; file 3: edits of both, a comment.
    review = as_person(a, tina, lambda s, me: score_submission(s, me, take, {"opening": 2, "bridge": 3}))  # fmt: skip
    tea = a.make_catalogue(tina, "tea")
    a.sync()
    as_person(a, tina, lambda s, me: edit_review(s, me, review.id, {"opening": 4, "bridge": 3}))
    as_person(a, tina, lambda s, me: add_comment(s, me, take, 0.5, "Good pace"))
    as_person(a, tina, lambda s, me: mark_top(s, me, take, "Clear bridge"))
    a.edit_scenario(tina, tea, "Tea and biscuits")
    a.sync()
    files = _files(office, a)
    assert [f.name for f in files] == ["0000000001.json", "0000000002.json", "0000000003.json"]

    # The cloud drive has not delivered file 2 yet when Tom's laptop syncs.
    held = tmp_path / "not-delivered-yet"
    held.mkdir()
    shutil.move(files[1], held / files[1].name)
    report = b.sync()
    assert report.records_down > 0 and not report.warnings
    assert report.waiting >= 1  # the renamed scenario waits for its products and rubric
    status = SyncService(b.db, b.ctx.settings).status(ask_remote=True)
    assert status.changes_waiting_down == 0  # nothing on the share to read yet ...
    waiting = [i for i in status.set_aside if i["waiting"]]
    assert any("Tea and biscuits" in i["what"] for i in waiting)  # ... but something waits
    assert _remote_show(b, capsys)["changes_waiting_down"] == 0
    with b.db.session() as s:
        assert s.get(Scenario, tea) is None
    (top,) = b.dump()["top_videos"]  # what does not depend on file 2 is here already
    assert b.dump()["reviews"][0]["scores"] == {"opening": 4, "bridge": 3}

    shutil.move(held / files[1].name, files[1])  # delivered at last
    assert SyncService(b.db, b.ctx.settings).status(ask_remote=True).changes_waiting_down == 1
    assert _remote_show(b, capsys)["changes_waiting_down"] == 1
    report = b.sync()
    assert report.waiting == 0 and not report.warnings and not report.set_aside
    assert _remote_show(b, capsys)["changes_waiting_down"] == 0

    # Every version Tina published is in Tom's log exactly once, accepted, and his
    # records are hers.
    published = _versions_in(files)
    assert set(published.values()) == {1}
    assert _log(b, a) == published
    with b.db.session() as s:
        verdicts = set(s.scalars(select(SyncLogEntry.verdict)))
        assert s.get(Scenario, tea).title == "Tea and biscuits"
    assert verdicts == {"accepted"}
    assert_converged(a, b)
    again = b.sync()
    assert again.records_down == 0 and not again.warnings


def test_a_file_from_a_newer_crosscoach_is_read_after_the_update(office, monkeypatch):
    office, (a, b, c), p = office
    as_person(a, p["tina"], lambda s, me: add_comment(s, me, p["take"], 0.5, "From the future"))
    a.sync()
    newest = _files(office, a)[-1]
    payload = json.loads(newest.read_bytes())
    payload["format"] = 3  # Tina updated CrossCoach; the change file format moved on
    newest.write_text(json.dumps(payload))

    report = b.sync()
    reason = "it was written by a newer CrossCoach; it is read after this one is updated"
    assert any(str(newest) in w and reason in w for w in report.warnings)
    assert any(str(newest) in i["what"] and reason in i["what"] for i in report.set_aside)
    assert not b.dump()["comments"]
    report = b.sync()  # not read again while nothing changed ...
    assert not report.warnings and any(str(newest) in i["what"] for i in report.set_aside)

    monkeypatch.setattr(remote_module, "CHANGES_FORMAT", 3)  # ... until Tom updates too
    monkeypatch.setattr(folder_remote, "CHANGES_FORMAT", 3)
    report = b.sync()
    assert report.records_down == 1 and not report.warnings and not report.set_aside
    assert [c["text"] for c in b.dump()["comments"]] == ["From the future"]
    assert_converged(a, b)


def test_a_decision_read_before_the_take_it_is_about_waits_instead_of_being_refused(office):
    """A trainer's decision on a take (a version by someone other than its author) read
    before the take itself was refused, and the refusal undone when the take arrived: a
    new device's first sync listed "Refused Rob's take ..." for every decision it met."""
    office, (a, b, c), p = office
    as_person(a, p["tina"], lambda s, me: score_submission(s, me, p["take"], {"opening": 2, "bridge": 2}))  # fmt: skip
    a.sync()
    d = office.device("tina-desktop", "Tina")
    rob_folder = office.share / "devices" / c.db.device_id
    aside = office.share.parent / "not-delivered-yet"
    shutil.move(rob_folder, aside)  # the cloud drive brings Tina's files first
    report = d.sync()
    assert not any(w.startswith("Refused") for w in report.warnings), report.warnings
    (waits,) = [i for i in report.set_aside if "Rob's take" in i["what"]]
    assert waits["waiting"] and waits["reason"] == "the record it changes has not arrived yet"
    shutil.move(aside, rob_folder)
    report = d.sync()
    assert not report.warnings and not report.set_aside and report.waiting == 0
    assert_converged(a, d)


def _as_earlier_release(device) -> None:
    """Make a data folder look as the earlier release left it: read cursors as the
    highest number read per source, changes waiting for a parent kept under
    ``sync:held:``, and no change log."""
    with device.db.session() as s:
        waiting = s.execute(
            select(SyncLogEntry.change).where(SyncLogEntry.verdict.in_(("waiting", "held")))
        ).scalars()
        held = [json.loads(w) for w in waiting]
        marks = s.scalars(select(LocalState).where(LocalState.key.like("sync:%:read:%"))).all()
        cursors = {m.key.replace(":read:", ":cursor:"): json.loads(m.value)["upto"] for m in marks}
        s.execute(delete(SyncLogEntry))
        s.execute(delete(LocalState).where(LocalState.key == "sync:log_seeded"))
        s.execute(delete(LocalState).where(LocalState.key.like("sync:%:read:%")))
        for key, upto in cursors.items():
            s.add(LocalState(key=key, value=str(upto)))
        for change in held:
            s.add(LocalState(key=f"sync:held:{change['table']}:{change['id']}", value=json.dumps(change)))  # fmt: skip
    assert cursors and held


def test_a_data_folder_synced_by_the_earlier_release_upgrades_without_loss(office, clips):
    office, (a, b, c), p = office
    tina, tom, rob = p["tina"], p["tom"], p["rob"]
    review = as_person(a, tina, lambda s, me: score_submission(s, me, p["take"], {"opening": 1, "bridge": 1}))  # fmt: skip
    as_person(a, tina, lambda s, me: edit_review(s, me, review.id, {"opening": 5, "bridge": 5}))
    as_person(a, tina, lambda s, me: add_comment(s, me, p["take"], 0.1, "Early"))
    a.sync()
    second = c.submit(rob, p["scenario"], clips[1])
    c.sync()
    a.sync()
    as_person(a, tina, lambda s, me: score_submission(s, me, second, {"opening": 3, "bridge": 3}))
    a.sync()
    # Tom's laptop reads Tina's files but not Rob's: her review of the second take waits.
    rob_folder = office.share / "devices" / c.db.device_id
    aside = office.share.parent / "rob-folder-elsewhere"
    shutil.move(rob_folder, aside)
    b.sync()
    shutil.move(aside, rob_folder)  # back, but Tom's laptop has not synced since
    # Tom's own comment, made offline, not sent yet.
    as_person(b, tom, lambda s, me: add_comment(s, me, p["take"], 0.9, "Tom, offline"))
    before = b.dump()
    _as_earlier_release(b)

    as_person(a, tina, lambda s, me: add_comment(s, me, second, 0.3, "After the update"))
    a.sync()
    report = b.sync()
    assert not report.warnings and report.waiting == 0
    assert report.records_up == 1  # Tom's offline comment
    after = b.dump()
    for table, rows in before.items():  # nothing lost ...
        now = {r["id"]: r for r in after[table]}
        assert all(now[r["id"]]["version"] >= r["version"] for r in rows)
    a.sync()
    c.sync()
    final = assert_converged(a, b, c)
    assert [c["text"] for c in final["comments"]].count("Tom, offline") == 1  # ... or doubled
    assert len(final["reviews"]) == 2 and len(final["submissions"]) == 2
    with b.db.session() as s:
        assert s.get(LocalState, "sync:log_seeded") is not None
        assert not list(s.scalars(select(LocalState).where(LocalState.key.like("sync:held:%"))))
    for other in (a, c):  # each version of theirs once in Tom's log
        assert set(_log(b, other).values()) == {1}
        assert _log(b, other) >= _versions_in(_files(office, other))
