"""``crosscoach team``: the team's roster — whose signatures count, invitations, approvals."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING

from app.cli.output import print_json, print_table
from app.core.errors import UserError
from app.core.profiles import find_profile, parse_role
from app.sync import roster

if TYPE_CHECKING:
    from app.identity.context import AppContext


def register(sub) -> None:
    p = sub.add_parser("team", help="the team's roster: found it, invite, approve, revoke")
    actions = p.add_subparsers(dest="action", metavar="ACTION")
    show = actions.add_parser("show", help="the team code, who is in the roster, who waits")
    show.add_argument("--json", action="store_true")
    show.set_defaults(handler=_show)
    actions.add_parser(
        "found", help="(a manager) found the team's roster with your key"
    ).set_defaults(handler=_found)
    invite = actions.add_parser("invite", help="(a manager) an invitation file for a new member")
    invite.add_argument("--name", required=True)
    invite.add_argument("--role", default="rep", help="rep, trainer or manager")
    invite.add_argument("--to", default=None, metavar="FILE", help="where to write it")
    invite.set_defaults(handler=_invite)
    join = actions.add_parser("join", help="join the team with the invitation you were given")
    join.add_argument("invitation", metavar="FILE")
    join.add_argument(
        "--remote", default=None, help="where the team meets, if not where the invitation says"
    )
    join.set_defaults(handler=_join)
    actions.add_parser("ask", help="ask a manager to add your key to the roster").set_defaults(
        handler=_ask
    )
    approve = actions.add_parser("approve", help="(a manager) approve a request to join")
    approve.add_argument("who", metavar="NAME|ID")
    approve.set_defaults(handler=_approve)
    revoke = actions.add_parser(
        "revoke", help="(a manager) a lost laptop: nothing signed with its key counts from now"
    )
    revoke.add_argument("who", metavar="NAME|ID")
    revoke.set_defaults(handler=_revoke)
    role = actions.add_parser("role", help="(a manager) change someone's role in the roster")
    role.add_argument("who", metavar="NAME|ID")
    role.add_argument("--role", required=True, help="rep, trainer or manager")
    role.set_defaults(handler=_role)


def _show(ctx: AppContext, args) -> int:
    with ctx.db.session() as s:
        code = roster.team_code(s)
        members = roster.members(s)
        waiting = roster.waiting_requests(s)
        requests = [
            {"name": r.name, "role": r.role.value, "fingerprint": roster.short(r.public_key)}
            for r in waiting
        ]
    if args.json:
        print_json(
            {"team_code": code, "members": [m.as_dict() for m in members], "waiting": requests}
        )
        return 0
    if code is None:
        print("This team has no roster yet: a manager founds it with: crosscoach team found")
        return 0
    print(f"Team code: {code}  (compare it with your manager's, in person)")
    rows = [
        (
            m.name,
            m.role,
            m.fingerprint,
            "revoked" if m.revoked_at else "removed" if m.removed else "",
        )
        for m in members
    ]
    print_table(["Name", "Role", "Key", ""], rows)
    for r in requests:
        print(f"Waiting to join: {r['name']} ({r['role']}), key {r['fingerprint']}")
    return 0


def _acting_keys(ctx: AppContext):
    profile = ctx.profile()
    return profile, ctx.signer()


def _found(ctx: AppContext, args) -> int:
    profile, keys = _acting_keys(ctx)
    with ctx.session() as s:
        roster.found(s, profile, keys)
        code = roster.team_code(s)
    print(f"The team's roster is founded. Team code: {code}")
    print("Everyone compares this code in person; sync to send the roster to the team.")
    return 0


def _invite(ctx: AppContext, args) -> int:
    profile, _ = _acting_keys(ctx)
    with ctx.session() as s:
        invitation = roster.invite(
            s, profile, ctx.settings.get("remote"), args.name, parse_role(args.role)
        )
    target = Path(args.to or f"{args.name.strip().replace(' ', '-').lower()}.crosscoach-invite")
    roster.write_invitation(invitation, target)
    print(f"Wrote the invitation for {invitation.name} to {target}.")
    print("Hand it over (USB stick, e-mail); when they have joined, approve them with: "
          f"crosscoach team approve \"{invitation.name}\"")  # fmt: skip
    return 0


def _join(ctx: AppContext, args) -> int:
    from app.sync.onboarding import accept_invitation, ask_to_join_after

    invitation = roster.read_invitation(Path(args.invitation))
    me = accept_invitation(ctx, invitation, args.remote)
    ctx.confirm(me)  # their key, with a passphrase for a trainer or manager
    ctx.use_profile(me)
    ask_to_join_after(ctx, me)
    _sync(ctx)
    with ctx.db.session() as s:
        code = roster.team_code(s)
    print(f"You joined as {me.name} ({me.role.value}). Team code: {code}")
    print("Compare the code with your manager's; your work counts for the team once they "
          "approve you.")  # fmt: skip
    return 0


def _ask(ctx: AppContext, args) -> int:
    profile, keys = _acting_keys(ctx)
    with ctx.session() as s:
        roster.ask_to_join(s, profile, keys)
    _sync(ctx)
    print("Your request to join is sent; a manager approves it.")
    return 0


def _approve(ctx: AppContext, args) -> int:
    profile, keys = _acting_keys(ctx)
    with ctx.session() as s:
        entry = roster.approve(s, profile, keys, args.who)
        print(f"{entry.name} is in the team's roster ({entry.role.value}), key "
              f"{roster.short(entry.public_key)}; sync to send it.")  # fmt: skip
    return 0


def _revoke(ctx: AppContext, args) -> int:
    profile, keys = _acting_keys(ctx)
    with ctx.session() as s:
        count = roster.revoke(s, profile, keys, args.who, ctx.db.clock.tick())
        name = find_profile(s, args.who).name
    print(f"Revoked {count} key(s) of {name}: nothing signed with them from now on counts. "
          "Sync to tell the team.")  # fmt: skip
    return 0


def _role(ctx: AppContext, args) -> int:
    profile, keys = _acting_keys(ctx)
    with ctx.session() as s:
        roster.set_role(s, profile, keys, args.who, parse_role(args.role))
    print("The role is changed in the roster; sync to tell the team.")
    return 0


def _sync(ctx: AppContext) -> None:
    """Sync now if the device is connected (joining and asking should reach the team)."""
    from app.sync.service import SyncService

    if not ctx.settings.get("remote"):
        return
    try:
        SyncService(ctx.db, ctx.settings, keys_for=ctx.keys_for).sync()
    except UserError as err:
        print(f"Not sent yet: {err.message} {err.hint}", file=sys.stderr)
