"""The one interface both remotes implement, and how a remote is named.

A remote is ``folder:PATH`` (a shared folder) or ``postgresql://user@host/db``.
Pulling yields :class:`Batch` objects in the order they must be applied; each
carries the cursor position that covers it, so the device can store both in
one transaction.
"""

from __future__ import annotations

import errno
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from app.core.errors import UserError
from app.sync.watermarks import ReadMark

if TYPE_CHECKING:
    from app.sync.signing import Signature

# The layout of a shared folder or database: bumped when older versions cannot use it.
SYNC_FORMAT = 1
# Change files: 1 = a plain list of changes, 2 = a batch signed by the person who made
# its changes (app/sync/signing.py). This version reads both and writes 2 once the team
# has a roster; an older one skips a 2 until it is updated (then reads it).
CHANGES_FORMAT = 2
SIGNED = 2
Sign = Callable[[str], "Signature"]  # the batch's exact text -> its signature
NEWER_FOLDER = UserError(
    "This shared folder was written by a newer CrossCoach.",
    "Update CrossCoach on this device.",
)
NEWER_DATABASE = UserError(
    "This shared database was set up by a newer CrossCoach.",
    "Update CrossCoach on this device.",
)

BytesMoved = Callable[[int], None]  # bytes moved so far for one file


class NotSent(Exception):
    """One recording the remote cannot take now (the message says why, in plain words);
    the sync goes on without it and sends it once the reason is gone."""


@dataclass
class Unreadable:
    """A change (or a whole change file) that could not be read, and why."""

    where: str  # "<source>/<number>" of the file or log entry
    reason: str


@dataclass
class Batch:
    source: str  # whose items ("<device id>" in a folder, "seq" in a database)
    position: int  # the number of the item read (a change file, or the last log entry)
    changes: list[dict]
    everything_before: bool = False  # the source guarantees nothing below is still to come
    unreadable: list[Unreadable] = field(default_factory=list)
    retry_signature: str | None = None  # a file skipped whole: read it again if this changes


@dataclass
class Refusal:
    """One of this device's changes that the remote would not take."""

    change: dict
    reason: str


class Remote(ABC):
    """Where devices meet. Every method may raise :class:`UserError` in plain words."""

    spec: str

    @abstractmethod
    def open(self) -> str:
        """Check the remote is reachable and readable by this version; returns its id."""

    @abstractmethod
    def push(self, device_id: str, changes: list[dict], sign: Sign | None = None) -> list[Refusal]:
        """Publish this device's changes; returns those refused (the rest are published).

        With ``sign``, the batch goes out signed (all its changes are one person's):
        ``sign(text)`` signs the batch's exact text.
        """

    @abstractmethod
    def pull(
        self, device_id: str, marks: dict[str, ReadMark], retry: dict[str, str]
    ) -> Iterator[Batch]:
        """Other devices' changes not read yet (``marks``), in the order to apply them.

        ``retry`` maps ``"<source>/<number>"`` of items skipped before to the
        signature they had then: they are read again once it changes.
        """

    @abstractmethod
    def count_waiting(
        self, device_id: str, marks: dict[str, ReadMark], retry: dict[str, str] | None = None
    ) -> int:
        """How many changes (or change files) other devices published that were not read
        (not counting those that failed before and did not change since)."""

    @abstractmethod
    def missing_media(self, shas: set[str]) -> set[str]:
        """Which of these recordings the remote does not hold complete."""

    @abstractmethod
    def put_media(self, sha256: str, source: Path, progress: BytesMoved | None = None) -> int:
        """Upload a verified copy (resuming a cut-off upload); returns bytes sent."""

    @abstractmethod
    def fetch_media(self, sha256: str, partial: Path, progress: BytesMoved | None = None) -> str:
        """Append the recording to ``partial`` from its current size; returns the file suffix."""

    @abstractmethod
    def media_size(self, sha256: str) -> int | None:
        """The size of a complete recording on the remote, or None."""

    def me(self) -> str | None:
        """The profile this remote's login acts as (only a team database has logins)."""
        return None

    def report_bad_media(self, sha256: str) -> None:  # noqa: B027 (optional)
        """A fetched copy failed its hash check; let the owner upload it again if possible."""

    def close(self) -> None:  # noqa: B027 (optional)
        """Release connections."""


def full_disk(exc: OSError) -> bool:
    return exc.errno in (errno.ENOSPC, errno.EDQUOT)


def open_remote(spec: str) -> Remote:
    """A remote from its name: ``folder:PATH`` or a ``postgresql://`` URL."""
    spec = (spec or "").strip()
    if spec.startswith("folder:"):
        from app.sync.folder import FolderRemote

        return FolderRemote(Path(spec[len("folder:") :]).expanduser())
    if spec.startswith(("postgresql://", "postgres://", "postgresql+psycopg://")):
        from app.sync.postgres import PostgresRemote

        return PostgresRemote(spec)
    raise UserError(
        f"'{spec}' is not a remote CrossCoach understands.",
        "Use folder:PATH for a shared folder or postgresql://USER@HOST:5432/DATABASE "
        "for a shared database.",
    )
