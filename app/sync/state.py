"""What this device remembers about sync, kept in the local-only ``local_state`` table.

Keys are ``sync:<remote id>:<name>`` for per-remote facts (how far this device
has pushed, how far it has read each source) and ``sync:held:<table>:<id>`` for
changes waiting for a parent record. Living in the same database as the data,
a cursor moves in the same transaction as the records it covers.
"""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from app.core.models import LocalState

HELD = "sync:held:"


def _key(remote_id: str, name: str) -> str:
    return f"sync:{remote_id}:{name}"


def get(s: Session, remote_id: str, name: str, default: Any = None) -> Any:
    row = s.get(LocalState, _key(remote_id, name))
    return json.loads(row.value) if row is not None else default


def put(s: Session, remote_id: str, name: str, value: Any) -> None:
    s.merge(LocalState(key=_key(remote_id, name), value=json.dumps(value)))


def cursors(s: Session, remote_id: str) -> dict[str, int]:
    prefix = _key(remote_id, "cursor:")
    rows = s.scalars(select(LocalState).where(LocalState.key.startswith(prefix)))
    return {r.key[len(prefix) :]: int(r.value) for r in rows}


def set_cursor(s: Session, remote_id: str, source: str, value: int) -> None:
    put(s, remote_id, f"cursor:{source}", int(value))


def held_changes(s: Session) -> list[dict]:
    rows = s.scalars(select(LocalState).where(LocalState.key.startswith(HELD)))
    return [json.loads(r.value) for r in rows]


def hold(s: Session, change: dict) -> None:
    s.merge(LocalState(key=f"{HELD}{change['table']}:{change['id']}", value=json.dumps(change)))


def release(s: Session, change: dict) -> None:
    s.execute(delete(LocalState).where(LocalState.key == f"{HELD}{change['table']}:{change['id']}"))
