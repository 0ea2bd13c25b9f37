"""``crosscoach sync`` and ``crosscoach remote``: meet the team through a shared remote."""

from __future__ import annotations

import getpass
import sys
from typing import TYPE_CHECKING

from app.cli.output import print_json
from app.sync.credentials import password_source, without_password
from app.sync.service import SyncService

if TYPE_CHECKING:
    from app.identity.context import AppContext


def register(sub) -> None:
    p = sub.add_parser("sync", help="send this device's changes and fetch everyone else's")
    p.add_argument("--remote", metavar="folder:PATH|postgresql://...", default=None)
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=_sync)

    r = sub.add_parser("remote", help="choose and inspect the shared folder or database")
    actions = r.add_subparsers(dest="action", metavar="ACTION")
    set_ = actions.add_parser(
        "set", help="connect this device to a shared folder (made if new) or a database"
    )
    set_.add_argument("spec", metavar="folder:PATH|postgresql://USER@HOST:5432/DB")
    set_.add_argument(
        "--ask-password",
        action="store_true",
        help="type the database password; it goes to the OS keyring, never to settings",
    )
    set_.set_defaults(handler=_set)
    join = actions.add_parser(
        "join", help="first start of a team member: connect and fetch the team, then pick yourself"
    )
    join.add_argument("spec", metavar="folder:PATH|postgresql://USER@HOST:5432/DB")
    join.add_argument(
        "--ask-password",
        action="store_true",
        help="type the database password; it goes to the OS keyring, never to settings",
    )
    join.add_argument("--json", action="store_true")
    join.set_defaults(handler=_join)
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
    member.add_argument(
        "--create",
        action="store_true",
        help="create the profile on this device first (it reaches the team at its next sync)",
    )
    member.add_argument("--role", default="rep", help="for --create: rep, trainer or manager")
    member.add_argument("--team", default=None, help="for --create: the person's team")
    member.set_defaults(handler=_add_member)


def _sync(ctx: AppContext, args) -> int:
    service = SyncService(ctx.db, ctx.settings, args.remote, keys_for=ctx.keys_for)

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
    _print_set_aside(report.set_aside)
    return 0


def _print_set_aside(items: list[dict]) -> None:
    refused = [i for i in items if not i["waiting"]]
    if refused:
        print(f"Set aside ({len(refused)}), tried again at every sync:")
        for item in refused:
            print(f"  {item['what']}" + (f": {item['reason']}" if item["reason"] else ""))


def _password(spec: str, ask: bool) -> str | None:
    if ask and spec.strip().startswith("postgres"):
        return getpass.getpass("Database password: ")
    return None


def _say_where_the_password_went(connected) -> None:
    if connected.password_kept:
        print("The password is kept in this computer's keyring.")
    elif connected.password_kept is False:
        print(
            "This computer has no keyring, so the password was NOT stored. "
            "Set PGPASSWORD or use a ~/.pgpass file (see docs/sync.md)."
        )


def _set(ctx: AppContext, args) -> int:
    from app.sync.onboarding import connect

    password = _password(args.spec, args.ask_password)
    connected = connect(ctx.settings, args.spec, password, create_folder=True)
    _say_where_the_password_went(connected)
    print(f"This device now syncs with {connected.spec}.")
    return 0


def _join(ctx: AppContext, args) -> int:
    from app.sync.onboarding import join_team

    connected, team = join_team(ctx, args.spec, _password(args.spec, args.ask_password))
    if team.me is not None:
        # The team database's login named this person: a trainer or manager new to this
        # computer chooses their passphrase now (or brings their key: crosscoach key import).
        ctx.confirm(team.me, proven=True)
        ctx.use_profile(team.me)
    if args.json:
        print_json(
            {
                "remote": team.spec,
                "people": [p.as_dict() for p in team.people],
                "me": team.me.as_dict() if team.me else None,
            }
        )
        return 0
    _say_where_the_password_went(connected)
    print(f"This device joined the team at {team.spec}.")
    if team.me is not None:
        print(
            f"You are {team.me.name} ({team.me.role.value}); recordings arrive with the next sync."
        )
        return 0
    print("The team: " + (", ".join(p.name for p in team.people) or "nobody yet"))
    print(
        "Choose yourself with: crosscoach profile use NAME "
        "(or, if you are new: crosscoach profile create --name NAME --role rep)"
    )
    return 0


def _show(ctx: AppContext, args) -> int:
    status = SyncService(ctx.db, ctx.settings).status(ask_remote=not args.offline)
    remote = status.remote or ""
    database = remote.startswith("postgres")
    info: dict[str, object] = {
        "remote": without_password(remote)[0] if database else status.remote,
        "device_id": ctx.db.device_id,
        "last_sync_at": status.last_sync_at.isoformat() if status.last_sync_at else None,
        "changes_waiting_up": status.changes_waiting_up,
        "changes_waiting_down": status.changes_waiting_down,
        "bytes_to_transfer": status.bytes_to_transfer,
        "last_error": status.last_error,
        "set_aside": status.set_aside,
    }
    if database:
        from sqlalchemy.engine import make_url

        query = make_url(remote).query
        info["password"] = password_source(ctx.settings.get("remote") or remote)
        info["sslmode"] = query.get("sslmode", "prefer (PostgreSQL's default)")
        info["sslrootcert"] = query.get("sslrootcert")
    if args.json:
        print_json(info)
        return 0
    if not status.remote:
        print("No remote yet. Choose one with: crosscoach remote set folder:PATH")
    for key, value in info.items():
        if value is not None and key != "set_aside":
            print(f"{key.replace('_', ' ')}: {value}")
    _print_set_aside(status.set_aside)
    return 0


def _setup_postgres(ctx: AppContext, args) -> int:
    from app.sync.postgres import setup_database

    setup_database(args.url)
    print("The database is ready for CrossCoach (tables, roles and row-level security).")
    return 0


def _add_member(ctx: AppContext, args) -> int:
    from app.core.errors import NotFound
    from app.core.profiles import create_profile, find_profile, parse_role
    from app.sync.postgres import add_member

    try:
        with ctx.db.session() as s:
            profile = find_profile(s, args.person)
    except NotFound:
        if not args.create:
            raise
        # Made by the acting manager or trainer, so the team accepts it from their device.
        with ctx.session() as s:
            profile = create_profile(s, args.person, parse_role(args.role), args.team)
        print(
            f"Created the profile {profile.name}; it reaches the team at this device's next sync."
        )
    add_member(args.url, args.login, profile.id, profile.role.value)
    print(f"The login {args.login} now acts as {profile.name} ({profile.role.value}).")
    return 0
