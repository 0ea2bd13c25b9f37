"""The merge: what this device sends, and how what arrives is applied.

Per record, the change with the greater HLC version wins (versions compare as
strings; the device id inside breaks ties), deletions travel as tombstones, and
an applied record keeps its origin device, so it is never echoed back.
A batch is applied in one local transaction together with the cursor that
covers it: killed at any point, the device either has the whole batch and the
cursor, or neither.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from dataclasses import dataclass, field
from functools import cache

from sqlalchemy import func, select
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app.core.db import Database
from app.core.models import Person
from app.sync import state
from app.sync.changes import TABLE_ORDER, TABLES, change_to_row, row_to_change
from app.sync.rules import judge

log = logging.getLogger(__name__)
ID_CHUNK = 500


@dataclass
class ApplyResult:
    applied: int = 0
    already_known: int = 0
    held: int = 0
    refused: int = 0
    warnings: list[str] = field(default_factory=list)


def outgoing(s: Session, device_id: str, after_version: str) -> list[dict]:
    """This device's own changes with a version past ``after_version``, oldest first."""
    found = []
    for name in TABLE_ORDER:
        table = TABLES[name]
        rows = s.execute(
            select(table).where(table.c.device_id == device_id, table.c.version > after_version)
        ).mappings()
        found += [row_to_change(name, dict(r)) for r in rows]
    found.sort(key=lambda c: c["version"])
    return found


def count_outgoing(s: Session, device_id: str, after_version: str) -> int:
    return sum(
        s.scalar(
            select(func.count()).where(
                TABLES[n].c.device_id == device_id, TABLES[n].c.version > after_version
            )
        )
        for n in TABLE_ORDER
    )


def _foreign_keys(table_name: str) -> list[tuple[str, str]]:
    return [
        (fk.parent.name, fk.column.table.name)
        for fk in TABLES[table_name].foreign_keys
        if fk.column.table.name in TABLES
    ]


def _existing(s: Session, table_name: str, ids: list[str]) -> dict[str, str]:
    """The version this device holds of each of these records."""
    table = TABLES[table_name]
    found = {}
    for i in range(0, len(ids), ID_CHUNK):
        chunk = ids[i : i + ID_CHUNK]
        rows = s.execute(select(table.c.id, table.c.version).where(table.c.id.in_(chunk)))
        found.update({r.id: r.version for r in rows})
    return found


def _present(s: Session, table_name: str, ids: set[str]) -> set[str]:
    return set(_existing(s, table_name, sorted(ids)))


@cache
def _upsert_statement(table_name: str):
    """INSERT ... ON CONFLICT(id) DO UPDATE of every column: built once per table."""
    table = TABLES[table_name]
    stmt = sqlite_insert(table)
    return stmt.on_conflict_do_update(
        index_elements=[table.c.id],
        set_={c.name: stmt.excluded[c.name] for c in table.columns if c.name != "id"},
    )


def _upsert(s: Session, table_name: str, rows: list[dict]) -> None:
    s.connection().execute(_upsert_statement(table_name), rows)


def apply_changes(
    db: Database,
    changes: list[dict],
    *,
    remote_id: str | None = None,
    cursors: dict[str, int] | None = None,
    retry: dict[str, str] | None = None,
) -> ApplyResult:
    """Apply incoming changes (and any held ones) in one transaction with their cursors.

    ``retry`` (damaged files to read again if they change) is saved in the same
    transaction, so a kill never leaves a cursor past a file that nobody retries.
    """
    result = ApplyResult()
    with db.session() as s:
        s.info["applying_remote"] = True  # keep the stamps that came with each change
        held_before = state.held_changes(s)
        was_held = {(c["table"], c["id"]) for c in held_before}
        newest: dict[tuple[str, str], dict] = {}
        for change in [*held_before, *changes]:
            key = (change["table"], change["id"])
            if key not in newest or change["version"] > newest[key]["version"]:
                newest[key] = change
        by_table: dict[str, list[dict]] = defaultdict(list)
        for change in newest.values():
            by_table[change["table"]].append(change)
        roles = {pid: role.value for pid, role in s.execute(select(Person.id, Person.role))}
        known: dict[str, set[str]] = defaultdict(set)
        for name in TABLE_ORDER:
            items = sorted(by_table.get(name, ()), key=lambda c: c["version"])
            if items:
                _apply_table(s, db, name, items, roles, known, was_held, result)
        if remote_id is not None:
            for source, value in (cursors or {}).items():
                state.set_cursor(s, remote_id, source, value)
            if retry is not None:
                state.put(s, remote_id, "retry", retry)
        result.held = len(state.held_changes(s))
    return result


def _apply_table(s, db, name, items, roles, known, was_held, result: ApplyResult) -> None:
    readable = []
    for change in items:
        try:
            readable.append((change, change_to_row(change)))
        except (ValueError, TypeError, AttributeError):
            result.refused += 1
            result.warnings.append(
                f"Ignored a malformed change to {name} {change['id']} from device "
                f"{change['device_id']}: a value has the wrong form."
            )
    if not readable:
        return
    items, rows = [c for c, _ in readable], [r for _, r in readable]
    existing = _existing(s, name, [c["id"] for c in items])
    fks = _foreign_keys(name)
    wanted: dict[str, set[str]] = defaultdict(set)
    for row in rows:
        for column, parent in fks:
            if row[column] is not None and row[column] not in known[parent]:
                wanted[parent].add(row[column])
    for parent, ids in wanted.items():
        known[parent] |= _present(s, parent, ids)
    accepted = []
    for change, row in zip(items, rows, strict=True):
        db.clock.observe(change["version"])
        key = (name, change["id"])
        current = existing.get(change["id"])
        if current is not None and current >= change["version"]:
            result.already_known += 1
            if key in was_held:
                state.release(s, change)
            continue
        verdict = judge(change, roles)
        missing = [p for c, p in fks if row[c] is not None and row[c] not in known[p]]
        if verdict.wait or (verdict.ok and missing):
            state.hold(s, change)
            continue
        if not verdict.ok:
            result.refused += 1
            result.warnings.append(
                f"Ignored a change to {name} {change['id']} from device "
                f"{change['device_id']}: {verdict.reason}."
            )
            log.warning(result.warnings[-1])
            if key in was_held:
                state.release(s, change)
            continue
        accepted.append((change, row))
    if not accepted:
        return
    try:
        with s.begin_nested():  # the whole table's batch at once ...
            _upsert(s, name, [row for _, row in accepted])
    except IntegrityError:
        for change, row in accepted:  # ... or, if one clashes, one by one
            try:
                with s.begin_nested():
                    _upsert(s, name, [row])
            except IntegrityError as exc:
                # e.g. a record with the same name made here: keep it waiting, say so.
                if (name, change["id"]) not in was_held:
                    result.warnings.append(
                        f"A change to {name} {change['id']} clashes with a record here "
                        f"({exc.orig}); it waits until the clash is resolved."
                    )
                state.hold(s, change)
            else:
                _applied(s, name, change, row, roles, was_held, result)
    else:
        for change, row in accepted:
            _applied(s, name, change, row, roles, was_held, result)


def _applied(s, name, change, row, roles, was_held, result: ApplyResult) -> None:
    result.applied += 1
    if name == "people":
        roles[change["id"]] = row["role"]
    if (name, change["id"]) in was_held:
        state.release(s, change)
