"""What acting as a person on this device asks for, and doing it.

The rules (README "Protected profiles and keys", docs/sync.md "Trust model"):

- Trainers and managers always have a passphrase; reps may have a PIN. Acting as
  someone whose key here is protected needs that passphrase or PIN.
- A person without a key on this device gets one the first time they act here:
  a rep at once (no PIN: nothing is asked); a trainer or manager by choosing their
  passphrase — but only on the computer where their profile was made (or when the
  team database's login vouched for them while joining). A trainer or manager whose
  profile came from another computer must bring their key from there (export it
  there, import it here), or have a manager set a new passphrase here, which makes
  a new key: otherwise anyone at a shared computer could "set" a trainer's
  passphrase and act as them. Once the team's roster holds a key for them, nobody
  makes them a first key by choosing a passphrase, not even where their profile
  was made: they bring the key the team knows (:func:`published_keys`).
- An imported key file is not signed by anyone this device trusts: when the roster
  holds keys for its person, only one of those is taken.
- A forgotten passphrase is replaced by a manager, who proves who they are with
  their own: the old private key was encrypted with the forgotten one, so the
  person gets a NEW key pair (:func:`reset_secret`).

Everything here is plain Python: the CLI and the GUI ask for the secret their own
way and hand it in.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select

from app.core.db import Database
from app.core.errors import PermissionDenied, UserError
from app.core.models import Person, Role, RosterEntry, SyncLogEntry
from app.core.paths import DataPaths
from app.core.profiles import Profile
from app.identity import vault
from app.identity.keys import Keys
from app.identity.vault import PASSPHRASE, PIN, KeyFile, NoKey, WrongSecret

MIN_PASSPHRASE = 8
MIN_PIN = 4
MAX_SECRET = 1024


class Step(enum.StrEnum):
    NOTHING = "nothing"  # a rep without a PIN: a key is made here if there is none
    UNLOCK = "unlock"  # their key is here, protected: type the passphrase (or PIN)
    SET = "set"  # no key here yet and they may make one: choose a passphrase now
    ELSEWHERE = "elsewhere"  # no key here, profile made on another computer: bring the key


@dataclass(frozen=True)
class Need:
    """What acting as ``profile`` on this device asks of the person at the keyboard."""

    profile: Profile
    step: Step
    word: str  # "passphrase" or "PIN"
    in_roster: bool = False  # ELSEWHERE: the team's roster holds their key

    @property
    def asks(self) -> bool:
        return self.step in (Step.UNLOCK, Step.SET)

    def question(self) -> str:
        """One sentence for a prompt."""
        name = self.profile.name
        if self.step is Step.UNLOCK:
            return f"Type {name}'s {self.word} to continue as {name}."
        if self.step is Step.SET:
            return (
                f"{name} has no {self.word} on this computer yet. Choose one: it protects "
                f"{name}'s key, and CrossCoach asks for it each time someone acts as {name}."
            )
        if self.step is Step.ELSEWHERE:
            return KeyElsewhere(self.profile, self.in_roster).message
        return ""


class KeyElsewhere(NoKey):
    """A trainer or manager whose key is on another computer."""

    def __init__(self, profile: Profile, in_roster: bool = False):
        super().__init__(
            f"{profile.name}'s key is not on this computer; the team's roster holds the key "
            f"{profile.name} uses on another one."
            if in_roster
            else f"{profile.name}'s key is not on this computer, because their profile was "
            "made on another one.",
            f"Export the key on {profile.name}'s own computer and import it here, or ask a "
            f"manager to set a new passphrase for {profile.name} on this computer.",
        )
        self.cli_hint = (
            f"On {profile.name}'s own computer run: crosscoach key export --to FILE; then "
            f"here: crosscoach key import FILE. Or a manager runs here: crosscoach profile "
            f'reset-passphrase "{profile.name}".'
        )


def secret_word(role: Role) -> str:
    return PASSPHRASE if role.reviews else PIN


def check_new_secret(role: Role, secret: str | None, again: str | None = None) -> None:
    """A passphrase (trainers, managers) or PIN (reps) someone chose: fine, or a UserError
    in plain words. ``again`` is the second typing, when the form has one."""
    word = secret_word(role)
    shortest = MIN_PASSPHRASE if role.reviews else MIN_PIN
    if not secret:
        raise UserError(
            f"A {role.value} needs a {word}.",
            f"Choose one of at least {shortest} characters.",
        )
    if len(secret) < shortest:
        raise UserError(
            f"A {word} needs at least {shortest} characters.",
            "Choose a longer one: a few words you remember make a good passphrase."
            if role.reviews
            else f"Choose one of at least {shortest} characters.",
        )
    if len(secret) > MAX_SECRET:
        raise UserError(f"That {word} is too long.", f"Choose one under {MAX_SECRET} characters.")
    if again is not None and again != secret:
        raise UserError(f"The two {word}s are not the same.", f"Type the same {word} twice.")


def made_here(db: Database, person_id: str) -> bool:
    """Was this person's profile made on this device?

    The earliest version of their record that sync logged names the device that
    published it; a record that never synced was made here if this device stamped it.
    """
    with db.session() as s:
        first = s.scalar(
            select(SyncLogEntry.device_id)
            .where(SyncLogEntry.table_name == "people", SyncLogEntry.record_id == person_id)
            .order_by(SyncLogEntry.version)
            .limit(1)
        )
        if first is None:
            first = s.scalar(select(Person.device_id).where(Person.id == person_id))
    return first == db.device_id


def published_keys(db: Database, person_id: str) -> set[bytes]:
    """The public keys the team's roster trusts for this person now (none before the
    team founds its roster, or before a manager adds them)."""
    with db.session() as s:
        rows = s.scalars(
            select(RosterEntry.public_key).where(
                RosterEntry.person_id == person_id,
                RosterEntry.deleted.is_(False),
                RosterEntry.revoked_at.is_(None),
            )
        )
        return {bytes.fromhex(key) for key in rows}


def need(paths: DataPaths, db: Database, profile: Profile, *, proven: bool = False) -> Need:
    """What acting as ``profile`` here asks for. ``proven``: the team database's login
    named this person in this session (they joined with it)."""
    if vault.has_key(paths, profile.id):
        try:
            word = vault.secret_word(paths, profile.id)
        except vault.KeyProblem:  # a damaged file: a rep gets a new key, others are told
            if profile.role.reviews:
                raise
            word = None
        if word is not None:
            return Need(profile, Step.UNLOCK, word)
        return Need(profile, Step.NOTHING, PIN)
    if not profile.role.reviews:
        return Need(profile, Step.NOTHING, PIN)
    if published_keys(db, profile.id):
        return Need(profile, Step.ELSEWHERE, PASSPHRASE, in_roster=True)
    if proven or made_here(db, profile.id):
        return Need(profile, Step.SET, PASSPHRASE)
    return Need(profile, Step.ELSEWHERE, PASSPHRASE)


def act_as(
    paths: DataPaths,
    db: Database,
    profile: Profile,
    secret: str | None = None,
    *,
    proven: bool = False,
) -> Keys:
    """Check ``secret`` and open ``profile``'s keys — making their first key here when the
    rules allow it (:func:`need`). Raises a UserError in plain words otherwise.

    For a rep with no key here, a ``secret`` is their new PIN (a profile just made).
    """
    wanted = need(paths, db, profile, proven=proven)
    if wanted.step is Step.UNLOCK:
        try:
            return vault.unlock(paths, profile.id, secret)
        except WrongSecret:
            raise WrongSecret(
                f"That is not {profile.name}'s {wanted.word}."
                if secret
                else f"Acting as {profile.name} needs their {wanted.word}.",
                f"Type it again. A forgotten {wanted.word} can be replaced by a manager."
                if secret
                else f"Type {profile.name}'s {wanted.word}.",
            ) from None
    if wanted.step is Step.ELSEWHERE:
        raise KeyElsewhere(profile, wanted.in_roster)
    if wanted.step is Step.SET:
        check_new_secret(profile.role, secret)
        return vault.create_key(paths, profile.id, secret, word=PASSPHRASE)
    # A rep who needs nothing: their key, made now if there is none (or none usable).
    if vault.has_key(paths, profile.id):
        try:
            return vault.unlock(paths, profile.id, None)
        except vault.KeyProblem:  # the keyring lost it, or the file is damaged
            return vault.reset_key(paths, profile.id, None, word=PIN)
    if secret:
        check_new_secret(profile.role, secret)
    return vault.create_key(paths, profile.id, secret or None, word=PIN)


def locks(paths: DataPaths, profile: Profile | None) -> bool:
    """Does the app lock when this person leaves it idle? (When acting as them asks.)"""
    if profile is None:
        return False
    try:
        return profile.role.reviews or vault.is_protected(paths, profile.id)
    except vault.KeyProblem:
        return profile.role.reviews


def change_secret(
    paths: DataPaths,
    profile: Profile,
    old_secret: str | None,
    new_secret: str | None,
    again: str | None = None,
) -> Keys:
    """The same key kept with a new passphrase (or a rep's new PIN; ``new_secret`` None
    removes a rep's PIN). The current one is checked first."""
    word = secret_word(profile.role)
    try:
        vault.unlock(paths, profile.id, old_secret)
    except WrongSecret:
        current = vault.secret_word(paths, profile.id) or word
        raise WrongSecret(
            f"That is not {profile.name}'s current {current}.",
            f"Type the {current} you use now. A forgotten one can be replaced by a manager.",
        ) from None
    if profile.role.reviews or new_secret:
        check_new_secret(profile.role, new_secret, again)
    return vault.change_secret(paths, profile.id, old_secret, new_secret or None, word=word)


def reset_secret(
    paths: DataPaths,
    manager: Profile,
    manager_keys: Keys | None,
    person: Profile,
    new_secret: str | None,
    again: str | None = None,
) -> Keys:
    """A manager replaces ``person``'s forgotten passphrase (or PIN): a NEW key pair,
    kept with ``new_secret``; the old key is gone from this device.

    ``manager_keys`` are the manager's own keys, unlocked with their passphrase in
    this session: that is how the manager proves who they are.
    """
    check_may_reset(paths, manager, manager_keys, person)
    if person.role.reviews or new_secret:
        check_new_secret(person.role, new_secret, again)
    return vault.reset_key(paths, person.id, new_secret or None, word=secret_word(person.role))


def check_may_reset(
    paths: DataPaths, manager: Profile, manager_keys: Keys | None, person: Profile
) -> None:
    """May ``manager`` (with these unlocked keys) reset ``person``'s passphrase? A UserError
    in plain words if not."""
    if manager.role is not Role.MANAGER:
        raise PermissionDenied(
            f"Only a manager can set a new passphrase for someone; {manager.name} is a "
            f"{manager.role.value}.",
            "Ask a manager to do it on this computer.",
        )
    if manager_keys is None or vault.public_key(paths, manager.id) != manager_keys.public_bytes():
        raise PermissionDenied(
            f"{manager.name}'s own key must be unlocked on this computer first.",
            f"Type {manager.name}'s passphrase, then try again.",
        )
    if person.id == manager.id:
        raise UserError(
            "A manager cannot reset their own passphrase.",
            "Change it instead (you know the current one), or ask another manager.",
        )


def export_key(
    paths: DataPaths,
    profile: Profile,
    secret: str | None,
    target: Path,
    file_secret: str | None = None,
    again: str | None = None,
) -> Path:
    """Write ``profile``'s key to a file for their other computer.

    A protected key's file is protected with the same passphrase (or PIN); a rep
    without a PIN chooses a passphrase for the file (``file_secret``).
    """
    protected = vault.is_protected(paths, profile.id)
    if not protected:
        check_new_secret(Role.TRAINER, file_secret, again)  # a passphrase, as long as theirs
    try:
        return vault.export_key(
            paths,
            profile.id,
            secret,
            target,
            file_secret=None if protected else file_secret,
            name=profile.name,
            role=profile.role.value,
        )
    except WrongSecret:
        word = vault.secret_word(paths, profile.id) or PASSPHRASE
        raise WrongSecret(f"That is not {profile.name}'s {word}.", "Type it again.") from None


def import_key(
    paths: DataPaths,
    db: Database,
    profile: Profile,
    key_file: KeyFile,
    file_secret: str,
    current_secret: str | None = None,
) -> Keys:
    """Take the key in ``key_file`` as ``profile``'s key here. It is kept with the same
    passphrase (or PIN) that protects the file, except a rep's key that had no PIN on
    the other computer, which goes to the keyring here too.

    Replacing a *different* key already here needs that key's passphrase or PIN
    (``current_secret``; the file's is tried first): a file anyone could have made
    must not take over someone's key. Forgotten: a manager resets it. When the team's
    roster holds keys for the person, the file's must be one of them.
    """
    if key_file.person_id != profile.id:
        raise UserError(
            f"This key file is {key_file.name or 'someone else'}'s, not {profile.name}'s.",
            "Choose the file exported for this person.",
        )
    vault.open_key_file(key_file, file_secret)  # a wrong file passphrase is said first
    known = published_keys(db, profile.id)
    if known and key_file.public not in known:
        raise UserError(
            f"This is not the key the team's roster holds for {profile.name}, so it cannot "
            "sign for them.",
            f"Export the key from the computer {profile.name} uses for the team, or ask a "
            f"manager to set a new passphrase for {profile.name} here.",
        )
    different = vault.has_key(paths, profile.id) and (
        vault.public_key(paths, profile.id) != key_file.public
    )
    if different and vault.is_protected(paths, profile.id):
        word = vault.secret_word(paths, profile.id) or PASSPHRASE
        for attempt in (file_secret, current_secret):
            try:
                vault.unlock(paths, profile.id, attempt)
                break
            except WrongSecret:
                continue
        else:
            raise ReplacingNeedsSecret(
                f"{profile.name} already has another key on this computer; replacing it "
                f"needs {profile.name}'s current {word} here.",
                f"Type the {word} {profile.name} uses on this computer. Forgotten: a "
                "manager can set a new one, then import again.",
            )
    keep = file_secret if profile.role.reviews or key_file.protected else None
    word = key_file.word if key_file.protected else secret_word(profile.role)
    return vault.import_key(paths, key_file.path, file_secret, keep, word=word)


class ReplacingNeedsSecret(WrongSecret):
    """Importing over a different key needs that key's passphrase."""


def describe_key(paths: DataPaths, person_id: str, name: str | None = None) -> str:
    """The fingerprint and where the key is kept, in one or two sentences."""
    try:
        fingerprint = vault.fingerprint(paths, person_id)
        where = vault.storage_words(paths, person_id)
    except vault.KeyProblem as err:
        return err.message
    whose = f"{name}'s key" if name else "Key"
    if fingerprint is None:
        return f"{name} has no key on this computer yet." if name else "No key here yet."
    return f"{whose} fingerprint: {fingerprint}. {where}"
