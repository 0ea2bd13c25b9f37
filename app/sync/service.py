"""One sync, start to finish, for the CLI and the GUI alike.

Order: push this device's changes, pull everyone else's (metadata first, so
scores and comments arrive even on a slow link), then send and fetch
recordings. Push comes first so that everything this device wrote is
published before anything received can replace it here; a change the remote
refuses is set aside on its own (and tried again at every sync), so it never
keeps the rest from going out or the pull from running. The GUI runs
:meth:`SyncService.run` in a worker thread and gets progress, the result or a
plain-words error through callbacks.
"""

from __future__ import annotations

import contextlib
import logging
import os
import sqlite3
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field
from datetime import datetime
from pathlib import Path

from sqlalchemy import delete, select
from sqlalchemy.exc import OperationalError

from app.core.backups import REREAD_OWN
from app.core.clock import utcnow
from app.core.db import Database
from app.core.errors import UserError
from app.core.locks import ExclusiveLock, LockBusy
from app.core.models import LocalState
from app.core.settings import Settings
from app.identity.keys import Keys
from app.sync import roster, signing, watermarks
from app.sync.credentials import without_password
from app.sync.describe import describe
from app.sync.media_transfer import local_index, receive, referenced_media
from app.sync.merge import (
    apply_changes,
    count_outgoing,
    count_waiting_here,
    outgoing,
    record_own,
    set_aside,
)
from app.sync.remote import NotSent, Remote, full_disk, open_remote

log = logging.getLogger(__name__)
PUSH_BATCH = 2000
STATUS = "device"  # state key space for facts that are not tied to one remote


RECORDINGS = "recordings"  # in SyncReport.changed: recordings arrived


@dataclass
class SyncReport:
    remote: str
    records_up: int = 0
    records_down: int = 0
    media_up: int = 0
    media_down: int = 0
    bytes_up: int = 0
    bytes_down: int = 0
    waiting: int = 0  # changes held until the records they depend on arrive
    # Changes not applied or not sent, each {"what", "reason", "where"} in plain words.
    set_aside: list[dict] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    finished_at: str = ""
    # The tables whose records on this device changed (what arrived, or was taken back),
    # and RECORDINGS when recordings arrived: a page shows them again only when one of
    # its own is among them.
    changed: list[str] = field(default_factory=list)

    def touched(self, *tables: str) -> bool:
        return any(t in self.changed for t in tables)

    def as_dict(self) -> dict:
        return asdict(self)

    def summary(self) -> str:
        return (
            f"Sent {self.records_up} change(s) and {self.media_up} recording(s); "
            f"received {self.records_down} change(s) and {self.media_down} recording(s) "
            f"({_mb(self.bytes_up + self.bytes_down)} moved)."
        )


@dataclass
class SyncStatus:
    """What a status indicator shows: plain values, safe to hand to the UI thread."""

    remote: str | None
    last_sync_at: datetime | None
    changes_waiting_up: int
    changes_waiting_down: int | None  # None: the remote was not asked
    bytes_to_transfer: int | None
    last_error: str | None
    warnings: list[str] = field(default_factory=list)
    set_aside: list[dict] = field(default_factory=list)  # see SyncReport.set_aside


# stage ("push", "pull", "media up", "media down"), done, total
ProgressCallback = Callable[[str, int, int], None]


class SyncService:
    def __init__(
        self,
        db: Database,
        settings: Settings,
        remote: str | None = None,
        keys_for: Callable[[str], Keys | None] | None = None,
    ):
        self.db = db
        self.settings = settings
        self.remote_spec = remote
        # The unlocked keys of a person who made changes here (the person acting now):
        # once the team has a roster, their changes go out signed with them.
        self.keys_for = keys_for or (lambda _person: None)

    @property
    def media_root(self) -> Path:
        return self.db.paths.media

    def spec(self) -> str:
        spec = self.remote_spec or self.settings.get("remote")
        if not spec:
            raise UserError(
                "No remote is set up on this device yet.",
                "Choose one with: crosscoach remote set folder:PATH "
                "(or postgresql://USER@HOST:5432/DATABASE).",
            )
        return spec

    # -- for the GUI --------------------------------------------------------------
    def run(
        self,
        on_progress: ProgressCallback | None = None,
        on_done: Callable[[SyncReport], None] | None = None,
        on_error: Callable[[UserError], None] | None = None,
    ) -> None:
        """Sync and report through callbacks; never raises a UserError."""
        try:
            report = self.sync(on_progress)
        except UserError as err:
            if on_error:
                on_error(err)
            return
        if on_done:
            on_done(report)

    def status(self, ask_remote: bool = False) -> SyncStatus:
        spec = self.remote_spec or self.settings.get("remote")
        with self.db.session() as s:
            last = watermarks.get(s, STATUS, "last", {})
            remote_id = watermarks.get(s, STATUS, "remote_id:" + (spec or ""), None)
            pushed = watermarks.get(s, remote_id, "pushed", "") if remote_id else ""
            up = count_outgoing(s, self.db.device_id, pushed)
            aside = set_aside_now(s, self.db.device_id, remote_id)
        down = size = None
        if ask_remote and spec:
            try:
                with self._opened(spec) as (remote, rid):
                    with self.db.session() as s:
                        marks = _read_marks(s, rid)
                        retry = watermarks.get(s, rid, "retry", {})
                        wanted = referenced_media(s)
                    down = remote.count_waiting(self.db.device_id, marks, retry)
                    size = self._bytes_to_move(remote, wanted)
            except UserError as err:
                last = {**last, "error": err.message}
        at = last.get("at")
        return SyncStatus(
            remote=_shown(spec) if spec else spec,
            last_sync_at=datetime.fromisoformat(at) if at else None,
            changes_waiting_up=up,
            changes_waiting_down=down,
            bytes_to_transfer=size,
            last_error=last.get("error"),
            warnings=last.get("warnings", []),
            set_aside=aside,
        )

    def _bytes_to_move(self, remote: Remote, wanted: set[str]) -> int:
        local = local_index(self.media_root)
        present = wanted & set(local)
        up = sum(os.stat(local[sha]).st_size for sha in remote.missing_media(present))
        return up + sum(remote.media_size(sha) or 0 for sha in wanted - present)

    # -- the sync itself ----------------------------------------------------------
    def sync(self, progress: ProgressCallback | None = None, recordings: bool = True) -> SyncReport:
        """One whole sync; ``recordings=False`` moves records only (a first join, which
        should show the team at once; the recordings come with the next sync)."""
        spec = self.spec()
        report = SyncReport(remote=_shown(spec))
        tick = progress or (lambda *_: None)
        try:
            with one_sync_at_a_time(self.db.paths.root), self._opened(spec) as (remote, remote_id):
                self._push(remote, remote_id, report, tick)
                self._pull(remote, remote_id, report, tick)
                if recordings:
                    self._media_up(remote, report, tick)
                    self._media_down(remote, report, tick)
                with self.db.session() as s:
                    report.set_aside = set_aside_now(s, self.db.device_id, remote_id)
        except UserError as err:
            self._remember(error=err.message)
            raise
        report.finished_at = utcnow().isoformat()
        self._remember(at=report.finished_at, warnings=report.warnings[-20:])
        return report

    @contextlib.contextmanager
    def _opened(self, spec: str) -> Iterator[tuple[Remote, str]]:
        remote = open_remote(spec)
        try:
            remote_id = remote.open()
            with self.db.session() as s:
                watermarks.put(s, STATUS, "remote_id:" + spec, remote_id)
            yield remote, remote_id
        except OSError as exc:
            raise _plain_os_error(exc, spec) from exc
        except (OperationalError, sqlite3.OperationalError) as exc:
            raise UserError(
                f"This device's database could not be written during sync ({exc}).",
                "Close other copies of CrossCoach and sync again; nothing was lost.",
            ) from exc
        finally:
            remote.close()

    def _remember(self, **fields) -> None:
        with self.db.session() as s:
            last = watermarks.get(s, STATUS, "last", {})
            if "at" in fields:
                last["error"] = None  # a sync that finished clears the last error
            last.update(fields)
            watermarks.put(s, STATUS, "last", last)

    def _push(self, remote: Remote, remote_id: str, report: SyncReport, tick) -> None:
        with self.db.session() as s:
            pushed = watermarks.get(s, remote_id, "pushed", "")
            changes = outgoing(s, self.db.device_id, pushed)
            refused = watermarks.refused_up(s, remote_id)
            before = dict(refused)
            again = _still_current(s, self.db.device_id, refused)
            founded_at = roster.current(s).founded_at  # the team signs since its roster
        fresh = {(c["table"], c["id"], c["version"]) for c in changes}
        changes += [c for c in again if (c["table"], c["id"], c["version"]) not in fresh]
        changes.sort(key=lambda c: c["version"])
        refused = {k: v for k, v in refused.items() if k in {_key(c) for c in again}}
        done = 0
        for start in range(0, len(changes), PUSH_BATCH):
            batch = changes[start : start + PUSH_BATCH]
            for editor, group in _by_signer(batch, founded_at):
                self._push_group(remote, editor, group, refused, report)
            # Killed between the push and this, the batch is sent again next time:
            # publishing a change twice is harmless.
            with self.db.session() as s:
                watermarks.put(s, remote_id, "pushed", max(pushed, batch[-1]["version"]))
                watermarks.set_refused_up(s, remote_id, refused)
            done += len(batch)
            tick("push", done, len(changes))
        if not changes and refused != before:
            with self.db.session() as s:
                watermarks.set_refused_up(s, remote_id, refused)

    def _push_group(self, remote, editor, group, refused, report) -> None:
        """Publish one person's changes signed by them (``editor`` None: changes from
        before the team's roster, sent as they are), or keep them waiting until their key
        is here; a refusal sets only that change aside."""
        keys = self.keys_for(editor) if editor else None
        if editor and keys is None:
            for change in group:
                refused[_key(change)] = {
                    "version": change["version"],
                    "reason": f"it waits until {self._name(editor)} signs in on this computer",
                    "what": _capital(describe_change(self.db, change)),
                    "waiting": True,
                }
            return
        if keys is not None:
            public = keys.public_bytes().hex()
            group = [{**c, "signed": {"by": editor, "key": public}} for c in group]
        sendable, judged = record_own(self.db, group)
        report.warnings += judged.warnings
        report.changed = sorted(set(report.changed) | judged.tables)  # refused ones undone
        if not sendable:
            return
        sign = (lambda text: signing.sign(keys, editor, text)) if keys is not None else None
        refusals = remote.push(self.db.device_id, sendable, sign)
        for change in sendable:
            refused.pop(_key(change), None)
        for r in refusals:
            what = _capital(describe_change(self.db, r.change))
            refused[_key(r.change)] = {
                "version": r.change["version"],
                "reason": f"refused by {_remote_name(remote)}: {r.reason}",
                "what": what,
            }
            report.warnings.append(f"{what} was refused by {_remote_name(remote)}: {r.reason}.")
        report.records_up += len(sendable) - len(refusals)

    def _name(self, person_id: str) -> str:
        with self.db.session() as s:
            return _person_name(s, person_id)

    def _pull(self, remote: Remote, remote_id: str, report: SyncReport, tick) -> None:
        with self.db.session() as s:
            marks = _read_marks(s, remote_id)
            retry = watermarks.get(s, remote_id, "retry", {})
            restored = s.get(LocalState, REREAD_OWN) is not None
        if restored:  # a backup was restored: read everything, this device's own changes too
            marks, reader = {}, ""
        else:
            reader = self.db.device_id
        arrived = False
        for batch in remote.pull(reader, marks, retry):
            arrived = True
            where = f"{batch.source}/{batch.position}"
            if batch.retry_signature is not None:
                retry[where] = batch.retry_signature  # read again once the file changes
            else:
                retry.pop(where, None)
                mark = marks.get(batch.source, watermarks.ReadMark())
                marks[batch.source] = mark.add(batch.position, batch.everything_before)

            def remember(s, batch=batch, where=where) -> None:
                if batch.retry_signature is None:
                    watermarks.set_read_mark(s, remote_id, batch.source, marks[batch.source])
                    watermarks.forget_unreadable(s, remote_id, where)
                watermarks.put(s, remote_id, "retry", retry)
                for problem in batch.unreadable:
                    watermarks.note_unreadable(s, remote_id, problem.where, problem.reason)

            result = apply_changes(self.db, batch.changes, before_commit=remember)
            report.records_down += result.applied
            report.changed = sorted(set(report.changed) | result.tables)
            report.warnings += [f"{u.reason}." for u in batch.unreadable]
            report.warnings += result.warnings
            tick("pull", report.records_down, 0)
        with self.db.session() as s:
            waiting = count_waiting_here(s)
            if restored:
                s.execute(delete(LocalState).where(LocalState.key == REREAD_OWN))
        if waiting and not arrived:
            # Nothing new arrived, but time went on: a change dated too far ahead of this
            # computer's clock may be acceptable now. (Every batch judges again what
            # waits; without one, nothing else would.)
            result = apply_changes(self.db, [])
            report.records_down += result.applied
            report.changed = sorted(set(report.changed) | result.tables)
            report.warnings += result.warnings
            with self.db.session() as s:
                waiting = count_waiting_here(s)
        report.waiting = waiting

    def _media_up(self, remote: Remote, report: SyncReport, tick) -> None:
        with self.db.session() as s:
            wanted = referenced_media(s)
        local = local_index(self.media_root)
        todo = sorted(remote.missing_media(wanted & set(local)))
        tick("media up", 0, len(todo))
        for i, sha in enumerate(todo):
            try:
                report.bytes_up += remote.put_media(sha, Path(local[sha]))
            except NotSent as exc:
                report.warnings.append(f"A recording was not sent: {exc}.")
            else:
                report.media_up += 1
            tick("media up", i + 1, len(todo))

    def _media_down(self, remote: Remote, report: SyncReport, tick) -> None:
        with self.db.session() as s:
            wanted = referenced_media(s)
        missing = wanted - set(local_index(self.media_root))
        available = sorted(missing - remote.missing_media(missing))
        tick("media down", 0, len(available))
        for i, sha in enumerate(available):
            moved, warning = receive(remote, self.media_root, sha)
            report.bytes_down += moved
            if warning:
                report.warnings.append(warning)
            else:
                report.media_down += 1
            tick("media down", i + 1, len(available))
        if report.media_down:
            report.changed = sorted({*report.changed, RECORDINGS})
        if len(available) < len(missing):
            report.warnings.append(
                f"{len(missing) - len(available)} recording(s) are not on the remote yet; "
                "they arrive when their device syncs."
            )


def _shown(spec: str) -> str:
    """A remote as reports show it: never with a password."""
    return without_password(spec)[0] if spec.startswith("postgres") else spec


def _key(change: dict) -> str:
    return f"{change['table']}:{change['id']}"


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:]


def _remote_name(remote: Remote) -> str:
    return "the shared folder" if remote.spec.startswith("folder:") else "the team database"


def describe_change(db: Database, change: dict) -> str:
    with db.session() as s:
        return describe(s, change)


def _still_current(s, device_id: str, refused: dict[str, dict]) -> list[dict]:
    """This device's changes set aside before that are still its latest word on their
    record (tried again at every sync)."""
    if not refused:
        return []
    wanted = {(key, info["version"]) for key, info in refused.items()}
    return [c for c in outgoing(s, device_id, "") if (_key(c), c["version"]) in wanted]


def _by_signer(batch: list[dict], founded_at: str | None) -> list[tuple[str | None, list[dict]]]:
    """The batch as one group per person who signs their changes, plus (person None) the
    changes made before the team's roster was founded, which go out unsigned."""
    groups: dict[str | None, list[dict]] = {}
    for change in batch:
        signer = (
            change["data"].get("edited_by")
            if founded_at and change["version"] >= founded_at
            else None
        )
        groups.setdefault(signer, []).append(change)
    return list(groups.items())


def _person_name(s, person_id: str | None) -> str:
    from app.core.models import Person

    name = s.scalar(select(Person.name).where(Person.id == person_id)) if person_id else None
    return name or "the person who made them"


def _read_marks(s, remote_id: str) -> dict[str, watermarks.ReadMark]:
    """What was read of each source. A data folder synced by an earlier CrossCoach kept
    only the highest number read, which could skip files that arrived late: it reads
    everything once more (applying a change twice is harmless)."""
    return watermarks.read_marks(s, remote_id)


def set_aside_now(s, device_id: str, remote_id: str | None) -> list[dict]:
    """Changes not applied here or not sent, in plain words, newest first."""
    found = [
        {
            "what": _capital(item["what"]),
            "reason": item["reason"],
            "where": "sent" if item["own"] else "received",
            "waiting": item["verdict"] != "refused",
        }
        for item in set_aside(s, device_id)
    ]
    if remote_id:
        for info in watermarks.refused_up(s, remote_id).values():
            found.append(
                {
                    "what": info["what"],
                    "reason": info["reason"],
                    "where": "sent",
                    "waiting": info.get("waiting", False),
                }
            )
        for problem in watermarks.unreadable(s, remote_id):
            found.append(
                {"what": problem["reason"], "reason": "", "where": "received", "waiting": False}
            )
    return found


@contextlib.contextmanager
def one_sync_at_a_time(data_root: Path) -> Iterator[None]:
    """One sync per data folder (the app's timer, "Sync now" and the CLI may all start one).

    An OS file lock: it goes away with the process, even one that was killed.
    """
    try:
        with ExclusiveLock(data_root / "sync.lock"):
            yield
    except LockBusy:
        raise UserError(
            "A sync is already running on this device.",
            "Wait for it to finish; its result shows when it is done.",
        ) from None


def _plain_os_error(exc: OSError, spec: str) -> UserError:
    if full_disk(exc):
        return UserError(
            "There is no space left to finish the sync.",
            "Free some space on this computer or on the shared drive and sync again; "
            "nothing was lost.",
        )
    return UserError(
        f"The sync with {spec} stopped: {exc.strerror or exc}.",
        "Check that the shared folder is reachable and writable, then sync again; "
        "your changes wait on this device.",
    )


def _mb(n: int) -> str:
    return f"{n / 1e6:.1f} MB"
