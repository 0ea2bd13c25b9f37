"""A change is one whole synced record as JSON-safe values, plus where it belongs.

``{"table": ..., "id": ..., "version": ..., "deleted": ..., "author_id": ...,
"device_id": ..., "data": {column: value, ...}}``. ``data`` holds every column
of the row (stamps included), so applying a change never needs the older state.
"""

from __future__ import annotations

import enum
from datetime import date, datetime
from typing import Any

from sqlalchemy import Date, DateTime, Table, select
from sqlalchemy.orm import Session

from app.core.clock import as_utc
from app.core.models import SYNCED_MODELS

# Parents before children: a batch applied in this order never waits on itself.
TABLE_ORDER = (
    "roster",
    "join_requests",
    "teams",
    "people",
    "products",
    "cross_sells",
    "rubrics",
    "rubric_criteria",
    "scenarios",
    "assignments",
    "submissions",
    "reviews",
    "comments",
    "top_videos",
    "rewards",
)
# Every synced model is a mapped class (the Synced mixin alone has no table).
TABLES: dict[str, Table] = {m.__table__.name: m.__table__ for m in SYNCED_MODELS}  # type: ignore[attr-defined]
assert set(TABLES) == set(TABLE_ORDER), "every synced table needs its place in TABLE_ORDER"


def to_json_value(value: Any) -> Any:
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, datetime):
        return as_utc(value).isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return value


def row_to_change(table: str, row: dict) -> dict:
    data = {k: to_json_value(v) for k, v in row.items()}
    return {
        "table": table,
        "id": data["id"],
        "version": data["version"],
        "deleted": bool(data["deleted"]),
        "author_id": data["author_id"],
        "device_id": data["device_id"],
        "data": data,
    }


def change_to_row(change: dict) -> dict:
    """The row values to write, converted back to what the columns expect."""
    table = TABLES[change["table"]]
    row = {}
    for column in table.columns:
        value = change["data"].get(column.name)
        if value is not None and isinstance(column.type, DateTime):
            value = as_utc(datetime.fromisoformat(value))
        elif value is not None and isinstance(column.type, Date):
            value = date.fromisoformat(value)
        row[column.name] = value
    return row


def canonical_dump(s: Session) -> dict[str, list[dict]]:
    """Every synced record in a stable order: what converged devices must agree on."""
    dump = {}
    for name in TABLE_ORDER:
        table = TABLES[name]
        rows = s.execute(select(table).order_by(table.c.id)).mappings()
        dump[name] = [row_to_change(name, dict(r))["data"] for r in rows]
    return dump
