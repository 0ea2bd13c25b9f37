"""Per-installation settings kept as JSON in the data folder.

Window geometry and other purely visual state live in QSettings (UI only);
this file holds what the CLI and the GUI share: the active profile, the
recording source and devices, the sync remote.
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Any

DEFAULTS: dict[str, Any] = {
    "active_profile_id": None,
    # "test" (ffmpeg's test pattern and tone), "file:PATH", or "device"
    "recording_source": "device",
    "camera": None,
    "microphone": None,
    "recording_preset": "standard",
    "theme": "system",
    "remote": None,
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
        """Write to a temporary file and rename it into place: never a half-written file."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".settings-", dir=self.path.parent)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as f:
                json.dump(self._values, f, indent=2, sort_keys=True)
                f.flush()
                os.fsync(f.fileno())
            os.replace(tmp, self.path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
