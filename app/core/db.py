"""Opening the database: engine, migrations, device identity and sessions."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from sqlalchemy import Engine, create_engine, event, func, select, union_all
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

import app.core.stamps  # noqa: F401  (registers the flush-time stamping)
from app.core import migrate
from app.core.clock import HybridClock, latest_acceptable, wall_millis
from app.core.errors import UserError
from app.core.ids import new_id
from app.core.models import SYNCED_MODELS, LocalState
from app.core.paths import DataPaths


def sqlite_engine(path) -> Engine:
    engine = create_engine(f"sqlite:///{path}", connect_args={"timeout": 15})

    @event.listens_for(engine, "connect")
    def _pragmas(dbapi_conn, _record):
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.close()

    return engine


@dataclass
class Database:
    """One open data folder: the engine, this device's id and its clock."""

    paths: DataPaths
    engine: Engine
    device_id: str
    clock: HybridClock

    @contextmanager
    def session(self, person_id: str | None = None) -> Iterator[Session]:
        """A short unit of work: commits on success, rolls back on any error.

        Objects stay readable after the block (``expire_on_commit=False``), so
        callers can hand them to the UI detached.
        """
        with Session(self.engine, expire_on_commit=False) as s:
            s.info.update(clock=self.clock, person_id=person_id)
            try:
                yield s
                s.commit()
            except BaseException:
                s.rollback()
                raise

    def close(self) -> None:
        self.engine.dispose()


def open_database(paths: DataPaths, *, upgrade: bool = True) -> Database:
    """Open (creating if needed) the data folder's database at the current schema.

    An existing database older than this version of CrossCoach is copied to
    ``backups/`` before it is migrated.
    """
    paths.ensure()
    engine = sqlite_engine(paths.database)
    try:
        if upgrade:
            migrate.upgrade(engine, paths)
        device_id = _device_id(engine)
    except OperationalError as exc:
        engine.dispose()
        raise UserError(
            f"CrossCoach could not open its database {paths.database} ({exc.orig}).",
            "Close other copies of CrossCoach; if the file is damaged, restore one from "
            f"{paths.backups}.",
        ) from exc
    clock = HybridClock(device_id)
    # Start past every version held here, except one dated too far ahead to adopt.
    bound = latest_acceptable(wall_millis())
    with Session(engine) as s:
        versions = union_all(
            *(select(func.max(m.version)).where(m.version <= bound) for m in SYNCED_MODELS)
        ).subquery()
        latest = s.scalar(select(func.max(versions.c[0])))
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
