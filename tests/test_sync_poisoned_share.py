"""A poisoned share: a real team keeps working while a hostile device folder lies in wait.

Three honest devices (trainers Tina and Tom, rep Rob) sync through a shared
folder as the app does (``Device.sync()`` is ``SyncService.sync``), with the
domain functions a person uses (score, comment, mark a Top Video, consent).
Next to them a hostile "device" has written every kind of bad input a share
can hold: malformed and far-future versions, truncated and garbage files,
absurd numbers, endless nesting, wrong types, path-like SHA-256 values,
links pointing out of the share, a change re-attributing a trainer's review,
files in the wrong device's folder. Nothing here is written by hand except
those hostile files.
"""

from __future__ import annotations

import copy
import json
import os
import sys
import uuid
from pathlib import Path

import pytest
from sync_support import Office, as_person, assert_converged

from app.core.clock import HybridClock, format_version, millis_of, parse_version, wall_millis
from app.core.errors import UserError
from app.core.media import sha256_file
from app.review.comments import add_comment
from app.review.scoring import score_submission
from app.review.top_videos import mark_top, set_consent
from app.sync.merge import outgoing
from app.sync.service import SyncService

DAY = 24 * 3600 * 1000

# -- watching every file the syncs open -------------------------------------------------------

_WATCHERS: list[list[tuple[str, str]]] = []
_PATH_EVENTS = {
    "open": (0,),
    "os.listdir": (0,),
    "os.scandir": (0,),
    "os.mkdir": (0,),
    "os.rename": (0, 1),
    "os.replace": (0, 1),
    "os.link": (0, 1),
    "os.symlink": (0, 1),
    "os.remove": (0,),
    "os.rmdir": (0,),
    "os.chmod": (0,),
    "os.truncate": (0,),
    "shutil.copyfile": (0, 1),
    "shutil.move": (0, 1),
}


def _audit(event: str, args: tuple) -> None:
    if not _WATCHERS or event not in _PATH_EVENTS:
        return
    for i in _PATH_EVENTS[event]:
        value = args[i] if i < len(args) else None
        if isinstance(value, str | bytes | os.PathLike):
            path = os.fsdecode(value)
            for seen in _WATCHERS:
                seen.append((event, os.path.realpath(path)))


sys.addaudithook(_audit)  # cannot be removed; does nothing unless a test is watching


class FileWatch:
    """Every path the code under test opens, lists, creates or moves (links resolved)."""

    def __enter__(self) -> list[tuple[str, str]]:
        self.seen: list[tuple[str, str]] = []
        _WATCHERS.append(self.seen)
        return self.seen

    def __exit__(self, *exc) -> None:
        _WATCHERS.remove(self.seen)


def _outside(seen: list[tuple[str, str]], allowed: list[Path]) -> list[tuple[str, str]]:
    """Accesses outside the allowed folders. Python reading its own code is fine, and so
    is the operating system's own account of who holds the database's lock (/proc/locks,
    read before a write), which nothing on the share can point to."""
    roots = [str(p.resolve()) for p in allowed] + ["/proc/locks"]
    roots += [sys.prefix, sys.base_prefix, str(Path(__file__).resolve().parents[1])]
    return [(e, p) for e, p in seen if not any(p == r or p.startswith(r + os.sep) for r in roots)]


# -- the hostile device's files -----------------------------------------------------------------


class Forger:
    """Change files of a device that does not exist: well-formed ones that lie, and junk."""

    def __init__(self, share: Path, device_id: str | None = None):
        self.share = share
        self.device_id = device_id or str(uuid.uuid4())
        self.folder = share / "devices" / self.device_id / "changes"
        self.folder.mkdir(parents=True)
        self.n = 0

    def version(self, ahead_ms: int = 0) -> str:
        self.n += 1
        return format_version(wall_millis() + ahead_ms, self.n, self.device_id)

    def change(self, template: dict, version: str | None = None, **data) -> dict:
        """A copy of a real change, published as this device's, with ``data`` changed."""
        c = copy.deepcopy(template)
        c["data"].update(data)
        c["data"]["device_id"] = self.device_id
        c["data"]["version"] = version or self.version()
        d = c["data"]
        c.update(id=d["id"], author_id=d["author_id"], device_id=self.device_id,
                 version=d["version"], deleted=d["deleted"])  # fmt: skip
        return c

    def write(self, seq: int, changes: list, **header) -> Path:
        payload = {"format": 1, "device_id": self.device_id, "seq": seq, "changes": changes}
        payload.update(header)
        return self.write_bytes(seq, json.dumps(payload).encode())

    def write_bytes(self, seq: int, raw: bytes) -> Path:
        path = self.folder / f"{seq:010d}.json"
        path.write_bytes(raw)
        return path


def _own(device) -> dict[str, dict]:
    with device.db.session() as s:
        return {c["id"]: c for c in outgoing(s, device.db.device_id, "")}


def _new_id() -> str:
    return str(uuid.uuid4())


@pytest.fixture
def team(make_device, tmp_path, clips):
    """Tina's, Tom's and Rob's laptops, a scored and commented take, everyone synced."""
    office = Office("folder", make_device, tmp_path)
    a = office.device("tina-laptop", "Tina")
    tina = office.add(a, "Tina", "trainer")
    tom = office.add(a, "Tom", "trainer", by=tina)
    rob = office.add(a, "Rob", "rep", by=tina, team="North")
    scenario = a.make_catalogue(tina)
    a.sync()
    b, c = office.device("tom-laptop", "Tom"), office.device("rob-laptop", "Rob")
    b.sync()
    c.sync()
    first = c.submit(rob, scenario, clips[0], note="first try")
    c.sync()
    a.sync()
    as_person(a, tina, lambda s, me: score_submission(s, me, first, {"opening": 3, "bridge": 4}))
    as_person(a, tina, lambda s, me: add_comment(s, me, first, 0.5, "Name the benefit"))
    for device in (a, b, c):
        device.sync()
    people = {"tina": tina, "tom": tom, "rob": rob, "scenario": scenario, "first": first}
    return office, (a, b, c), people


def test_links_in_the_share_are_never_followed(team, tmp_path, clips):
    """A link where the share's layout has a folder or a change file is neither read nor
    written through: a change file linked to /etc/passwd, a named pipe (reading it would
    wait forever), a media folder and a device's changes folder leading out of the share."""
    office, (a, b, c), p = team
    share = office.share
    outside = tmp_path / "outside"
    (outside / "changes").mkdir(parents=True)
    h = Forger(share)
    comment = next(ch for ch in _own(a).values() if ch["table"] == "comments")
    good = h.change(comment, id=_new_id(), author_id=p["tom"], edited_by=p["tom"], text="hi")
    (outside / "changes" / "0000000001.json").write_text(
        json.dumps({"format": 1, "device_id": h.device_id, "changes": [good]})
    )
    (h.folder / "0000000001.json").symlink_to("/etc/passwd")
    os.mkfifo(h.folder / "0000000002.json")
    sneaky = share / "devices" / _new_id()
    sneaky.mkdir()
    (sneaky / "changes").symlink_to(outside / "changes", target_is_directory=True)
    loop = share / "devices" / _new_id()
    loop.symlink_to(loop)
    sha = sha256_file(clips[1])
    (share / "media" / sha[:2]).symlink_to(outside, target_is_directory=True)
    before = sorted(outside.rglob("*"))

    second = c.submit(p["rob"], p["scenario"], clips[1])
    with FileWatch() as seen:
        sent = c.sync()
        got = a.sync()
    assert _outside(seen, [share, a.root, c.root]) == []
    assert sorted(outside.rglob("*")) == before
    assert any("A recording was not sent" in w and "link" in w for w in sent.warnings)
    for n, why in ((1, "it is a link to another place"), (2, "it is not a file")):
        where = f"Skipped the damaged change file {h.folder / f'{n:010d}.json'}: {why}"
        assert any(where in w for w in got.warnings), got.warnings
        assert any(where in i["what"] for i in got.set_aside)
    assert good["id"] not in {r["id"] for r in a.dump()["comments"]}
    assert second in {r["id"] for r in a.dump()["submissions"]}  # the records still travel

    (share / "media" / sha[:2]).unlink()  # someone tidies the share
    assert c.sync().media_up == 1
    assert a.sync().media_down == 1
    assert not any("Skipped" in w for w in a.sync().warnings)  # read once, not every time


def test_a_file_numbered_last_in_a_devices_folder_never_swallows_its_changes(team):
    """Issue 9: someone puts 9999999999.json in Tom's folder. One past it has eleven
    digits, a name no device reads: Tom's next comments were reported sent, and lost."""
    office, (a, b, c), p = team
    toms = office.share / "devices" / b.db.device_id / "changes"
    toms.mkdir(parents=True, exist_ok=True)
    (toms / "9999999999.json").write_text(json.dumps({"format": 1, "changes": []}))
    words = ["Slow down here", "Now name the pastry"]
    for at, text in zip((0.2, 0.6), words, strict=True):
        as_person(
            b, p["tom"], lambda s, me, at=at, text=text: add_comment(s, me, p["first"], at, text)
        )
    assert b.sync().records_up == 2
    assert sorted(n.name for n in toms.iterdir()) == ["0000000001.json", "9999999999.json"]
    a.sync()
    assert set(words) <= {r["text"] for r in a.dump()["comments"]}


def _poison(share: Path, a, b, c, p, outside: Path, clip: Path) -> tuple[list, list, dict]:
    """Write the hostile files. Returns (expected complaints as (marker, reason) pairs,
    the ids of the good changes hidden among them, facts the test checks later)."""
    h = Forger(share)
    mine_a, mine_c = _own(a), _own(c)
    review = next(ch for ch in mine_a.values() if ch["table"] == "reviews")
    comment = next(ch for ch in mine_a.values() if ch["table"] == "comments")
    scenario = mine_a[p["scenario"]]
    team = next(ch for ch in mine_a.values() if ch["table"] == "teams")
    take = mine_c[p["first"]]
    tom, rob = p["tom"], p["rob"]

    def by_tom(**data):
        return h.change(comment, id=_new_id(), author_id=tom, edited_by=tom, **data)

    now = wall_millis()
    good_comment = by_tom(text="Tom: watch the bridge", at_seconds=0.3)
    good_team = h.change(team, id=_new_id(), name="South", author_id=tom, edited_by=tom)
    far = by_tom(text="from the far future", version=f"9999999999999.00000.{h.device_id}")
    two_days = by_tom(text="two days early", version=h.version(2 * DAY))
    stolen = h.change(review, author_id=rob, edited_by=rob, total_points=100.0)
    other_device = by_tom(text="not mine to publish")
    other_device["device_id"] = other_device["data"]["device_id"] = b.db.device_id
    other_device["version"] = other_device["data"]["version"] = format_version(
        now, 1, b.db.device_id
    )
    ids_differ = by_tom(text="two ids")
    ids_differ["id"] = _new_id()

    def versioned(text: str, version: str) -> dict:
        return by_tom(text=text, version=version)

    bad_changes = [  # (change, what is wrong with it, in the words the app uses)
        (versioned("zz", f"zz{now:011d}.00001.{h.device_id}"), "its version has the wrong form"),
        (versioned("short", f"{now // 10:012d}.00001.{h.device_id}"), "its version has the wrong form"),
        (versioned("4 digits", f"{now:013d}.0001.{h.device_id}"), "its version has the wrong form"),
        (versioned("14 digits", f"{now * 10:014d}.00001.{h.device_id}"), "its version has the wrong form"),
        (versioned("overflow", f"9999999999999.100000.{h.device_id}"), "its version has the wrong form"),
        (versioned("someone else's", format_version(now, 9, a.db.device_id)), "its version names another device"),
        (by_tom(text={"an": "object"}), "its text is not text"),
        (by_tom(text="x" * 100_001), "its text is too long"),
        (by_tom(at_seconds=True), "its at seconds is not a number"),
        (h.change(review, scores=[3, 4]), "its scores is not a set of scores"),
        (h.change(scenario, edited_by=p["tina"], prep_seconds=True), "its prep seconds is not a whole number"),
        (h.change(take, id=_new_id(), sha256="../../etc/passwd"), "its sha256 is not a SHA-256"),
        (h.change(scenario, edited_by=p["tina"], prompt_media_sha256="../../../outside/x"),
         "its prompt media sha256 is not a SHA-256"),
        (other_device, "it claims to come from another device"),
        (ids_differ, "its id differs inside and outside the record"),
        ("hello", "it is not a change"),
        ({**by_tom(text="a take"), "table": "takes"}, "it names no table that syncs"),
        ({**by_tom(text="built in"), "device_id": "shipped"}, "built-in records are never sent"),
    ]  # fmt: skip
    deleted_yes = by_tom(text="deleted?")
    deleted_yes["deleted"] = deleted_yes["data"]["deleted"] = "yes"
    bad_changes.append((deleted_yes, "whether it is deleted is not a yes or no"))

    changes = [good_comment, *[c for c, _ in bad_changes[:8]], far, good_team, two_days, stolen]
    changes += [c for c, _ in bad_changes[8:]]
    first = h.write(1, changes)
    expected = [
        (f"Skipped change {changes.index(c) + 1} of {first}", why) for c, why in bad_changes
    ]

    # Whole files that cannot be read at all.
    raw = first.read_bytes()
    valid = json.dumps({"format": 1, "device_id": h.device_id, "seq": 0, "changes": [good_comment]})
    late = by_tom(text="from a later file", at_seconds=0.4)
    files = {
        2: (raw[: len(raw) // 2], "it is not valid JSON"),
        3: (b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 8, "it is not valid JSON"),
        4: (b'{"format": 1e999, "device_id": "%s", "seq": 4, "changes": []}' % h.device_id.encode(),
            "a number too large"),
        5: (valid.replace('"at_seconds": 0.3', '"at_seconds": 1e999').encode(), "a number too large"),
        6: (valid.replace('"at_seconds": 0.3', '"at_seconds": 1' + "0" * 4999).encode(),
            "it is not valid JSON"),
        7: (b'{"format": 1, "changes": [' + b"[" * 200_000 + b"]" * 200_000 + b"]}",
            "nested too deeply"),
        8: ((share / "devices" / a.db.device_id / "changes" / "0000000001.json").read_bytes(),
            "it names another device than the folder it is in"),
        9: (json.dumps({"format": True, "device_id": h.device_id, "changes": []}).encode(),
            "its format is not a number"),
        10: (b"[1, 2, 3]", "it is not a change file"),
        11: (json.dumps({"format": "1", "device_id": h.device_id, "changes": []}).encode(),
             "its format is not a number"),
    }  # fmt: skip
    for seq, (payload, why) in files.items():
        path = h.write_bytes(seq, payload)
        expected.append((f"Skipped the damaged change file {path}", why))
    h.write(12, [late])  # a good file after all the bad ones

    # Links: a change file that is /etc/passwd, a device folder that is itself, a media
    # folder and a changes folder that lead out of the share.
    passwd = h.folder / "0000000013.json"
    passwd.symlink_to("/etc/passwd")
    expected.append((f"Skipped the damaged change file {passwd}", "it is a link"))
    pipe = h.folder / "0000000014.json"
    os.mkfifo(pipe)  # reading it would wait for a writer forever
    expected.append((f"Skipped the damaged change file {pipe}", "it is not a file"))
    loop = share / "devices" / _new_id()
    loop.symlink_to(loop)
    sneaky = share / "devices" / _new_id()
    sneaky.mkdir()
    (outside / "changes").mkdir()
    (outside / "changes" / "0000000001.json").write_text(valid)
    (sneaky / "changes").symlink_to(outside / "changes")
    media = share / "media"
    media.mkdir(exist_ok=True)
    sha = sha256_file(clip)
    (media / sha[:2]).symlink_to(outside, target_is_directory=True)
    # A file in an honest device's folder, with the last number a change file can have.
    in_toms = share / "devices" / b.db.device_id / "changes" / "9999999999.json"
    in_toms.parent.mkdir(parents=True, exist_ok=True)
    in_toms.write_text(json.dumps({"format": 1, "device_id": h.device_id, "changes": [late]}))
    expected.append((f"Skipped the damaged change file {in_toms}", "names another device"))
    refused = [("Tina's review of Rob's take", "a record keeps the author who made it")]
    ahead = [far["id"], two_days["id"]]
    good = {"comments": {good_comment["id"], late["id"]}, "teams": {good_team["id"]}}
    return expected, good, {"refused": refused, "ahead": ahead, "hostile": h, "sha": sha,
                            "two_days": two_days}  # fmt: skip


def _texts(items: list[dict]) -> list[str]:
    return [f"{i['what']} {i['reason']}" for i in items]


def _records(dump: dict) -> dict[tuple[str, str], dict]:
    return {(t, r["id"]): r for t, rows in dump.items() for r in rows}


def test_a_poisoned_share_never_stops_the_team(team, tmp_path, clips):
    """The team works on (a new take, two reviews, comments, a Top Video and its consent)
    while 38 hostile inputs wait on the share: every sync returns, every bad input is named
    with its reason (in the report and in the status), the good changes hidden among them
    arrive, nothing else changes, nothing outside the share or the data folders is opened
    or written, and no clock is dragged ahead."""
    office, (a, b, c), p = team
    share = office.share
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.txt").write_text("not for the team")
    before = assert_converged(a, b, c)
    expected, good, facts = _poison(share, a, b, c, p, outside, clips[1])
    outside_before = sorted(str(x.relative_to(outside)) for x in outside.rglob("*"))
    # each expected complaint, the forged review, the two far-future changes, and three
    # links that are not read without a word: a device folder that is a link to itself,
    # a device's changes folder and a media folder that lead out of the share
    hostile_count = len(expected) + len(facts["refused"]) + len(facts["ahead"]) + 3
    assert hostile_count == 38

    tina, tom, rob = p["tina"], p["tom"], p["rob"]
    reports = {a: [], b: [], c: []}
    allowed = [share, a.root, b.root, c.root, clips[1].parent]
    with FileWatch() as seen:

        def sync(device):
            reports[device].append(device.sync())  # returns normally, whatever it meets

        second = c.submit(rob, p["scenario"], clips[1], note="second try")
        sync(c)
        sync(a)
        as_person(a, tina, lambda s, me: score_submission(s, me, second, {"opening": 5, "bridge": 4}, "Much better"))  # fmt: skip
        as_person(a, tina, lambda s, me: add_comment(s, me, second, 0.2, "Great opening"))
        as_person(a, tina, lambda s, me: mark_top(s, me, second, "A model opening"))
        sync(a)
        sync(b)
        as_person(
            b, tom, lambda s, me: score_submission(s, me, second, {"opening": 4, "bridge": 4})
        )
        as_person(b, tom, lambda s, me: add_comment(s, me, second, 0.8, "Bridge lands well"))
        sync(b)
        sync(c)
        as_person(c, rob, lambda s, me: set_consent(s, me, second, True))
        for device in (c, a, b, c):
            sync(device)
    syncs = sum(len(r) for r in reports.values())

    # Nothing outside the data folders and the share was opened, listed or written.
    assert _outside(seen, allowed) == []
    assert not any(path in ("/etc/passwd", str(outside.resolve())) for _, path in seen)
    assert sorted(str(x.relative_to(outside)) for x in outside.rglob("*")) == outside_before

    # Every honest device shows the same records: before, plus the honest work, plus the
    # two good changes hidden among the hostile ones.
    after = assert_converged(a, b, c)
    old, new = _records(before), _records(after)
    assert [key for key, record in old.items() if new.get(key) != record] == []
    added = {key: r for key, r in new.items() if key not in old}
    hostile = facts["hostile"].device_id
    from_hostile = {key for key, r in added.items() if r["device_id"] == hostile}
    assert from_hostile == {(t, i) for t, ids in good.items() for i in ids}
    honest = {key: r for key, r in added.items() if key not in from_hostile}
    assert sorted(t for t, _ in honest) == sorted(
        ["submissions", "reviews", "reviews", "comments", "comments", "top_videos"]
    )
    assert all(r["version"] < f"{wall_millis() + 1000:013d}" for r in new.values())
    (top,) = after["top_videos"]
    assert top["consent"] == "granted" and top["submission_id"] == second

    # Every bad change is named with its reason, in the report of the sync that met it
    # and in the status the app shows afterwards.
    for device in (a, b, c):
        status = SyncService(device.db, device.ctx.settings).status()
        for items in (reports[device][0].set_aside, status.set_aside):
            texts = _texts(items)
            for where, why in expected:
                if device is b and "9999999999.json" in where:
                    continue  # Tom's own folder: his device never reads it
                assert any(where in t and why in t for t in texts), (where, why, texts)
            for what, why in facts["refused"]:
                assert any(what in t and why in t for t in texts), (what, why)
            waiting = [i for i in items if "more than a day ahead" in i["reason"]]
            assert len(waiting) == 2 and all(i["waiting"] for i in waiting)
        warned = " ".join(reports[device][0].warnings)
        for where, why in expected:
            if not (device is b and "9999999999.json" in where):
                assert where in warned and why in warned
        # Nothing that was bad came back in a later sync: it was read once.
        for later in reports[device][1:]:
            assert not any("Skipped" in w for w in later.warnings), later.warnings
        # The clock was not dragged by the far-future versions.
        next_version = device.db.clock.tick()
        assert millis_of(next_version) <= wall_millis() + 1000

    # Rob's new recording did not go through the link that leads outside: it waits on
    # his laptop, and everyone is told why (test_links_in_the_share_are_never_followed
    # shows it is sent once the link is gone).
    assert all(any("was not sent" in w and "link" in w for w in r.warnings) for r in reports[c])
    for device in (a, b):
        assert not list(device.db.paths.media.glob(f"*/{facts['sha']}.*"))
        assert "1 recording(s) are not on the remote yet" in " ".join(reports[device][-1].warnings)
    print(f"{hostile_count} hostile inputs, {syncs} syncs")


def test_a_far_future_change_is_accepted_once_the_clock_catches_up(team):
    office, (a, b, c), p = team
    h = Forger(office.share)
    comment = next(ch for ch in _own(a).values() if ch["table"] == "comments")
    early = h.change(comment, id=_new_id(), author_id=p["tom"], edited_by=p["tom"],
                     text="written two days early", version=h.version(2 * DAY))  # fmt: skip
    h.write(1, [early])
    now = [wall_millis()]
    b.db.clock = HybridClock(b.db.device_id, wall=lambda: now[0])

    report = b.sync()
    (waiting,) = [i for i in report.set_aside if "more than a day ahead" in i["reason"]]
    assert waiting["waiting"] and "comment by Tom" in waiting["what"]
    assert early["id"] not in {r["id"] for r in b.dump()["comments"]}

    now[0] += DAY + 3_600_000  # a day and an hour later: less than a day behind it
    report = b.sync()  # no new change file: what waits is judged again anyway
    assert not [i for i in report.set_aside if "ahead" in i["reason"]]
    assert early["id"] in {r["id"] for r in b.dump()["comments"]}
    # and this device's next edit comes after it, as after any change it accepted
    assert parse_version(b.db.clock.tick())[:2] > parse_version(early["version"])[:2]


def test_a_share_header_that_is_a_link_is_never_read(team, tmp_path):
    """The share's crosscoach-share.json replaced by a link to a file elsewhere: a plain
    error, as for a damaged header, and the file it points to is not opened."""
    office, (a, b, c), p = team
    header = office.share / "crosscoach-share.json"
    elsewhere = tmp_path / "elsewhere.json"
    elsewhere.write_bytes(header.read_bytes())  # even a valid header is not read through it
    header.unlink()
    header.symlink_to(elsewhere)
    with FileWatch() as seen, pytest.raises(UserError) as err:
        a.sync()
    assert "is damaged" in err.value.message
    assert _outside(seen, [office.share, a.root]) == []
