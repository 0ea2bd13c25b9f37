"""Where CrossCoach keeps its data: one folder per installation (the device)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import platformdirs

from app.core.errors import UserError
from app.core.health import folder_problem

DATA_DIR_ENV = "CROSSCOACH_DATA_DIR"


def default_data_dir() -> Path:
    return Path(platformdirs.user_data_dir("CrossCoach", appauthor=False, roaming=True))


@dataclass(frozen=True)
class DataPaths:
    """The layout of a data folder. Nothing outside ``root`` is ever written."""

    root: Path

    @property
    def database(self) -> Path:
        return self.root / "crosscoach.db"

    @property
    def backups(self) -> Path:
        return self.root / "backups"

    def backup_files(self) -> list[Path]:
        """The backup copies of the database (see :mod:`app.core.backups`)."""
        return sorted(self.backups.glob("crosscoach-*.db")) if self.backups.is_dir() else []

    @property
    def set_aside(self) -> Path:
        """Database files taken out of use (damaged, empty, replaced by a backup): never deleted."""
        return self.root / "set-aside"

    @property
    def take_records(self) -> Path:
        """One small record per stored take, from which a lost database gets its takes back."""
        return self.root / "takes"

    @property
    def settings(self) -> Path:
        return self.root / "settings.json"

    @property
    def media(self) -> Path:
        """Content-addressed, immutable media files (recordings, prompt media)."""
        return self.root / "media"

    @property
    def in_progress(self) -> Path:
        """Recordings being written; anything left here after a crash is recovered."""
        return self.root / "in-progress"

    @property
    def identities(self) -> Path:
        """People's private keys on this device (app.identity.vault): never synced."""
        return self.root / "identities"

    @property
    def logs(self) -> Path:
        return self.root / "logs"

    def ensure(self) -> DataPaths:
        try:
            for folder in (self.root, self.backups, self.media, self.in_progress, self.logs):
                folder.mkdir(parents=True, exist_ok=True)
            probe = self.root / ".write-test"
            probe.write_bytes(b"")
            probe.unlink()
        except OSError as exc:
            problem = folder_problem(self, exc)  # a full disk or a read-only folder
            if problem is not None:
                raise problem from exc
            raise UserError(
                f"CrossCoach cannot write to its data folder {self.root} ({exc.strerror or exc}).",
                "Choose a folder you can write to with --data-dir, or fix the folder's permissions.",
            ) from exc
        return self


def resolve_data_dir(explicit: str | os.PathLike | None = None) -> DataPaths:
    """``--data-dir`` wins over ``CROSSCOACH_DATA_DIR``, which wins over the per-user default."""
    chosen = explicit or os.environ.get(DATA_DIR_ENV) or default_data_dir()
    return DataPaths(Path(chosen).expanduser().resolve())
