"""Reporting periods: ISO weeks, calendar months and quarters, and all time, in UTC.

A period is a half-open range ``[start, end)`` of UTC instants with a label
that people read and type: ``2026-W48``, ``2026-11``, ``2026-Q4``, ``2026``,
``all``. The leaderboard, rewards, exports and reports all speak these labels.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from app.core.clock import as_utc, utcnow
from app.core.errors import UserError

KINDS = ("week", "month", "quarter", "all")

_MONTH = re.compile(r"^(\d{4})-(\d{2})$")
_QUARTER = re.compile(r"^(\d{4})-[Qq]([1-4])$")
_WEEK = re.compile(r"^(\d{4})-[Ww](\d{2})$")
_YEAR = re.compile(r"^(\d{4})$")

PERIOD_HINT = (
    "Use week, month, quarter or all, or name one: 2026-11 (a month), 2026-Q4 (a quarter), "
    "2026-W48 (an ISO week), 2026 (a year)."
)


def _utc(d: date) -> datetime:
    return datetime(d.year, d.month, d.day, tzinfo=UTC)


@dataclass(frozen=True)
class Period:
    """``start``/``end`` are None for all time."""

    kind: str  # week, month, quarter, year or all
    label: str
    start: datetime | None
    end: datetime | None

    def overlaps(self, other: Period) -> bool:
        if self.start is None or other.start is None or self.end is None or other.end is None:
            return True
        return self.start < other.end and other.start < self.end


ALL_TIME = Period("all", "all", None, None)


def month_period(year: int, month: int) -> Period:
    start = date(year, month, 1)
    end = date(year + month // 12, month % 12 + 1, 1)
    return Period("month", f"{year:04d}-{month:02d}", _utc(start), _utc(end))


def quarter_period(year: int, quarter: int) -> Period:
    first = 3 * (quarter - 1) + 1
    end = date(year + 1, 1, 1) if quarter == 4 else date(year, first + 3, 1)
    return Period("quarter", f"{year:04d}-Q{quarter}", _utc(date(year, first, 1)), _utc(end))


def week_period(year: int, week: int) -> Period:
    monday = date.fromisocalendar(year, week, 1)
    return Period("week", f"{year:04d}-W{week:02d}", _utc(monday), _utc(monday + timedelta(days=7)))


def year_period(year: int) -> Period:
    return Period("year", f"{year:04d}", _utc(date(year, 1, 1)), _utc(date(year + 1, 1, 1)))


def period_of(kind: str, moment: datetime) -> Period:
    """The week, month or quarter (or all time) that holds ``moment``."""
    moment = as_utc(moment)
    if kind == "week":
        iso = moment.isocalendar()
        return week_period(iso[0], iso[1])
    if kind == "month":
        return month_period(moment.year, moment.month)
    if kind == "quarter":
        return quarter_period(moment.year, (moment.month - 1) // 3 + 1)
    if kind == "all":
        return ALL_TIME
    raise UserError(f"'{kind}' is not a period CrossCoach knows.", PERIOD_HINT)


def parse_period(text: str | None, now: datetime | None = None) -> Period:
    """A period from what someone typed: a kind (the current one) or a label.

    Empty means all time.
    """
    raw = (text or "all").strip()
    lowered = raw.lower()
    if lowered in KINDS:
        return period_of(lowered, now or utcnow())
    try:
        if m := _MONTH.match(raw):
            return month_period(int(m[1]), int(m[2]))
        if m := _QUARTER.match(raw):
            return quarter_period(int(m[1]), int(m[2]))
        if m := _WEEK.match(raw):
            return week_period(int(m[1]), int(m[2]))
        if m := _YEAR.match(raw):
            return year_period(int(m[1]))
    except ValueError:
        pass  # month 13, week 54: reported below like any other unknown text
    raise UserError(f"'{raw}' is not a period CrossCoach understands.", PERIOD_HINT)
