"""Recordings between the local media store and a remote, verified by SHA-256.

Only recordings that synced records point at travel (submissions and scenario
prompt media); a practice take that was never submitted is referenced by
nothing that syncs, so it never leaves the device.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.core.files import commit
from app.core.media import is_sha256, media_path, sha256_file
from app.core.models import Scenario, Submission

MEDIA_NAME = re.compile(r"^([0-9a-f]{64})(\.[A-Za-z0-9]{1,8})$")


def referenced_media(s: Session) -> set[str]:
    """Every recording a live synced record needs."""
    shas = set(s.scalars(select(Submission.sha256).where(Submission.deleted.is_(False))))
    shas |= set(
        s.scalars(
            select(Scenario.prompt_media_sha256).where(
                Scenario.deleted.is_(False), Scenario.prompt_media_sha256.is_not(None)
            )
        )
    )
    return {sha for sha in shas if is_sha256(sha)}


def partial_path(media_root: Path, sha256: str) -> Path:
    """Where a download in progress lives: a temporary name the store never serves."""
    if not is_sha256(sha256):
        raise ValueError(f"not a SHA-256: {sha256!r}")
    return media_root / sha256[:2] / f".{sha256}.partial"


def receive(remote, media_root: Path, sha256: str, progress=None) -> tuple[int, str | None]:
    """Fetch one recording into the store; returns (bytes moved, warning or None).

    A cut-off download resumes from what is already there; a copy whose hash
    is wrong is thrown away, never imported, and fetched again next time.
    """
    partial = partial_path(media_root, sha256)
    partial.parent.mkdir(parents=True, exist_ok=True)
    before = partial.stat().st_size if partial.exists() else 0
    if before > (remote.media_size(sha256) or 0):
        partial.unlink()  # left over from another copy of the file: start again
        before = 0
    suffix = remote.fetch_media(sha256, partial, progress)
    moved = partial.stat().st_size - before
    if before and sha256_file(partial) != sha256:
        partial.unlink()  # the resumed part may be what is wrong: fetch it whole once
        suffix = remote.fetch_media(sha256, partial, progress)
        moved += partial.stat().st_size
    if sha256_file(partial) != sha256:
        partial.unlink(missing_ok=True)
        remote.report_bad_media(sha256)
        return moved, (
            f"The copy of recording {sha256[:12]} on the remote is damaged; it was not "
            "imported and will be fetched again."
        )
    final = media_path(media_root, sha256, suffix or ".mp4")
    commit(partial, final)
    os.chmod(final, 0o444)
    return moved, None


def local_index(media_root: Path) -> dict[str, str]:
    """Every complete recording in the store by SHA-256 (its path as text): one directory
    scan, not one per file, and no path objects for the thousands nobody moves."""
    found: dict[str, str] = {}
    if not media_root.is_dir():
        return found
    for folder in os.scandir(media_root):
        if folder.is_dir() and len(folder.name) == 2:
            for entry in os.scandir(folder.path):
                m = MEDIA_NAME.match(entry.name)
                if m and entry.is_file():
                    found[m.group(1)] = entry.path
    return found
