"""Time: UTC wall clock and a hybrid logical clock (HLC) for ordering edits.

An HLC version is ``"<millis:013d>.<counter:05d>.<device>"``: always exactly
13 and 5 digits, so sorting versions as strings (in Python, SQLite and
PostgreSQL alike) is the same as sorting ``(millis, counter, device)``
tuples. Every device picks the same winner for concurrent edits, even with
skewed clocks, because a device that accepts a later version moves its own
clock past it. The counter never overflows into a wrong order: when it would
pass 99999 the clock moves to the next millisecond instead. A version more
than :data:`MAX_AHEAD_MS` ahead of this device's wall clock is never adopted
(sync sets such a change aside until the clock catches up), so one wrong or
forged clock cannot drag every device's versions into the far future.
"""

from __future__ import annotations

import re
import threading
import time
from datetime import UTC, datetime

# One day: laptops that sync keep their clocks within seconds of each other (NTP);
# a day still covers a clock set to the wrong time zone or a missed daylight-saving
# change, while a clock that is wrong by more (or a forged version) cannot push
# everyone's versions past it.
MAX_AHEAD_MS = 24 * 3600 * 1000
COUNTER_LIMIT = 100_000
LAST_MILLIS = 10**13 - 1  # the greatest 13-digit number of milliseconds (the year 2286)
VERSION = re.compile(r"^(\d{13})\.(\d{5})\.([0-9A-Za-z-]{1,64})$")
# Versions written before the counter was bounded: 13 digits of milliseconds, as
# always, and a counter that ran past five digits. Nothing else was ever written.
_LEGACY = re.compile(r"^(\d{13})\.(\d{6,9})\.([0-9A-Za-z-]{1,64})$")


def utcnow() -> datetime:
    return datetime.now(UTC)


def wall_millis() -> int:
    return int(time.time() * 1000)


def as_utc(value: datetime) -> datetime:
    """SQLite hands back naive datetimes; every stored time is UTC."""
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value


def format_version(millis: int, counter: int, device_id: str) -> str:
    return f"{millis:013d}.{counter:05d}.{device_id}"


def parse_version(version: str) -> tuple[int, int, str]:
    """``(millis, counter, device)``; ValueError for anything but the exact form."""
    m = VERSION.match(version) if isinstance(version, str) else None
    if m is None:
        raise ValueError(f"not a version: {version!r}")
    return int(m.group(1)), int(m.group(2)), m.group(3)


def is_version(version: object) -> bool:
    return isinstance(version, str) and VERSION.match(version) is not None


def normalize_version(version: object) -> str:
    """The exact form of a version, carrying an overlong counter into the milliseconds.

    Versions written by earlier CrossCoach releases could carry a counter past
    99999, which sorted wrongly as text. Every device normalizes them the same
    way, so they still merge alike everywhere. ValueError if it is no version
    (a version with fewer digits was never written by any release: it is not
    padded into one).
    """
    if not isinstance(version, str):
        raise ValueError(f"not a version: {version!r}")
    if is_version(version):
        return version
    m = _LEGACY.match(version)
    if m is None:
        raise ValueError(f"not a version: {version!r}")
    millis, counter = int(m.group(1)), int(m.group(2))
    millis += counter // COUNTER_LIMIT
    if millis >= 10**13:
        raise ValueError(f"not a version: {version!r}")
    return format_version(millis, counter % COUNTER_LIMIT, m.group(3))


def millis_of(version: str) -> int:
    return int(version[:13])


def _next(millis: int, counter: int, device_id: str) -> str:
    """The version right after ``(millis, counter)``: a full counter moves to the next
    millisecond, never to a longer counter."""
    if counter + 1 < COUNTER_LIMIT:
        return format_version(millis, counter + 1, device_id)
    return format_version(millis + 1, 0, device_id)


def latest_acceptable(wall: int) -> str:
    """The greatest version a device whose wall clock reads ``wall`` may adopt."""
    return format_version(wall + MAX_AHEAD_MS, COUNTER_LIMIT - 1, "~")


class HybridClock:
    def __init__(self, device_id: str, wall=wall_millis):
        self.device_id = device_id
        self._wall = wall
        self._millis = 0
        self._counter = 0
        self._lock = threading.Lock()

    def tick(self, after: str | None = None) -> str:
        """A new version, later than every version this clock has made or accepted,
        and later than ``after`` (the version a record had before this edit)."""
        with self._lock:
            if after and self.too_far_ahead(after):
                # A record dated too far ahead (a wrong clock elsewhere, before it was
                # caught): this edit must still come after it, but the clock stays put.
                millis, counter, _ = parse_version(after)
                if (millis, counter) < (LAST_MILLIS, COUNTER_LIMIT - 1):
                    return _next(millis, counter, self.device_id)
                # Nothing comes after the last version there is (only an earlier release,
                # which adopted any version, can have stored it): stamp from this clock,
                # as if it were not there (every device sets it aside as dated ahead).
                after = None
            if after:
                self._adopt(*parse_version(after)[:2])
            now = self._wall()
            if now > self._millis:
                self._millis, self._counter = now, 0
                return format_version(now, 0, self.device_id)
            version = _next(self._millis, self._counter, self.device_id)
            self._millis, self._counter = parse_version(version)[:2]
            return version

    def too_far_ahead(self, version: str) -> bool:
        """Later than this device's wall clock allows adopting (see MAX_AHEAD_MS)."""
        return millis_of(version) > self._wall() + MAX_AHEAD_MS

    def observe(self, version: str) -> bool:
        """Move past an accepted version from elsewhere; False (and no move) when it
        is malformed or too far ahead of this device's clock."""
        if not is_version(version) or self.too_far_ahead(version):
            return False
        millis, counter, _ = parse_version(version)
        with self._lock:
            self._adopt(millis, counter)
        return True

    def _adopt(self, millis: int, counter: int) -> None:
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

    def tick(self, after: str | None = None) -> str:
        """The same version for every shipped record, whatever it replaces."""
        return format_version(0, self.pack_version, self.device_id)
