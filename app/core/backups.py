"""Copies of the database in ``backups/``: daily, before every upgrade, and on request.

Each copy is made with SQLite's online backup API (a consistent snapshot even
while another CrossCoach writes), checked with ``PRAGMA quick_check`` before it
counts, and kept as one self-contained file. A damaged database never pushes a
good copy out: the oldest copies go only after a new one passed its check.
The 7 newest daily copies and the 3 newest from before an upgrade are kept;
copies made by hand stay until someone removes them.

Restoring never deletes anything: the database in use is kept in
``set-aside/`` first (copied when it is sound, moved when it is not).
"""

from __future__ import annotations

import os
import re
import shutil
import sqlite3
import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from app.core import health
from app.core.clock import utcnow
from app.core.errors import DatabaseProblem, NotFound, UserError
from app.core.files import commit, move

DAILY = "daily"
MANUAL = "manual"
UPGRADE = "upgrade"
KEEP = {DAILY: 7, UPGRADE: 3}

_STAMP = "%Y%m%d-%H%M%S"
_NAME = re.compile(r"^crosscoach-(\d{8}-\d{6})(?:-(\d+))?-(daily|manual|rev.+)\.db$")


@dataclass(frozen=True)
class Backup:
    path: Path
    made_at: datetime  # UTC, to the second
    kind: str  # DAILY, MANUAL or UPGRADE
    size_bytes: int

    @property
    def name(self) -> str:
        return self.path.name

    def as_dict(self) -> dict:
        return {
            "name": self.name,
            "made_at": self.made_at.isoformat(),
            "kind": self.kind,
            "size_bytes": self.size_bytes,
            "path": str(self.path),
        }


def _parse(path: Path) -> Backup | None:
    match = _NAME.match(path.name)
    if match is None:
        return None
    stamp, _n, token = match.groups()
    kind = token if token in (DAILY, MANUAL) else UPGRADE
    made_at = datetime.strptime(stamp, _STAMP).replace(tzinfo=UTC)
    return Backup(path, made_at, kind, path.stat().st_size)


def _order(backup: Backup) -> tuple:
    match = _NAME.match(backup.name)
    return (backup.made_at, int(match.group(2) or 1) if match else 1)


def list_backups(paths) -> list[Backup]:
    """Every backup in the data folder, newest first."""
    found = [b for b in map(_parse, paths.backup_files()) if b is not None]
    return sorted(found, key=_order, reverse=True)


def latest_backup(paths) -> Backup:
    backups = list_backups(paths)
    if not backups:
        raise NotFound(
            "There is no backup of the database yet.",
            "CrossCoach makes one every day it starts; make one now with: crosscoach backup make",
        )
    return backups[0]


def find_backup(paths, name: str) -> Backup:
    for backup in list_backups(paths):
        if backup.name == name.strip():
            return backup
    raise NotFound(
        f"There is no backup called '{name.strip()}'.",
        "See the backups with: crosscoach backup list",
    )


# --- making copies ----------------------------------------------------------------------------


def make_backup(paths, kind: str = MANUAL, label: str = "", now: datetime | None = None) -> Backup:
    """A checked copy of the database in ``backups/``, named by ``now`` (UTC) and its kind;
    a DatabaseProblem when it cannot be made."""
    paths.backups.mkdir(parents=True, exist_ok=True)
    token = f"rev{label}" if kind == UPGRADE else kind
    stamp = (now or utcnow()).astimezone(UTC).strftime(_STAMP)
    tmp = _temporary(paths.backups)
    try:
        _copy(paths, paths.database, tmp)
        n = 1
        while not commit(tmp, target := paths.backups / _name(stamp, n, token), overwrite=False):
            n += 1  # two copies in the same second
    finally:
        tmp.unlink(missing_ok=True)
    _rotate(paths, kind)
    made = _parse(target)
    assert made is not None, "a name made by _name always parses"
    return made


def _name(stamp: str, n: int, token: str) -> str:
    return f"crosscoach-{stamp}-{token}.db" if n == 1 else f"crosscoach-{stamp}-{n}-{token}.db"


def daily_backup(paths, now: datetime | None = None) -> Backup | None:
    """The day's copy, made by the first start of each (local) day; None when it exists."""
    if not paths.database.exists() or paths.database.stat().st_size == 0:
        return None
    now = now or utcnow()
    today = now.astimezone().date()
    if any(b.kind == DAILY and b.made_at.astimezone().date() == today for b in list_backups(paths)):
        return None
    return make_backup(paths, DAILY, now=now)


def _rotate(paths, kind: str) -> None:
    keep = KEEP.get(kind)
    if keep is None:
        return
    for old in [b for b in list_backups(paths) if b.kind == kind][keep:]:
        old.path.unlink(missing_ok=True)


def _temporary(folder: Path) -> Path:
    fd, name = tempfile.mkstemp(prefix=".copy-", suffix=".db", dir=folder)
    os.close(fd)
    return Path(name)


def _copy(paths, source: Path, target: Path) -> None:
    """Online backup of ``source`` into the (empty) file ``target``, as one checked file."""
    try:
        src = sqlite3.connect(source, timeout=health.LOCK_WAIT_SECONDS)
        try:
            dst = sqlite3.connect(target)
            try:
                src.backup(dst)
                dst.execute("PRAGMA journal_mode=DELETE")  # one file, no WAL beside it
                findings = dst.execute("PRAGMA quick_check").fetchall()
            finally:
                dst.close()
        finally:
            src.close()
    except sqlite3.Error as exc:
        problem = health.problem_from(exc, paths)
        if problem is None:
            raise
        raise problem from exc
    if findings != [("ok",)]:
        raise health.damaged(
            paths, f"a check of a copy of it found {health.problems(len(findings))}"
        )


# --- restoring --------------------------------------------------------------------------------


# After a restore, the next sync reads this device's own published changes back.
REREAD_OWN = "sync:reread_own"


def restore_backup(paths, backup: Backup) -> Path | None:
    """Put ``backup`` in place of the database; returns where the database it replaced is kept.

    The restored database is marked so that its next sync reads this device's
    own published changes back too: what it sent after the backup was made is
    on the team's remote, and comes home from there.

    A sound database is copied aside, then the backup is copied into it through
    SQLite (another CrossCoach that has it open sees the change as one
    transaction). A damaged, empty or missing one is moved aside (when no other
    process has it open) and the backup copied in as a new file.
    """
    if health.quick_check(backup.path) != ["ok"]:
        raise UserError(
            f"The backup {backup.name} is damaged too.",
            "Restore an older one: crosscoach backup list shows them all.",
        )
    problem = health.diagnose(paths)
    if problem is None and paths.database.exists():
        copied = _aside_folder(paths, "replaced")
        _copy(paths, paths.database, copied / paths.database.name)
        _copy_into(paths, backup.path)
        _read_own_changes_again(paths)
        return copied
    if problem is not None and problem.kind not in (health.DAMAGED, health.EMPTY, health.MISSING):
        raise problem  # full, read-only, locked: nothing can be put in place now
    kept = set_aside(paths, problem.kind if problem else health.EMPTY)
    tmp = _temporary(paths.root)
    try:
        shutil.copyfile(backup.path, tmp)
        if not commit(tmp, paths.database, overwrite=False):
            raise UserError(
                "Another program created a new database while the backup was being restored.",
                "Close every other CrossCoach, then restore again.",
            )
    except OSError as exc:
        problem = health.folder_problem(paths, exc)
        if problem is None:
            raise
        raise problem from exc
    finally:
        tmp.unlink(missing_ok=True)
    _read_own_changes_again(paths)
    return kept


def _read_own_changes_again(paths) -> None:
    con = sqlite3.connect(paths.database, timeout=health.LOCK_WAIT_SECONDS)
    try:
        with con:
            con.execute(
                "INSERT OR REPLACE INTO local_state (key, value) VALUES (?, '1')", (REREAD_OWN,)
            )
    finally:
        con.close()


def _copy_into(paths, backup: Path) -> None:
    try:
        src = sqlite3.connect(f"{backup.resolve().as_uri()}?mode=ro", uri=True)
        try:
            dst = sqlite3.connect(paths.database, timeout=health.LOCK_WAIT_SECONDS)
            try:
                src.backup(dst)
            finally:
                dst.close()
        finally:
            src.close()
    except sqlite3.Error as exc:
        problem = health.problem_from(exc, paths)
        if problem is None:
            raise
        raise problem from exc


def set_aside(paths, reason: str) -> Path | None:
    """Move the database's files into ``set-aside/``; None when there were none.

    Refused while another process has the database open: it would go on
    writing into the file that was moved.
    """
    files = [Path(f"{paths.database}{end}") for end in ("", "-wal", "-shm")]
    files = [f for f in files if f.exists()]
    if not files:
        return None
    others = health.lock_holders(paths.database, writing=False)
    if others:
        raise DatabaseProblem(
            health.LOCKED,
            f"{others[0].who} still has the database open.",
            "Close every other CrossCoach, then run the command again.",
        )
    folder = _aside_folder(paths, reason)
    for f in files:
        move(f, folder / f.name)
    return folder


def _aside_folder(paths, reason: str) -> Path:
    base = paths.set_aside / f"{utcnow().strftime(_STAMP)}-{reason}"
    folder, n = base, 1
    while folder.exists():
        n += 1
        folder = base.with_name(f"{base.name}-{n}")
    folder.mkdir(parents=True)
    return folder
