"""The content-addressed media store: ``media/<sha[:2]>/<sha256><ext>``, never rewritten.

A file enters the store by being copied (or moved) to a temporary name in the
store, hashed on the way, flushed to disk and renamed into place; a file
already there with the same hash is simply reused.
"""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
from pathlib import Path

from app.core.files import commit

CHUNK = 1024 * 1024


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        while block := f.read(CHUNK):
            digest.update(block)
    return digest.hexdigest()


SHA256 = re.compile(r"^[0-9a-f]{64}$")
SUFFIX = re.compile(r"^(\.[a-z0-9]{1,8})?$")


def is_sha256(value: object) -> bool:
    return isinstance(value, str) and SHA256.match(value) is not None


def media_path(media_root: Path, sha256: str, suffix: str) -> Path:
    """Where a recording lives; ValueError for a name that is no SHA-256 or suffix
    (a value that came from elsewhere must never reach a path outside the store)."""
    suffix = suffix.lower()
    if not is_sha256(sha256) or not SUFFIX.match(suffix):
        raise ValueError(f"not a media name: {sha256!r}{suffix!r}")
    return media_root / sha256[:2] / f"{sha256}{suffix}"


def store_file(media_root: Path, source: Path, *, move: bool = False) -> tuple[str, Path]:
    """Put ``source`` into the store; returns its SHA-256 and its path in the store.

    With ``move`` the source is removed once the stored copy is safely on disk.
    """
    suffix = source.suffix
    media_root.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=".incoming-", suffix=suffix, dir=media_root)
    tmp = Path(tmp_name)
    try:
        digest = hashlib.sha256()
        with open(source, "rb") as src, os.fdopen(fd, "wb") as dst:
            while block := src.read(CHUNK):
                digest.update(block)
                dst.write(block)
            dst.flush()
            os.fsync(dst.fileno())
        sha = digest.hexdigest()
        final = media_path(media_root, sha, suffix)
        final.parent.mkdir(parents=True, exist_ok=True)
        if final.exists() and final.stat().st_size == tmp.stat().st_size:
            tmp.unlink()
        else:
            commit(tmp, final)
            os.chmod(final, 0o444)  # immutable by convention and by mode
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    if move:
        source.unlink()
    return sha, final


def find_media(media_root: Path, sha256: str) -> Path | None:
    if not is_sha256(sha256):
        return None
    folder = media_root / sha256[:2]
    if folder.is_dir():
        for candidate in folder.glob(f"{sha256}.*"):
            return candidate
    return None
