"""Migrations: from an empty database, from the previous revision with data kept,
and the models agree with what the migrations build."""

from __future__ import annotations

import sqlite3

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory

from app.core import migrate
from app.core.db import open_database, sqlite_engine
from app.core.errors import UserError
from app.core.models import Base
from app.core.paths import DataPaths


def revisions() -> list[str]:
    scripts = ScriptDirectory(str(migrate.SCRIPTS))
    return [s.revision for s in reversed(list(scripts.walk_revisions()))]


def test_empty_database_reaches_head(tmp_path):
    paths = DataPaths(tmp_path)
    db = open_database(paths)
    assert migrate.current_revision(db.engine) == migrate.head_revision()
    tables = {
        r[0]
        for r in sqlite3.connect(paths.database).execute(
            "SELECT name FROM sqlite_master WHERE type='table'"
        )
    }
    assert {"scenarios", "submissions", "reviews", "comments", "top_videos"} <= tables
    # a first open makes no backup: there was nothing to lose
    assert list(paths.backups.iterdir()) == []
    db.close()


def test_models_match_migrations(tmp_path):
    db = open_database(DataPaths(tmp_path))
    with db.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    db.close()
    assert diff == [], f"models and migrations disagree: {diff}"


def test_upgrade_from_previous_revision_keeps_data_and_backs_up(tmp_path):
    previous = revisions()[-2]
    paths = DataPaths(tmp_path).ensure()
    engine = sqlite_engine(paths)
    migrate.upgrade(engine, paths, target=previous)
    with engine.begin() as conn:
        conn.exec_driver_sql(
            "INSERT INTO teams (id, name, author_id, device_id, created_at, updated_at, version,"
            " deleted) VALUES ('t1', 'North', NULL, 'd', '2026-01-01', '2026-01-01', '1767225600000.00000.d', 0)"
        )
        conn.exec_driver_sql(
            "INSERT INTO people (id, name, role, team_id, author_id, device_id, created_at,"
            " updated_at, version, deleted) VALUES ('p1', 'Ana', 'rep', 't1', NULL, 'd',"
            " '2026-01-01', '2026-01-01', '1767225600000.00000.d', 0)"
        )
    engine.dispose()

    db = open_database(paths)  # what a start-up of the new version does
    assert migrate.current_revision(db.engine) == migrate.head_revision()
    with db.engine.connect() as conn:
        rows = conn.exec_driver_sql(
            "SELECT p.name, t.name FROM people p JOIN teams t ON p.team_id = t.id"
        ).all()
    assert rows == [("Ana", "North")]
    backups = list(paths.backups.glob("*.db"))
    assert len(backups) == 1 and f"rev{previous}" in backups[0].name
    kept = sqlite3.connect(backups[0]).execute("SELECT name FROM people").fetchall()
    assert kept == [("Ana",)]
    db.close()


def test_every_revision_downgrades_and_upgrades_again(tmp_path):
    from alembic import command

    paths = DataPaths(tmp_path)
    db = open_database(paths)
    cfg = migrate.alembic_config(db.engine)
    command.downgrade(cfg, "base")
    assert migrate.current_revision(db.engine) is None
    command.upgrade(cfg, "head")
    assert migrate.current_revision(db.engine) == migrate.head_revision()
    db.close()


def test_database_from_a_newer_version_is_refused(tmp_path):
    paths = DataPaths(tmp_path)
    open_database(paths).close()
    con = sqlite3.connect(paths.database)
    con.execute("UPDATE alembic_version SET version_num = '9999'")
    con.commit()
    con.close()
    with pytest.raises(UserError, match="newer version of CrossCoach"):
        open_database(paths)


def test_sqlite_runs_in_wal_mode(tmp_path):
    db = open_database(DataPaths(tmp_path))
    with db.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
    db.close()
