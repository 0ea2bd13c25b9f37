"""Helpers for the sync tests: devices (real data folders), real clips, a real PostgreSQL.

No tests live here; the sync test modules import these helpers and fixtures.
"""

from __future__ import annotations

import os
import uuid
from pathlib import Path

import pytest
from factories import add_catalogue, make_clip
from sqlalchemy import create_engine, select, text
from sqlalchemy.engine import make_url

from app.bootstrap import open_context
from app.core.clock import utcnow
from app.core.media import store_file
from app.core.models import (
    Comment,
    Person,
    Review,
    Scenario,
    Submission,
    Take,
)
from app.core.profiles import create_profile, parse_role
from app.sync.changes import canonical_dump
from app.sync.postgres import add_member
from app.sync.service import SyncService

PG_ADMIN = "postgresql+psycopg://postgres@127.0.0.1:5432/"


class Device:
    """One installation: its own data folder, database and media store."""

    def __init__(self, root: Path, remote: str | None = None):
        self.root = root
        self.ctx = open_context(root)
        self.remote = remote
        self.keys: dict = {}  # person id -> Keys: who can sign on this device

    @property
    def db(self):
        return self.ctx.db

    def session(self, person_id: str | None = None):
        return self.db.session(person_id)

    def sync(self, remote: str | None = None):
        service = SyncService(
            self.db, self.ctx.settings, remote or self.remote, keys_for=self.keys.get
        )
        return service.sync()

    def key_for(self, person_id: str):
        """A key pair for this person on this device (made once)."""
        from app.identity.keys import Keys

        return self.keys.setdefault(person_id, Keys.generate())

    def dump(self) -> dict:
        with self.db.session() as s:
            return canonical_dump(s)

    def person(self, name: str) -> str:
        with self.db.session() as s:
            return s.scalar(select(Person.id).where(Person.name == name))

    def make_person(
        self, name: str, role: str, team: str | None = None, by: str | None = None
    ) -> str:
        """A profile made by the person themself (``by`` None), or added by someone."""
        with self.session(by) as s:
            return create_profile(s, name, parse_role(role), team).id

    def make_catalogue(self, trainer_id: str, key: str = "coffee") -> str:
        """A product pair, a rubric and a scenario written by a trainer; returns the scenario id."""
        with self.session(trainer_id) as s:
            return add_catalogue(s, key).scenario.id

    def submit(self, rep_id: str, scenario_id: str, clip: Path, note: str = "") -> str:
        sha, _ = store_file(self.db.paths.media, clip)
        now = utcnow()
        with self.session(rep_id) as s:
            take = Take(
                person_id=rep_id,
                scenario_id=scenario_id,
                sha256=sha,
                size_bytes=clip.stat().st_size,
                duration_seconds=1.0,
                width=160,
                height=120,
                recorded_at=now,
            )
            s.add(take)
            s.flush()
            sub = Submission(
                person_id=rep_id,
                scenario_id=scenario_id,
                take_id=take.id,
                sha256=sha,
                size_bytes=clip.stat().st_size,
                duration_seconds=1.0,
                width=160,
                height=120,
                note=note,
                submitted_at=now,
            )
            s.add(sub)
            s.flush()
            return sub.id

    def private_take(self, rep_id: str, scenario_id: str, clip: Path) -> tuple[str, str]:
        """A practice take that is never submitted; returns (take id, sha256)."""
        sha, _ = store_file(self.db.paths.media, clip)
        with self.session(rep_id) as s:
            take = Take(
                person_id=rep_id,
                scenario_id=scenario_id,
                sha256=sha,
                size_bytes=clip.stat().st_size,
                duration_seconds=1.0,
                width=160,
                height=120,
                recorded_at=utcnow(),
            )
            s.add(take)
            s.flush()
            return take.id, sha

    def review(self, trainer_id: str, submission_id: str, points: float, feedback: str) -> str:
        with self.session(trainer_id) as s:
            existing = s.scalar(
                select(Review).where(
                    Review.submission_id == submission_id, Review.reviewer_id == trainer_id
                )
            )
            review = existing or Review(
                submission_id=submission_id, reviewer_id=trainer_id, reviewed_at=utcnow()
            )
            review.total_points = points
            review.feedback = feedback
            review.scores = {"opening": int(points) % 6, "bridge": 3}
            s.add(review)
            s.flush()
            return review.id

    def comment(self, person_id: str, submission_id: str, at: float, words: str) -> str:
        with self.session(person_id) as s:
            c = Comment(submission_id=submission_id, at_seconds=at, text=words)
            s.add(c)
            s.flush()
            return c.id

    def edit_scenario(self, person_id: str, scenario_id: str, title: str) -> None:
        with self.session(person_id) as s:
            s.get(Scenario, scenario_id).title = title

    def delete(self, person_id: str, model, record_id: str) -> None:
        with self.session(person_id) as s:
            s.get(model, record_id).deleted = True

    def close(self) -> None:
        self.ctx.close()


@pytest.fixture
def make_device(tmp_path):
    made: list[Device] = []

    def make(name: str, remote: str | None = None) -> Device:
        device = Device(tmp_path / name, remote)
        made.append(device)
        return device

    yield make
    for device in made:
        device.close()


@pytest.fixture(scope="session")
def clips(tmp_path_factory) -> list[Path]:
    """Three short, real H.264 recordings from ffmpeg's synthetic sources."""
    folder = tmp_path_factory.mktemp("clips")
    return [
        make_clip(folder / f"clip{i}.mp4", size=(160, 120), fps=15, tone=tone)
        for i, tone in enumerate((440, 550, 660))
    ]


def postgres_unavailable(reason: str):
    """Skip loudly, or fail on CI where PostgreSQL must be there."""
    message = f"POSTGRESQL NOT REACHABLE at 127.0.0.1:5432 - database sync NOT TESTED: {reason}"
    if os.environ.get("CI") == "true":
        pytest.fail(message)
    pytest.skip(message)


@pytest.fixture(scope="session")
def pg_database():
    """A throwaway database for this test session (dropped at the end); yields its URL."""
    name = f"crosscoach_sync_{uuid.uuid4().hex[:10]}"
    admin = create_engine(PG_ADMIN + "postgres", isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as exc:  # any connection failure means: no server here
        admin.dispose()
        postgres_unavailable(str(exc).splitlines()[0])
    from app.sync.postgres import setup_database

    url = f"postgresql://postgres@127.0.0.1:5432/{name}"
    setup_database(url)
    yield url
    with admin.connect() as conn:
        conn.execute(
            text(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE datname = :n AND pid <> pg_backend_pid()"
            ),
            {"n": name},
        )
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        for role in conn.execute(
            text("SELECT rolname FROM pg_roles WHERE rolname LIKE :p"), {"p": f"{name}%"}
        ).scalars():
            conn.execute(text(f'DROP ROLE IF EXISTS "{role}"'))
    admin.dispose()


def assert_converged(*devices: Device) -> dict:
    dumps = [d.dump() for d in devices]
    for other in dumps[1:]:
        assert other == dumps[0]
    return dumps[0]


def admin_engine(url: str):
    return create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1))


@pytest.fixture
def empty_pg(pg_database):
    """The session's PostgreSQL remote, emptied for this test (the admin's URL)."""
    engine = admin_engine(pg_database)
    with engine.begin() as c:
        c.execute(
            text(
                "TRUNCATE crosscoach.changes, crosscoach.media, crosscoach.media_chunks, "
                "crosscoach.bad_media, crosscoach.devices, crosscoach.members"
            )
        )
    engine.dispose()
    return pg_database


class Office:
    """A team for sync tests, meeting through a shared folder or the team database.

    In database mode every person syncs with a login of their own, made by the
    product's own ``add_member`` (a rep, a trainer, a manager), never as the
    superuser, so row-level security is what the tests meet.
    """

    def __init__(self, kind: str, make_device, tmp_path: Path, admin_url: str | None = None):
        self.kind = kind
        self.make_device = make_device
        self.admin_url = admin_url
        self.share = tmp_path / "share"
        if kind == "folder":
            self.share.mkdir(exist_ok=True)

    @property
    def database(self) -> str:
        return make_url(self.admin_url).database

    def remote_for(self, name: str) -> str:
        """Where ``name``'s devices sync: the share, or the database with their own login."""
        if self.kind == "folder":
            return f"folder:{self.share}"
        return self.admin_url.replace("postgres@", f"{self.database}_{name.lower()}@")

    def device(self, device_name: str, owner: str) -> Device:
        device = self.make_device(device_name, self.remote_for(owner))
        device.ctx.settings.set("remote", device.remote)
        return device

    def add(self, device: Device, name: str, role: str, *, by: str | None = None,
            team: str | None = None) -> str:  # fmt: skip
        """A profile made on ``device`` (by the person, or added by ``by``); in database
        mode the admin also gives the person a login of their own."""
        person_id = device.make_person(name, role, team, by=by)
        if self.kind == "postgres":
            add_member(self.admin_url, f"{self.database}_{name.lower()}", person_id, role)
        return person_id


@pytest.fixture(params=["folder", "postgres"])
def office(request, make_device, tmp_path) -> Office:
    """An office of each kind (tests using it run once per kind of remote)."""
    admin = request.getfixturevalue("empty_pg") if request.param == "postgres" else None
    return Office(request.param, make_device, tmp_path, admin)


def publish_prompt(device: Device, trainer_id: str, scenario_id: str, clip: Path) -> str:
    """Give a scenario a prompt video (a recording its trainer publishes); returns its SHA-256."""
    sha, _ = store_file(device.db.paths.media, clip)
    with device.session(trainer_id) as s:
        scenario = s.get(Scenario, scenario_id)
        scenario.prompt_media_sha256 = sha
        scenario.prompt_media_name = clip.name
    return sha


def as_person(device: Device, person_id: str, work):
    """Run a domain function as this person on this device: ``work(session, profile)``."""
    from app.core.profiles import find_profile

    with device.session(person_id) as s:
        return work(s, find_profile(s, person_id))


def sign_in(device: Device, person_id: str, passphrase: str | None = None):
    """The person acts on their own device with their own key (made in its vault on first
    use, protected by ``passphrase`` for a trainer or manager); returns the keys."""
    from app.core.profiles import find_profile

    with device.db.session() as s:
        profile = find_profile(s, person_id)
    keys = device.ctx.confirm(profile, passphrase)
    device.ctx.use_profile(profile)
    device.keys[person_id] = keys
    return keys


def signed_team(manager: Device, manager_id: str, members: list[tuple[Device, str]]) -> None:
    """The manager founds the roster; each member asks to join from their own device and
    the manager approves them. Every device must already hold its person's keys."""
    from app.sync import roster

    keys = manager.keys[manager_id]
    as_person(manager, manager_id, lambda s, me: roster.found(s, me, keys))
    manager.sync()
    for device, person in members:
        device.sync()
        own = device.keys[person]
        as_person(device, person, lambda s, me, own=own: roster.ask_to_join(s, me, own))
        device.sync()
    manager.sync()
    for _, person in members:
        as_person(manager, manager_id, lambda s, me, p=person: roster.approve(s, me, keys, p))
    manager.sync()
    for device, _ in members:
        device.sync()
