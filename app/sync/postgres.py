"""The shared-PostgreSQL remote (SQLAlchemy + psycopg 3).

Changes go to an append-only log, ``crosscoach.changes``; a device reads what
others appended past its cursor (the log's ``seq``). Pushes take a transaction
advisory lock, so sequence numbers become visible in order and a reader never
skips a change committed late. Recordings live in the database too, in 4 MB
chunks (an upload resumes from the last chunk stored). Roles and row-level
security (``app/sync/sql/*.sql``) make PostgreSQL itself refuse a change a
login may not make. The password comes from the OS keyring, or PostgreSQL's
own PGPASSWORD / pgpass file (see :mod:`app.sync.credentials`).
"""

from __future__ import annotations

import json
import re
from importlib.resources import files
from pathlib import Path

from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError, OperationalError, ProgrammingError

from app.core.errors import UserError
from app.core.media import sha256_file
from app.sync.changes import is_well_formed
from app.sync.credentials import load_password, without_password
from app.sync.remote import NEWER_DATABASE, SYNC_FORMAT, Batch, Progress, Remote

CHUNK = 4 * 1024 * 1024
PULL_BATCH = 2000
PUSH_LOCK = 0x43524F53  # pg_advisory_xact_lock key: one push at a time
LOGIN = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")
COLUMNS = "device_id, table_name, record_id, version, author_id, deleted, data"


def engine_for(url: str) -> Engine:
    u = make_url(url).set(drivername="postgresql+psycopg")
    if u.password is None and (stored := load_password(url)):
        u = u.set(password=stored)
    return create_engine(u, connect_args={"connect_timeout": 10}, pool_pre_ping=True)


def _where(url: str) -> str:
    u = make_url(url)
    return f"{u.host or 'localhost'}:{u.port or 5432}/{u.database or ''}"


def plain_error(exc: DBAPIError, url: str) -> UserError:
    """A database error in words a team member can act on."""
    detail = str(exc.orig).strip().splitlines()[0] if exc.orig else str(exc)
    sqlstate = getattr(exc.orig, "sqlstate", None) or ""
    if sqlstate in ("42501",) or "row-level security" in detail:
        return UserError(
            f"The shared database refused a change your login may not make ({detail}).",
            "Ask your database admin to check your membership (crosscoach remote add-member).",
        )
    if sqlstate.startswith("53"):
        return UserError(
            "The shared database is full or out of resources.",
            "Ask your database admin to free space; your changes wait on this device.",
        )
    if "password" in detail or sqlstate == "28P01" or sqlstate == "28000":
        return UserError(
            f"The database at {_where(url)} refused the login ({detail}).",
            "Set the password with: crosscoach remote set URL --ask-password "
            "(or PGPASSWORD / ~/.pgpass).",
        )
    if "SSL" in detail or "certificate" in detail:
        return UserError(
            f"A secure connection to {_where(url)} failed ({detail}).",
            "Check sslmode and sslrootcert in the remote URL (see docs/sync.md).",
        )
    if isinstance(exc, OperationalError):
        return UserError(
            f"The shared database at {_where(url)} is not reachable ({detail}).",
            "Check the network and sync again; your changes wait on this device.",
        )
    return UserError(
        f"The shared database reported a problem ({detail}).",
        "Sync again later; if it keeps happening, tell your database admin.",
    )


class PostgresRemote(Remote):
    def __init__(self, url: str):
        self.spec = without_password(url)[0]
        self._url = url
        self._engine: Engine | None = None

    @property
    def engine(self) -> Engine:
        if self._engine is None:
            self._engine = engine_for(self._url)
        return self._engine

    def _run(self, fn):
        try:
            return fn()
        except DBAPIError as exc:
            raise plain_error(exc, self.spec) from exc

    def open(self) -> str:
        def read():
            with self.engine.connect() as c:
                meta = dict(c.execute(text("SELECT key, value FROM crosscoach.meta")).all())
            return meta

        try:
            meta = self._run(read)
        except UserError as err:
            if isinstance(err.__cause__, ProgrammingError):
                raise UserError(
                    f"The database at {_where(self.spec)} is not set up for CrossCoach.",
                    "Ask your database admin to run: crosscoach remote setup-postgres URL",
                ) from err
            raise
        if int(meta.get("format", SYNC_FORMAT)) > SYNC_FORMAT:
            raise NEWER_DATABASE
        return meta["remote_id"]

    def push(self, device_id, changes) -> None:
        rows = [
            {
                "device_id": device_id,
                "table_name": c["table"],
                "record_id": c["id"],
                "version": c["version"],
                "author_id": c["author_id"],
                "deleted": c["deleted"],
                "data": json.dumps(c["data"]),
            }
            for c in changes
        ]

        def insert():
            with self.engine.begin() as c:
                c.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": PUSH_LOCK})
                c.execute(
                    text(
                        f"INSERT INTO crosscoach.changes ({COLUMNS}) VALUES (:device_id, "
                        ":table_name, :record_id, :version, :author_id, :deleted, "
                        "CAST(:data AS jsonb))"
                    ),
                    rows,
                )

        self._run(insert)

    def pull(self, device_id, cursors, retry):
        after = cursors.get("seq", 0)
        while True:
            rows = self._run(lambda a=after: self._read(device_id, a))
            if not rows:
                return
            changes, warnings = [], []
            for r in rows:
                change = {
                    "table": r.table_name,
                    "id": r.record_id,
                    "version": r.version,
                    "deleted": r.deleted,
                    "author_id": r.author_id,
                    "device_id": r.device_id,
                    "data": r.data,
                }
                if is_well_formed(change):
                    changes.append(change)
                else:
                    warnings.append(f"Skipped the malformed change number {r.seq} in the database.")
            after = rows[-1].seq
            yield Batch("seq", after, changes, warnings)

    def _read(self, device_id: str, after: int):
        with self.engine.connect() as c:
            return c.execute(
                text(
                    f"SELECT seq, {COLUMNS} FROM crosscoach.changes WHERE seq > :a "
                    "AND device_id <> :d ORDER BY seq LIMIT :n"
                ),
                {"a": after, "d": device_id, "n": PULL_BATCH},
            ).all()

    def count_waiting(self, device_id, cursors) -> int:
        def count():
            with self.engine.connect() as c:
                return c.scalar(
                    text(
                        "SELECT count(*) FROM crosscoach.changes WHERE seq > :a AND device_id <> :d"
                    ),
                    {"a": cursors.get("seq", 0), "d": device_id},
                )

        return self._run(count)

    # -- media ------------------------------------------------------------------
    def missing_media(self, shas: set[str]) -> set[str]:
        if not shas:
            return set()

        def present():
            with self.engine.connect() as c:
                return set(
                    c.scalars(
                        text("SELECT sha256 FROM crosscoach.media WHERE sha256 = ANY(:s)"),
                        {"s": sorted(shas)},
                    )
                )

        return shas - self._run(present)

    def media_size(self, sha256: str) -> int | None:
        def size():
            with self.engine.connect() as c:
                return c.scalar(
                    text("SELECT size FROM crosscoach.media WHERE sha256 = :s"), {"s": sha256}
                )

        return self._run(size)

    def put_media(self, sha256, source, progress=None) -> int:
        if sha256_file(source) != sha256:
            raise UserError(
                f"The recording {source.name} on this device does not match its checksum.",
                "Run crosscoach doctor; the recording was not sent.",
            )
        return self._run(lambda: self._upload(sha256, source, progress))

    def _upload(self, sha256: str, source: Path, progress: Progress | None) -> int:
        with self.engine.connect() as c:
            if c.scalar(text("SELECT 1 FROM crosscoach.media WHERE sha256 = :s"), {"s": sha256}):
                return 0
            # Resume after the bytes already there, whatever chunk size sent them
            # (an older version, or one cut off mid-way, may have used another).
            n, stored = c.execute(
                text(
                    "SELECT coalesce(max(n) + 1, 0), coalesce(sum(length(data)), 0) "
                    "FROM crosscoach.media_chunks WHERE sha256 = :s"
                ),
                {"s": sha256},
            ).one()
        moved = 0
        size = source.stat().st_size
        with open(source, "rb") as f:
            f.seek(stored)
            while block := f.read(CHUNK):
                with self.engine.begin() as c:  # one chunk per transaction: resumable
                    c.execute(
                        text(
                            "INSERT INTO crosscoach.media_chunks (sha256, n, data) "
                            "VALUES (:s, :n, :d) ON CONFLICT DO NOTHING"
                        ),
                        {"s": sha256, "n": n, "d": block},
                    )
                n += 1
                moved += len(block)
                if progress:
                    progress(stored + moved)
        with self.engine.begin() as c:
            c.execute(
                text(
                    "INSERT INTO crosscoach.media (sha256, suffix, size) VALUES (:s, :x, :z) "
                    "ON CONFLICT DO NOTHING"
                ),
                {"s": sha256, "x": source.suffix.lower() or ".mp4", "z": size},
            )
        return moved

    def fetch_media(self, sha256, partial, progress=None) -> str:
        return self._run(lambda: self._download(sha256, partial, progress))

    def _download(self, sha256: str, partial: Path, progress: Progress | None) -> str:
        have = partial.stat().st_size if partial.exists() else 0
        first = have // CHUNK
        with open(partial, "ab") as out:
            out.truncate(first * CHUNK)  # a chunk cut off mid-way is fetched whole again
            with self.engine.connect() as c:
                suffix = c.scalar(
                    text("SELECT suffix FROM crosscoach.media WHERE sha256 = :s"), {"s": sha256}
                )
                if suffix is None:
                    raise FileNotFoundError(sha256)
                result = c.execution_options(stream_results=True, max_row_buffer=4).execute(
                    text(
                        "SELECT data FROM crosscoach.media_chunks WHERE sha256 = :s AND n >= :n "
                        "ORDER BY n"
                    ),
                    {"s": sha256, "n": first},
                )
                for (block,) in result:
                    out.write(block)
                    if progress:
                        progress(out.tell())
            out.flush()
        return suffix

    def close(self) -> None:
        if self._engine is not None:
            self._engine.dispose()
            self._engine = None


# -- administration ---------------------------------------------------------------
def _sql(name: str) -> str:
    return files("app.sync").joinpath("sql", name).read_text(encoding="utf-8")


def setup_database(url: str) -> None:
    """Create CrossCoach's schema, roles and policies (as the database owner); idempotent."""
    engine = engine_for(url)
    try:
        with engine.begin() as c:
            c.exec_driver_sql(_sql("postgres_schema.sql"))
            fmt = c.scalar(text("SELECT value FROM crosscoach.meta WHERE key = 'format'"))
            if fmt is not None and int(fmt) > SYNC_FORMAT:
                raise NEWER_DATABASE
            c.execute(
                text(
                    "INSERT INTO crosscoach.meta (key, value) VALUES ('format', :f) "
                    "ON CONFLICT (key) DO UPDATE SET value = excluded.value"
                ),
                {"f": str(SYNC_FORMAT)},
            )
            c.exec_driver_sql(_sql("postgres_security.sql"))
    except DBAPIError as exc:
        raise plain_error(exc, url) from exc
    finally:
        engine.dispose()


def add_member(url: str, login: str, person_id: str, role: str) -> None:
    """Let a PostgreSQL login act as a profile (creating the login without a password if new)."""
    if not LOGIN.match(login):
        raise UserError(
            f"'{login}' is not a login name CrossCoach can set up.",
            "Use lower-case letters, digits and _ (for example ana_silva).",
        )
    group, other = (
        ("crosscoach_rep", "crosscoach_trainer")
        if role == "rep"
        else ("crosscoach_trainer", "crosscoach_rep")
    )
    engine = engine_for(url)
    try:
        with engine.begin() as c:
            exists = c.scalar(text("SELECT 1 FROM pg_roles WHERE rolname = :l"), {"l": login})
            if not exists:
                c.exec_driver_sql(f'CREATE ROLE "{login}" LOGIN')
            c.exec_driver_sql(f'GRANT {group} TO "{login}"')
            c.exec_driver_sql(f'REVOKE {other} FROM "{login}"')
            c.execute(
                text(
                    "INSERT INTO crosscoach.members (login, person_id, role) VALUES (:l, :p, :r) "
                    "ON CONFLICT (login) DO UPDATE SET person_id = excluded.person_id, "
                    "role = excluded.role"
                ),
                {"l": login, "p": person_id, "r": role},
            )
    except DBAPIError as exc:
        raise plain_error(exc, url) from exc
    finally:
        engine.dispose()
