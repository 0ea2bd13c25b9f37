"""The database's health: what is wrong with it, diagnosed, never guessed.

A problem is named only from what SQLite and the operating system report:
SQLite's own error code, its ``PRAGMA quick_check``, the file's size, the
free space and write access of the data folder and, on Linux, the kernel's
lock table, which says which process holds the database's write lock. Each
diagnosis is a :class:`~app.core.errors.DatabaseProblem`: one plain sentence
and what to do next in the command line's words (the GUI words its own from
``kind``); never a traceback, SQL or the values it was given.
"""

from __future__ import annotations

import errno
import os
import shutil
import sqlite3
import struct
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from app.core.errors import DatabaseProblem

FULL = "full"
READ_ONLY = "read-only"
LOCKED = "locked"
DAMAGED = "damaged"
EMPTY = "empty"
MISSING = "missing"
DISK_ERROR = "disk-error"

# How long a write waits for another process's write transaction to end.
LOCK_WAIT_SECONDS = 20.0
POLL_SECONDS = 0.2
# Less than this free and SQLite's "disk I/O error" means the disk is full.
LOW_SPACE_BYTES = 1024 * 1024

# SQLite's primary result codes (sqlite3.h); extended codes keep them in the low byte.
_PERM, _BUSY, _LOCKED, _READONLY, _IOERR, _CORRUPT, _FULL, _CANTOPEN, _NOTADB = (
    3, 5, 6, 8, 10, 11, 13, 14, 26,
)  # fmt: skip
# SQLite's WAL write lock: one byte of the ``-shm`` file (WALINDEX_LOCK_OFFSET).
_WAL_WRITE_LOCK_BYTE = "120"
_WRITES = frozenset({"INSERT", "UPDATE", "DELETE", "REPLACE", "CREATE", "DROP", "ALTER"})


@dataclass(frozen=True)
class Evidence:
    """What a data folder holds besides its database: proof it was used before."""

    recordings: int  # files in the media store
    take_records: int  # takes/<id>.json: one per stored take
    backups: int

    def __bool__(self) -> bool:
        return bool(self.recordings or self.take_records or self.backups)

    def describe(self) -> str:
        parts = []
        if self.recordings or self.take_records:
            n = max(self.recordings, self.take_records)
            parts.append(f"{n} recording{'s' if n != 1 else ''}")
        if self.backups:
            parts.append(f"{self.backups} backup{'s' if self.backups != 1 else ''}")
        return " and ".join(parts)


def evidence(paths) -> Evidence:
    media = paths.media
    recordings = (
        sum(1 for p in media.glob("*/*") if p.is_file() and not p.name.startswith("."))
        if media.is_dir()
        else 0
    )
    records = len(list(paths.take_records.glob("*.json"))) if paths.take_records.is_dir() else 0
    return Evidence(recordings, records, len(paths.backup_files()))


# --- checking the file ------------------------------------------------------------------------


def check(paths, *, allow_new: bool = False) -> None:
    """Raise the :class:`DatabaseProblem` the database file has, if any.

    Plain ``sqlite3``, before anything else opens the file. A missing or empty
    file is only a problem when the folder shows it was used before (recordings,
    take records, backups): then it is never silently replaced by a new one.
    ``allow_new`` accepts a missing or empty file (a rebuild is about to fill it).
    """
    db = paths.database
    if not db.exists():
        if not allow_new and (found := evidence(paths)):
            raise _lost(paths, MISSING, found)
        return
    if db.stat().st_size == 0:
        # Not even opened: SQLite would start a new database in it and drop a WAL file beside it.
        if not allow_new and (found := evidence(paths)):
            raise _lost(paths, EMPTY, found)
        return
    try:
        con = sqlite3.connect(db, timeout=LOCK_WAIT_SECONDS)
        try:
            tables = con.execute("SELECT count(*) FROM sqlite_master").fetchone()[0]
            findings = con.execute("PRAGMA quick_check").fetchall()
        finally:
            con.close()
    except sqlite3.Error as exc:
        problem = problem_from(exc, paths)
        if problem is None:
            raise
        raise problem from exc
    if findings != [("ok",)]:
        raise damaged(paths, f"a check of the file found {problems(len(findings))} in it")
    if tables == 0 and not allow_new and (found := evidence(paths)):
        raise _lost(paths, EMPTY, found)


def diagnose(paths) -> DatabaseProblem | None:
    """The database's problem, or None when it can be used."""
    try:
        check(paths)
    except DatabaseProblem as problem:
        return problem
    return None


def quick_check(path: Path) -> list[str]:
    """SQLite's findings about a database file, read-only; ``["ok"]`` when it is sound."""
    con = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
    try:
        return [row[0] for row in con.execute("PRAGMA quick_check")]
    except sqlite3.DatabaseError as exc:  # too damaged to be checked at all
        return [str(exc)]
    finally:
        con.close()


def problems(n: int) -> str:
    return "1 problem" if n == 1 else f"{n} problems"


# --- what an error from SQLite means ----------------------------------------------------------


def problem_from(exc: BaseException, paths) -> DatabaseProblem | None:
    """The diagnosis behind an error SQLite raised (directly or through SQLAlchemy).

    None when the error says nothing about the database's health (a refused
    constraint, a programming mistake): those are not the file's fault.
    """
    orig = getattr(exc, "orig", None) or exc
    code = getattr(orig, "sqlite_errorcode", None)
    if not isinstance(orig, sqlite3.Error) or code is None:
        return None
    primary = code & 0xFF
    if primary in (_BUSY, _LOCKED):
        return locked(who_is_writing(paths.database))
    if primary == _FULL:
        return full(paths)
    if primary == _NOTADB:
        return damaged(paths, "it no longer starts the way a database file does")
    if primary == _CORRUPT:
        return damaged(paths, "part of it cannot be read")
    if primary == _READONLY:
        return read_only(paths)
    if primary in (_IOERR, _CANTOPEN, _PERM):
        return _io_problem(paths)
    return None


def folder_problem(paths, exc: OSError) -> DatabaseProblem | None:
    """A full or read-only data folder, from the error writing into it; None for others."""
    if exc.errno in (errno.ENOSPC, errno.EDQUOT):
        return full(paths)
    if exc.errno in (errno.EROFS, errno.EACCES, errno.EPERM):
        return read_only(paths)
    return None


def _io_problem(paths) -> DatabaseProblem:
    free = free_bytes(paths.root)
    if free is not None and free < LOW_SPACE_BYTES:
        return full(paths)
    db = paths.database
    if not os.access(paths.root, os.W_OK) or (db.exists() and not os.access(db, os.W_OK)):
        return read_only(paths)
    return DatabaseProblem(
        DISK_ERROR,
        f"The disk holding {paths.root} reported an error while CrossCoach used its database.",
        "Check that the disk (USB stick, network drive) is still connected, then run the "
        "command again; if it keeps happening, restore the latest backup with: "
        "crosscoach backup restore",
        **_counts(paths),
    )


def free_bytes(folder: Path) -> int | None:
    try:
        return shutil.disk_usage(folder).free
    except OSError:
        return None


def megabytes(n: int) -> str:
    return f"{n / 1e6:.1f} MB"


# --- the diagnoses ----------------------------------------------------------------------------


def _counts(paths) -> dict:
    found = evidence(paths)
    return {"backups": found.backups, "take_records": found.take_records}


def full(paths) -> DatabaseProblem:
    free = free_bytes(paths.root)
    left = f" ({megabytes(free)} free)" if free is not None else ""
    return DatabaseProblem(
        FULL,
        f"The disk holding {paths.root} is full{left}, so CrossCoach cannot use its database.",
        "Free some space on that disk, then run the command again; nothing saved so far is lost.",
        **_counts(paths),
    )


def read_only(paths) -> DatabaseProblem:
    db = paths.database
    if os.access(paths.root, os.W_OK) and db.exists() and not os.access(db, os.W_OK):
        message = f"CrossCoach cannot write to its database {db}: the file is read-only."
    else:
        message = f"CrossCoach cannot write to its data folder {paths.root}: it is read-only."
    return DatabaseProblem(
        READ_ONLY,
        message,
        "Make the folder and its files writable again (or choose another data folder with "
        "--data-dir), then run the command again; nothing in it was changed.",
        **_counts(paths),
    )


def damaged(paths, detail: str) -> DatabaseProblem:
    found = evidence(paths)
    return DatabaseProblem(
        DAMAGED,
        f"The database {paths.database} is damaged: {detail}.",
        _repair_hint(found),
        backups=found.backups,
        take_records=found.take_records,
    )


def _lost(paths, kind: str, found: Evidence) -> DatabaseProblem:
    state = "is missing" if kind == MISSING else "is empty"
    return DatabaseProblem(
        kind,
        f"The database {paths.database} {state}, but this data folder still holds "
        f"{found.describe()}.",
        _repair_hint(found),
        backups=found.backups,
        take_records=found.take_records,
    )


def _repair_hint(found: Evidence) -> str:
    rebuild = "crosscoach database rebuild"
    if found.backups:
        return (
            "Restore the latest backup with: crosscoach backup restore (the current file is "
            "kept aside, and takes recorded since that backup are added back)."
        )
    if found.take_records:
        return f"Rebuild it from your recordings with: {rebuild} (the current file is kept aside)."
    return f"Start a new database with: {rebuild} (the current file is kept aside, not deleted)."


# --- another process writing ------------------------------------------------------------------


@dataclass(frozen=True)
class Holder:
    """The process holding the database's write lock (as far as the OS tells)."""

    pid: int
    program: str | None  # "CrossCoach", another program's name, or None when unknown

    @property
    def who(self) -> str:
        if self.program == "CrossCoach":
            return f"Another CrossCoach (process {self.pid})"
        if self.program:
            return f"Another program ({self.program}, process {self.pid})"
        return f"Another program (process {self.pid})"


def locked(holder: Holder | None) -> DatabaseProblem:
    who = holder.who if holder else "Another CrossCoach or another program"
    return DatabaseProblem(
        LOCKED,
        f"{who} is still writing to the database after {LOCK_WAIT_SECONDS:g} seconds.",
        "Wait for it to finish, or close it, then run the command again.",
    )


def lock_holders(database: Path, *, writing: bool) -> list[Holder]:
    """Other processes with the database open (``writing``: holding its write lock).

    Read from Linux's ``/proc/locks`` (SQLite's locks are POSIX advisory locks
    on the ``-shm`` file in WAL mode); empty where the OS does not tell.
    """
    shm = Path(f"{database}-shm")
    try:
        st = shm.stat()
        table = Path("/proc/locks").read_text()
    except OSError:
        return []
    inode = f"{os.major(st.st_dev):02x}:{os.minor(st.st_dev):02x}:{st.st_ino}"
    found: dict[int, Holder] = {}
    for line in table.splitlines():
        fields = line.split()
        # "1: POSIX  ADVISORY  WRITE 17396 fe:00:2146513 120 120"; "->" marks a waiter
        if len(fields) < 8 or fields[1] != "POSIX" or fields[5] != inode:
            continue
        if writing and (fields[3] != "WRITE" or fields[6] != _WAL_WRITE_LOCK_BYTE):
            continue
        pid = int(fields[4])
        if pid != os.getpid() and pid not in found:
            found[pid] = Holder(pid, program_of(pid))
    return list(found.values())


def who_is_writing(database: Path) -> Holder | None:
    """The other process holding the database's write lock, if any. On Linux one
    ``fcntl`` query of the lock byte answers (microseconds; it runs before every
    write); only when it is held is ``/proc/locks`` read to learn more."""
    if sys.platform.startswith("linux"):
        pid = _write_lock_owner(Path(f"{database}-shm"))
        if pid is None:
            return None
        return Holder(pid, program_of(pid)) if pid != os.getpid() else None
    holders = lock_holders(database, writing=True)
    return holders[0] if holders else None


# struct flock on Linux: short l_type, short l_whence, off_t l_start, off_t l_len, pid_t l_pid.
_FLOCK = "hhqqi"


def _write_lock_owner(shm: Path) -> int | None:
    """The process holding a POSIX lock on the WAL write-lock byte (Linux), or None."""
    import fcntl

    try:
        fd = os.open(shm, os.O_RDONLY)
    except OSError:
        return None
    try:
        query = struct.pack(_FLOCK, fcntl.F_WRLCK, os.SEEK_SET, int(_WAL_WRITE_LOCK_BYTE), 1, 0)
        answer = fcntl.fcntl(fd, fcntl.F_GETLK, query)
    except OSError:
        return None
    finally:
        os.close(fd)
    kind, _whence, _start, _length, pid = struct.unpack(_FLOCK, answer)
    return pid if kind != fcntl.F_UNLCK else None


def program_of(pid: int) -> str | None:
    try:
        raw = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return None
    return program_name([a for a in raw.decode("utf-8", "replace").split("\0") if a])


def program_name(argv: list[str]) -> str | None:
    """ "CrossCoach" for our own command or app, else the program's name."""
    if not argv:
        return None
    name = Path(argv[0]).name
    if name.startswith("python") and len(argv) > 1 and argv[1] != "-c":
        name = argv[2] if argv[1] == "-m" and len(argv) > 2 else Path(argv[1]).name
    if name.lower().startswith("crosscoach") or name == "app":
        return "CrossCoach"
    return name


def wait_for_writer(database: Path, on_wait: Callable[[str], None] | None) -> None:
    """Before a write: wait (saying so once) while another process holds the write lock.

    Raises the LOCKED diagnosis when it still holds it after LOCK_WAIT_SECONDS.
    Where the OS does not tell who holds the lock, SQLite's own busy timeout
    does the waiting, silently.
    """
    holder = who_is_writing(database)
    if holder is None:
        return
    if on_wait is not None:
        on_wait(f"{holder.who} is writing to the database; waiting…")
    deadline = time.monotonic() + LOCK_WAIT_SECONDS
    while holder is not None and time.monotonic() < deadline:
        time.sleep(POLL_SECONDS)
        holder = who_is_writing(database)
    if holder is not None:
        raise locked(holder)


def is_write(statement: str) -> bool:
    """True for the SQL statements that need the write lock."""
    words = statement.lstrip().split(None, 1)
    return bool(words) and words[0].upper() in _WRITES
