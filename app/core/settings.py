"""Per-installation settings kept as JSON in the data folder.

Window geometry and other purely visual state live in QSettings (UI only);
this file holds what the CLI and the GUI share: the active profile, the
recording source and devices, the sync remote.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from app.core.files import write_atomically

DEFAULTS: dict[str, Any] = {
    "active_profile_id": None,
    # "test" (ffmpeg's test pattern and tone), "file:PATH", or "device"
    "recording_source": "device",
    "camera": None,
    "microphone": None,
    "recording_preset": "standard",
    "theme": "system",
    "remote": None,
    # The desktop app locks after this many minutes without use while a person with a
    # passphrase (or PIN) acts; 0 never locks.
    "lock_after_minutes": 15,
}


class Settings:
    def __init__(self, path: Path):
        self.path = path
        self._values = dict(DEFAULTS)
        try:
            stored = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            stored = {}  # missing or damaged: start from the defaults, never crash
        if isinstance(stored, dict):
            self._values.update(stored)

    def get(self, key: str) -> Any:
        return self._values.get(key, DEFAULTS.get(key))

    def set(self, key: str, value: Any) -> None:
        self._values[key] = value
        self.save()

    def save(self) -> None:
        """Never a half-written file: see write_atomically."""
        data = json.dumps(self._values, indent=2, sort_keys=True).encode("utf-8")
        write_atomically(self.path, data)
