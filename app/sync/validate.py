"""The shape every incoming change must have, checked before anything else reads it.

A shared folder is written by many devices and cloud-drive clients; a change
file can be truncated, hand-edited or crafted. Nothing in it is trusted: the
JSON is parsed with finite numbers and bounded nesting, and every column of
every change is checked against the table it claims to belong to. A change
that fails is set aside with the reason; it never stops the others.
"""

from __future__ import annotations

import json
import math
import re
from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Boolean, Date, DateTime, Enum, Float, Integer, String, Text

from app.core.clock import normalize_version, parse_version
from app.core.media import is_sha256
from app.sync.changes import TABLES

MAX_FILE_BYTES = 256 * 1024 * 1024
MAX_TEXT = 100_000
MAX_LIST = 1_000
UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
SHA_COLUMNS = {"sha256", "prompt_media_sha256"}
ID_COLUMNS = {"id", "author_id", "device_id", "edited_by", "take_id"}
SCORE_MAPS = {"scores", "self_scores"}  # criterion key -> whole number; other JSON: lists of text


class Malformed(ValueError):
    """A change (or change file) that cannot be read; the message says why, in plain words."""


def _no_constants(name: str):
    raise Malformed(f"it contains the number {name}")


def _finite(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise Malformed("it contains a number too large to read")
    return value


def load_json(raw: bytes) -> Any:
    """Parse a change file: no Infinity or NaN, no endless nesting, no absurd sizes."""
    if len(raw) > MAX_FILE_BYTES:
        raise Malformed("it is larger than any change file CrossCoach writes")
    try:
        return json.loads(raw, parse_constant=_no_constants, parse_float=_finite)
    except RecursionError:
        raise Malformed("it is nested too deeply") from None
    except Malformed:
        raise
    except (ValueError, UnicodeDecodeError) as exc:  # JSON errors, overlong integers
        raise Malformed(f"it is not valid JSON ({str(exc)[:80]})") from None


def check_change(raw: Any, source_device: str | None = None) -> dict:
    """The change in its exact form, or :class:`Malformed` saying what is wrong.

    ``source_device``: the device whose folder the change was found in; a
    device publishes only its own changes.
    """
    if not isinstance(raw, dict):
        raise Malformed("it is not a change")
    table_name = raw.get("table")
    if not isinstance(table_name, str) or table_name not in TABLES:
        raise Malformed("it names no table that syncs")
    data = raw.get("data")
    if not isinstance(data, dict):
        raise Malformed("it carries no record")
    device = raw.get("device_id")
    if device == "shipped" or data.get("device_id") == "shipped":
        raise Malformed("built-in records are never sent by a device")
    if not _is_uuid(device):
        raise Malformed("its device id has the wrong form")
    if source_device is not None and device != source_device:
        raise Malformed("it claims to come from another device than the one that published it")
    try:
        version = normalize_version(raw.get("version"))
    except ValueError:
        raise Malformed("its version has the wrong form") from None
    if parse_version(version)[2] != device:
        raise Malformed("its version names another device")
    for key in ("id", "author_id", "device_id"):
        if data.get(key) != raw.get(key):
            raise Malformed(f"its {key.replace('_', ' ')} differs inside and outside the record")
    if not isinstance(raw.get("deleted"), bool) or data.get("deleted") is not raw["deleted"]:
        raise Malformed("whether it is deleted is not a yes or no")
    try:
        if normalize_version(data.get("version")) != version:
            raise Malformed("its version differs inside and outside the record")
    except ValueError:
        raise Malformed("its version has the wrong form") from None
    clean = {}
    for column in TABLES[table_name].columns:
        value = data.get(column.name)
        problem = _column_problem(column, value)
        if problem:
            raise Malformed(f"its {column.name.replace('_', ' ')} {problem}")
        clean[column.name] = value
    clean["version"] = version
    return {
        "table": table_name,
        "id": clean["id"],
        "version": version,
        "deleted": clean["deleted"],
        "author_id": clean["author_id"],
        "device_id": device,
        "data": clean,
    }


def _is_uuid(value: Any) -> bool:
    return isinstance(value, str) and UUID.match(value) is not None


def _column_problem(column, value: Any) -> str | None:
    """What is wrong with one value, or None."""
    if value is None:
        return None if column.nullable or column.name == "version" else "is missing"
    kind = column.type
    if column.name in ID_COLUMNS or column.foreign_keys:
        return None if _is_uuid(value) else "is not an id"
    if column.name in SHA_COLUMNS:
        return None if is_sha256(value) else "is not a SHA-256"
    if isinstance(kind, Enum):
        return None if value in kind.enums else "is not one of the allowed values"
    if isinstance(kind, Boolean):
        return None if isinstance(value, bool) else "is not a yes or no"
    if isinstance(kind, Integer):
        ok = isinstance(value, int) and not isinstance(value, bool) and abs(value) < 2**53
        return None if ok else "is not a whole number"
    if isinstance(kind, Float):
        ok = isinstance(value, int | float) and not isinstance(value, bool)
        return None if ok and math.isfinite(value) and abs(value) < 1e15 else "is not a number"
    if isinstance(kind, DateTime):
        return None if _parses(datetime.fromisoformat, value) else "is not a date and time"
    if isinstance(kind, Date):
        return None if _parses(date.fromisoformat, value) else "is not a date"
    if isinstance(kind, JSON):
        return _json_problem(column.name, value)
    if isinstance(kind, String | Text):
        limit = kind.length or MAX_TEXT
        if not isinstance(value, str):
            return "is not text"
        return None if len(value) <= limit and "\x00" not in value else "is too long"
    return "has a type CrossCoach cannot check"


def _parses(parse, value: Any) -> bool:
    if not isinstance(value, str) or len(value) > 40:
        return False
    try:
        parsed = parse(value)
    except ValueError:
        return False
    return 1970 <= parsed.year <= 9999


def _json_problem(name: str, value: Any) -> str | None:
    if name in SCORE_MAPS:
        ok = isinstance(value, dict) and len(value) <= MAX_LIST
        ok = ok and all(
            isinstance(k, str) and len(k) <= 80 and isinstance(v, int) and not isinstance(v, bool)
            and 0 <= v <= 100
            for k, v in value.items()
        )  # fmt: skip
        return None if ok else "is not a set of scores"
    ok = isinstance(value, list) and len(value) <= MAX_LIST
    ok = ok and all(isinstance(v, str) and len(v) <= 2000 for v in value)
    return None if ok else "is not a list of texts"
