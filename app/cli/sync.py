"""``crosscoach sync`` and ``crosscoach remote``: meet the team through a shared remote."""

from __future__ import annotations

import getpass
import sys

from app.cli.output import print_json
from app.core.errors import UserError
from app.sync.credentials import password_source, store_password, with_password, without_password
from app.sync.remote import open_remote
from app.sync.service import SyncService


def register(sub) -> None:
    p = sub.add_parser("sync", help="send this device's changes and fetch everyone else's")
    p.add_argument("--remote", metavar="folder:PATH|postgresql://...", default=None)
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=_sync)

    r = sub.add_parser("remote", help="choose and inspect the shared folder or database")
    actions = r.add_subparsers(dest="action", metavar="ACTION")
    set_ = actions.add_parser("set", help="connect this device to a shared folder or database")
    set_.add_argument("spec", metavar="folder:PATH|postgresql://USER@HOST:5432/DB")
    set_.add_argument(
        "--ask-password",
        action="store_true",
        help="type the database password; it goes to the OS keyring, never to settings",
    )
    set_.set_defaults(handler=_set)
    show = actions.add_parser("show", help="the remote, its security settings and sync status")
    show.add_argument("--json", action="store_true")
    show.add_argument("--offline", action="store_true", help="do not contact the remote")
    show.set_defaults(handler=_show)
    setup = actions.add_parser(
        "setup-postgres", help="(database admin) create CrossCoach's tables, roles and policies"
    )
    setup.add_argument("url", metavar="postgresql://ADMIN@HOST:5432/DB")
    setup.set_defaults(handler=_setup_postgres)
    member = actions.add_parser(
        "add-member", help="(database admin) let a PostgreSQL login act as a CrossCoach profile"
    )
    member.add_argument("url", metavar="postgresql://ADMIN@HOST:5432/DB")
    member.add_argument("--login", required=True, help="the PostgreSQL login name")
    member.add_argument("--person", required=True, metavar="NAME|ID", help="the profile")
    member.set_defaults(handler=_add_member)


def _sync(ctx, args) -> int:
    service = SyncService(ctx.db, ctx.settings, args.remote)

    def progress(stage: str, done: int, total: int) -> None:
        if not args.json and sys.stderr.isatty():
            print(f"\r{stage}: {done}/{total or '?'}   ", end="", file=sys.stderr)

    try:
        report = service.sync(progress)
    finally:
        if not args.json and sys.stderr.isatty():
            print(file=sys.stderr)  # end the progress line
    if args.json:
        print_json(report.as_dict())
        return 0
    print(report.summary())
    if report.waiting:
        print(f"{report.waiting} change(s) wait for records that have not arrived yet.")
    for warning in report.warnings:
        print(f"Warning: {warning}")
    return 0


def _set(ctx, args) -> int:
    spec = args.spec.strip()
    password = None
    if spec.startswith("postgres"):
        spec, password = without_password(spec)  # from the URL: never kept in settings
        if args.ask_password:
            password = getpass.getpass("Database password: ")
    elif spec.startswith("folder:"):
        from pathlib import Path

        folder = Path(spec[len("folder:") :]).expanduser().resolve()
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise UserError(
                f"CrossCoach cannot create the shared folder {folder} ({exc.strerror}).",
                "Check the path and that the drive is connected.",
            ) from exc
        spec = f"folder:{folder}"
    remote = open_remote(with_password(spec, password))
    try:
        remote.open()  # checks reachability, the password and format now, not at the first sync
    finally:
        remote.close()
    if password:
        if store_password(spec, password):
            print("The password is kept in this computer's keyring.")
        else:
            print(
                "This computer has no keyring, so the password was NOT stored. "
                "Set PGPASSWORD or use a ~/.pgpass file (see docs/sync.md)."
            )
    ctx.settings.set("remote", spec)
    print(f"This device now syncs with {spec}.")
    return 0


def _show(ctx, args) -> int:
    status = SyncService(ctx.db, ctx.settings).status(ask_remote=not args.offline)
    database = bool(status.remote) and status.remote.startswith("postgres")
    info = {
        "remote": without_password(status.remote)[0] if database else status.remote,
        "device_id": ctx.db.device_id,
        "last_sync_at": status.last_sync_at.isoformat() if status.last_sync_at else None,
        "changes_waiting_up": status.changes_waiting_up,
        "changes_waiting_down": status.changes_waiting_down,
        "bytes_to_transfer": status.bytes_to_transfer,
        "last_error": status.last_error,
    }
    if database:
        from sqlalchemy.engine import make_url

        query = make_url(status.remote).query
        info["password"] = password_source(status.remote)
        info["sslmode"] = query.get("sslmode", "prefer (PostgreSQL's default)")
        info["sslrootcert"] = query.get("sslrootcert")
    if args.json:
        print_json(info)
        return 0
    if not status.remote:
        print("No remote yet. Choose one with: crosscoach remote set folder:PATH")
    for key, value in info.items():
        if value is not None:
            print(f"{key.replace('_', ' ')}: {value}")
    return 0


def _setup_postgres(ctx, args) -> int:
    from app.sync.postgres import setup_database

    setup_database(args.url)
    print("The database is ready for CrossCoach (tables, roles and row-level security).")
    return 0


def _add_member(ctx, args) -> int:
    from app.core.profiles import find_profile
    from app.sync.postgres import add_member

    with ctx.db.session() as s:
        profile = find_profile(s, args.person)
    add_member(args.url, args.login, profile.id, profile.role.value)
    print(f"The login {args.login} now acts as {profile.name} ({profile.role.value}).")
    return 0
