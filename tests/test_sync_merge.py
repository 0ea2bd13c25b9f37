"""The merge engine on its own: held children, idempotence, the status the GUI shows."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from app.core.errors import UserError
from app.core.models import Comment, Review, Submission
from app.sync.folder import write_new_file
from app.sync.merge import apply_changes, outgoing
from app.sync.service import SyncService, SyncStatus, one_sync_at_a_time


def _own_changes(device):
    with device.db.session() as s:
        return outgoing(s, device.db.device_id, "")


def test_a_child_arriving_before_its_parent_waits_and_then_lands(make_device, clips):
    a, b = make_device("a"), make_device("b")
    tina, rob = a.make_person("Tina", "trainer"), a.make_person("Rob", "rep")
    scenario = a.make_catalogue(tina)
    before = {c["id"] for c in _own_changes(a)}
    sub = a.submit(rob, scenario, clips[0])
    review = a.review(tina, sub, 75, "Good")
    comment = a.comment(tina, sub, 1.0, "here")
    changes = _own_changes(a)
    base = [c for c in changes if c["id"] in before]
    later = [c for c in changes if c["id"] not in before]
    children = [c for c in later if c["table"] != "submissions"]
    parent = [c for c in later if c["table"] == "submissions"]

    apply_changes(b.db, base)
    result = apply_changes(b.db, children)
    assert result.applied == 0 and result.held == 2
    with b.db.session() as s:
        assert s.get(Review, review) is None
    result = apply_changes(b.db, parent)
    assert result.applied == 3 and result.held == 0
    with b.db.session() as s:
        assert s.get(Review, review).total_points == 75
        assert s.get(Comment, comment).text == "here"


def test_applying_the_same_changes_twice_or_out_of_order_changes_nothing(make_device, clips):
    a, b = make_device("a"), make_device("b")
    tina, rob = a.make_person("Tina", "trainer"), a.make_person("Rob", "rep")
    scenario = a.make_catalogue(tina)
    sub = a.submit(rob, scenario, clips[0])
    first = json.loads(json.dumps(_own_changes(a)))
    a.review(tina, sub, 60, "v1")
    a.review(tina, sub, 90, "v2")  # a newer version of the same review
    newest = _own_changes(a)
    apply_changes(b.db, newest)
    again = apply_changes(b.db, first + newest)  # older and equal versions: no effect
    assert again.applied == 0
    dump = b.dump()
    rows = {(table, r["id"]): r for table, records in dump.items() for r in records}
    for change in newest:  # b holds exactly the newest version of everything a wrote
        held = rows[(change["table"], change["id"])]
        assert held == change["data"] or held["version"] > change["version"]
    (review,) = dump["reviews"]
    assert (review["total_points"], review["feedback"]) == (90, "v2")


def test_service_callbacks_and_status_for_the_gui(make_device, clips, tmp_path):
    (tmp_path / "share").mkdir()
    remote = f"folder:{tmp_path / 'share'}"
    a, b = make_device("a", remote), make_device("b", remote)
    tina, rob = a.make_person("Tina", "trainer"), a.make_person("Rob", "rep")
    a.submit(rob, a.make_catalogue(tina), clips[0])
    service = SyncService(a.db, a.ctx.settings, remote)
    before = service.status(ask_remote=True)
    assert isinstance(before, SyncStatus)
    assert before.last_sync_at is None and before.changes_waiting_up > 0
    assert before.bytes_to_transfer == clips[0].stat().st_size  # the video to send

    stages, done, errors = [], [], []
    service.run(lambda stage, n, total: stages.append(stage), done.append, errors.append)
    assert errors == [] and done[0].media_up == 1
    assert {"push", "media up"} <= set(stages)
    after = service.status(ask_remote=True)
    assert after.changes_waiting_up == 0 and after.last_sync_at is not None
    assert after.last_error is None

    waiting = SyncService(b.db, b.ctx.settings, remote).status(ask_remote=True)
    assert waiting.changes_waiting_down >= 1  # a's change file

    broken = SyncService(a.db, a.ctx.settings, f"folder:{tmp_path / 'gone'}")
    broken.run(on_error=errors.append)
    assert errors and "not reachable" in errors[0].message
    assert broken.status().last_error == errors[0].message


def test_damaged_video_on_the_share_is_uploaded_again_by_its_owner(make_device, clips, tmp_path):
    (tmp_path / "share").mkdir()
    remote = f"folder:{tmp_path / 'share'}"
    a, b = make_device("a", remote), make_device("b", remote)
    tina, rob = a.make_person("Tina", "trainer"), a.make_person("Rob", "rep")
    sub = a.submit(rob, a.make_catalogue(tina), clips[1])
    a.sync()
    (shared,) = (tmp_path / "share" / "media").glob("*/*.mp4")
    shared.chmod(0o644)
    shared.write_bytes(shared.read_bytes()[:-100] + b"\0" * 100)  # bit rot on the drive

    report = b.sync()
    assert report.media_down == 0 and any("damaged" in w for w in report.warnings)
    assert a.sync().media_up == 1  # the owner notices it is gone and sends it again
    assert b.sync().media_down == 1
    with b.db.session() as s:
        sha = s.scalar(select(Submission.sha256).where(Submission.id == sub))
    assert list(b.db.paths.media.glob(f"*/{sha}.mp4"))


def test_only_one_sync_at_a_time_per_device(make_device, tmp_path):
    (tmp_path / "share").mkdir()
    device = make_device("a", f"folder:{tmp_path / 'share'}")
    with one_sync_at_a_time(device.db.paths.root), pytest.raises(UserError) as err:
        device.sync()
    assert err.value.message == "A sync is already running on this device."
    device.sync()  # the lock went with the first one


def test_a_change_file_is_never_replaced(tmp_path):
    target = tmp_path / "0000000001.json"
    assert write_new_file(target, b"first")
    assert not write_new_file(target, b"second")
    assert target.read_bytes() == b"first"
    assert [p.name for p in tmp_path.iterdir()] == [target.name]  # no temporary left behind


def test_a_restored_backup_gets_back_what_the_device_sent_after_it(make_device, clips, tmp_path):
    """Restoring an older copy of the database loses nothing the device had already sent."""
    from sync_support import Device

    from app.core.backups import make_backup, restore_backup

    (tmp_path / "share").mkdir()
    remote = f"folder:{tmp_path / 'share'}"
    a = make_device("a", remote)
    tina, rob = a.make_person("Tina", "trainer"), a.make_person("Rob", "rep")
    sub = a.submit(rob, a.make_catalogue(tina), clips[0])
    a.sync()
    backup = make_backup(a.db.paths)
    late = a.comment(tina, sub, 3.0, "sent after the backup")
    assert a.sync().records_up >= 1
    a.close()
    restore_backup(a.db.paths, backup)
    again = Device(a.root, remote)
    try:
        with again.db.session() as s:
            assert s.get(Comment, late) is None  # the backup is older than the comment
        report = again.sync()
        assert not report.set_aside
        with again.db.session() as s:
            assert s.get(Comment, late).text == "sent after the backup"
        assert again.sync().records_down == 0  # read back once, not at every sync
    finally:
        again.close()
