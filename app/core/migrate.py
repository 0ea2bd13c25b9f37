"""Schema migrations (Alembic), applied at start-up after a backup copy (app.core.backups)."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine

from app.core import backups
from app.core.errors import UserError
from app.core.paths import DataPaths

SCRIPTS = Path(__file__).with_name("migrations")


def alembic_config(engine: Engine) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(SCRIPTS))
    cfg.attributes["engine"] = engine
    return cfg


def head_revision() -> str:
    head = ScriptDirectory(str(SCRIPTS)).get_current_head()
    assert head is not None, "the migrations ship with the app"
    return head


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def upgrade(engine: Engine, paths: DataPaths | None = None, target: str = "head") -> None:
    """Bring the database to ``target``; back it up first when it holds data."""
    current = current_revision(engine)
    scripts = ScriptDirectory(str(SCRIPTS))
    if current is not None and not _known(scripts, current):
        raise UserError(
            "This data folder was written by a newer version of CrossCoach.",
            "Update CrossCoach to open it, or choose another data folder with --data-dir.",
        )
    wanted = scripts.get_current_head() if target == "head" else target
    if current == wanted:
        return
    if current is not None and paths is not None:
        backups.make_backup(paths, backups.UPGRADE, label=current)
    command.upgrade(alembic_config(engine), target)


def _known(scripts: ScriptDirectory, revision: str) -> bool:
    return revision in {s.revision for s in scripts.walk_revisions()}
