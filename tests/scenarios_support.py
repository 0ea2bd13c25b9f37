"""Helpers for the scenario pack tests: a valid pack to break, and a database dump."""

from __future__ import annotations

import copy
import struct
import zipfile
from dataclasses import dataclass
from pathlib import Path

import yaml
from factories import make_clip
from sqlalchemy import select

from app.core.models import Base


def scenario(key: str = "tent-bag", **changes) -> dict:
    entry = {
        "key": key,
        "title": "Tent buyer heading to the mountains",
        "situation": "A couple buys a two-person tent for a week of camping at 2,000 m.",
        "customer_line": "We've got the tent sorted. It can't be that cold in July, right?",
        "product": "tent",
        "cross_sell": "sleeping-bag",
        "talking_points": ["Ask where and when they camp.", "Nights at altitude drop near 0 C."],
        "keywords": {"mention": ["comfort rating", "altitude"], "avoid": ["freeze"]},
        "tags": ["outdoor", "retail"],
        "difficulty": "medium",
        "prep_seconds": 30,
        "max_answer_seconds": 90,
        "allowed_attempts": 3,
        "rubric": "basic",
    }
    entry.update(changes)
    return entry


VALID_PACK = {
    "format": "crosscoach-pack",
    "version": 1,
    "pack": {"key": "outdoor", "name": "Outdoor shop", "version": 1},
    "products": [
        {"key": "tent", "name": "Two-person tent"},
        {"key": "sleeping-bag", "name": "Three-season sleeping bag", "category": "Sleeping"},
    ],
    "cross_sells": [{"from": "tent", "to": "sleeping-bag", "why": "Mountain nights are cold."}],
    "rubrics": [
        {
            "key": "basic",
            "name": "Basic cross-sell",
            "criteria": [
                {"key": "need", "name": "Asks about the need", "weight": 2, "max_score": 5},
                {"key": "close", "name": "Suggests a next step", "weight": 1, "max_score": 5},
            ],
        }
    ],
    "scenarios": [scenario()],
}


def pack_data(**top_changes) -> dict:
    data = copy.deepcopy(VALID_PACK)
    data.update(top_changes)
    return data


def pack_text(data: dict | None = None) -> str:
    return yaml.safe_dump(data or pack_data(), sort_keys=False, allow_unicode=True)


def write_pack(folder: Path, content: str | bytes | dict | None = None, media=None) -> Path:
    """A pack folder with pack.yaml (text, bytes or data) and media files {name: bytes}."""
    folder.mkdir(parents=True, exist_ok=True)
    if content is None or isinstance(content, dict):
        content = pack_text(content)
    if isinstance(content, str):
        content = content.encode("utf-8")
    (folder / "pack.yaml").write_bytes(content)
    for name, data in (media or {}).items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    return folder


def make_audio(path: Path, frequency: int = 440) -> bytes:
    """A real one-second tone recorded by ffmpeg, as a customer prompt would be."""
    return make_clip(path, picture=False, tone=frequency).read_bytes()


def dump_database(ctx) -> dict[str, list[tuple]]:
    """Every row of every table, in a stable order: equal dumps mean nothing changed."""
    with ctx.db.session() as s:
        return {
            table.name: sorted((tuple(row) for row in s.execute(select(table))), key=repr)
            for table in Base.metadata.sorted_tables
        }


def zip_files(path: Path, files: dict[str, bytes], method: int = zipfile.ZIP_DEFLATED) -> Path:
    """A zip holding ``files`` ({entry name: bytes}), in that order."""
    with zipfile.ZipFile(path, "w", method) as zf:
        for name, data in files.items():
            zf.writestr(name, data)
    return path


def unzip_files(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as zf:
        return {n: zf.read(n) for n in zf.namelist()}


# Offsets inside zip records (PKWARE APPNOTE 4.3.7 and 4.3.12).
LOCAL_FLAGS, LOCAL_NAME_LEN, LOCAL_SIZE = 6, 26, 30
CENTRAL_FLAGS, CENTRAL_METHOD, CENTRAL_CRC, CENTRAL_USIZE = 8, 10, 16, 24
CENTRAL_NAME_LEN, CENTRAL_LOCAL, CENTRAL_SIZE = 28, 42, 46


@dataclass(frozen=True)
class ZipEntry:
    """Where one entry's records and bytes sit in a zip file."""

    name: str
    local: int  # its local file header
    data: int  # its first (compressed) byte
    end: int  # one past its last byte
    central: int  # its central directory record


def zip_layout(raw: bytes) -> dict[str, ZipEntry]:
    """Every entry of an archive, read from the bytes by hand (not by the zipfile module)."""
    eocd = raw.rindex(b"PK\x05\x06")
    count, _, start = struct.unpack_from("<HII", raw, eocd + 10)
    entries, pos = {}, start
    for _ in range(count):
        assert raw[pos : pos + 4] == b"PK\x01\x02"
        csize = struct.unpack_from("<I", raw, pos + 20)[0]
        name_len, extra_len, comment_len = struct.unpack_from("<HHH", raw, pos + CENTRAL_NAME_LEN)
        local = struct.unpack_from("<I", raw, pos + CENTRAL_LOCAL)[0]
        name = raw[pos + CENTRAL_SIZE : pos + CENTRAL_SIZE + name_len].decode("utf-8")
        local_name, local_extra = struct.unpack_from("<HH", raw, local + LOCAL_NAME_LEN)
        data = local + LOCAL_SIZE + local_name + local_extra
        entries[name] = ZipEntry(name, local, data, data + csize, pos)
        pos += CENTRAL_SIZE + name_len + extra_len + comment_len
    return entries


def patched(raw: bytes, *changes: tuple[int, bytes]) -> bytes:
    """``raw`` with bytes replaced at the given offsets."""
    out = bytearray(raw)
    for offset, data in changes:
        out[offset : offset + len(data)] = data
    return bytes(out)


def flipped(raw: bytes, offset: int) -> bytes:
    """``raw`` with every bit of one byte inverted."""
    return patched(raw, (offset, bytes([raw[offset] ^ 0xFF])))
