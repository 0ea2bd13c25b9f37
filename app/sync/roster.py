"""The team roster: whose signatures the team trusts, with which role, from when.

A manager **founds** the roster with an entry for themselves, signed with their
own key: that key is the team's root of trust, and its fingerprint is the
team's code, compared in person. From then on every change must come in a
batch signed by the person who made it (app/sync/signing.py), with a key the
roster holds for them, valid at the change's version (``valid_from``, and
before ``revoked_at``), and the rules take people's roles from the roster.
Roster entries themselves are signed by a manager who was one, with a valid
key, at the entry's version. Changes from before the founding are judged as
they always were. Every device judges the same entries alike, whatever order
they arrive in (app/sync/merge.py runs this before anything else).

New members ask to join (a join request, signed with the key it names); a
manager approves it by adding an entry. An invitation (a small file) tells a
new member where the team meets and the team's code, so their device trusts
the right roster from the start.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.core.errors import NotFound, PermissionDenied, UserError
from app.core.files import write_atomically
from app.core.ids import natural_id, new_id
from app.core.models import JoinRequest, LocalState, Person, Role, RosterEntry
from app.core.profiles import Profile, find_profile
from app.identity.keys import Keys
from app.sync.permissions import ACCEPT, Roles, Verdict, refuse, wait
from app.sync.signing import short

# Every version a key may sign from, when a manager adds it: the person's own
# changes from before their approval count too (made with that key, as them).
FROM_THE_START = "0000000000000.00000.0"
TEAM_ROOT = "team:root"  # local_state: the founder's public key this device trusts
INVITE_FORMAT = "crosscoach-invitation"


@dataclass
class Roster:
    """The roster as this device accepted it (built by :func:`judge_roster`)."""

    founded_at: str | None = None  # the founding entry's version
    founder: str | None = None
    root: str | None = None  # the founder's public key (hex)
    keys: dict[tuple[str, str], dict] = field(default_factory=dict)  # (person, key) -> entry
    roles: Roles = field(default_factory=Roles)  # for judging changes (from valid_from)

    def active(self, version: str) -> bool:
        """Must a change with this version be signed?"""
        return self.founded_at is not None and version > self.founded_at

    def key_verdict(self, person: str, key: str, version: str) -> Verdict:
        entry = self.keys.get((person, key))
        if entry is None:
            return wait("its signature is by a key no manager has added to the team yet")
        if entry["deleted"]:
            return refuse("it is signed with a key removed from the team")
        if version < entry["valid_from"]:
            return refuse("it was signed before the key was valid")
        if entry["revoked_at"] and version >= entry["revoked_at"]:
            return refuse("it is signed with a key that was revoked before it was made")
        return ACCEPT


def judge_roster(entries: list, pinned_root: str | None, set_verdict) -> Roster:
    """Judge every roster entry, oldest first; returns what the team trusts.

    ``entries``: the log's roster versions (objects with ``.change``, ``.version``,
    ``.verdict``), oldest first; ``set_verdict(entry, verdict, reason)`` records each.
    """
    roster = Roster()
    authority = Roles()  # roles as of each entry's own version: who may sign entries
    first_seen: dict[tuple[str, str], str] = {}
    timeline: list[tuple[str, str, str | None]] = []  # (person, effective, role)
    for e in entries:
        data = e.change["data"]
        person, key = data["person_id"], data["public_key"]
        verdict = _judge_entry(e.change, roster, authority, pinned_root)
        if not verdict.ok:
            set_verdict(e, "held" if verdict.wait else "refused", verdict.reason)
            continue
        set_verdict(e, "accepted", "")
        if roster.founded_at is None:
            roster.founded_at, roster.founder, roster.root = e.version, person, key
        role = None if data["deleted"] else data["role"]
        roster.keys[(person, key)] = data
        authority.add(person, e.version, role)
        effective = e.version if (person, key) in first_seen else data["valid_from"]
        first_seen.setdefault((person, key), e.version)
        timeline.append((person, effective, role))
    for person, effective, role in sorted(timeline, key=lambda t: (t[0], t[1])):
        roster.roles.add(person, effective, role)
    return roster


def _judge_entry(change: dict, roster: Roster, authority: Roles, pinned: str | None) -> Verdict:
    data, signed = change["data"], change.get("signed")
    if not signed:
        return refuse("a roster entry must be signed by a manager")
    if signed["by"] != data.get("edited_by"):
        return refuse("it is signed by someone else than the person who made it")
    if roster.founded_at is None:
        founding = (
            signed["by"] == data["person_id"]
            and signed["key"] == data["public_key"]
            and data["role"] == "manager"
            and not data["deleted"]
        )
        if not founding:
            return wait("the team's roster is not founded yet")
        if pinned is not None and pinned != data["public_key"]:
            return refuse("it founds a roster with another team code than this team's")
        return ACCEPT
    if authority.at(signed["by"], change["version"]) != "manager":
        if signed["by"] == data["person_id"] and data["role"] == "manager":
            return refuse("the team's roster was already founded")
        return refuse("only managers add people to the team's roster")
    signer_key = roster.keys.get((signed["by"], signed["key"]))
    if (
        signer_key is None
        or signer_key["deleted"]
        or (signer_key["revoked_at"] and change["version"] >= signer_key["revoked_at"])
    ):
        return refuse("it is signed with a key the team's roster does not trust")
    return ACCEPT


def judge_join_request(change: dict) -> Verdict:
    """A join request is signed with the very key it asks the team to trust."""
    data, signed = change["data"], change.get("signed")
    if not signed:
        return refuse("a request to join must be signed")
    if not (signed["by"] == data["person_id"] == data.get("edited_by")):
        return refuse("a request to join is made by the person who asks")
    if signed["key"] != data["public_key"]:
        return refuse("a request to join is signed with the key it names")
    return ACCEPT


# -- this device's view ---------------------------------------------------------------------


def pinned_root(s: Session) -> str | None:
    row = s.get(LocalState, TEAM_ROOT)
    return row.value if row else None


def pin_root(s: Session, public_key: str) -> None:
    s.merge(LocalState(key=TEAM_ROOT, value=public_key))


def unpin_root(s: Session) -> None:
    row = s.get(LocalState, TEAM_ROOT)
    if row is not None:
        s.delete(row)


def current(s: Session) -> Roster:
    """The roster this device holds now (entries as they are, for showing and checks)."""
    roster = Roster()
    entries = sorted(s.scalars(select(RosterEntry)), key=lambda r: r.version)
    for e in entries:
        if roster.founded_at is None and e.person_id == e.edited_by and e.role is Role.MANAGER:
            roster.founded_at, roster.founder, roster.root = e.version, e.person_id, e.public_key
        roster.keys[(e.person_id, e.public_key)] = {
            "deleted": e.deleted,
            "valid_from": e.valid_from,
            "revoked_at": e.revoked_at,
            "role": e.role.value,
            "name": e.name,
        }
    return roster


def team_code(s: Session) -> str | None:
    """The team's code: the fingerprint of the founder's key, to compare in person."""
    root = pinned_root(s) or current(s).root
    return short(root) if root else None


@dataclass(frozen=True)
class Member:
    person_id: str
    name: str
    role: str
    fingerprint: str
    revoked_at: str | None
    removed: bool

    def as_dict(self) -> dict:
        return {
            "person_id": self.person_id,
            "name": self.name,
            "role": self.role,
            "fingerprint": self.fingerprint,
            "revoked_at": self.revoked_at,
            "removed": self.removed,
        }


def members(s: Session) -> list[Member]:
    found = [
        Member(e.person_id, e.name, e.role.value, short(e.public_key), e.revoked_at, e.deleted)
        for e in s.scalars(select(RosterEntry))
    ]
    return sorted(found, key=lambda m: (m.name.lower(), m.fingerprint))


def waiting_requests(s: Session) -> list[JoinRequest]:
    """Join requests no roster entry answers yet."""
    have = {(e.person_id, e.public_key) for e in s.scalars(select(RosterEntry))}
    requests = s.scalars(select(JoinRequest).where(JoinRequest.deleted.is_(False)))
    return [r for r in requests if (r.person_id, r.public_key) not in have]


# -- what managers and members do -------------------------------------------------------------


def _require_manager(actor: Profile, keys: Keys | None, action: str) -> Keys:
    if actor.role is not Role.MANAGER:
        raise PermissionDenied(
            f"Only managers can {action}; {actor.name} is a {actor.role.value}.",
            "Ask a manager of your team.",
        )
    if keys is None:
        raise UserError(
            f"{actor.name}'s key is not on this computer, so nothing can be signed here.",
            "Use the computer where your profile was made, or import your key first.",
        )
    return keys


def found(s: Session, actor: Profile, keys: Keys | None) -> RosterEntry:
    """Found the team's roster with the acting manager's own key."""
    keys = _require_manager(actor, keys, "found the team's roster")
    if s.scalar(select(RosterEntry.id).limit(1)) is not None:
        raise UserError(
            "This team already has a roster.",
            "Compare the team code with your manager's; ask them to add you if you are missing.",
        )
    public = keys.public_bytes().hex()
    entry = _entry(actor.id, actor.name, Role.MANAGER, public)
    s.add(entry)
    pin_root(s, public)
    s.flush()
    return entry


def add_member(
    s: Session, actor: Profile, keys: Keys | None, person_id: str, name: str, role: Role,
    public_key: str,
) -> RosterEntry:  # fmt: skip
    """A manager adds (or approves) a person's key, with a role."""
    _require_manager(actor, keys, "add people to the team's roster")
    entry = s.get(RosterEntry, natural_id("roster", person_id, public_key))
    if entry is None:
        entry = _entry(person_id, name, role, public_key)
        s.add(entry)
    else:
        entry.role, entry.name, entry.deleted = role, name, False
    s.flush()
    return entry


def approve(s: Session, actor: Profile, keys: Keys | None, person: str) -> RosterEntry:
    """Approve the waiting join request of a person (by name or id)."""
    _require_manager(actor, keys, "approve people joining the team")
    for request in waiting_requests(s):
        if person in (request.person_id, request.name) or request.name.lower() == person.lower():
            return add_member(
                s, actor, keys, request.person_id, request.name, request.role, request.public_key
            )
    raise NotFound(
        f"Nobody called '{person}' is waiting to join.",
        "They ask to join from their own computer; sync, then look again.",
    )


def revoke(s: Session, actor: Profile, keys: Keys | None, person_ref: str, at: str) -> int:
    """Revoke every key of a person from version ``at`` on; returns how many."""
    _require_manager(actor, keys, "revoke keys")
    target = find_profile(s, person_ref)
    entries = [
        e
        for e in s.scalars(select(RosterEntry).where(RosterEntry.person_id == target.id))
        if not e.revoked_at
    ]
    for e in entries:
        e.revoked_at = at
    s.flush()
    return len(entries)


def replace_key(
    s: Session, actor: Profile, keys: Keys | None, person: Profile, new_public: str, at: str
) -> RosterEntry | None:
    """A manager set a new passphrase for someone, which made them a new key: from
    version ``at`` on the roster no longer trusts their old keys, and trusts the new
    one. Nothing to do before the team founds its roster."""
    if s.scalar(select(RosterEntry.id).limit(1)) is None:
        return None
    _require_manager(actor, keys, "give someone a new key")
    for e in s.scalars(select(RosterEntry).where(RosterEntry.person_id == person.id)):
        if e.public_key != new_public and not e.revoked_at:
            e.revoked_at = at
    return add_member(s, actor, keys, person.id, person.name, person.role, new_public)


def set_role(s: Session, actor: Profile, keys: Keys | None, person_ref: str, role: Role) -> int:
    _require_manager(actor, keys, "change roles")
    target = find_profile(s, person_ref)
    entries = list(s.scalars(select(RosterEntry).where(RosterEntry.person_id == target.id)))
    for e in entries:
        e.role = role
    person = s.get(Person, target.id)
    if person is not None:
        person.role = role
    s.flush()
    return len(entries)


def ask_to_join(s: Session, actor: Profile, keys: Keys | None, note: str = "") -> JoinRequest:
    """The acting person asks a manager to add their key to the roster."""
    if keys is None:
        raise UserError(
            f"{actor.name} has no key on this computer yet.",
            "Set up your profile's protection first, then ask again.",
        )
    public = keys.public_bytes().hex()
    request = s.get(JoinRequest, natural_id("join_requests", actor.id, public))
    if request is None:
        request = JoinRequest(
            id=natural_id("join_requests", actor.id, public),
            person_id=actor.id,
            name=actor.name,
            role=actor.role,
            public_key=public,
            note=note,
            author_id=actor.id,
        )
        s.add(request)
    s.flush()
    return request


def _entry(person_id: str, name: str, role: Role, public_key: str) -> RosterEntry:
    return RosterEntry(
        id=natural_id("roster", person_id, public_key),
        person_id=person_id,
        name=name,
        role=role,
        public_key=public_key,
        valid_from=FROM_THE_START,
    )


# -- invitations -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Invitation:
    """Where the team meets, its code, and who is invited (a new person's own id)."""

    remote: str
    root: str
    person_id: str
    name: str
    role: Role
    invited_by: str

    def as_json(self) -> dict:
        return {
            "format": INVITE_FORMAT,
            "remote": self.remote,
            "team_key": self.root,
            "person_id": self.person_id,
            "name": self.name,
            "role": self.role.value,
            "invited_by": self.invited_by,
        }


def invite(s: Session, actor: Profile, remote: str | None, name: str, role: Role) -> Invitation:
    """An invitation for a new member (a file the manager hands over)."""
    if actor.role is not Role.MANAGER:
        raise PermissionDenied(
            f"Only managers can invite people; {actor.name} is a {actor.role.value}.",
            "Ask a manager of your team.",
        )
    root = pinned_root(s) or current(s).root
    if root is None:
        raise UserError(
            "This team has no roster yet, so there is no team code to invite people to.",
            "Found the team's roster first.",
        )
    if not remote:
        raise UserError(
            "This computer is not connected to the team's shared folder.",
            "Connect it in Settings, then invite.",
        )
    if not remote.startswith("folder:"):
        raise UserError(
            "In a team database, people join with the login you give them, not with an invitation.",
            "Add them as team members; when they ask to join from their computer, approve "
            "them in the roster.",
        )
    name = name.strip()
    if not name:
        raise UserError("An invitation needs the person's name.", "Type their name.")
    return Invitation(remote, root, new_id(), name, role, actor.name)


def write_invitation(invitation: Invitation, target: Path) -> Path:
    write_atomically(Path(target), json.dumps(invitation.as_json(), indent=2).encode("utf-8"))
    return Path(target)


def read_invitation(path: Path) -> Invitation:
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
        if data.get("format") != INVITE_FORMAT:
            raise ValueError("not an invitation")
        invitation = Invitation(
            str(data["remote"]),
            str(data["team_key"]),
            str(data["person_id"]),
            str(data["name"]),
            Role(data["role"]),
            str(data.get("invited_by", "")),
        )
        bytes.fromhex(invitation.root)
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise UserError(
            f"{path} is not a CrossCoach invitation, or it is damaged.",
            "Ask your manager for the invitation file again.",
        ) from exc
    return invitation
