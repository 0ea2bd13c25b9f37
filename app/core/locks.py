"""One exclusive, non-blocking lock on a file, shared by every process on this computer.

A thin wrapper over the ``filelock`` package (flock on Linux and macOS, LockFile on
Windows): the operating system drops the lock when its process dies, so a crash
never leaves a stale lock behind. Nothing here waits: ``acquire()`` answers at
once, and False means someone else holds it ("busy").

    lock = ExclusiveLock(folder / "take.lock")
    if not lock.acquire():
        ...  # busy: another process (or another part of this one) holds it
    try:
        ...
    finally:
        lock.release()

or ``with ExclusiveLock(path):`` (raises :class:`LockBusy` when busy). Two lock
objects on the same path exclude each other even inside one process.
"""

from __future__ import annotations

from pathlib import Path

import filelock


class LockBusy(Exception):
    """The lock is held by another process, or by another lock object in this one."""


class ExclusiveLock:
    def __init__(self, path: str | Path):
        self.path = Path(path)
        # Not per thread: a take's lock is taken on one thread and let go on another.
        self._lock = filelock.FileLock(self.path, thread_local=False, blocking=False)

    def acquire(self) -> bool:
        """Take the lock now: True, or False when it is busy. Never waits."""
        if self._lock.is_locked:
            return True  # already ours
        self.path.parent.mkdir(parents=True, exist_ok=True)
        try:
            self._lock.acquire(blocking=False)
        except filelock.Timeout:
            return False
        return True

    def release(self) -> None:
        """Let go (nothing happens when it is not held). The lock file stays."""
        if self._lock.is_locked:
            self._lock.release(force=True)

    @property
    def held(self) -> bool:
        """True while this object holds the lock."""
        return self._lock.is_locked

    def __enter__(self) -> ExclusiveLock:
        if not self.acquire():
            raise LockBusy(f"{self.path.name} is held by someone else")
        return self

    def __exit__(self, *exc) -> None:
        self.release()


def held_elsewhere(path: str | Path) -> bool:
    """True while some other lock object (in any process) holds ``path``.

    Creates no lock file: a path that does not exist is not held.
    """
    if not Path(path).exists():
        return False
    probe = ExclusiveLock(path)
    if probe.acquire():
        probe.release()
        return False
    return True
