"""What the desktop app says about a database problem, in its own words.

The diagnosis (:mod:`app.core.health`) gives one plain sentence and a hint in
the command line's words; the app keeps the sentence and says what to do with
its own buttons and pages instead.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from app.core import health
from app.core.backups import DAILY, MANUAL, Backup
from app.core.clock import utcnow
from app.core.errors import DatabaseProblem

TITLES = {
    health.FULL: "The disk is full",
    health.READ_ONLY: "The data folder is read-only",
    health.LOCKED: "The database is busy",
    health.DAMAGED: "The database is damaged",
    health.EMPTY: "The database is empty",
    health.MISSING: "The database is missing",
    health.DISK_ERROR: "The disk reported an error",
}
KIND_LABELS = {DAILY: "Daily", MANUAL: "Made by hand"}
REPAIRABLE = (health.DAMAGED, health.EMPTY, health.MISSING)


def made_when(at: datetime, now: datetime | None = None) -> str:
    """ "today at 09:14", "yesterday at 18:02", "Tuesday 3 March at 09:14" (local time)."""
    local = at.astimezone()
    today = (now or utcnow()).astimezone().date()
    clock = f"{local:%H:%M}"
    if local.date() == today:
        return f"today at {clock}"
    if local.date() == today - timedelta(days=1):
        return f"yesterday at {clock}"
    return f"{local:%A} {local.day} {local:%B %Y} at {clock}"


def kind_label(backup: Backup) -> str:
    return KIND_LABELS.get(backup.kind, "Before an update")


def screen_hint(problem: DatabaseProblem, latest: Backup | None) -> str:
    """What to do, for the database-problem screen and its buttons."""
    if problem.kind == health.FULL:
        return (
            "Free some space on this disk (empty the trash, move large files elsewhere), "
            "then click Try again. Nothing saved so far is lost."
        )
    if problem.kind == health.READ_ONLY:
        return (
            "Ask whoever looks after this computer to make the data folder writable again, "
            "then click Try again. Nothing in it was changed."
        )
    if problem.kind == health.LOCKED:
        return "Wait for it to finish, or close it, then click Try again."
    if problem.kind == health.DISK_ERROR:
        again = "Check that the disk (USB stick, network drive) is connected, then click Try again."
        return f"{again} If it keeps happening, restore the latest backup." if latest else again
    if latest is not None:
        return (
            f"Restore the latest backup, made {made_when(latest.made_at)}. The current file is "
            "kept aside, and takes recorded since that backup are added back."
        )
    if problem.take_records:
        return "Rebuild the database from your recordings. The current file is kept aside."
    return "Start a new database. The current file is kept aside; nothing in the data folder is deleted."


def dialog_hint(problem: DatabaseProblem) -> str:
    """What to do when the problem shows up while the app is open."""
    if problem.kind in REPAIRABLE or problem.kind == health.DISK_ERROR:
        return (
            "Restore the latest backup in Settings, under Backups: the current file is kept "
            "aside and nothing is deleted. Or quit CrossCoach and start it again."
        )
    if problem.kind == health.LOCKED:
        return "Wait for it to finish, or close it, then try again."
    if problem.kind == health.FULL:
        return "Free some space on this disk, then try again. Nothing saved so far is lost."
    return "Make the data folder writable again, then try again. Nothing in it was changed."
