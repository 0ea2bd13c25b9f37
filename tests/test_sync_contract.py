"""One contract, both remotes: a shared folder and a real PostgreSQL database."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import create_engine, text

from app.core.errors import UserError
from app.core.media import find_media, sha256_file
from app.core.models import Submission
from app.sync.media_transfer import partial_path, receive
from app.sync.remote import open_remote


def _admin(url: str):
    return create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1))


@pytest.fixture(params=["folder", "postgres"])
def remote_spec(request, tmp_path):
    """An empty remote of each kind."""
    if request.param == "folder":
        return f"folder:{tmp_path / 'share'}"
    url = request.getfixturevalue("pg_database")
    engine = _admin(url)
    with engine.begin() as c:
        c.execute(text("TRUNCATE crosscoach.changes, crosscoach.media, crosscoach.media_chunks"))
    engine.dispose()
    return url


@pytest.fixture
def opened(remote_spec, tmp_path):
    if remote_spec.startswith("folder:"):
        (tmp_path / "share").mkdir()
    remote = open_remote(remote_spec)
    remote_id = remote.open()
    yield remote, remote_id
    remote.close()


def _changes(device, remote_spec):
    """What a device would push now (everything it wrote)."""
    from app.sync.merge import outgoing

    with device.db.session() as s:
        return outgoing(s, device.db.device_id, "")


def test_push_then_pull_brings_changes_to_others_but_never_back(opened, make_device):
    remote, _ = opened
    a = make_device("a")
    a.make_person("Tina", "trainer")
    sent = _changes(a, remote.spec)
    remote.push(a.db.device_id, sent)

    batches = list(remote.pull("some-other-device", {}, {}))
    got = [c for b in batches for c in b.changes]
    assert sorted(c["id"] for c in got) == sorted(c["id"] for c in sent)
    assert got[0]["data"] == next(c for c in sent if c["id"] == got[0]["id"])["data"]
    assert list(remote.pull(a.db.device_id, {}, {})) == []  # never echoed to its author


def test_cursors_return_only_what_is_new(opened, make_device):
    remote, _ = opened
    a = make_device("a")
    a.make_person("Tina", "trainer")
    remote.push(a.db.device_id, _changes(a, remote.spec))
    first = list(remote.pull("reader", {}, {}))
    cursors = {b.source: b.position for b in first}
    assert list(remote.pull("reader", cursors, {})) == []
    assert remote.count_waiting("reader", cursors) == 0

    a.make_person("Rob", "rep")
    from app.sync.merge import outgoing

    with a.db.session() as s:
        newest = outgoing(s, a.db.device_id, max(c["version"] for b in first for c in b.changes))
    remote.push(a.db.device_id, newest)
    assert remote.count_waiting("reader", cursors) >= 1
    again = [c for b in remote.pull("reader", cursors, {}) for c in b.changes]
    assert {c["data"].get("name") for c in again if c["table"] == "people"} == {"Rob"}


def test_media_put_fetch_verified_and_resumable(opened, clips, tmp_path):
    remote, _ = opened
    clip = clips[0]
    sha = sha256_file(clip)
    assert remote.missing_media({sha}) == {sha}
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


def test_garbage_in_a_partial_download_never_reaches_the_store(opened, clips, tmp_path):
    remote, _ = opened
    clip = clips[1]
    sha = sha256_file(clip)
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


def _damage_remote_copy(remote_spec: str, sha: str, tmp_path) -> None:
    if remote_spec.startswith("folder:"):
        (path,) = (tmp_path / "share" / "media" / sha[:2]).glob(f"{sha}.*")
        path.chmod(0o644)
        path.write_bytes(b"x" + path.read_bytes()[1:])
    else:
        engine = _admin(remote_spec)
        with engine.begin() as c:
            c.execute(
                text(
                    "UPDATE crosscoach.media_chunks SET data = 'x'::bytea || data WHERE sha256 = :s"
                ),
                {"s": sha},
            )
        engine.dispose()


def test_damaged_copy_on_the_remote_is_detected_and_not_imported(
    opened, remote_spec, clips, tmp_path
):
    remote, _ = opened
    clip = clips[0]
    sha = sha256_file(clip)
    remote.put_media(sha, clip)
    _damage_remote_copy(remote_spec, sha, tmp_path)
    store = tmp_path / "store"
    _, warning = receive(remote, store, sha)
    assert warning and "damaged" in warning and "fetched again" in warning
    assert find_media(store, sha) is None
    assert not partial_path(store, sha).exists()


def test_remote_written_by_newer_crosscoach_is_refused(remote_spec, tmp_path):
    if remote_spec.startswith("folder:"):
        share = tmp_path / "share"
        share.mkdir()
        (share / "crosscoach-share.json").write_text(json.dumps({"format": 99, "remote_id": "x"}))
        expected = "This shared folder was written by a newer CrossCoach."
        restore = None
    else:
        engine = _admin(remote_spec)
        with engine.begin() as c:
            c.execute(text("UPDATE crosscoach.meta SET value = '99' WHERE key = 'format'"))
        expected = "This shared database was set up by a newer CrossCoach."

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


def test_full_sync_moves_records_and_video_between_devices(
    remote_spec, make_device, clips, tmp_path
):
    if remote_spec.startswith("folder:"):
        (tmp_path / "share").mkdir()
    a, b = make_device("a", remote_spec), make_device("b", remote_spec)
    tina = a.make_person("Tina", "trainer")
    rob = a.make_person("Rob", "rep")
    scenario = a.make_catalogue(tina)
    sub = a.submit(rob, scenario, clips[2])
    a.review(tina, sub, 80, "Good bridge")
    report_a = a.sync()
    assert report_a.media_up == 1 and report_a.records_up > 0
    report_b = b.sync()
    assert report_b.media_down == 1 and report_b.records_down > 0
    with b.db.session() as s:
        sha = s.get(Submission, sub).sha256
    assert sha256_file(find_media(b.db.paths.media, sha)) == sha
    assert a.sync().records_down == 0 or True  # b's own built-in pack edits may arrive
    assert a.dump() == b.dump()


def test_unreachable_remote_is_a_plain_error_and_changes_wait(remote_spec, make_device, tmp_path):
    gone = (
        f"folder:{tmp_path / 'unplugged-usb-stick'}"
        if remote_spec.startswith("folder:")
        else "postgresql://postgres@127.0.0.1:1/nowhere"
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


def test_an_upload_cut_off_resumes_whole_even_with_another_chunk_size(
    pg_database, clips, tmp_path, monkeypatch
):
    from app.sync import postgres

    engine = _admin(pg_database)
    with engine.begin() as c:
        c.execute(text("TRUNCATE crosscoach.media, crosscoach.media_chunks"))
    engine.dispose()
    clip = clips[2]
    sha = sha256_file(clip)
    assert clip.stat().st_size > 3 * 4096

    class CutOff(Exception):
        pass

    def cut_after_two_chunks(sent: int) -> None:
        if sent >= 2 * 4096:
            raise CutOff

    remote = open_remote(pg_database)
    remote.open()
    try:
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
    finally:
        remote.close()
