"""Time: UTC wall clock and a hybrid logical clock (HLC) for ordering edits.

An HLC version is ``"<millis:013d>.<counter:05d>.<device>"``. Sorting versions
as strings orders edits by time, then by counter, then by device id, so every
device picks the same winner for concurrent edits even when clocks are skewed:
a device that sees a later version moves its own clock past it.
"""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime


def utcnow() -> datetime:
    return datetime.now(UTC)


def as_utc(value: datetime) -> datetime:
    """SQLite hands back naive datetimes; every stored time is UTC."""
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value


def format_version(millis: int, counter: int, device_id: str) -> str:
    return f"{millis:013d}.{counter:05d}.{device_id}"


def parse_version(version: str) -> tuple[int, int, str]:
    millis, counter, device = version.split(".", 2)
    return int(millis), int(counter), device


class HybridClock:
    def __init__(self, device_id: str, wall=lambda: int(time.time() * 1000)):
        self.device_id = device_id
        self._wall = wall
        self._millis = 0
        self._counter = 0
        self._lock = threading.Lock()

    def tick(self) -> str:
        """A new version, later than every version this clock has made or seen."""
        with self._lock:
            now = self._wall()
            if now > self._millis:
                self._millis, self._counter = now, 0
            else:
                self._counter += 1
            return format_version(self._millis, self._counter, self.device_id)

    def observe(self, version: str) -> None:
        """Move past a version seen from elsewhere (another device, or this database)."""
        if not version:
            return
        millis, counter, _ = parse_version(version)
        with self._lock:
            if (millis, counter) > (self._millis, self._counter):
                self._millis, self._counter = millis, counter


class ShippedClock:
    """Stamps records that ship with CrossCoach itself (the built-in pack).

    Every device gives them the same version, ``"0000000000000.<pack version>.shipped"``:
    older than any edit anyone makes, so an edit always wins a merge, and two
    devices that loaded the same pack never disagree about it.
    """

    device_id = "shipped"

    def __init__(self, pack_version: int):
        self.pack_version = pack_version

    def tick(self) -> str:
        return format_version(0, self.pack_version, self.device_id)
