"""What the sync indicator says, as plain functions of a :class:`SyncView` (no widgets)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from app.core.clock import utcnow
from app.core.errors import DatabaseProblem, UserError
from app.sync.service import SyncReport, SyncStatus
from app.ui.database_words import dialog_hint

STAGES = {
    "push": "sending changes",
    "pull": "receiving changes",
    "media up": "sending recordings",
    "media down": "receiving recordings",
}
FOLDER_PREFIX = "folder:"


@dataclass(frozen=True)
class SyncView:
    """Everything the indicator shows, copied out of the controller on the GUI thread."""

    remote: str | None
    syncing: bool = False
    stage: str | None = None
    done: int = 0
    total: int = 0
    status: SyncStatus | None = None  # last counted, None until the first count
    report: SyncReport | None = None  # the last sync that finished in this session
    failure: UserError | None = None  # why the last attempt failed (None after a success)


def plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def megabytes(n: int) -> str:
    return f"{n / 1e6:.1f} MB" if n < 10e6 else f"{n / 1e6:.0f} MB"


def ago(when: datetime, now: datetime | None = None) -> str:
    seconds = ((now or utcnow()) - when) / timedelta(seconds=1)
    if seconds < 60:
        return "just now"
    if seconds < 3600:
        return f"{int(seconds // 60)} min ago"
    if seconds < 86400:
        return f"{int(seconds // 3600)} h ago"
    days = int(seconds // 86400)
    return "yesterday" if days == 1 else f"{days} days ago"


def describe_remote(spec: str) -> str:
    if spec.startswith(FOLDER_PREFIX):
        return f"Shared folder {spec[len(FOLDER_PREFIX) :]}"
    from sqlalchemy.engine import make_url

    u = make_url(spec)
    return f"Team database {u.database or ''} on {u.host or 'localhost'}:{u.port or 5432}"


def problem(view: SyncView) -> UserError | None:
    """Why the last sync failed: this session's failure, or the one an earlier session
    recorded (cleared by the next sync that finishes)."""
    if isinstance(view.failure, DatabaseProblem):  # its own hint speaks of commands
        return UserError(view.failure.message, dialog_hint(view.failure))
    if view.failure is not None:
        return view.failure
    if view.report is None and view.status is not None and view.status.last_error:
        return UserError(view.status.last_error, "Sync again; your changes wait on this device.")
    return None


def is_offline(failure: UserError) -> bool:
    """The remote could not be reached at all (as opposed to a refusal or a damaged share)."""
    return "not reachable" in failure.message


def waiting_up(view: SyncView) -> int:
    return view.status.changes_waiting_up if view.status else 0


def refused(view: SyncView) -> list[dict]:
    """Changes set aside for good reasons (refused or unreadable), newest first."""
    items = view.status.set_aside if view.status else []
    return [i for i in items if not i["waiting"]]


def waiting_here(view: SyncView) -> int:
    """Changes that arrived but wait for a record or a profile not here yet."""
    items = view.status.set_aside if view.status else []
    return sum(1 for i in items if i["waiting"])


def set_aside_lines(view: SyncView, limit: int = 5) -> list[str]:
    """One line per change set aside, for the details popup."""
    items = refused(view)
    lines = [f"{i['what']}: {i['reason']}" if i["reason"] else i["what"] for i in items[:limit]]
    if len(items) > limit:
        lines.append(f"… and {len(items) - limit} more.")
    return lines


def short_text(view: SyncView, now: datetime | None = None) -> str:
    """One line for the status bar."""
    if not view.remote:
        return "Sync not set up"
    if view.syncing:
        if view.stage in ("media up", "media down") and view.total:
            return f"Syncing… {STAGES[view.stage]} {view.done} of {view.total}"
        return f"Syncing… {STAGES[view.stage]}" if view.stage in STAGES else "Syncing…"
    up = waiting_up(view)
    failure = problem(view)
    if failure is not None:
        start = "Offline" if is_offline(failure) else "Sync problem"
        return f"{start} — {plural(up, 'change')} waiting" if up else start
    if view.status is None:
        return "Sync ready"
    last = view.status.last_sync_at
    text = "Not synced yet" if last is None else f"Synced {ago(last, now)}"
    text = f"{text} · {plural(up, 'change')} waiting" if up else text
    aside = len(refused(view))
    return f"{text} · {plural(aside, 'change')} set aside" if aside else text


def detail_lines(view: SyncView, now: datetime | None = None) -> list[tuple[str, str]]:
    """(label, value) rows for the details popup."""
    if not view.remote:
        return [("Remote", "None: this device keeps everything to itself.")]
    rows = [("Remote", describe_remote(view.remote))]
    status = view.status
    last = status.last_sync_at if status else None
    when = "never" if last is None else f"{last.astimezone():%Y-%m-%d %H:%M} ({ago(last, now)})"
    rows.append(("Last sync", when))
    if view.report is not None:
        rows.append(("Last sync moved", view.report.summary()))
    if status is not None:
        rows.append(("Waiting to send", plural(status.changes_waiting_up, "change")))
        down = status.changes_waiting_down
        rows.append(
            (
                "Waiting to receive",
                "known after the next sync" if down is None else plural(down, "change"),
            )
        )
        aside, held = len(refused(view)), waiting_here(view)
        if aside:
            rows.append(("Set aside", f"{plural(aside, 'change')}, tried again at every sync"))
        if held:
            rows.append(("Waiting here", f"{plural(held, 'change')} for records not here yet"))
        size = status.bytes_to_transfer
        rows.append(
            (
                "Recordings to move",
                "known after the next sync"
                if size is None
                else megabytes(size)
                if size
                else "none",
            )
        )
    return rows
