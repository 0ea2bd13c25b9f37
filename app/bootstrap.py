"""Opening an installation the way both the CLI and the GUI need it.

The first start of a data folder creates the database and loads the
built-in scenario pack; nothing else needs setting up. Restoring a backup
and rebuilding a lost database end the same way: the installation is opened
and the takes recorded since (from their records) are added back.
"""

from __future__ import annotations

from app.core import backups, health
from app.core.db import open_database
from app.core.paths import resolve_data_dir
from app.core.rebuild import RebuildReport, add_back_takes
from app.identity.context import AppContext


def open_context(data_dir=None, acting_as: str | None = None, on_wait=None) -> AppContext:
    ctx = AppContext.open(data_dir, acting_as, on_wait)
    ctx.paths.ensure()
    from app.scenarios.builtin import ensure_builtin_pack

    ensure_builtin_pack(ctx)
    return ctx


def restore_installation(
    data_dir=None, name: str | None = None
) -> tuple[backups.Backup, RebuildReport]:
    """Restore a backup (the latest when no name), then add back the takes recorded since."""
    paths = resolve_data_dir(data_dir).ensure()
    chosen = backups.find_backup(paths, name) if name else backups.latest_backup(paths)
    kept = backups.restore_backup(paths, chosen)
    report = _add_back(data_dir)
    report.kept_aside = str(kept) if kept else None
    return chosen, report


def rebuild_installation(data_dir=None) -> RebuildReport:
    """A new database for one that is damaged, empty or missing (kept aside), with every
    take its record describes; on a sound database, only the takes it lacks are added."""
    paths = resolve_data_dir(data_dir).ensure()
    problem = health.diagnose(paths)
    kept = None
    if problem is not None:
        if problem.kind not in (health.DAMAGED, health.EMPTY, health.MISSING):
            raise problem  # full, read-only, locked: a rebuild would fail the same way
        kept = backups.set_aside(paths, problem.kind)
        open_database(paths, allow_new=True).close()
    report = _add_back(data_dir)
    report.kept_aside = str(kept) if kept else None
    return report


def _add_back(data_dir) -> RebuildReport:
    ctx = open_context(data_dir)
    try:
        return add_back_takes(ctx.db, ctx.paths)
    finally:
        ctx.close()
