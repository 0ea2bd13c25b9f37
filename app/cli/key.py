"""``crosscoach key``: a person's key pair on this device — show, export, import."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from app.cli import secrets
from app.cli.output import print_json
from app.core.errors import NotFound, UserError
from app.core.models import Person, Role
from app.core.profiles import find_profile, to_profile
from app.identity import acting, vault
from app.identity.acting import ReplacingNeedsSecret

if TYPE_CHECKING:
    from app.identity.context import AppContext


def register(sub) -> None:
    p = sub.add_parser("key", help="your key on this computer: show, export, import")
    actions = p.add_subparsers(dest="action", metavar="ACTION")

    show = actions.add_parser("show", help="a person's key fingerprint and where it is kept")
    show.add_argument("who", nargs="?", metavar="NAME|ID", help="default: the active profile")
    show.add_argument("--json", action="store_true")
    show.set_defaults(handler=_show)

    export = actions.add_parser(
        "export",
        help="write your key to a file for another of your computers",
        description="Write the acting person's key to a file protected with their "
        "passphrase (or PIN); a rep without a PIN chooses a passphrase for the file. "
        "Import it on the other computer with: crosscoach key import FILE.",
    )
    export.add_argument("--to", required=True, metavar="FILE")
    export.set_defaults(handler=_export)

    imp = actions.add_parser(
        "import",
        help="take a key exported on another of your computers",
        description="Take the key in FILE as its person's key on this computer. The "
        "file's passphrase is asked (or CROSSCOACH_PASSPHRASE); a trainer's or manager's "
        "key is then kept with that same passphrase here.",
    )
    imp.add_argument("file", metavar="FILE")
    imp.set_defaults(handler=_import)


def _show(ctx: AppContext, args) -> int:
    chosen = args.who or ctx.acting_as or ctx.settings.get("active_profile_id")
    if not chosen:
        raise UserError("Whose key? Nobody is active on this computer.", "Name the person.")
    with ctx.db.session() as s:
        profile = find_profile(s, chosen)  # a public fingerprint: nothing to unlock
    fingerprint = vault.fingerprint(ctx.paths, profile.id)
    if args.json:
        print_json(
            {
                **profile.as_dict(),
                "fingerprint": fingerprint,
                "stored": vault.storage(ctx.paths, profile.id),
                "public_key": (vault.public_key(ctx.paths, profile.id) or b"").hex() or None,
            }
        )
    else:
        print(acting.describe_key(ctx.paths, profile.id, profile.name))
    return 0


def _export(ctx: AppContext, args) -> int:
    profile = ctx.profile()  # their passphrase, once
    word = vault.secret_word(ctx.paths, profile.id)
    secret = secrets.typed(profile, word) if word else None
    file_secret = None
    if word is None:
        file_secret = secrets.choose(Role.TRAINER, "a passphrase for the key file")
    target = acting.export_key(ctx.paths, profile, secret, Path(args.to), file_secret)
    protected_by = f"{profile.name}'s {word}" if word else "the passphrase you chose"
    print(
        f"Wrote {profile.name}'s key ({vault.fingerprint(ctx.paths, profile.id)}) to {target}, "
        f"protected with {protected_by}. On the other computer run: crosscoach key import "
        f"{target.name}. Keep the file to yourself, and delete it once it is imported."
    )
    return 0


def _import(ctx: AppContext, args) -> int:
    key_file = vault.read_key_file(Path(args.file))
    with ctx.db.session() as s:
        person = s.get(Person, key_file.person_id)
        if person is None or person.deleted:
            raise NotFound(
                f"This key is {key_file.name or 'someone'}'s, whose profile is not on this "
                "computer.",
                "Join your team (crosscoach remote join) or sync first, then import it again.",
            )
        profile = to_profile(person)
    file_secret = secrets.file_passphrase()
    try:
        keys = acting.import_key(ctx.paths, ctx.db, profile, key_file, file_secret)
    except ReplacingNeedsSecret:
        if not secrets.can_prompt():
            raise
        word = vault.secret_word(ctx.paths, profile.id) or "passphrase"
        current = secrets.prompt(f"{profile.name}'s current {word} on this computer: ")
        keys = acting.import_key(ctx.paths, ctx.db, profile, key_file, file_secret, current)
    print(
        f"Imported {profile.name}'s key ({keys.fingerprint()}). "
        f"{vault.storage_words(ctx.paths, profile.id)}"
    )
    return 0
