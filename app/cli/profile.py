"""``crosscoach profile``: who uses CrossCoach on this device."""

from __future__ import annotations

from app.cli.output import print_json, print_table
from app.core.profiles import create_profile, find_profile, list_profiles, parse_role


def register(sub) -> None:
    p = sub.add_parser("profile", help="create, list and choose profiles")
    actions = p.add_subparsers(dest="action", metavar="ACTION")

    create = actions.add_parser("create", help="add a person")
    create.add_argument("--name", required=True)
    create.add_argument("--role", required=True, choices=["rep", "trainer", "manager"])
    create.add_argument("--team", default=None)
    create.add_argument("--json", action="store_true")
    create.set_defaults(handler=_create)

    ls = actions.add_parser("list", help="everyone with a profile")
    ls.add_argument("--json", action="store_true")
    ls.set_defaults(handler=_list)

    use = actions.add_parser("use", help="make a profile the active one on this device")
    use.add_argument("who", metavar="NAME|ID")
    use.set_defaults(handler=_use)


def _create(ctx, args) -> int:
    with ctx.session() as s:
        profile = create_profile(s, args.name, parse_role(args.role), args.team)
    if ctx.settings.get("active_profile_id") is None:
        ctx.use_profile(profile)  # the first profile on a device is the one using it
    if args.json:
        print_json(profile.as_dict())
    else:
        print(f"Created {profile.role.value} {profile.name} ({profile.id}).")
    return 0


def _list(ctx, args) -> int:
    with ctx.db.session() as s:
        profiles = list_profiles(s)
    active = ctx.settings.get("active_profile_id")
    if args.json:
        print_json([{**p.as_dict(), "active": p.id == active} for p in profiles])
    elif not profiles:
        print("No profiles yet. Create one with: crosscoach profile create --name NAME --role rep")
    else:
        rows = [
            ("*" if p.id == active else "", p.name, p.role.value, p.team or "", p.id)
            for p in profiles
        ]
        print_table(["", "Name", "Role", "Team", "Id"], rows)
    return 0


def _use(ctx, args) -> int:
    with ctx.db.session() as s:
        profile = find_profile(s, args.who)
    ctx.use_profile(profile)
    print(f"{profile.name} ({profile.role.value}) is now the active profile.")
    return 0
