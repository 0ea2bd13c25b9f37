"""``crosscoach backup list|make|restore`` and ``crosscoach database rebuild``.

These commands (and ``doctor``) work on a database that cannot be opened:
they say ``opens_database=False``, and :func:`open_for_command` leaves the
opening to them. Every other command gets the database opened, with its
daily backup made on the first command of the day.
"""

from __future__ import annotations

import sys

from app.bootstrap import open_context, rebuild_installation, restore_installation
from app.cli.output import print_json, print_table
from app.core import backups
from app.core.errors import UserError
from app.core.health import megabytes
from app.core.paths import resolve_data_dir
from app.core.rebuild import RebuildReport
from app.identity.context import AppContext

KIND_WORDS = {backups.DAILY: "daily", backups.MANUAL: "by hand", backups.UPGRADE: "before upgrade"}


def say(text: str) -> None:
    print(f"crosscoach: {text}", file=sys.stderr, flush=True)


def open_for_command(args) -> AppContext:
    """The installation a command works on, opened unless the command opens it itself."""
    if not getattr(args, "opens_database", True):
        # Nobody acts here: checking who --as names would need the database.
        return AppContext(resolve_data_dir(args.data_dir), None, say)
    ctx = open_context(args.data_dir, args.acting_as, on_wait=say)
    try:
        backups.daily_backup(ctx.paths)
    except UserError as err:  # the command itself may still work: say so and go on
        say(f"today's backup of the database could not be made. {err.message}")
    return ctx


def register(sub) -> None:
    p = sub.add_parser("backup", help="list, make or restore backups of the database")
    actions = p.add_subparsers(dest="action", metavar="ACTION")
    listing = actions.add_parser("list", help="the backups, newest first")
    listing.add_argument("--json", action="store_true")
    listing.set_defaults(handler=_list, opens_database=False)
    make = actions.add_parser("make", help="back the database up now")
    make.set_defaults(handler=_make, opens_database=False)
    restore = actions.add_parser(
        "restore",
        help="put a backup in place of the database (the current file is kept aside)",
    )
    restore.add_argument("name", nargs="?", metavar="NAME", help="default: the latest backup")
    restore.add_argument("--json", action="store_true")
    restore.set_defaults(handler=_restore, opens_database=False)

    p = sub.add_parser("database", help="repair the database")
    actions = p.add_subparsers(dest="action", metavar="ACTION")
    rebuild = actions.add_parser(
        "rebuild",
        help="a new database for a damaged, empty or missing one, with your takes added back",
    )
    rebuild.add_argument("--json", action="store_true")
    rebuild.set_defaults(handler=_rebuild, opens_database=False)


def _list(ctx: AppContext, args) -> int:
    found = backups.list_backups(ctx.paths)
    if args.json:
        print_json([b.as_dict() for b in found])
        return 0
    if not found:
        print("There is no backup yet: CrossCoach makes one every day it starts.")
        return 0
    rows = [
        (
            b.name,
            f"{b.made_at.astimezone():%Y-%m-%d %H:%M}",
            KIND_WORDS[b.kind],
            megabytes(b.size_bytes),
        )
        for b in found
    ]
    print_table(["NAME", "MADE", "KIND", "SIZE"], rows)
    print(f"In {ctx.paths.backups}")
    return 0


def _make(ctx: AppContext, _args) -> int:
    made = backups.make_backup(ctx.paths)
    print(f"Backed up the database to {made.path} ({megabytes(made.size_bytes)}).")
    return 0


def _restore(ctx: AppContext, args) -> int:
    chosen, report = restore_installation(ctx.paths.root, args.name)
    if args.json:
        print_json({"restored": chosen.as_dict(), **report.as_dict()})
        return 0
    print(f"Restored the backup made {chosen.made_at.astimezone():%Y-%m-%d at %H:%M}.")
    _print_report(report)
    return 0


def _rebuild(ctx: AppContext, args) -> int:
    report = rebuild_installation(ctx.paths.root)
    if args.json:
        print_json(report.as_dict())
        return 0
    _print_report(report)
    if report.kept_aside:
        print(
            "Submissions, reviews, comments and imported scenarios lived only in the old "
            "database: restore a backup to get them back, or sync to get your team's copy."
        )
    return 0


def _print_report(report: RebuildReport) -> None:
    if report.kept_aside:
        print(f"The database it replaced is kept in {report.kept_aside}.")
    n = len(report.takes)
    print(f"Added back {n} take{'s' if n != 1 else ''} from their records.")
    if report.people:
        print(f"Added back the profiles of: {', '.join(report.people)}.")
    for waiting in report.waiting:
        print(
            f'Take {waiting["take_id"]} waits for its scenario, "{waiting["scenario"]}": '
            "import its pack again (or sync), then run: crosscoach database rebuild"
        )
    if report.missing_video:
        print(f"{len(report.missing_video)} take record(s) name a video that is gone; skipped.")
    if report.unreadable:
        print(f"{len(report.unreadable)} take record(s) could not be read; left as they are.")
    if report.unmatched_videos:
        print(
            f"{report.unmatched_videos} video(s) in the media store belong to no take "
            "(recorded before CrossCoach kept take records); they are kept, not deleted."
        )
