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
from sync_support import Office, as_person

from app.core.clock import HybridClock, format_version, parse_version, wall_millis
from app.core.media import sha256_file
from app.review.comments import add_comment
from app.review.scoring import score_submission
from app.sync.merge import outgoing

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
    """Accesses outside the allowed folders (Python reading its own code is fine)."""
    roots = [str(p.resolve()) for p in allowed]
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
