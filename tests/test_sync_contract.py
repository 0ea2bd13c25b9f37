"""One contract, both remotes: a shared folder and a real PostgreSQL database.

In database mode every remote here is opened with the member login of the
person whose device it is (made by the product's own add_member), so the
database's row-level security is part of what is tested.
"""

from __future__ import annotations

import json

import pytest
from sqlalchemy import text
from sync_support import admin_engine, publish_prompt

from app.core.errors import UserError
from app.core.media import find_media, sha256_file
from app.core.models import Submission
from app.sync.media_transfer import partial_path, receive
from app.sync.merge import outgoing
from app.sync.remote import open_remote
from app.sync.watermarks import ReadMark


@pytest.fixture
def tina(office):
    """Tina's laptop (a trainer) and her remote, opened with her login."""
    laptop = office.device("tina-laptop", "Tina")
    person = office.add(laptop, "Tina", "trainer")
    remote = open_remote(laptop.remote)
    remote.open()
    yield laptop, person, remote
    remote.close()


def _own(device, after: str = "") -> list[dict]:
    with device.db.session() as s:
        return outgoing(s, device.db.device_id, after)


def _published_clip(laptop, person, remote, clip) -> str:
    """Tina's scenario with a prompt video, published: the database takes the video of a
    record its uploader published, and only that."""
    sha = publish_prompt(laptop, person, laptop.make_catalogue(person), clip)
    assert remote.push(laptop.db.device_id, _own(laptop)) == []
    return sha


def test_push_then_pull_brings_changes_to_others_but_never_back(tina):
    laptop, _, remote = tina
    sent = _own(laptop)
    assert remote.push(laptop.db.device_id, sent) == []

    batches = list(remote.pull("0d3c4a4e-6b0b-4b0e-9f57-000000000001", {}, {}))
    got = [c for b in batches for c in b.changes]
    assert sorted(c["id"] for c in got) == sorted(c["id"] for c in sent)
    assert got[0]["data"] == next(c for c in sent if c["id"] == got[0]["id"])["data"]
    assert list(remote.pull(laptop.db.device_id, {}, {})) == []  # never echoed to its author


def test_read_marks_return_only_what_is_new(tina):
    laptop, person, remote = tina
    reader = "0d3c4a4e-6b0b-4b0e-9f57-000000000002"
    remote.push(laptop.db.device_id, _own(laptop))
    first = list(remote.pull(reader, {}, {}))
    marks = {}
    for b in first:
        marks[b.source] = marks.get(b.source, ReadMark()).add(b.position, b.everything_before)
    assert list(remote.pull(reader, marks, {})) == []
    assert remote.count_waiting(reader, marks) == 0

    laptop.make_person("Rob", "rep", by=person)
    newest = _own(laptop, max(c["version"] for b in first for c in b.changes))
    assert remote.push(laptop.db.device_id, newest) == []
    assert remote.count_waiting(reader, marks) >= 1
    again = [c for b in remote.pull(reader, marks, {}) for c in b.changes]
    assert {c["data"].get("name") for c in again if c["table"] == "people"} == {"Rob"}


def test_media_put_fetch_verified_and_resumable(tina, clips, tmp_path):
    laptop, person, remote = tina
    clip = clips[0]
    sha = sha256_file(clip)
    assert remote.missing_media({sha}) == {sha}
    _published_clip(laptop, person, remote, clip)
    remote.put_media(sha, clip)
    assert remote.missing_media({sha}) == set()
    assert remote.media_size(sha) == clip.stat().st_size

    store = tmp_path / "store"
    # a download cut off half-way resumes from what is there
    partial = partial_path(store, sha)
    partial.parent.mkdir(parents=True)
    partial.write_bytes(clip.read_bytes()[: clip.stat().st_size // 2])
    moved, warning = receive(remote, store, sha)
    assert warning is None
    assert moved < clip.stat().st_size
    assert sha256_file(find_media(store, sha)) == sha
    assert not partial.exists()


def test_garbage_in_a_partial_download_never_reaches_the_store(tina, clips, tmp_path):
    laptop, person, remote = tina
    clip = clips[1]
    sha = _published_clip(laptop, person, remote, clip)
    remote.put_media(sha, clip)
    store = tmp_path / "store"
    partial = partial_path(store, sha)
    partial.parent.mkdir(parents=True)
    partial.write_bytes(b"\0" * 1000)  # garbage where the first bytes should be
    receive(remote, store, sha)
    if find_media(store, sha) is None:  # detected by hash: thrown away, fetched again
        assert not partial.exists()
        assert receive(remote, store, sha)[1] is None
    assert sha256_file(find_media(store, sha)) == sha


def _damage_remote_copy(office, sha: str) -> None:
    if office.kind == "folder":
        (path,) = (office.share / "media" / sha[:2]).glob(f"{sha}.*")
        path.chmod(0o644)
        path.write_bytes(b"x" + path.read_bytes()[1:])
    else:  # bit rot inside the database: only the admin can even do this
        engine = admin_engine(office.admin_url)
        with engine.begin() as c:
            c.execute(
                text(
                    "UPDATE crosscoach.media_chunks SET data = 'x'::bytea || data WHERE sha256 = :s"
                ),
                {"s": sha},
            )
        engine.dispose()


def test_a_damaged_copy_is_never_imported_and_its_owner_sends_it_again(
    office, tina, clips, tmp_path
):
    laptop, person, remote = tina
    clip = clips[0]
    sha = _published_clip(laptop, person, remote, clip)
    remote.put_media(sha, clip)
    _damage_remote_copy(office, sha)
    store = tmp_path / "store"
    _, warning = receive(remote, store, sha)
    assert warning and "damaged" in warning and "fetched again" in warning
    assert find_media(store, sha) is None
    assert not partial_path(store, sha).exists()
    assert remote.missing_media({sha}) == {sha}  # nobody fetches it until it is healed
    assert remote.put_media(sha, clip) == clip.stat().st_size  # the owner's next upload
    assert receive(remote, store, sha)[1] is None
    assert sha256_file(find_media(store, sha)) == sha


def test_remote_written_by_newer_crosscoach_is_refused(office):
    remote_spec = office.remote_for("Tina")
    if office.kind == "folder":
        (office.share / "crosscoach-share.json").write_text(
            json.dumps({"format": 99, "remote_id": "x"})
        )
        expected = "This shared folder was written by a newer CrossCoach."
        restore = None
    else:
        engine = admin_engine(office.admin_url)
        with engine.begin() as c:
            c.execute(text("UPDATE crosscoach.meta SET value = '99' WHERE key = 'format'"))
        expected = "This shared database was set up by a newer CrossCoach."
        laptop = office.device("tina-laptop", "Tina")
        office.add(laptop, "Tina", "trainer")

        def restore():
            with engine.begin() as c:
                c.execute(text("UPDATE crosscoach.meta SET value = '1' WHERE key = 'format'"))
            engine.dispose()

    try:
        with pytest.raises(UserError) as err:
            open_remote(remote_spec).open()
        assert err.value.message == expected
        assert "Update CrossCoach" in err.value.hint
    finally:
        if restore:
            restore()


def test_full_sync_moves_records_and_video_between_devices(office, clips):
    a = office.device("tina-laptop", "Tina")
    tina = office.add(a, "Tina", "trainer")
    rob = office.add(a, "Rob", "rep", by=tina)  # Tina adds Rob to the team
    scenario = a.make_catalogue(tina)
    a.sync()
    b = office.device("rob-laptop", "Rob")
    b.sync()  # Rob's laptop joins: his profile and the scenario arrive
    sub = b.submit(rob, scenario, clips[2])
    report_b = b.sync()
    assert report_b.media_up == 1 and report_b.records_up > 0 and not report_b.set_aside
    report_a = a.sync()
    assert report_a.media_down == 1 and report_a.records_down > 0
    a.review(tina, sub, 80, "Good bridge")
    a.sync()
    b.sync()
    with a.db.session() as s:
        sha = s.get(Submission, sub).sha256
    assert sha256_file(find_media(a.db.paths.media, sha)) == sha
    a.sync()
    assert a.dump() == b.dump()


def test_unreachable_remote_is_a_plain_error_and_changes_wait(office, make_device, tmp_path):
    gone = (
        f"folder:{tmp_path / 'unplugged-usb-stick'}"
        if office.kind == "folder"
        else office.remote_for("Tina").replace(":5432/", ":1/")
    )
    a = make_device("a", gone)
    a.make_person("Tina", "trainer")
    with pytest.raises(UserError) as err:
        a.sync()
    assert "not reachable" in err.value.message
    assert "wait" in err.value.hint
    from app.sync.service import SyncService

    status = SyncService(a.db, a.ctx.settings, gone).status()
    assert status.last_error == err.value.message
    assert status.changes_waiting_up > 0


@pytest.mark.parametrize("office", ["postgres"], indirect=True)
def test_an_upload_cut_off_resumes_whole_even_with_another_chunk_size(
    tina, clips, tmp_path, monkeypatch
):
    from app.sync import postgres

    laptop, person, remote = tina
    clip = clips[2]
    sha = _published_clip(laptop, person, remote, clip)
    assert clip.stat().st_size > 3 * 4096

    class CutOff(Exception):
        pass

    def cut_after_two_chunks(sent: int) -> None:
        if sent >= 2 * 4096:
            raise CutOff

    monkeypatch.setattr(postgres, "CHUNK", 4096)
    with pytest.raises(CutOff):
        remote.put_media(sha, clip, cut_after_two_chunks)
    assert remote.missing_media({sha}) == {sha}  # not complete, so not offered
    monkeypatch.setattr(postgres, "CHUNK", 10_000)  # e.g. a newer version resumes it
    sent = []
    assert remote.put_media(sha, clip, sent.append) == clip.stat().st_size - 2 * 4096
    assert sent[-1] == clip.stat().st_size
    assert receive(remote, tmp_path / "store", sha)[1] is None
    assert sha256_file(find_media(tmp_path / "store", sha)) == sha
