"""The open installation: data folder, database, settings and who is acting.

The CLI builds one per command, the GUI one per run; both hand it (or the
parts of it a piece needs) to the services in ``app.*``. It lives with identity,
not in app.core, because acting as someone opens their keys here.

Acting as someone is *confirmed* once per process (CLI) or per session (GUI, until
the app locks): their passphrase or PIN, when they have one, opens their keys
(:mod:`app.identity.acting`), which :meth:`AppContext.signer` then hands out. The
CLI sets ``ask_secret`` so that the first use of the acting profile asks; the GUI
asks in its own windows and calls :meth:`AppContext.confirm` with the answer.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING

from app.core.db import Database, open_database
from app.core.errors import UserError
from app.core.paths import DataPaths, resolve_data_dir
from app.core.profiles import Profile, find_profile, require_reviewer
from app.core.settings import Settings

if TYPE_CHECKING:
    from app.identity.acting import Need
    from app.identity.keys import Keys

PROFILE_ENV = "CROSSCOACH_PROFILE"

# Asked when acting as someone needs their passphrase or PIN: returns what was typed
# (or None), or raises a UserError when it cannot ask (app.cli.secrets).
SecretAsker = Callable[["Need"], str | None]


@dataclass
class AppContext:
    paths: DataPaths
    acting_as: str | None = None  # --as / CROSSCOACH_PROFILE, for one command
    # Told once when a write waits for another process that is writing (app.core.health).
    on_wait: Callable[[str], None] | None = None
    # How to ask for a passphrase (the CLI's prompt). None: nothing is asked here; the
    # GUI asks in its own windows before it makes someone the acting person.
    ask_secret: SecretAsker | None = None
    _profile: Profile | None = field(default=None, init=False, repr=False)
    _confirmed: str | None = field(default=None, init=False, repr=False)  # a person's id
    _signer: Keys | None = field(default=None, init=False, repr=False)

    @classmethod
    def open(cls, data_dir=None, acting_as: str | None = None, on_wait=None) -> AppContext:
        acting_as = acting_as or os.environ.get(PROFILE_ENV) or None
        return cls(resolve_data_dir(data_dir), acting_as, on_wait)

    @cached_property
    def db(self) -> Database:
        return open_database(self.paths, on_wait=self.on_wait)

    @cached_property
    def settings(self) -> Settings:
        return Settings(self.paths.settings)

    def session(self, **kw):
        """A unit of work stamped with the acting person (if any) and this device,
        carrying their unlocked keys (``session.info["signer"]``)."""
        profile = self.profile_or_none()
        signer = self.signer() if profile else None
        return self.db.session(person_id=profile.id if profile else None, signer=signer, **kw)

    def profile_or_none(self) -> Profile | None:
        if self._profile is None:
            chosen = self.acting_as or self.settings.get("active_profile_id")
            if chosen:
                with self.db.session() as s:
                    try:
                        self._profile = find_profile(s, chosen)
                    except UserError:
                        if self.acting_as:
                            raise
                        return None  # the remembered profile is gone: ask again
        if (
            self._profile is not None
            and self.ask_secret is not None
            and self._confirmed != self._profile.id
        ):
            self.confirm(self._profile)  # --as or the remembered profile: ask, once
        return self._profile

    def profile(self) -> Profile:
        """Who is acting; a clear error when nobody has said."""
        profile = self.profile_or_none()
        if profile is None:
            raise UserError(
                "CrossCoach does not know who you are yet.",
                "Create a profile with: crosscoach profile create --name NAME --role rep "
                "(or pass --as NAME).",
            )
        return profile

    def use_profile(self, profile: Profile) -> None:
        """Make ``profile`` the acting (and remembered) one. Call :meth:`confirm` first:
        without it, their keys stay shut (and the CLI asks at their first use)."""
        self.settings.set("active_profile_id", profile.id)
        self._profile = profile
        if self._confirmed != profile.id:
            self.lock()

    def confirm(self, profile: Profile, secret: str | None = None, *, proven: bool = False):
        """Check that the person at the keyboard may act as ``profile`` here and open their
        keys: their passphrase or PIN (``secret``, else asked through ``ask_secret``), or
        their first key made now (app.identity.acting). Raises a UserError in plain words.
        ``proven``: the team database's login named this person while joining."""
        from app.identity import acting

        wanted = acting.need(self.paths, self.db, profile, proven=proven)
        if secret is None and wanted.asks and self.ask_secret is not None:
            secret = self.ask_secret(wanted)
        keys = acting.act_as(self.paths, self.db, profile, secret, proven=proven)
        self._confirmed, self._signer = profile.id, keys
        return keys

    def confirmed(self, profile: Profile | None) -> bool:
        """Has acting as ``profile`` been confirmed in this process or session?"""
        return profile is not None and self._confirmed == profile.id

    def signer(self) -> Keys | None:
        """The unlocked keys of the person acting now; None when nobody acts, when they
        have no key here, or (the GUI) while their passphrase has not been given."""
        profile = self.profile_or_none()
        if profile is None:
            return None
        if self._confirmed == profile.id:
            return self._signer
        from app.identity import vault

        try:  # a key that needs nothing to open (a rep without a PIN) is opened
            if vault.has_key(self.paths, profile.id) and not vault.is_protected(
                self.paths, profile.id
            ):
                self._signer = vault.unlock(self.paths, profile.id, None)
                self._confirmed = profile.id
                return self._signer
        except vault.KeyProblem:
            return None
        return None

    def keys_for(self, person_id: str) -> Keys | None:
        """Keys to sign ``person_id``'s changes with: the acting person's own, and only theirs."""
        profile = self.profile_or_none()
        return self.signer() if profile is not None and profile.id == person_id else None

    def lock(self) -> None:
        """Forget the unlocked keys: acting as anyone must be confirmed again."""
        self._confirmed = None
        self._signer = None

    def require_reviewer(self, action: str) -> Profile:
        """The acting profile, when a trainer or manager; reps are refused in plain words."""
        profile = self.profile()
        require_reviewer(profile, action)
        return profile

    def close(self) -> None:
        if "db" in self.__dict__:
            self.db.close()

    def reopen(self) -> None:
        """Open the database afresh on next use (a backup was restored into it)."""
        self.close()
        self.__dict__.pop("db", None)
        self._profile = None
