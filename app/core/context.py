"""The open installation: data folder, database, settings and who is acting.

The CLI builds one per command, the GUI one per run; both hand it (or the
parts of it a piece needs) to the services in ``app.*``.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property

from app.core.db import Database, open_database
from app.core.errors import UserError
from app.core.paths import DataPaths, resolve_data_dir
from app.core.profiles import Profile, find_profile, require_reviewer
from app.core.settings import Settings

PROFILE_ENV = "CROSSCOACH_PROFILE"


@dataclass
class AppContext:
    paths: DataPaths
    acting_as: str | None = None  # --as / CROSSCOACH_PROFILE, for one command
    # Told once when a write waits for another process that is writing (app.core.health).
    on_wait: Callable[[str], None] | None = None
    _profile: Profile | None = field(default=None, init=False, repr=False)

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
        """A unit of work stamped with the acting person (if any) and this device."""
        profile = self.profile_or_none()
        return self.db.session(person_id=profile.id if profile else None, **kw)

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
        self.settings.set("active_profile_id", profile.id)
        self._profile = profile

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
