"""Opening the database: engine, migrations, device identity and sessions."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from sqlalchemy import Engine, create_engine, event, func, select, union_all
from sqlalchemy.orm import Session

import app.core.stamps  # noqa: F401  (registers the flush-time stamping)
from app.core import health, migrate
from app.core.clock import HybridClock, latest_acceptable, wall_millis
from app.core.ids import new_id
from app.core.models import SYNCED_MODELS, LocalState
from app.core.paths import DataPaths


def sqlite_engine(paths: DataPaths, on_wait: Callable[[str], None] | None = None) -> Engine:
    """The engine of a data folder's database.

    Every error SQLite raises about the database's health (full, read-only,
    locked, damaged...) comes out as the plain :class:`DatabaseProblem` that
    :mod:`app.core.health` diagnoses, never as SQL. Before a transaction's first
    write, it waits while another process holds the write lock, telling
    ``on_wait`` once.
    """
    engine = create_engine(
        f"sqlite:///{paths.database}", connect_args={"timeout": health.LOCK_WAIT_SECONDS}
    )

    @event.listens_for(engine, "connect")
    def _pragmas(dbapi_conn, _record):
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.close()

    @event.listens_for(engine, "before_cursor_execute")
    def _wait_for_other_writer(conn, _cursor, statement, _params, _context, _many):
        if not conn.connection.dbapi_connection.in_transaction and health.is_write(statement):
            health.wait_for_writer(paths.database, on_wait)

    @event.listens_for(engine, "handle_error")
    def _diagnose(context):
        problem = health.problem_from(context.original_exception, paths)
        if problem is not None:
            raise problem from context.original_exception

    return engine


@dataclass
class Database:
    """One open data folder: the engine, this device's id and its clock."""

    paths: DataPaths
    engine: Engine
    device_id: str
    clock: HybridClock

    @contextmanager
    def session(self, person_id: str | None = None, signer=None) -> Iterator[Session]:
        """A short unit of work: commits on success, rolls back on any error.

        Objects stay readable after the block (``expire_on_commit=False``), so
        callers can hand them to the UI detached. ``signer`` is the acting person's
        unlocked :class:`app.identity.keys.Keys` (or None), kept as
        ``session.info["signer"]`` for whatever signs their changes.
        """
        with Session(self.engine, expire_on_commit=False) as s:
            s.info.update(clock=self.clock, person_id=person_id, signer=signer)
            try:
                yield s
                s.commit()
            except BaseException:
                s.rollback()
                raise

    def close(self) -> None:
        self.engine.dispose()


def open_database(
    paths: DataPaths,
    *,
    upgrade: bool = True,
    on_wait: Callable[[str], None] | None = None,
    allow_new: bool = False,
) -> Database:
    """Open (creating if needed) the data folder's database at the current schema.

    The file is checked first (:func:`app.core.health.check`): a damaged,
    empty or missing one is reported, never replaced by a new one, unless
    ``allow_new`` (a rebuild is about to fill it). An existing database older
    than this version of CrossCoach is copied to ``backups/`` before it is migrated.
    """
    paths.ensure()
    health.check(paths, allow_new=allow_new)
    engine = sqlite_engine(paths, on_wait)
    try:
        if upgrade:
            migrate.upgrade(engine, paths)
        device_id = _device_id(engine)
        clock = HybridClock(device_id)
        # Start past every version held here, except one dated too far ahead to adopt.
        bound = latest_acceptable(wall_millis())
        with Session(engine) as s:
            versions = union_all(
                *(select(func.max(m.version)).where(m.version <= bound) for m in SYNCED_MODELS)
            ).subquery()
            latest = s.scalar(select(func.max(versions.c[0])))
    except BaseException:
        engine.dispose()
        raise
    if latest:
        clock.observe(latest)
    return Database(paths, engine, device_id, clock)


def _device_id(engine: Engine) -> str:
    with Session(engine) as s:
        row = s.get(LocalState, "device_id")
        if row is None:
            row = LocalState(key="device_id", value=new_id())
            s.add(row)
            s.commit()
        return row.value
