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
from sqlalchemy.orm.attributes import get_history

from app.core.clock import utcnow
from app.core.ids import new_id
from app.core.models import Person, Synced


@event.listens_for(Session, "before_flush")
def _stamp(session: Session, _flush_context, _instances) -> None:
    clock = session.info.get("clock")
    if clock is None or session.info.get("applying_remote"):
        return
    now = session.info.get("stamp_time") or utcnow()
    actor = session.info.get("person_id")
    # Profiles first: what is made with a new profile is dated after it, so the rules,
    # which look at the person as of each version, already know them.
    new = sorted(
        (obj for obj in session.new if isinstance(obj, Synced)),
        key=lambda obj: not isinstance(obj, Person),
    )
    for obj in new:
        obj.id = obj.id or new_id()
    # A profile made with nobody acting yet (the first start) is its own editor, and what
    # is made with it (the team typed beside the name) is that person's too.
    newcomers = [obj.id for obj in new if isinstance(obj, Person)] if actor is None else []
    newcomer = newcomers[0] if len(newcomers) == 1 else None
    for obj in new:
        obj.created_at = obj.created_at or now
        if isinstance(obj, Person):
            obj.author_id = obj.author_id or actor
            editor = actor or obj.id
        else:
            obj.author_id = obj.author_id or actor or newcomer
            editor = actor or newcomer
        _touch(obj, clock, now, editor, None)
    for obj in session.dirty:
        if isinstance(obj, Synced) and session.is_modified(obj, include_collections=False):
            old = get_history(obj, "version")
            _touch(obj, clock, now, actor, (old.deleted or old.unchanged or [None])[0])


def _touch(obj: Synced, clock, now, editor: str | None, replaced: str | None) -> None:
    obj.device_id = clock.device_id
    obj.updated_at = now
    obj.edited_by = editor
    # Later than the version it replaces, even one that came from a faster clock.
    obj.version = clock.tick(after=replaced or None)
