"""``crosscoach profile``: who uses CrossCoach on this device, and their passphrases."""

from __future__ import annotations

from typing import TYPE_CHECKING

from app.cli import secrets
from app.cli.output import print_json, print_table
from app.core.errors import UserError
from app.core.profiles import create_profile, find_profile, list_profiles, parse_role
from app.identity import acting, vault
from app.identity.acting import secret_word
from app.identity.vault import PIN
from app.sync import roster

if TYPE_CHECKING:
    from app.identity.context import AppContext


def register(sub) -> None:
    p = sub.add_parser("profile", help="create, list and choose profiles; passphrases")
    actions = p.add_subparsers(dest="action", metavar="ACTION")

    create = actions.add_parser(
        "create",
        help="add a person (trainers and managers choose their passphrase now)",
        description="Add a person. Made by the person themself, it gets their key on this "
        "computer at once: a trainer or manager chooses a passphrase (typed twice, or "
        "CROSSCOACH_PASSPHRASE for a script), a rep may choose a PIN with --pin. With "
        "--as, the profile is made for someone else, who gets their key when they first "
        "act on this computer.",
    )
    create.add_argument("--name", required=True)
    create.add_argument("--role", required=True, choices=["rep", "trainer", "manager"])
    create.add_argument("--team", default=None)
    create.add_argument("--pin", action="store_true", help="a rep: protect the profile with a PIN")
    create.add_argument("--json", action="store_true")
    create.set_defaults(handler=_create)

    ls = actions.add_parser("list", help="everyone with a profile")
    ls.add_argument("--json", action="store_true")
    ls.set_defaults(handler=_list)

    use = actions.add_parser(
        "use", help="make a profile the active one on this device (asks its passphrase)"
    )
    use.add_argument("who", metavar="NAME|ID")
    use.set_defaults(handler=_use)

    change = actions.add_parser(
        "change-passphrase",
        help="choose a new passphrase (or, for a rep, set, change or remove a PIN)",
        description="The acting person chooses a new passphrase (a rep: a PIN). The "
        "current one is asked first (or CROSSCOACH_PASSPHRASE); the new one is typed "
        "twice (or CROSSCOACH_NEW_PASSPHRASE). The key stays the same.",
    )
    change.add_argument("--remove-pin", action="store_true", help="a rep: no PIN any more")
    change.set_defaults(handler=_change)

    reset = actions.add_parser(
        "reset-passphrase",
        help="a manager sets a new passphrase for someone who forgot theirs (a new key)",
        description="For someone who forgot their passphrase (or PIN): the acting manager "
        "unlocks with their own passphrase, then types the new one twice (or "
        "CROSSCOACH_NEW_PASSPHRASE). The old key was encrypted with the forgotten "
        "passphrase, so the person gets a NEW key pair; the old one can no longer be "
        "used on this computer.",
    )
    reset.add_argument("who", metavar="NAME|ID")
    reset.add_argument("--no-pin", action="store_true", help="a rep: no PIN after the reset")
    reset.set_defaults(handler=_reset)


def _create(ctx: AppContext, args) -> int:
    role = parse_role(args.role)
    name = args.name.strip()
    for_someone_else = bool(ctx.acting_as)
    if args.pin and role.reviews:
        raise UserError(
            f"A {role.value} has a passphrase, not a PIN.",
            "Leave out --pin: the passphrase is asked for anyway.",
        )
    secret = None
    if not for_someone_else and name:
        if role.reviews:
            secret = secrets.choose(role, f"{name}'s passphrase", env=secrets.PASSPHRASE_ENV)
        elif args.pin:
            secret = secrets.choose(role, f"{name}'s PIN", env=secrets.PASSPHRASE_ENV)
    # Made by the person it is for (nobody else acting, as in the app's first start), or
    # with --as by that person for someone else.
    with ctx.session() if for_someone_else else ctx.db.session() as s:
        profile = create_profile(s, args.name, role, args.team)
    keys = None if for_someone_else else ctx.confirm(profile, secret)
    if ctx.settings.get("active_profile_id") is None and not for_someone_else:
        ctx.use_profile(profile)  # the first profile on a device is the one using it
    if args.json:
        print_json({**profile.as_dict(), "fingerprint": keys.fingerprint() if keys else None})
        return 0
    print(f"Created {profile.role.value} {profile.name} ({profile.id}).")
    if keys is not None:
        print(acting.describe_key(ctx.paths, profile.id))
    elif role.reviews:
        print(f"{profile.name} chooses a passphrase when they first act on this computer.")
    return 0


def _fingerprint(ctx: AppContext, person_id: str) -> str | None:
    try:
        return vault.fingerprint(ctx.paths, person_id)
    except vault.KeyProblem:
        return None


def _list(ctx: AppContext, args) -> int:
    with ctx.db.session() as s:
        profiles = list_profiles(s)
    active = ctx.settings.get("active_profile_id")
    if args.json:
        print_json(
            [
                {**p.as_dict(), "active": p.id == active, "fingerprint": _fingerprint(ctx, p.id)}
                for p in profiles
            ]
        )
    elif not profiles:
        print("No profiles yet. Create one with: crosscoach profile create --name NAME --role rep")
    else:
        rows = [
            (
                "*" if p.id == active else "",
                p.name,
                p.role.value,
                p.team or "",
                _fingerprint(ctx, p.id) or "none here",
                p.id,
            )
            for p in profiles
        ]
        print_table(["", "Name", "Role", "Team", "Key", "Id"], rows)
    return 0


def _use(ctx: AppContext, args) -> int:
    with ctx.db.session() as s:
        profile = find_profile(s, args.who)
    ctx.confirm(profile)  # their passphrase (or PIN), or their first key made here
    ctx.use_profile(profile)
    print(f"{profile.name} ({profile.role.value}) is now the active profile.")
    return 0


def _change(ctx: AppContext, args) -> int:
    profile = ctx.profile()  # asks the current passphrase (or PIN), once
    word = secret_word(profile.role)
    if args.remove_pin and profile.role.reviews:
        raise UserError(
            f"A {profile.role.value} always has a passphrase.",
            "Leave out --remove-pin to choose a new one.",
        )
    current = vault.secret_word(ctx.paths, profile.id)
    old = secrets.typed(profile, current) if current else None
    new = None if args.remove_pin else secrets.choose(profile.role, f"{profile.name}'s new {word}")
    keys = acting.change_secret(ctx.paths, profile, old, new)
    if new is None:
        print(f"{profile.name} has no PIN any more. {vault.storage_words(ctx.paths, profile.id)}")
    else:
        print(f"{profile.name}'s {word} is changed; the key stays the same ({keys.fingerprint()}).")
    return 0


def _reset(ctx: AppContext, args) -> int:
    manager = ctx.profile()  # the manager proves who they are with their own passphrase
    with ctx.db.session() as s:
        person = find_profile(s, args.who)
    word = secret_word(person.role)
    acting.check_may_reset(ctx.paths, manager, ctx.signer(), person)
    if args.no_pin and person.role.reviews:
        raise UserError(
            f"A {person.role.value} always has a passphrase.",
            "Leave out --no-pin to choose their new one.",
        )
    had = vault.has_key(ctx.paths, person.id)
    new = None if args.no_pin else secrets.choose(person.role, f"{person.name}'s new {word}")
    keys = acting.reset_secret(ctx.paths, manager, ctx.signer(), person, new)
    with ctx.session() as s:  # the team trusts the new key, not the old one
        in_roster = roster.replace_key(
            s, manager, ctx.signer(), person, keys.public_bytes().hex(), ctx.db.clock.tick()
        )
    said = f"a new {word}" if new else ("no PIN" if word == PIN else f"a new {word}")
    if had:
        print(
            f"{person.name} has {said} and a NEW key on this computer ({keys.fingerprint()}): "
            "their old key can no longer be used here. Their other computers keep their "
            "old key until it is replaced there too (export this one and import it there)."
        )
    else:
        print(
            f"{person.name} has {said} and their first key on this computer ({keys.fingerprint()})."
        )
    if in_roster is not None:
        print(
            "The team's roster trusts the new key from now on, and no longer the old one; "
            "sync to tell the team."
        )
    return 0
