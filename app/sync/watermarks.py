"""What this device remembers about sync, kept in the local-only ``local_state`` table.

Keys are ``sync:<remote id>:<name>`` for per-remote facts: how far this device
has pushed, what it has read of each source, its changes the remote refused,
and change files it could not read. Living in the same database as the data,
a read mark moves in the same transaction as the records it covers. (Versions
waiting or refused on this device live in the change log, ``sync_log``.)
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from app.core.models import LocalState

MALFORMED_KEPT = 50  # the latest unreadable changes listed; older ones are in the log file


def _key(remote_id: str, name: str) -> str:
    return f"sync:{remote_id}:{name}"


def get(s: Session, remote_id: str, name: str, default: Any = None) -> Any:
    row = s.get(LocalState, _key(remote_id, name))
    return json.loads(row.value) if row is not None else default


def put(s: Session, remote_id: str, name: str, value: Any) -> None:
    s.merge(LocalState(key=_key(remote_id, name), value=json.dumps(value)))


def drop(s: Session, remote_id: str, name: str) -> None:
    s.execute(delete(LocalState).where(LocalState.key == _key(remote_id, name)))


@dataclass(frozen=True)
class ReadMark:
    """Which numbered items (change files, or database log entries) of one source were read.

    ``upto``: every number up to it was read; ``seen``: numbers above it that
    were read too. Change files can arrive out of order (cloud drives promise
    no order), so a file numbered below one already read is still read.
    """

    upto: int = 0
    seen: frozenset[int] = field(default_factory=frozenset)

    def has(self, n: int) -> bool:
        return n <= self.upto or n in self.seen

    def add(self, n: int, everything_before: bool = False) -> ReadMark:
        """Mark ``n`` read (and every number below it, when the source guarantees that)."""
        if everything_before:
            upto, seen = max(self.upto, n), {x for x in self.seen if x > n}
        else:
            upto, seen = self.upto, set(self.seen) | {n}
        while upto + 1 in seen:
            upto += 1
            seen.discard(upto)
        return ReadMark(upto, frozenset(x for x in seen if x > upto))

    def as_json(self) -> dict:
        return {"upto": self.upto, "seen": sorted(self.seen)}

    @classmethod
    def from_json(cls, value: Any) -> ReadMark:
        if not isinstance(value, dict):
            return cls()
        return cls(int(value.get("upto", 0)), frozenset(int(x) for x in value.get("seen", ())))


def read_marks(s: Session, remote_id: str) -> dict[str, ReadMark]:
    prefix = _key(remote_id, "read:")
    rows = s.scalars(select(LocalState).where(LocalState.key.startswith(prefix)))
    return {r.key[len(prefix) :]: ReadMark.from_json(json.loads(r.value)) for r in rows}


def set_read_mark(s: Session, remote_id: str, source: str, mark: ReadMark) -> None:
    put(s, remote_id, f"read:{source}", mark.as_json())


def refused_up(s: Session, remote_id: str) -> dict[str, dict]:
    """This device's changes the remote refused: ``"table:id" -> {version, reason}``."""
    return get(s, remote_id, "refused", {})


def set_refused_up(s: Session, remote_id: str, refused: dict[str, dict]) -> None:
    put(s, remote_id, "refused", refused)


def unreadable(s: Session, remote_id: str) -> list[dict]:
    """Changes and change files that could not be read: ``{where, reason}``, newest last."""
    return get(s, remote_id, "unreadable", [])


def note_unreadable(s: Session, remote_id: str, where: str, reason: str) -> None:
    kept = [u for u in unreadable(s, remote_id) if u["where"] != where]
    kept.append({"where": where, "reason": reason})
    put(s, remote_id, "unreadable", kept[-MALFORMED_KEPT:])


def forget_unreadable(s: Session, remote_id: str, where: str) -> None:
    kept = unreadable(s, remote_id)
    if any(u["where"] == where for u in kept):
        put(s, remote_id, "unreadable", [u for u in kept if u["where"] != where])
