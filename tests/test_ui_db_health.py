# ruff: noqa: F811  (the fixtures imported from the support modules are parameters here)
"""The database-problem screen and the Backups section of Settings, through real widgets.

The screen opens real installations on its worker thread; damage, a second process holding
the write lock and a full tmpfs are real. Confirmations and summaries are replaced by
recorders (they are plain functions for that).
"""

from __future__ import annotations

import pytest
from alembic import command
from alembic.script import ScriptDirectory
from db_health_support import (
    TAKES,
    garbage_header,
    release,
    stocked,  # noqa: F401  (fixture)
    take_ids_listed,
    truncate,
    writing_elsewhere,
)
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QApplication
from recorder_support import fill, small_disk  # noqa: F401  (fixture)
from sqlalchemy import select

from app.bootstrap import open_context
from app.core import backups, health, migrate
from app.core.models import Take
from app.core.paths import DataPaths
from app.ui import database_problem, file_dialogs
from app.ui.backups import BackupSection, start_daily_backup
from app.ui.database_problem import DatabaseProblemScreen
from app.ui.errors import error_text
from app.ui.launch import launch_gui
from app.ui.main_window import MainWindow
from app.ui.pages.settings import ProfileSection
from app.ui.practice.controller import user_error_text
from app.ui.state import AppState
from app.ui.sync.wording import SyncView
from app.ui.sync.wording import problem as problem_of

LEFT = Qt.MouseButton.LeftButton


@pytest.fixture
def answers(monkeypatch):
    """Every question is answered yes; what would be shown is kept."""
    seen = {"asked": [], "told": [], "opened": []}
    monkeypatch.setattr(
        database_problem, "confirm", lambda _p, _t, text: seen["asked"].append(text) or True
    )
    monkeypatch.setattr(database_problem, "inform", lambda _p, text: seen["told"].append(text))
    monkeypatch.setattr(file_dialogs, "open_folder", seen["opened"].append)
    return seen


def screen_for(root, qtbot) -> DatabaseProblemScreen:
    screen = DatabaseProblemScreen(
        DataPaths(root), lambda on_wait: open_context(root, on_wait=on_wait)
    )
    qtbot.addWidget(screen)
    screen.start()
    return screen


def shown(screen) -> set[str]:
    buttons = {
        "restore": screen.restore_button,
        "rebuild": screen.rebuild_button,
        "folder": screen.folder_button,
        "retry": screen.retry_button,
        "quit": screen.quit_button,
    }
    return {name for name, b in buttons.items() if b.isVisibleTo(screen) and b.isEnabled()}


def takes_in(ctx) -> list[str]:
    with ctx.db.session() as s:
        return sorted(s.scalars(select(Take.id)))


def in_app_words(text: str) -> None:
    """No command, flag or "run the command again": the app's own words."""
    assert "crosscoach " not in text and "--" not in text and "command" not in text, text


def test_a_damaged_database_shows_the_screen_and_restoring_the_backup_opens_it(
    stocked, cli, qtbot, answers
):
    before = take_ids_listed(cli)  # the day's first command also made the daily backup
    truncate(stocked.paths.database)
    screen = screen_for(stocked.paths.root, qtbot)
    qtbot.waitUntil(screen.isVisible, timeout=20_000)

    assert screen.title.text() == "The database is damaged"
    assert screen.message.text().startswith(f"The database {stocked.paths.database} is damaged")
    hint = screen.hint.text()
    assert hint.startswith("What to do: Restore the latest backup, made today at ")
    in_app_words(hint)
    assert shown(screen) == {"restore", "rebuild", "folder", "retry", "quit"}
    assert screen.restore_button.isDefault()

    qtbot.mouseClick(screen.restore_button, LEFT)
    qtbot.waitUntil(lambda: screen.ctx is not None, timeout=30_000)
    assert answers["asked"][0].startswith("Restore the backup made today at ")
    assert "kept aside" in answers["asked"][0]
    assert answers["told"][0].startswith("The backup made today at ")
    assert not screen.isVisible()
    assert takes_in(screen.ctx) == before
    screen.ctx.close()


def test_an_empty_database_without_backups_is_rebuilt_from_the_recordings(stocked, qtbot, answers):
    before = takes_in(stocked)
    stocked.close()
    stocked.paths.database.write_bytes(b"")
    screen = screen_for(stocked.paths.root, qtbot)
    qtbot.waitUntil(screen.isVisible, timeout=20_000)
    assert screen.title.text() == "The database is empty"
    assert f"still holds {TAKES} recordings" in screen.message.text()
    assert shown(screen) == {"rebuild", "folder", "retry", "quit"}
    assert screen.rebuild_button.text() == "Rebuild from recordings"
    assert screen.rebuild_button.isDefault()

    qtbot.mouseClick(screen.folder_button, LEFT)
    assert answers["opened"] == [stocked.paths.root]
    qtbot.mouseClick(screen.rebuild_button, LEFT)
    qtbot.waitUntil(lambda: screen.ctx is not None, timeout=30_000)
    told = answers["told"][0]
    assert f"{TAKES} takes were added back" in told and "Submissions, reviews" in told
    in_app_words(told)
    assert takes_in(screen.ctx) == before
    screen.ctx.close()


def test_an_upgrade_waits_for_another_writer_then_names_it_and_try_again_opens(
    stocked, qtbot, answers, monkeypatch
):
    """A start that must write (here: upgrading the schema) while another process writes."""
    monkeypatch.setattr(health, "LOCK_WAIT_SECONDS", 2.0)
    previous = [s.revision for s in ScriptDirectory(str(migrate.SCRIPTS)).walk_revisions()][1]
    command.downgrade(migrate.alembic_config(stocked.db.engine), previous)
    stocked.close()
    with writing_elsewhere(stocked.paths.database) as holder:
        screen = screen_for(stocked.paths.root, qtbot)
        qtbot.waitUntil(lambda: screen.title.text() == "The database is busy", timeout=20_000)
        assert screen.message.text().endswith(
            f"process {holder.pid}) is writing to the database; waiting…"
        )
        assert screen.busy.isVisible() and shown(screen) == {"quit"}
        qtbot.waitUntil(lambda: screen.hint.isVisible(), timeout=20_000)  # the wait ran out
        assert screen.message.text().endswith(
            f"process {holder.pid}) is still writing to the database after 2 seconds."
        )
        assert shown(screen) == {"retry", "quit"}
        assert screen.retry_button.isDefault()
        release(holder)
    qtbot.mouseClick(screen.retry_button, LEFT)
    qtbot.waitUntil(lambda: screen.ctx is not None, timeout=30_000)
    assert migrate.current_revision(screen.ctx.db.engine) == migrate.head_revision()
    assert len(takes_in(screen.ctx)) == TAKES
    screen.ctx.close()


def test_a_full_disk_says_so_and_try_again_opens_once_there_is_space(small_disk, qtbot, answers):
    disk = small_disk(8)
    open_context(disk / "data").close()
    filler = fill(disk, leave_bytes=0)
    screen = screen_for(disk / "data", qtbot)
    qtbot.waitUntil(screen.isVisible, timeout=20_000)
    assert screen.title.text() == "The disk is full"
    assert shown(screen) == {"folder", "retry", "quit"}
    in_app_words(screen.hint.text())
    filler.unlink()
    qtbot.mouseClick(screen.retry_button, LEFT)
    qtbot.waitUntil(lambda: screen.ctx is not None, timeout=30_000)
    screen.ctx.close()


def test_quitting_on_the_screen_ends_the_app_with_the_database_exit_code(stocked, qapp):
    garbage_header(stocked.paths.database)
    clicked = []

    def quit_when_shown():
        screen = next(
            (w for w in QApplication.topLevelWidgets() if isinstance(w, DatabaseProblemScreen)),
            None,
        )
        if screen is None or not screen.isVisible():
            QTimer.singleShot(50, quit_when_shown)
            return
        clicked.append(screen.title.text())
        screen.quit_button.click()

    QTimer.singleShot(0, quit_when_shown)
    assert launch_gui(stocked.paths.root) == 5
    assert clicked == ["The database is damaged"]
    assert stocked.paths.database.read_bytes().startswith(b"this is not a database")


def test_escape_is_quit_and_the_keyboard_reaches_every_action(stocked, qtbot):
    garbage_header(stocked.paths.database)
    screen = screen_for(stocked.paths.root, qtbot)
    qtbot.waitUntil(screen.isVisible, timeout=20_000)
    assert screen.focusWidget() is screen.rebuild_button  # no backup: rebuilding comes first
    reached = set()
    for _ in range(6):
        reached.add(screen.focusWidget().text())
        qtbot.keyClick(screen.focusWidget(), Qt.Key.Key_Tab)
    assert reached == {"Rebuild from recordings", "Open data folder", "Try again", "Quit"}
    qtbot.keyClick(screen, Qt.Key.Key_Escape)
    assert screen.isHidden() and screen.ctx is None


def test_a_problem_while_the_app_is_open_is_told_in_the_apps_words(ctx):
    """The error dialog, a take that cannot be stored, and the sync indicator's details."""
    for problem in (
        health.damaged(ctx.paths, "part of it cannot be read"),
        health.full(ctx.paths),
        health.read_only(ctx.paths),
        health.locked(None),
    ):
        told = [
            error_text(problem),
            user_error_text(problem),
            astuple(problem_of(SyncView("folder:/share", failure=problem))),
        ]
        for message, hint in told:
            assert message == problem.message and hint
            in_app_words(hint)


def astuple(err) -> tuple[str, str]:
    return err.message, err.hint


# --- Settings ---------------------------------------------------------------------------------


@pytest.fixture
def window(ctx, make_profile, qtbot):
    state = AppState(ctx)
    state.use_profile(make_profile("Before", "rep"))
    window = MainWindow(state)
    qtbot.addWidget(window)
    window.show()
    window.show_page("settings")
    return window


def test_the_daily_backup_runs_off_the_gui_thread_and_shows_in_settings(window, qtbot):
    section = window.pages["settings"].section(BackupSection)
    assert section.list.topLevelItemCount() == 0
    assert section.status.text().startswith("No backup yet")
    assert not section.restore_button.isEnabled()
    with qtbot.waitSignal(start_daily_backup(window.state, window).done, timeout=20_000):
        pass
    assert section.list.topLevelItemCount() == 1
    item = section.list.topLevelItem(0)
    assert item.text(0).startswith("Today at ") and item.text(1) == "Daily"
    assert item.text(2).endswith(" MB") and section.restore_button.isEnabled()
    with qtbot.waitSignal(start_daily_backup(window.state, window).done, timeout=20_000):
        pass  # once a day: the second start makes none
    assert len(backups.list_backups(window.state.ctx.paths)) == 1


def test_settings_makes_a_backup_and_restores_one_after_asking(
    window, make_profile, qtbot, answers
):
    state = window.state
    section = window.pages["settings"].section(BackupSection)
    qtbot.mouseClick(section.make_button, LEFT)
    qtbot.waitUntil(lambda: section.list.topLevelItemCount() == 1, timeout=20_000)
    assert section.list.topLevelItem(0).text(1) == "Made by hand"
    make_profile("After", "trainer")
    profiles = window.pages["settings"].section(ProfileSection)
    profiles.reload()
    assert profiles.choice.count() == 2

    section.list.setCurrentItem(section.list.topLevelItem(0))
    qtbot.mouseClick(section.restore_button, LEFT)
    qtbot.waitUntil(lambda: bool(answers["told"]), timeout=30_000)
    assert answers["asked"][0].startswith("Restore the backup made today at ")
    assert (
        answers["told"][0].startswith("The backup made today at ")
        and "kept in" in answers["told"][0]
    )
    assert [profiles.choice.itemText(i) for i in range(profiles.choice.count())] == [
        "Before (rep)"
    ]  # the page reloaded what the restored database holds
    assert [p.name for p in state.ctx.paths.set_aside.iterdir()][0].endswith("-replaced")
    qtbot.mouseClick(section.folder_button, LEFT)
    assert answers["opened"] == [state.ctx.paths.backups]
