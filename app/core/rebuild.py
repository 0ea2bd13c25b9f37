"""What a stored take leaves on disk besides its video, and getting takes back from it.

A stored take's video sits in the media store under its SHA-256; that alone
does not say whose take it is, or of which scenario. So every stored take also
leaves a small record, ``takes/<take-id>.json`` in the data folder: the take's
row, who recorded it (id, name, role, team) and which scenario (id, key,
title). A take that is deleted loses its record too.

With these records, a database that was lost, emptied, damaged or restored
from an older backup gets its takes back, and the people who recorded them.
What the records cannot bring back lives only in the database (and, for a
team that syncs, on the shared remote, from where the next sync brings it
back): submissions, reviews, comments, Top Videos, rewards, assignments,
scenarios imported from packs, the take check's warnings and sync's own
bookkeeping. Takes stored before CrossCoach wrote records leave only their
video: they are counted and kept, not guessed at.
"""

from __future__ import annotations

import json
import logging
from dataclasses import asdict, dataclass, field
from datetime import datetime
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.core.clock import format_version
from app.core.files import write_atomically
from app.core.media import find_media
from app.core.models import Assignment, Person, Role, Scenario, Submission, Take
from app.core.profiles import team_by_name

log = logging.getLogger(__name__)

RECORD_FORMAT = 1
_TAKE_FIELDS = (
    "id", "person_id", "scenario_id", "assignment_id", "attempt", "sha256", "size_bytes",
    "duration_seconds", "width", "height", "recovered",
)  # fmt: skip


def take_record(s: Session, take: Take) -> dict:
    """The record of a take (inside the session that stores it)."""
    person = s.get(Person, take.person_id)
    scenario = s.get(Scenario, take.scenario_id)
    if person is None or scenario is None:  # a take's person and scenario are kept with it
        raise ValueError(f"take {take.id} lost its person or scenario")
    row = {name: getattr(take, name) for name in _TAKE_FIELDS}
    row["recorded_at"] = take.recorded_at.isoformat()
    return {
        "format": RECORD_FORMAT,
        "take": row,
        "person": {
            "id": person.id,
            "name": person.name,
            "role": person.role.value,
            "team": person.team.name if person.team else None,
        },
        "scenario": {"id": scenario.id, "key": scenario.key, "title": scenario.title},
    }


def keep_take_record(paths, record: dict) -> None:
    """Write a take's record; the take is stored whatever happens here, so a failure is logged."""
    target = _record_path(paths, record["take"]["id"])
    try:
        write_atomically(target, json.dumps(record, indent=2, ensure_ascii=False).encode("utf-8"))
    except OSError:
        log.warning("could not write the take record %s", target, exc_info=True)


def remove_take_record(paths, take_id: str) -> None:
    _record_path(paths, take_id).unlink(missing_ok=True)


def _record_path(paths, take_id: str) -> Path:
    return paths.take_records / f"{take_id}.json"


def read_take_records(paths) -> tuple[list[dict], list[str]]:
    """(records, names of files that are not readable records)."""
    if not paths.take_records.is_dir():
        return [], []
    records, unreadable = [], []
    for path in sorted(paths.take_records.glob("*.json")):
        try:
            record = json.loads(path.read_text(encoding="utf-8"))
            if record.get("format") != RECORD_FORMAT or path.stem != record["take"]["id"]:
                raise ValueError("not a take record")
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
            unreadable.append(path.name)
            continue
        records.append(record)
    return records, unreadable


@dataclass
class RebuildReport:
    takes: list[str] = field(default_factory=list)  # ids of the takes added back
    people: list[str] = field(default_factory=list)  # names of the people added back
    waiting: list[dict] = field(default_factory=list)  # {"take_id", "scenario"}: scenario unknown
    missing_video: list[str] = field(default_factory=list)  # take ids whose video is gone
    unreadable: list[str] = field(default_factory=list)  # record files that could not be read
    unmatched_videos: int = 0  # videos no take, submission, scenario or record accounts for
    kept_aside: str | None = None  # where the database that was replaced is kept

    def as_dict(self) -> dict:
        return asdict(self)


class _OldestClock:
    """Stamps people added back older than any edit, so a synced copy of them always wins."""

    def __init__(self, device_id: str):
        self.device_id = device_id

    def tick(self, after: str | None = None) -> str:
        return format_version(0, 0, self.device_id)


def add_back_takes(db, paths) -> RebuildReport:
    """Add every take a record describes and the database lacks (and its person if missing).

    Running it again adds nothing twice: a take is matched by its id.
    """
    report = RebuildReport()
    records, report.unreadable = read_take_records(paths)
    with db.session() as s:
        s.info["clock"] = _OldestClock(db.device_id)
        for record in records:
            _add_back(s, paths, record, report)
        report.unmatched_videos = _unmatched_videos(s, paths, records)
    return report


def _add_back(s: Session, paths, record: dict, report: RebuildReport) -> None:
    row = record["take"]
    if s.get(Take, row["id"]) is not None:
        return
    if find_media(paths.media, row["sha256"]) is None:
        report.missing_video.append(row["id"])
        return
    scenario = s.get(Scenario, row["scenario_id"]) or s.scalar(
        select(Scenario).where(Scenario.key == record["scenario"]["key"])
    )
    if scenario is None:
        report.waiting.append({"take_id": row["id"], "scenario": record["scenario"]["title"]})
        return
    person = s.get(Person, row["person_id"])
    if person is None:
        who = record["person"]
        person = Person(id=who["id"], name=who["name"], role=Role(who["role"]))
        if who["team"]:
            person.team = team_by_name(s, who["team"])
        s.add(person)
        s.flush()  # before its take: nothing tells the unit of work the take needs it
        report.people.append(person.name)
    assignment = row["assignment_id"]
    if assignment is not None and s.get(Assignment, assignment) is None:
        assignment = None  # assignments live only in the database (and on a sync remote)
    values = {name: row[name] for name in _TAKE_FIELDS}
    values.update(scenario_id=scenario.id, assignment_id=assignment)
    s.add(Take(**values, recorded_at=datetime.fromisoformat(row["recorded_at"])))
    s.flush()
    report.takes.append(row["id"])


def _unmatched_videos(s: Session, paths, records: list[dict]) -> int:
    if not paths.media.is_dir():
        return 0
    stored = {p.stem for p in paths.media.glob("*/*") if p.is_file() and not p.name.startswith(".")}
    known = {r["take"]["sha256"] for r in records}
    for column in (Take.sha256, Submission.sha256, Scenario.prompt_media_sha256):
        known.update(s.scalars(select(column).where(column.is_not(None))))
    return len(stored - known)
