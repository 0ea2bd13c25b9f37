"""Connecting a device to its team, and joining a team for the first time.

``connect`` is what "choose a remote" means everywhere (the command line, the
Settings page, the first start): check the remote answers, keep a database
password in the keyring (never in settings), remember the remote.

``join_team`` is the first start of a new team member: connect, fetch the
team's records (people, scenarios, assignments; recordings follow with the
next sync), and say who the person may be. In database mode the login already
names its profile (the manager added it, ``crosscoach remote add-member``); on
a shared folder the person picks themselves from the team, or is new.

``accept_invitation`` is joining with the invitation file a manager handed over
(app.sync.roster): this device trusts that team's code before anything arrives,
joins where the team meets, and makes the invited person's profile. The person
then confirms themself (their key, with a passphrase for a trainer or manager)
and asks to join the roster (:func:`ask_to_join_after`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from app.core.errors import UserError
from app.core.models import Person
from app.core.profiles import Profile, create_profile, find_profile, list_profiles, to_profile
from app.core.settings import Settings
from app.sync import roster
from app.sync.credentials import store_password, with_password, without_password
from app.sync.remote import open_remote
from app.sync.service import ProgressCallback, SyncService

if TYPE_CHECKING:
    from app.identity.context import AppContext


@dataclass(frozen=True)
class Connected:
    spec: str  # the remote as settings keep it: never a password
    password_kept: bool | None = None  # None: no password given; False: no keyring here


@dataclass(frozen=True)
class Team:
    """What a new member sees after joining: the team's people, and who they are."""

    spec: str
    people: list[Profile] = field(default_factory=list)
    me: Profile | None = None  # database mode: the profile the login acts as
    database: bool = False


def connect(
    settings: Settings | None, spec: str, password: str | None = None, create_folder: bool = False
) -> Connected:
    """Check the remote answers (reachable, readable, not newer), then remember it in
    ``settings`` (the GUI, working in a thread, passes None and remembers it itself).

    A shared folder that does not exist is refused (it usually means the drive is not
    connected), unless ``create_folder`` says to make it (setting up a new share).
    """
    spec = (spec or "").strip()
    if spec.startswith("postgres"):
        spec, in_url = without_password(spec)  # a password in the URL never reaches settings
        password = password or in_url
    elif spec.startswith("folder:"):
        folder = Path(spec[len("folder:") :]).expanduser().resolve()
        try:
            if create_folder:
                folder.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise UserError(
                f"CrossCoach cannot create the shared folder {folder} ({exc.strerror}).",
                "Check the path and that the drive is connected.",
            ) from exc
        spec = f"folder:{folder}"
    remote = open_remote(with_password(spec, password))
    try:
        remote.open()
    finally:
        remote.close()
    kept = store_password(spec, password) if password else None
    if settings is not None:
        settings.set("remote", spec)
    return Connected(spec, kept)


def join_team(
    ctx: AppContext,
    spec: str,
    password: str | None = None,
    progress: ProgressCallback | None = None,
) -> tuple[Connected, Team]:
    """Connect to the team's remote and fetch its records; returns who is in the team."""
    me_id = None
    if spec.strip().startswith("postgres"):
        me_id = _login_profile(spec, password)
    connected = connect(ctx.settings, spec, password)
    SyncService(ctx.db, ctx.settings, keys_for=ctx.keys_for).sync(progress, recordings=False)
    with ctx.db.session() as s:
        people = list_profiles(s)
        me = find_profile(s, me_id) if me_id and any(p.id == me_id for p in people) else None
    if me_id and me is None:
        raise UserError(
            "Your profile is not in the team database yet.",
            "Ask your manager to sync after adding you, then try again.",
        )
    return connected, Team(connected.spec, people, me, database=me_id is not None)


def _login_profile(spec: str, password: str | None) -> str:
    """The profile a database login acts as; a plain refusal if it acts as no one."""
    url, in_url = without_password(spec.strip())
    remote = open_remote(with_password(url, password or in_url))
    try:
        remote.open()
        me = remote.me()
    finally:
        remote.close()
    if me is None:
        raise UserError(
            "This login is not a member of the team yet.",
            "Ask your manager to add you to the team database, then try again.",
        )
    return me


def accept_invitation(
    ctx: AppContext,
    invitation: roster.Invitation,
    remote: str | None = None,
    password: str | None = None,
    progress: ProgressCallback | None = None,
) -> Profile:
    """Join the team an invitation names (at ``remote`` when it meets somewhere else now)
    and make the invited person's profile; returns it. Running it again after a failure
    goes on where it stopped (the same profile, the same team)."""
    with ctx.db.session() as s:
        pinned = roster.pinned_root(s)
        if pinned is not None and pinned != invitation.root:
            raise UserError(
                "This computer already belongs to a team with another team code.",
                "Use a data folder of its own for this team.",
            )
        roster.pin_root(s, invitation.root)  # before anything arrives: trust this team only
    try:
        join_team(ctx, remote or invitation.remote, password, progress)
    except BaseException:
        if pinned is None:  # a wrong folder or a damaged share: another invitation may follow
            with ctx.db.session() as s:
                roster.unpin_root(s)
        raise
    with ctx.db.session() as s:  # made by the new member themself
        person = s.get(Person, invitation.person_id)
        if person is not None and not person.deleted:
            return to_profile(person)
        return create_profile(s, invitation.name, invitation.role, person_id=invitation.person_id)


def ask_to_join_after(ctx: AppContext, me: Profile) -> None:
    """The person confirmed themself: ask a manager to add their key to the roster."""
    with ctx.session() as s:
        roster.ask_to_join(s, me, ctx.signer())
