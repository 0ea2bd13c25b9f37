"""The shared folder as cloud drives and people leave it: damaged, duplicated, tampered, full."""

from __future__ import annotations

import errno
import json
import time
import uuid

import pytest
from sqlalchemy import select

from app.core.errors import UserError
from app.core.models import Review, Submission
from app.sync import folder as folder_remote
from app.sync.merge import outgoing


@pytest.fixture
def pair(make_device, tmp_path):
    """A trainer's device that has synced once, and an empty second device."""
    share = tmp_path / "share"
    share.mkdir()
    remote = f"folder:{share}"
    a, b = make_device("tina-laptop", remote), make_device("tom-laptop", remote)
    people = {"tina": a.make_person("Tina", "trainer"), "rob": a.make_person("Rob", "rep")}
    people["scenario"] = a.make_catalogue(people["tina"])
    a.sync()
    return a, b, share, people


def _changes_dir(share, device):
    return share / "devices" / device.db.device_id / "changes"


def test_damaged_change_file_is_skipped_the_rest_applied_and_reread_when_it_changes(pair, clips):
    a, b, share, p = pair
    folder = _changes_dir(share, a)
    good = (folder / "0000000001.json").read_bytes()
    (folder / "0000000002.json").write_bytes(good[: len(good) // 2])  # truncated by a cloud drive
    sub = a.submit(p["rob"], p["scenario"], clips[0])
    a.sync()  # lands in 0000000003.json
    report = b.sync()
    assert any("Skipped the damaged change file" in w for w in report.warnings)
    with b.db.session() as s:
        assert s.get(Submission, sub) is not None  # the files around it were applied

    assert not any("damaged" in w for w in b.sync().warnings)  # unchanged: not re-read
    # The drive finishes delivering the file: it is read and applied now.
    comment = a.comment(p["tina"], sub, 1.0, "arrived late")
    with a.db.session() as s:
        late = [c for c in outgoing(s, a.db.device_id, "") if c["id"] == comment]
    payload = {"format": 1, "device_id": a.db.device_id, "seq": 2, "changes": late}
    (folder / "0000000002.json").write_text(json.dumps(payload))
    report = b.sync()
    assert report.records_down == 1 and not report.warnings
    assert report.changed == ["comments"]  # what the pages showing comments reload for
    assert b.dump()["comments"][0]["text"] == "arrived late"


def test_conflict_copies_and_temporary_files_are_ignored(pair):
    a, b, share, _ = pair
    folder = _changes_dir(share, a)
    original = (folder / "0000000001.json").read_bytes()
    for junk in (
        "0000000001.sync-conflict-20261127-101010-ABCDEF.json",
        "0000000001 (conflicted copy 2026-11-27).json",
        "0000000001 (1).json",
        "~$0000000001.json",
        ".~lock.0000000001.json#",
        "0000000009.json.tmp",
        ".0000000010.json.1a2b3c4d.tmp",
    ):
        (folder / junk).write_bytes(b"not json at all" if "tmp" in junk else original)
    (share / "devices" / "not-a-device (1)").mkdir()
    (share / "crosscoach-share (conflicted copy).json").write_text("{}")
    (share / "media" / "ab").mkdir(parents=True)
    (share / "media" / "ab" / ".abcdef.mp4.partial").write_bytes(b"half")
    report = b.sync()
    assert report.warnings == []
    assert a.sync().warnings == []
    assert a.dump() == b.dump()


def test_tampered_change_files_are_refused_with_a_reason(pair, clips):
    a, b, share, p = pair
    sub = a.submit(p["rob"], p["scenario"], clips[0])
    review = a.review(p["tina"], sub, 50, "Keep practising")
    a.sync()
    b.sync()
    with a.db.session() as s:
        mine = {c["id"]: c for c in outgoing(s, a.db.device_id, "")}
    forged_device = str(uuid.uuid4())
    soon = int(time.time() * 1000) + 60_000  # a minute ahead: within what clocks may differ

    def forge(change, n, **data):
        c = json.loads(json.dumps(change))
        c["data"].update(
            data, device_id=forged_device, version=f"{soon + n:013d}.00000.{forged_device}"
        )
        c.update(
            id=c["data"]["id"],
            device_id=forged_device,
            version=c["data"]["version"],
            author_id=c["data"]["author_id"],
        )
        return c

    rob = p["rob"]
    own_review = forge(mine[review], 1, id=str(uuid.uuid4()), author_id=rob, reviewer_id=rob,
                       edited_by=rob)  # fmt: skip
    stolen = forge(mine[review], 2, author_id=rob, total_points=100)  # re-attributed
    in_her_name = forge(mine[review], 3, total_points=100, edited_by=rob)  # made by Rob
    folder = share / "devices" / forged_device / "changes"
    folder.mkdir(parents=True)
    changes = [own_review, stolen, in_her_name]
    payload = {"format": 1, "device_id": forged_device, "seq": 1, "changes": changes}
    (folder / "0000000001.json").write_text(json.dumps(payload))

    report = b.sync()
    refused = [w for w in report.warnings if w.startswith("Refused") and "review" in w]
    assert len(refused) == 3, report.warnings
    assert any("only trainers and managers write reviews" in w for w in refused)
    assert any("keeps the author who made it" in w for w in refused)
    assert any("only be written by its reviewer" in w for w in refused)
    assert sum(item["where"] == "received" for item in report.set_aside) == 3
    with b.db.session() as s:
        reviews = list(s.scalars(select(Review)))
    assert [(r.id, r.total_points) for r in reviews] == [(review, 50)]


def test_private_takes_never_leave_the_device(pair, clips):
    a, b, share, p = pair
    take_id, take_sha = a.private_take(p["rob"], p["scenario"], clips[2])
    a.submit(p["rob"], p["scenario"], clips[0])
    a.sync()
    b.sync()
    everything = b"".join(f.read_bytes() for f in share.rglob("*") if f.is_file())
    assert take_id.encode() not in everything
    assert take_sha.encode() not in everything
    assert b'"takes"' not in everything
    assert not list(share.rglob(f"{take_sha}*"))
    assert not list(b.db.paths.media.rglob(f"{take_sha}*"))


def test_full_share_is_a_plain_error_and_nothing_is_lost(pair, clips, monkeypatch):
    a, _, share, p = pair
    a.submit(p["rob"], p["scenario"], clips[1])

    def full(*_args, **_kw):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(folder_remote, "write_new_file", full)
    with pytest.raises(UserError) as err:
        a.sync()
    assert "no space left" in err.value.message.lower()
    assert "nothing was lost" in err.value.hint
    monkeypatch.undo()
    report = a.sync()
    assert report.records_up >= 1 and report.media_up == 1


def test_full_share_while_copying_a_recording(pair, clips, monkeypatch):
    a, _, share, p = pair
    a.submit(p["rob"], p["scenario"], clips[1])

    def full(*_args):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(folder_remote, "_send", full)
    with pytest.raises(UserError) as err:
        a.sync()
    assert err.value.message == f"The shared folder {share} is full."
    monkeypatch.undo()
    assert a.sync().media_up == 1


def test_a_change_with_a_malformed_value_is_skipped_alone(pair, clips):
    a, b, share, p = pair
    sub = a.submit(p["rob"], p["scenario"], clips[0])
    note = a.comment(p["tina"], sub, 1.0, "fine")
    a.sync()
    with a.db.session() as s:
        bad = next(c for c in outgoing(s, a.db.device_id, "") if c["id"] == note)
    bad = json.loads(json.dumps(bad))
    bad["id"] = bad["data"]["id"] = str(uuid.uuid4())
    bad["data"]["created_at"] = "yesterday afternoon"
    folder = share / "devices" / a.db.device_id / "changes"
    payload = {"format": 1, "device_id": a.db.device_id, "seq": 99, "changes": [bad]}
    (folder / "0000000099.json").write_text(json.dumps(payload))
    report = b.sync()
    assert any(
        "Skipped change 1 of" in w and "created at is not a date" in w for w in report.warnings
    )
    assert any("created at is not a date" in item["what"] for item in report.set_aside)
    assert [c["text"] for c in b.dump()["comments"]] == ["fine"]
