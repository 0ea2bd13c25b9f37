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

import hashlib
import json
import re
from importlib.resources import files
from pathlib import Path

from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError, OperationalError, ProgrammingError

from app.core.errors import UserError
from app.core.ids import new_id
from app.core.media import sha256_file
from app.sync.credentials import load_password, without_password
from app.sync.remote import (
    NEWER_DATABASE,
    SYNC_FORMAT,
    Batch,
    BytesMoved,
    Refusal,
    Remote,
    Unreadable,
)
from app.sync.signing import canonical, check
from app.sync.validate import Malformed, check_change

CHUNK = 4 * 1024 * 1024
PULL_BATCH = 2000
PUSH_LOCK = 0x43524F53  # pg_advisory_xact_lock key: one push at a time
LOGIN = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")
COLUMNS = "device_id, table_name, record_id, version, author_id, deleted, data"
INSERT_CHANGE = text(
    f"INSERT INTO crosscoach.changes (batch_id, {COLUMNS}) VALUES (:batch_id, :device_id, "
    ":table_name, :record_id, :version, :author_id, :deleted, CAST(:data AS jsonb))"
)
# SQLSTATE classes that refuse one change (a permission or a rule), not the connection.
REFUSALS = ("42501", "22", "23")


def _as_change(r) -> dict:
    return {
        "table": r.table_name,
        "id": r.record_id,
        "version": r.version,
        "deleted": r.deleted,
        "author_id": r.author_id,
        "device_id": r.device_id,
        "data": r.data,
    }


def _row(device_id: str, change: dict, batch: str | None = None) -> dict:
    return {
        "batch_id": batch,
        "device_id": device_id,
        "table_name": change["table"],
        "record_id": change["id"],
        "version": change["version"],
        "author_id": change["author_id"],
        "deleted": change["deleted"],
        "data": json.dumps(change["data"]),
    }


def _refusal(exc: DBAPIError) -> bool:
    state = getattr(exc.orig, "sqlstate", None) or ""
    return state == "42501" or state[:2] in REFUSALS[1:]


def _reason(exc: DBAPIError) -> str:
    """The database's reason for refusing one change, in its own plain words."""
    diag = getattr(exc.orig, "diag", None)
    message = (getattr(diag, "message_primary", None) or str(exc.orig)).strip()
    if "row-level security" in message:
        return "your login may not make this change"
    if getattr(exc.orig, "sqlstate", "")[:2] in ("22", "23"):
        return "its values break a rule of the shared database"
    return message


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

    def push(self, device_id, changes, sign=None) -> list[Refusal]:
        batch = new_id() if sign else None
        rows = [_row(device_id, c, batch) for c in changes]

        def insert(c, batch_rows) -> None:
            c.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": PUSH_LOCK})
            c.execute(INSERT_CHANGE, batch_rows)

        try:
            with self.engine.begin() as c:
                insert(c, rows)
                self._sign(c, batch, sign, changes)
            return []
        except DBAPIError as exc:
            if not _refusal(exc):
                raise plain_error(exc, self.spec) from exc
        # Someone's change was refused: publish the others one by one, set that one aside.
        refused = []

        def one_by_one() -> None:
            with self.engine.begin() as c:
                for change, row in zip(changes, rows, strict=True):
                    try:
                        with c.begin_nested():
                            insert(c, [row])
                    except DBAPIError as exc:
                        if not _refusal(exc):
                            raise
                        refused.append(Refusal(change, _reason(exc)))
                gone = {id(r.change) for r in refused}
                self._sign(c, batch, sign, [ch for ch in changes if id(ch) not in gone])

        self._run(one_by_one)
        return refused

    @staticmethod
    def _sign(c, batch: str | None, sign, published: list[dict]) -> None:
        """The batch's signature, over exactly the changes that went in (same transaction)."""
        if batch is None or not published:
            return
        signature = sign(canonical(published))
        c.execute(
            text(
                "INSERT INTO crosscoach.batches (id, signed_by, public_key, signature) "
                "VALUES (:i, :b, :k, :s)"
            ),
            {"i": batch, "b": signature.by, "k": signature.public_key, "s": signature.signature},
        )

    def pull(self, device_id, marks, retry):
        after = marks["seq"].upto if "seq" in marks else 0
        while True:
            rows = self._run(lambda a=after: self._read(device_id, a))
            if not rows:
                return
            signed = self._run(lambda rows=rows: self._check_batches(rows))
            changes, unreadable = [], []
            for r in rows:
                if r.batch_id is not None and isinstance(signed.get(r.batch_id), str):
                    unreadable.append(
                        Unreadable(
                            f"seq/{r.seq}",
                            f"Skipped the change number {r.seq} in the database: "
                            f"{signed[r.batch_id]}",
                        )
                    )
                    continue
                try:
                    change = check_change(_as_change(r))
                    if r.batch_id is not None:
                        change["signed"] = signed[r.batch_id]
                    changes.append(change)
                except Malformed as exc:
                    unreadable.append(
                        Unreadable(
                            f"seq/{r.seq}",
                            f"Skipped the change number {r.seq} in the database: {exc}",
                        )
                    )
            after = rows[-1].seq
            yield Batch("seq", after, changes, everything_before=True, unreadable=unreadable)

    def _read(self, device_id: str, after: int):
        with self.engine.connect() as c:
            return c.execute(
                text(
                    f"SELECT seq, batch_id, {COLUMNS} FROM crosscoach.changes WHERE seq > :a "
                    "AND device_id <> :d ORDER BY seq LIMIT :n"
                ),
                {"a": after, "d": device_id, "n": PULL_BATCH},
            ).all()

    def _check_batches(self, rows) -> dict[str, dict | str]:
        """Each signed batch these rows belong to: its ``{"by", "key"}``, or why its
        signature is not good. A batch is checked whole, even if it spans two reads."""
        ids = sorted({r.batch_id for r in rows if r.batch_id is not None})
        if not ids:
            return {}
        with self.engine.connect() as c:
            signatures = {
                b.id: {"by": b.signed_by, "public_key": b.public_key, "signature": b.signature}
                for b in c.execute(
                    text(
                        "SELECT id, signed_by, public_key, signature FROM crosscoach.batches "
                        "WHERE id = ANY(:i)"
                    ),
                    {"i": ids},
                )
            }
            members = c.execute(
                text(
                    f"SELECT batch_id, {COLUMNS} FROM crosscoach.changes "
                    "WHERE batch_id = ANY(:i) ORDER BY seq"
                ),
                {"i": ids},
            ).all()
        grouped: dict[str, list[dict]] = {}
        for m in members:
            grouped.setdefault(m.batch_id, []).append(_as_change(m))
        found: dict[str, dict | str] = {}
        for batch in ids:
            verdict, why = check(signatures.get(batch), canonical(grouped.get(batch, [])))
            found[batch] = verdict or why
        return found

    def count_waiting(self, device_id, marks, retry=None) -> int:
        def count():
            with self.engine.connect() as c:
                return c.scalar(
                    text(
                        "SELECT count(*) FROM crosscoach.changes WHERE seq > :a AND device_id <> :d"
                    ),
                    {"a": marks["seq"].upto if "seq" in marks else 0, "d": device_id},
                )

        return self._run(count)

    def me(self) -> str | None:
        """The profile this database maps the login to (None if the login is no one's)."""

        def ask():
            with self.engine.connect() as c:
                return c.scalar(text("SELECT crosscoach.me()"))

        return self._run(ask)

    # -- media ----------------------------------------------------------------------
    def missing_media(self, shas: set[str]) -> set[str]:
        """Not in the database, or reported damaged and not checked again yet."""
        if not shas:
            return set()

        def present():
            with self.engine.connect() as c:
                return set(
                    c.scalars(
                        text(
                            "SELECT m.sha256 FROM crosscoach.media m WHERE m.sha256 = ANY(:s) "
                            "AND NOT EXISTS (SELECT 1 FROM crosscoach.bad_media b "
                            "WHERE b.sha256 = m.sha256)"
                        ),
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

    def _upload(self, sha256: str, source: Path, progress: BytesMoved | None) -> int:
        """Send the recording into this login's own chunks (resuming after the bytes
        already stored), then let the database check it and publish it."""
        with self.engine.begin() as c:
            if not c.scalar(text("SELECT crosscoach.may_upload(:s)"), {"s": sha256}):
                return 0  # another device published it; that one sends it
            there = c.execute(
                text(
                    "SELECT EXISTS (SELECT 1 FROM crosscoach.media WHERE sha256 = :s), "
                    "EXISTS (SELECT 1 FROM crosscoach.bad_media WHERE sha256 = :s)"
                ),
                {"s": sha256},
            ).one()
            if there[0] and (
                not there[1] or c.scalar(text("SELECT crosscoach.recheck_media(:s)"), {"s": sha256})
            ):
                return 0  # a whole copy is there (a damage report was a false alarm)
            n, stored = c.execute(
                text(
                    "SELECT coalesce(max(n) + 1, 0), coalesce(sum(length(data)), 0) "
                    "FROM crosscoach.media_chunks WHERE sha256 = :s AND uploaded_by = session_user"
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
                text("SELECT crosscoach.publish_media(:s, :x, :z)"),
                {"s": sha256, "x": source.suffix.lower() or ".mp4", "z": size},
            )
        return moved

    def fetch_media(self, sha256, partial, progress=None) -> str:
        return self._run(lambda: self._download(sha256, partial, progress))

    def _download(self, sha256: str, partial: Path, progress: BytesMoved | None) -> str:
        have = partial.stat().st_size if partial.exists() else 0
        first = have // CHUNK
        with open(partial, "ab") as out:
            out.truncate(first * CHUNK)  # a chunk cut off mid-way is fetched whole again
            with self.engine.connect() as c:
                found = c.execute(
                    text("SELECT suffix, uploaded_by FROM crosscoach.media WHERE sha256 = :s"),
                    {"s": sha256},
                ).first()
                if found is None:
                    raise FileNotFoundError(sha256)
                result = c.execution_options(stream_results=True, max_row_buffer=4).execute(
                    text(
                        "SELECT data FROM crosscoach.media_chunks WHERE sha256 = :s "
                        "AND uploaded_by = :u AND n >= :n ORDER BY n"
                    ),
                    {"s": sha256, "u": found.uploaded_by, "n": first},
                )
                for (block,) in result:
                    out.write(block)
                    if progress:
                        progress(out.tell())
        return found.suffix

    def report_bad_media(self, sha256: str) -> None:
        """Say the fetched copy was damaged: the next upload checks it and replaces it."""

        def report():
            with self.engine.begin() as c:
                c.execute(
                    text(
                        "INSERT INTO crosscoach.bad_media (sha256) VALUES (:s) "
                        "ON CONFLICT DO NOTHING"
                    ),
                    {"s": sha256},
                )

        self._run(report)

    def close(self) -> None:
        if self._engine is not None:
            self._engine.dispose()
            self._engine = None


# -- administration ---------------------------------------------------------------
def _sql(name: str) -> str:
    return files("app.sync").joinpath("sql", name).read_text(encoding="utf-8")


def team_role(database: str) -> str:
    """The database's own group role: every member login is in it, and only it may connect.

    Named after the database when that makes a valid name, so an admin recognises it.
    """
    if LOGIN.match(database) and len(database) <= 58:
        return f"{database}_team"
    return f"crosscoach_team_{hashlib.sha256(database.encode()).hexdigest()[:12]}"


def _run_script(c, script: str) -> None:
    """Run a SQL script as it is (no parameters: its % signs are SQL, not placeholders)."""
    with c.connection.dbapi_connection.cursor() as cursor:
        cursor.execute(script)


def _security_sql(database: str) -> str:
    return (
        _sql("postgres_security.sql")
        .replace("{team}", team_role(database))
        .replace("{database}", database.replace('"', '""'))
    )


def setup_database(url: str) -> None:
    """Create CrossCoach's schema, roles and policies (as the database owner); idempotent,
    and it brings a database set up by an earlier CrossCoach up to date."""
    engine = engine_for(url)
    try:
        with engine.begin() as c:
            _run_script(c, _sql("postgres_schema.sql"))
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
            _run_script(c, _security_sql(c.scalar(text("SELECT current_database()"))))
    except DBAPIError as exc:
        raise plain_error(exc, url) from exc
    finally:
        engine.dispose()


def add_member(url: str, login: str, person_id: str, role: str) -> None:
    """Let a PostgreSQL login act as a profile in this database only (creating the login,
    without a password, if it is new). ``role`` is the profile's role."""
    if not LOGIN.match(login):
        raise UserError(
            f"'{login}' is not a login name CrossCoach can set up.",
            "Use lower-case letters, digits and _ (for example ana_silva).",
        )
    engine = engine_for(url)
    try:
        with engine.begin() as c:
            team = team_role(c.scalar(text("SELECT current_database()")))
            exists = c.scalar(text("SELECT 1 FROM pg_roles WHERE rolname = :l"), {"l": login})
            if not exists:
                c.exec_driver_sql(f'CREATE ROLE "{login}" LOGIN')
            c.exec_driver_sql(f'GRANT "{team}" TO "{login}"')
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
