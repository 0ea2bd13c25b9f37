"""Screenshots of joining a team: the first start with "Join my team…", the join dialog
with the team database form, the first start after joining (the login names the
person), the sync details listing a change the team refused, and the manager's
"Add a team member…" dialog.

Needs the PostgreSQL server on 127.0.0.1:5432 with trust auth (as for the tests): it
makes a throwaway database ``coaching_demo`` with the logins ``demo_mia`` and
``demo_rob``, and drops them at the end (it refuses to run if any of them exists).
Runs on an X display of the size to look at, and grabs the screen with ImageMagick
(the pictures in this folder: 1280x800; look at 1024x640 and 1920x1080 too)::

    Xvfb :97 -screen 0 1280x800x24 & export DISPLAY=:97
    QT_QPA_PLATFORM=xcb python docs/screenshots/take_join_screenshots.py [OUT_DIR [light|dark]]

It writes join-team-first-start, join-team-database, join-team-joined,
join-team-add-member and sync-set-aside, each in light and dark.

Everything else lives in a fresh temporary folder: your own data is never touched.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QScrollArea
from sqlalchemy import create_engine, text
from take_screenshots import grab, settle  # this folder: run as a script

from app.bootstrap import open_context
from app.core.models import Scenario
from app.core.profiles import create_profile, find_profile, parse_role
from app.scenarios.library import get_scenario
from app.sync.postgres import add_member, setup_database
from app.sync.service import SyncService
from app.ui.first_start import FirstStartDialog
from app.ui.launch import application
from app.ui.main_window import MainWindow
from app.ui.state import AppState
from app.ui.sync.settings_section import SyncSection

SERVER = "postgresql://postgres@127.0.0.1:5432/"
DATABASE = "coaching_demo"
LOGINS = ("demo_mia", "demo_rob")


def admin():
    return create_engine(
        SERVER.replace("postgresql://", "postgresql+psycopg://") + "postgres",
        isolation_level="AUTOCOMMIT",
    )


def make_database() -> None:
    engine = admin()
    with engine.connect() as c:
        taken = c.scalar(text("SELECT 1 FROM pg_database WHERE datname = :d"), {"d": DATABASE})
        roles = c.scalars(
            text("SELECT rolname FROM pg_roles WHERE rolname = ANY(:r)"), {"r": list(LOGINS)}
        ).all()
        if taken or roles:
            raise SystemExit(f"{DATABASE} or {roles} already exist: not touching them.")
        c.execute(text(f'CREATE DATABASE "{DATABASE}"'))
    engine.dispose()
    setup_database(SERVER + DATABASE)


def drop_database() -> None:
    engine = admin()
    with engine.connect() as c:
        c.execute(
            text(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE datname = :d AND pid <> pg_backend_pid()"
            ),
            {"d": DATABASE},
        )
        c.execute(text(f'DROP DATABASE IF EXISTS "{DATABASE}"'))
        for role in c.execute(
            text("SELECT rolname FROM pg_roles WHERE rolname LIKE :p OR rolname = ANY(:r)"),
            {"p": f"{DATABASE}%", "r": list(LOGINS)},
        ).scalars():
            c.execute(text(f'DROP ROLE IF EXISTS "{role}"'))
    engine.dispose()


def managers_computer(root: Path):
    """Mia (manager) adds Tina and Rob and syncs, with her own login."""
    ctx = open_context(root)
    with ctx.db.session() as s:
        mia = create_profile(s, "Mia Berg", parse_role("manager"), None)
    add_member(SERVER + DATABASE, "demo_mia", mia.id, "manager")
    ctx.use_profile(mia)
    with ctx.session() as s:
        tina = create_profile(s, "Tina Okafor", parse_role("trainer"), "North")
        rob = create_profile(s, "Rob Silva", parse_role("rep"), "North")
    add_member(SERVER + DATABASE, "demo_rob", rob.id, "rep")
    ctx.settings.set("remote", f"postgresql://demo_mia@127.0.0.1:5432/{DATABASE}")
    SyncService(ctx.db, ctx.settings).sync()
    return ctx, tina


def centre(widget) -> None:
    area = QGuiApplication.primaryScreen().availableGeometry()
    widget.adjustSize()
    size = widget.size()
    widget.move(
        area.x() + max(0, (area.width() - size.width()) // 2),
        area.y() + max(0, (area.height() - size.height()) // 2),
    )


def wait(condition, ms: int = 60_000) -> None:
    waited = 0
    while not condition():
        settle(100)
        waited += 100
        if waited > ms:
            raise SystemExit("timed out")


def shoot(out_dir: Path, scheme: str, tmp: Path, mia_ctx) -> None:
    screen = QGuiApplication.primaryScreen().availableGeometry()
    ctx = open_context(tmp / f"rob-{scheme}")
    ctx.settings.set("theme", scheme)
    state = AppState(ctx)
    state.apply_theme()

    first = FirstStartDialog(state)
    centre(first)
    first.show()
    grab(out_dir, f"join-team-first-start-{scheme}")

    first.join_button.click()
    join = first.join_dialog
    form = join.form
    form.mode.setCurrentIndex(form.mode.findData("postgres"))
    form.host.setText("127.0.0.1")
    form.database.setText(DATABASE)
    form.user.setText("demo_rob")
    form.user.editingFinished.emit()
    form.user.setFocus()
    settle()
    grab(out_dir, f"join-team-database-{scheme}")
    join.join_button.click()
    wait(lambda: not join.isVisible())
    grab(out_dir, f"join-team-joined-{scheme}")
    first.use_existing.click()

    # Rob's computer writes what a rep may not (a scenario's title): the team sets it aside.
    with ctx.session() as s:
        scenario = s.get(Scenario, get_scenario(s, "hotel-breakfast", ctx.paths.media).id)
        scenario.title = "My own title"
    window = MainWindow(state)
    window.setGeometry(screen)
    window.show()
    settle()
    window.sync_status.sync_now_action.trigger()
    wait(lambda: not state.sync.running)
    settle()
    window.sync_status.click()
    grab(out_dir, f"sync-set-aside-{scheme}")
    window.sync_status.details.hide()
    state.sync.shutdown()
    window.close()
    ctx.close()

    # Mia adds a new person from Settings → Sync.
    mia_ctx.settings.set("theme", scheme)
    mia_state = AppState(mia_ctx)
    mia_state.apply_theme()
    with mia_ctx.session() as s:
        mia_state.use_profile(find_profile(s, "Mia Berg"))
    window = MainWindow(mia_state)
    window.setGeometry(screen)
    window.show()
    window.show_page("settings")
    section = window.pages["settings"].section(SyncSection)
    settle()
    window.pages["settings"].findChild(QScrollArea).ensureWidgetVisible(section.members_button)
    section.members_button.click()
    dialog = section.member_dialog
    dialog.person.setCurrentIndex(dialog.person.findData("new"))
    dialog.name.setText("Nora Lind")
    dialog.name.textEdited.emit("Nora Lind")
    dialog.team.setText("North")
    dialog.admin_user.setText("postgres")
    dialog.admin_user.setFocus()
    grab(out_dir, f"join-team-add-member-{scheme}")
    dialog.reject()
    mia_state.sync.shutdown()
    window.close()


def main(argv: list[str]) -> int:
    out_dir = Path(argv[0]) if argv else Path(__file__).resolve().parent
    schemes = argv[1:] or ["light", "dark"]
    out_dir.mkdir(parents=True, exist_ok=True)
    app = application()
    make_database()
    try:
        with tempfile.TemporaryDirectory(prefix="crosscoach-join-shots-") as tmp:
            mia_ctx, _tina = managers_computer(Path(tmp) / "mia")
            try:
                for scheme in schemes:
                    shoot(out_dir, scheme, Path(tmp), mia_ctx)
            finally:
                mia_ctx.close()
    finally:
        drop_database()
    app.quit()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
