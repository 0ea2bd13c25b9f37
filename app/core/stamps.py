"""Stamps every new or changed syncable record at flush time.

A session opened by :func:`app.core.db.session` carries the acting person and
this device in ``session.info``; the listener below writes them, the time and
a fresh HLC version into each :class:`~app.core.models.Synced` row, so no
code path can save a record without them. Sync sets ``session.info["applying_remote"]``
to keep the stamps that came with a remote change; the built-in pack loads with
a :class:`~app.core.clock.ShippedClock` and a fixed ``stamp_time``.
"""

from __future__ import annotations

from sqlalchemy import event
from sqlalchemy.orm import Session

from app.core.clock import utcnow
from app.core.models import Synced


@event.listens_for(Session, "before_flush")
def _stamp(session: Session, _flush_context, _instances) -> None:
    clock = session.info.get("clock")
    if clock is None or session.info.get("applying_remote"):
        return
    now = session.info.get("stamp_time") or utcnow()
    author = session.info.get("person_id")
    for obj in session.new:
        if isinstance(obj, Synced):
            obj.created_at = obj.created_at or now
            obj.author_id = obj.author_id or author
            _touch(obj, clock, now)
    for obj in session.dirty:
        if isinstance(obj, Synced) and session.is_modified(obj, include_collections=False):
            _touch(obj, clock, now)


def _touch(obj: Synced, clock, now) -> None:
    obj.device_id = clock.device_id
    obj.updated_at = now
    obj.version = clock.tick()
