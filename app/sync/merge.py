"""The merge: what this device sends, and how the versions that arrive become records.

Every version a device receives or sends goes into its change log
(``sync_log``) with a verdict from the product's rules (app/sync/permissions.py):

- ``accepted`` — the rules allow it;
- ``waiting`` — allowed, but a record it names (its submission, its scenario)
  has not arrived yet; it is shown as soon as that record is here;
- ``held`` — the profile of the person who made it has not arrived yet;
- ``refused`` — the rules forbid it (the reason is kept and shown);
- ``ahead`` — dated more than a day ahead of this device's clock; it waits
  until the clock catches up (app/core/clock.py).

A record's row is always its newest accepted version (by HLC version, the
device id breaking ties). Verdicts depend only on the version and the history
it names — its editor's role as of that version, the previous accepted
version of the record — so when older history arrives late, the versions it
bears on are judged again, and every device holding the same changes shows
the same records, whatever order they came in. A record none of whose
versions is allowed any more is removed, or hidden (marked deleted) when
something on this device still refers to it (a rep's own takes of a
scenario), so nothing of the device's own is ever lost.

Each batch is applied in one local transaction together with the read marks
that cover it: killed at any point, a device has both or neither.
"""

from __future__ import annotations

import json
import logging
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import cache
from typing import cast

from sqlalchemy import Table, and_, bindparam, delete, func, or_, select, update
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app.core.db import Database
from app.core.models import LocalState, SyncLogEntry
from app.sync import roster
from app.sync.changes import TABLE_ORDER, TABLES, change_to_row, row_to_change
from app.sync.describe import describe
from app.sync.permissions import Roles, judge

log = logging.getLogger(__name__)
ID_CHUNK = 500
LOG = cast(Table, SyncLogEntry.__table__)
ALLOWED = ("accepted", "waiting")  # versions the rules allow (shown, or about to be)
PENDING = ("waiting", "held", "ahead")  # judged again with every batch
SEEDED = "sync:log_seeded"
AHEAD = "it is dated more than a day ahead of this computer's clock"
# Versions dated at the epoch stand for "older than anything anyone wrote": the built-in
# pack, and people a rebuilt database added back from its recordings. They are local
# placeholders: never sent, never logged, and any real version replaces them.
EPOCH = "0000000000000.99999.~"
SET_VERDICT = (
    update(LOG)
    .where(
        LOG.c.table_name == bindparam("t"),
        LOG.c.record_id == bindparam("r"),
        LOG.c.version == bindparam("v"),
    )
    .values(verdict=bindparam("verdict"), reason=bindparam("reason"))
)
OLD_HELD = "sync:held:"  # where earlier versions kept changes waiting for a parent

Key = tuple[str, str]  # (table, record id)


@dataclass
class ApplyResult:
    applied: int = 0  # records now showing a version that arrived (or was released)
    already_known: int = 0  # versions this device had already
    held: int = 0  # versions still waiting here after this batch
    refused: int = 0  # versions refused in this batch
    warnings: list[str] = field(default_factory=list)
    tables: set[str] = field(default_factory=set)  # tables whose rows here changed


@dataclass
class _Entry:
    table: str
    id: str
    version: str
    change: dict
    verdict: str
    reason: str = ""

    @property
    def data(self) -> dict:
        return self.change["data"]


# -- what this device sends -------------------------------------------------------------------


def outgoing(s: Session, device_id: str, after_version: str) -> list[dict]:
    """This device's own versions past ``after_version``, oldest first: its records as
    they are, and any of its allowed versions that a newer one from elsewhere replaced
    before they were sent. (Versions dated at the epoch are never sent: see EPOCH.)"""
    after_version = max(after_version, EPOCH)
    found: dict[tuple[str, str, str], dict] = {}
    for name in TABLE_ORDER:
        table = TABLES[name]
        rows = s.execute(
            select(table).where(table.c.device_id == device_id, table.c.version > after_version)
        ).mappings()
        for r in rows:
            change = row_to_change(name, dict(r))
            found[(name, change["id"], change["version"])] = change
    logged = s.execute(
        select(LOG.c.table_name, LOG.c.record_id, LOG.c.version, LOG.c.change).where(
            LOG.c.device_id == device_id,
            LOG.c.version > after_version,
            LOG.c.verdict.in_(ALLOWED),
        )
    )
    for t, rid, version, change in logged:
        found.setdefault((t, rid, version), json.loads(change))
    return sorted(found.values(), key=lambda c: c["version"])


def count_outgoing(s: Session, device_id: str, after_version: str) -> int:
    return len(outgoing(s, device_id, after_version))


def record_own(db: Database, changes: list[dict]) -> tuple[list[dict], ApplyResult]:
    """Judge this device's own versions before they are sent; returns the ones to send:
    those the rules allow, and those waiting for the team to add their signer's key
    (refused ones are undone here and reported, never sent)."""
    with db.session() as s:
        s.info["applying_remote"] = True
        merge = _Merge(s, db, own=True)
        merge.receive(changes)
        verdicts = merge.verdicts_of(changes)
    sendable = (*ALLOWED, "held")
    allowed = [c for c in changes if verdicts.get((c["table"], c["id"], c["version"])) in sendable]
    return allowed, merge.result


def apply_changes(
    db: Database,
    changes: list[dict],
    *,
    before_commit: Callable[[Session], None] | None = None,
) -> ApplyResult:
    """Apply incoming versions (judging again whatever waits) in one transaction.

    ``before_commit`` writes what must move with them (read marks, files to read
    again), so a kill never leaves one without the other.
    """
    with db.session() as s:
        s.info["applying_remote"] = True  # keep the stamps that came with each change
        merge = _Merge(s, db)
        merge.receive(changes)
        if before_commit is not None:
            before_commit(s)
    return merge.result


def set_aside(s: Session, device_id: str, limit: int = 200) -> list[dict]:
    """Versions refused here, or waiting: ``{table, id, version, verdict, reason, what, own}``."""
    rows = s.execute(
        select(LOG.c.change, LOG.c.verdict, LOG.c.reason)
        .where(LOG.c.verdict.in_(("refused", *PENDING)))
        .order_by(LOG.c.version.desc())
        .limit(limit)
    )
    found = []
    for change, verdict, reason in rows:
        c = json.loads(change)
        found.append(
            {
                "table": c["table"],
                "id": c["id"],
                "version": c["version"],
                "device_id": c["device_id"],
                "verdict": verdict,
                "reason": reason,
                "what": describe(s, c),
                "own": c["device_id"] == device_id,
            }
        )
    return found


def count_waiting_here(s: Session) -> int:
    return s.scalar(select(func.count()).select_from(LOG).where(LOG.c.verdict.in_(PENDING))) or 0


# -- the engine -------------------------------------------------------------------------------


def _foreign_keys(table_name: str) -> list[tuple[str, str]]:
    return [
        (fk.parent.name, fk.column.table.name)
        for fk in TABLES[table_name].foreign_keys
        if fk.column.table.name in TABLES
    ]


@cache
def _upsert_statement(table_name: str):
    """INSERT ... ON CONFLICT(id) DO UPDATE of every column: built once per table."""
    table = TABLES[table_name]
    stmt = sqlite_insert(table)
    return stmt.on_conflict_do_update(
        index_elements=[table.c.id],
        set_={c.name: stmt.excluded[c.name] for c in table.columns if c.name != "id"},
    )


def _chunks(items: list, size: int = ID_CHUNK) -> Iterable[list]:
    for i in range(0, len(items), size):
        yield items[i : i + size]


class _Merge:
    """One transaction's worth of receiving, judging and showing versions."""

    def __init__(self, s: Session, db: Database, own: bool = False):
        self.s = s
        self.own = own  # judging this device's own versions before they are sent
        self.clock = db.clock
        self.device_id = db.device_id
        self.result = ApplyResult()
        self.roles = Roles()
        self.roster = roster.Roster()
        self._newly: set[tuple[str, str, str]] = set()  # versions received in this call
        self._known: dict[str, set[str]] = defaultdict(set)  # ids present, per table
        self._verdicts: list[dict] = []  # verdicts given, not written yet

    # -- entry points ---------------------------------------------------------------------

    def receive(self, changes: list[dict]) -> None:
        self._seed()
        fresh = self._insert(changes)
        self.result.already_known = len(changes) - len(fresh)
        self._newly = {(c["table"], c["id"], c["version"]) for c in fresh}
        keys = {(c["table"], c["id"]) for c in fresh}
        keys |= self._pending_keys()
        self._evaluate(keys)
        self._save_verdicts()
        self.result.held = count_waiting_here(self.s)

    def verdicts_of(self, changes: list[dict]) -> dict[tuple[str, str, str], str]:
        found = {}
        for table, group in _by_table(changes).items():
            for ids in _chunks(sorted({c["id"] for c in group})):
                rows = self.s.execute(
                    select(LOG.c.record_id, LOG.c.version, LOG.c.verdict).where(
                        LOG.c.table_name == table, LOG.c.record_id.in_(ids)
                    )
                )
                found.update({(table, r, v): verdict for r, v, verdict in rows})
        return found

    # -- the log ----------------------------------------------------------------------------

    def _seed(self) -> None:
        """Once per data folder: every record received before the log existed enters it as
        accepted (it was accepted then), and changes kept waiting the earlier way move in."""
        if self.s.get(LocalState, SEEDED) is not None:
            return
        for name in TABLE_ORDER:
            t = TABLES[name]
            # Records received from other devices; this device's own are judged (and
            # signed) like any change when they are sent or touched.
            received = (t.c.version > EPOCH) & (t.c.device_id != self.device_id)
            rows = self.s.execute(select(t).where(received)).mappings()
            self._insert([row_to_change(name, dict(r)) for r in rows], verdict="accepted")
        old = list(self.s.scalars(select(LocalState).where(LocalState.key.startswith(OLD_HELD))))
        # As pending, so they are judged with what arrives next (a "new" entry that is
        # not in the batch being received is never judged).
        self._insert([json.loads(r.value) for r in old], verdict="held")
        self.s.execute(delete(LocalState).where(LocalState.key.startswith(OLD_HELD)))
        self.s.add(LocalState(key=SEEDED, value="1"))
        self.s.flush()

    def _insert(self, changes: list[dict], verdict: str = "new") -> list[dict]:
        """Add versions the log does not hold yet; returns those added."""
        unique = {(c["table"], c["id"], c["version"]): c for c in changes}
        have: set[tuple[str, str, str]] = set()
        for table, group in _by_table(unique.values()).items():
            for ids in _chunks(sorted({c["id"] for c in group})):
                rows = self.s.execute(
                    select(LOG.c.record_id, LOG.c.version).where(
                        LOG.c.table_name == table, LOG.c.record_id.in_(ids)
                    )
                )
                have |= {(table, r, v) for r, v in rows}
        fresh = [c for k, c in unique.items() if k not in have]
        if fresh:
            self.s.execute(
                LOG.insert(),
                [
                    {
                        "table_name": c["table"],
                        "record_id": c["id"],
                        "version": c["version"],
                        "device_id": c["device_id"],
                        "author_id": c["author_id"],
                        "editor_id": c["data"].get("edited_by"),
                        "change": json.dumps(c),
                        "verdict": verdict,
                        "reason": "",
                    }
                    for c in fresh
                ],
            )
        return fresh

    def _pending_keys(self) -> set[Key]:
        rows = self.s.execute(
            select(LOG.c.table_name, LOG.c.record_id).where(LOG.c.verdict.in_(PENDING))
        )
        return {(t, r) for t, r in rows}

    def _capture(self, keys: set[Key]) -> None:
        """Records written here since they were last logged enter the log as they are now."""
        for table, ids in _ids_by_table(keys).items():
            t = TABLES[table]
            for chunk in _chunks(sorted(ids)):
                rows = self.s.execute(
                    select(t).where(t.c.id.in_(chunk), t.c.version > EPOCH)
                ).mappings()
                self._insert([row_to_change(table, dict(r)) for r in rows])

    def _entries(self, table: str, ids: Iterable[str]) -> dict[str, list[_Entry]]:
        """Every logged version of these records, oldest first."""
        found: dict[str, list[_Entry]] = defaultdict(list)
        for chunk in _chunks(sorted(ids)):
            rows = self.s.execute(
                select(LOG.c.record_id, LOG.c.version, LOG.c.change, LOG.c.verdict, LOG.c.reason)
                .where(LOG.c.table_name == table, LOG.c.record_id.in_(chunk))
                .order_by(LOG.c.version)
            )
            for rid, version, change, verdict, reason in rows:
                found[rid].append(_Entry(table, rid, version, json.loads(change), verdict, reason))
        return found

    def _every_version(self, table: str) -> list[_Entry]:
        """Every logged version of every record of a table, oldest first."""
        rows = self.s.execute(
            select(LOG.c.record_id, LOG.c.version, LOG.c.change, LOG.c.verdict, LOG.c.reason)
            .where(LOG.c.table_name == table)
            .order_by(LOG.c.version)
        )
        return [_Entry(table, r, v, json.loads(c), verdict, why) for r, v, c, verdict, why in rows]

    def _set_verdict(self, e: _Entry, verdict: str, reason: str = "") -> None:
        if (e.verdict, e.reason) == (verdict, reason):
            return
        newly_refused = verdict == "refused" and e.verdict != "refused"
        e.verdict, e.reason = verdict, reason
        self._verdicts.append(
            {"t": e.table, "r": e.id, "v": e.version, "verdict": verdict, "reason": reason}
        )
        if newly_refused:
            self.result.refused += 1
            what = describe(self.s, e.change)
            if self.own:
                self._warn(f"{what[:1].upper()}{what[1:]} was not sent: {reason}.")
            else:
                self._warn(f"Refused {what}: {reason}.")
        elif verdict == "ahead" and (e.table, e.id, e.version) in self._newly:
            self._warn(f"{describe(self.s, e.change).capitalize()} waits: {reason}.")

    def _save_verdicts(self) -> None:
        """Write the verdicts given so far, all in one statement."""
        if self._verdicts:
            self.s.execute(SET_VERDICT, self._verdicts)
            self._verdicts = []

    def _warn(self, text: str) -> None:
        self.result.warnings.append(text)
        log.warning(text)

    # -- judging ----------------------------------------------------------------------------

    def _evaluate(self, keys: set[Key]) -> None:
        self._capture(keys | {("people", p) for p in self._people_to_capture()})
        keys |= self._judge_roster()
        keys |= self._judge_people()
        self._save_verdicts()
        by_table = _ids_by_table(keys)
        for name in TABLE_ORDER:
            ids = by_table.get(name)
            if not ids:
                continue
            entries = self._entries(name, ids)
            winners = {}
            judged_already = name in ("people", "roster")
            for rid, chain in entries.items():
                winners[rid] = (
                    self._judged_winner(chain) if judged_already else self._judge_chain(chain)
                )
            self._show(name, winners)

    def _judge_roster(self) -> set[Key]:
        """Judge the team's roster (whose signatures count, from when); returns the records
        whose verdicts may change because it did."""
        entries = self._every_version("roster")
        before = {(e.id, e.version) for e in entries if e.verdict in ALLOWED}
        timely = []
        for e in entries:
            if self.clock.too_far_ahead(e.version):
                self._set_verdict(e, "ahead", AHEAD)
            else:
                timely.append(e)
        pinned = roster.pinned_root(self.s)
        self.roster = roster.judge_roster(timely, pinned, self._record)
        if pinned is None and self.roster.root is not None:
            roster.pin_root(self.s, self.roster.root)  # the first roster this device trusts
        after = {(e.id, e.version) for e in entries if e.verdict in ALLOWED}
        if before == after:
            return set()
        flipped = [
            e for e in entries if ((e.id, e.version) in before) != ((e.id, e.version) in after)
        ]
        changed: set[Key] = {("roster", e.id) for e in flipped}
        founded_before = min((v for _, v in before), default=None)  # the earliest is the founding
        if founded_before != self.roster.founded_at:
            # Founded now (or another founding won): every later version is judged anew.
            since = min(v for v in (founded_before, self.roster.founded_at) if v is not None)
            rows = self.s.execute(
                select(LOG.c.table_name, LOG.c.record_id).where(LOG.c.version > since)
            )
            return changed | {(t, r) for t, r in rows}
        for e in flipped:
            changed |= self._made_by(e.change["data"]["person_id"], roster.FROM_THE_START)
        return changed

    def _record(self, e: _Entry, verdict: str, reason: str) -> None:
        """Set a verdict judged elsewhere; a version allowed only now moves the clock."""
        if verdict == "accepted" and e.verdict not in ALLOWED:
            self.clock.observe(e.version)
        if verdict == "accepted" and e.verdict in ALLOWED:
            return
        self._set_verdict(e, verdict, reason)

    def _people_to_capture(self) -> set[str]:
        """Every profile, for everyone's role over time, except this device's own versions
        made since the team's roster: those enter the log signed, when they are sent
        (captured now, unsigned, they would be refused before they could be signed)."""
        people = TABLES["people"]
        query = select(people.c.id)
        founded = roster.current(self.s).founded_at
        if founded is not None:
            query = query.where(
                (people.c.device_id != self.device_id) | (people.c.version <= founded)
            )
        return set(self.s.scalars(query))

    def _judge_people(self) -> set[Key]:
        """Judge every version of every profile, oldest first, building everyone's role over
        time; returns the records whose verdicts may change because a role history did."""
        before = Roles()
        entries = self._every_version("people")
        for e in entries:
            if e.verdict in ALLOWED:
                before.add(e.id, e.version, None if e.data["deleted"] else e.data["role"])
        latest: dict[str, dict] = {}
        changed: set[Key] = set()
        for e in entries:
            was = e.verdict
            if self._judge_one(e, latest.get(e.id)):
                latest[e.id] = e.data
                self.roles.add(e.id, e.version, None if e.data["deleted"] else e.data["role"])
            if (was in ALLOWED) != (e.verdict in ALLOWED):
                changed.add(("people", e.id))
        for person in before.people() | self.roles.people():
            first = _first_difference(before.timeline(person), self.roles.timeline(person))
            if first is not None:
                changed |= self._made_by(person, first)
        return changed

    def _made_by(self, person: str, since: str) -> set[Key]:
        """Records with versions made by this person at or after ``since``."""
        rows = self.s.execute(
            select(LOG.c.table_name, LOG.c.record_id).where(
                LOG.c.version >= since,
                or_(
                    LOG.c.editor_id == person,
                    and_(LOG.c.editor_id.is_(None), LOG.c.author_id == person),
                ),
            )
        )
        return {(t, r) for t, r in rows}

    def _judge_chain(self, chain: list[_Entry]) -> _Entry | None:
        """Judge a record's versions oldest first; returns the newest allowed one."""
        winner = None
        for e in chain:
            if self._judge_one(e, winner.data if winner else None):
                winner = e
        return winner

    @staticmethod
    def _judged_winner(chain: list[_Entry]) -> _Entry | None:
        allowed = [e for e in chain if e.verdict in ALLOWED]
        return allowed[-1] if allowed else None

    def _judge_one(self, e: _Entry, prev: dict | None) -> bool:
        """Set the entry's verdict; True when the rules allow it."""
        if self.clock.too_far_ahead(e.version):
            self._set_verdict(e, "ahead", AHEAD)
            return False
        if e.table == "join_requests":
            verdict = roster.judge_join_request(e.change)
        else:
            verdict = judge(e.change, prev, self.roles, self._owner_of, self.roster)
        if verdict.ok:
            if e.verdict not in ALLOWED:
                self._set_verdict(e, "accepted")
                # Just received, or allowed only now (dated ahead until this clock caught
                # up, or waiting for older history): this device's next edits come after it.
                self.clock.observe(e.version)
            return True
        self._set_verdict(e, "held" if verdict.wait else "refused", verdict.reason)
        return False

    def _owner_of(self, submission_id: str) -> str | None:
        t = TABLES["submissions"]
        return self.s.scalar(select(t.c.person_id).where(t.c.id == submission_id))

    # -- showing ----------------------------------------------------------------------------

    def _show(self, name: str, winners: dict[str, _Entry | None]) -> None:
        """Make each record's row its newest allowed version."""
        table = TABLES[name]
        current: dict[str, tuple[str, bool]] = {}
        for chunk in _chunks(sorted(winners)):
            rows = self.s.execute(
                select(table.c.id, table.c.version, table.c.deleted).where(table.c.id.in_(chunk))
            )
            current.update({r.id: (r.version, r.deleted) for r in rows})
        self._known[name] |= set(current)
        fks = _foreign_keys(name)
        candidates: list[tuple[_Entry, dict]] = []
        for rid, winner in winners.items():
            if winner is None:
                if rid in current:
                    self._retract(name, rid)
                continue
            if current.get(rid) == (winner.version, winner.data["deleted"]):
                if winner.verdict == "waiting":
                    self._set_verdict(winner, "accepted")
                continue
            candidates.append((winner, change_to_row(winner.change)))
        self._look_up_parents([row for _, row in candidates], fks)
        to_write = []
        for winner, row in candidates:
            missing = next(
                (p for c, p in fks if row[c] is not None and row[c] not in self._known[p]), None
            )
            if missing:
                what = missing.replace("_", " ").rstrip("s")
                self._set_verdict(winner, "waiting", f"it refers to a {what} record not here yet")
                continue
            to_write.append((winner, row))
        self._write(name, to_write)

    def _look_up_parents(self, rows: list[dict], fks: list[tuple[str, str]]) -> None:
        """Learn which of the records these rows refer to are here (a query per table)."""
        wanted: dict[str, set[str]] = defaultdict(set)
        for row in rows:
            for column, parent in fks:
                if row[column] is not None and row[column] not in self._known[parent]:
                    wanted[parent].add(row[column])
        for parent, ids in wanted.items():
            t = TABLES[parent]
            for chunk in _chunks(sorted(ids)):
                self._known[parent] |= set(self.s.scalars(select(t.c.id).where(t.c.id.in_(chunk))))

    def _write(self, name: str, items: list[tuple[_Entry, dict]]) -> None:
        if not items:
            return
        statement = _upsert_statement(name)
        try:
            with self.s.begin_nested():  # the whole table's batch at once ...
                self.s.connection().execute(statement, [row for _, row in items])
        except IntegrityError:
            for entry, row in items:  # ... or, if one clashes, one by one
                try:
                    with self.s.begin_nested():
                        self.s.connection().execute(statement, [row])
                except IntegrityError as exc:
                    self._clash(entry, exc)
                else:
                    self._shown(name, entry)
        else:
            for entry, _ in items:
                self._shown(name, entry)

    def _shown(self, name: str, entry: _Entry) -> None:
        self._known[name].add(entry.id)
        self.result.applied += 1
        self.result.tables.add(name)
        if entry.verdict == "waiting":
            self._set_verdict(entry, "accepted")

    def _clash(self, entry: _Entry, exc: IntegrityError) -> None:
        detail = str(exc.orig)
        if "UNIQUE" in detail:
            # e.g. a record with the same name made here: keep it waiting, say so once.
            if entry.verdict != "waiting":
                self._warn(
                    f"{describe(self.s, entry.change).capitalize()} has the same name as a "
                    "record here; it waits until one of them is renamed."
                )
            self._set_verdict(entry, "waiting", "it has the same name as a record here")
        else:
            self._set_verdict(entry, "refused", "its values break a rule of the record")

    def _retract(self, name: str, rid: str) -> None:
        """No version of this record is allowed: remove it, or hide it if something here
        (a take, another record) still refers to it."""
        table = TABLES[name]
        self.result.tables.add(name)
        try:
            with self.s.begin_nested():
                self.s.execute(delete(table).where(table.c.id == rid))
        except IntegrityError:
            self.s.execute(update(table).where(table.c.id == rid).values(deleted=True))
        else:
            self._known[name].discard(rid)


def _by_table(changes: Iterable[dict]) -> dict[str, list[dict]]:
    found: dict[str, list[dict]] = defaultdict(list)
    for c in changes:
        found[c["table"]].append(c)
    return found


def _ids_by_table(keys: Iterable[Key]) -> dict[str, set[str]]:
    found: dict[str, set[str]] = defaultdict(set)
    for table, rid in keys:
        found[table].add(rid)
    return found


def _first_difference(old: list, new: list) -> str | None:
    """The earliest version at which two role timelines differ, or None if they agree."""
    for i in range(max(len(old), len(new))):
        a = old[i] if i < len(old) else None
        b = new[i] if i < len(new) else None
        if a != b:
            return min(x[0] for x in (a, b) if x is not None)
    return None
