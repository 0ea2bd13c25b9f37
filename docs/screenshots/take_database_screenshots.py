"""Screenshots of the database-problem screen and of the Backups section of Settings.

A data folder with a rep and a few days' backups (daily ones, one made by hand, one
from before an update); its database is then damaged (a garbage header) for the
problem screen. A second one has three takes with their records and no backup;
its database is emptied for the rebuild variant. Runs
on an X display of the size given (``Xvfb :95 -screen 0 1024x640x24 &``,
``export DISPLAY=:95``) and grabs the screen with ImageMagick's ``import``:

    QT_QPA_PLATFORM=xcb python docs/screenshots/take_database_screenshots.py OUT_DIR 1024x640

Writes database-problem-, database-rebuild- and settings-backups-{light,dark}-WxH.png.
Everything lives in a fresh temporary folder: your own data is never touched.
"""

from __future__ import annotations

import sys
import tempfile
from datetime import timedelta
from pathlib import Path

from PySide6.QtWidgets import QApplication, QScrollArea
from sqlalchemy import select
from take_screenshots import grab, settle  # this folder: run as a script

from app.bootstrap import open_context
from app.core import backups
from app.core.clock import utcnow
from app.core.media import store_file
from app.core.models import Role, Scenario, Take
from app.core.paths import DataPaths
from app.core.profiles import create_profile
from app.core.rebuild import keep_take_record, take_record
from app.ui.database_problem import DatabaseProblemScreen
from app.ui.launch import application
from app.ui.main_window import MainWindow
from app.ui.state import AppState


def folder_with_backups(root: Path, scheme: str):
    ctx = open_context(root)
    ctx.settings.set("theme", scheme)
    with ctx.session() as s:
        ctx.use_profile(create_profile(s, "Ana Lima", Role.REP, "North"))
    now = utcnow()
    backups.make_backup(ctx.paths, backups.UPGRADE, label="0002", now=now - timedelta(days=9))
    for days in (3, 2, 1):
        backups.make_backup(ctx.paths, backups.DAILY, now=now - timedelta(days=days, hours=2))
    backups.make_backup(ctx.paths, now=now - timedelta(hours=5))
    backups.daily_backup(ctx.paths)
    return ctx


def problem_screen(root: Path, size: tuple[int, int]) -> DatabaseProblemScreen:
    screen = DatabaseProblemScreen(
        DataPaths(root), lambda on_wait: open_context(root, on_wait=on_wait)
    )
    screen.start()
    while not screen.isVisible():
        settle(50)
    width = max(screen.minimumSizeHint().width(), min(720, size[0] - 40))
    screen.resize(width, screen.sizeHint().height())
    screen.move((size[0] - width) // 2, max(0, (size[1] - screen.height()) // 3))
    return screen


def shoot(out: Path, scheme: str, size: tuple[int, int], tmp: Path) -> None:
    suffix = f"{scheme}-{size[0]}x{size[1]}"
    ctx = folder_with_backups(tmp / f"backups-{scheme}", scheme)
    state = AppState(ctx)
    state.apply_theme()
    window = MainWindow(state)
    window.setGeometry(0, 0, *size)
    window.show()
    window.show_page("settings")
    settle()  # laid out: the scroll range is final
    bar = window.pages["settings"].findChild(QScrollArea).verticalScrollBar()
    bar.setValue(bar.maximum())  # Backups is the last section
    grab(out, f"settings-backups-{suffix}")
    window.close()
    ctx.close()

    with open(ctx.paths.database, "r+b") as f:
        f.write(b"this is not a database any more " * 4)
    screen = problem_screen(ctx.paths.root, size)
    grab(out, f"database-problem-{suffix}")
    screen.close()

    empty = open_context(tmp / f"empty-{scheme}")
    empty.settings.set("theme", scheme)
    with empty.session() as s:
        ana = create_profile(s, "Ana Lima", Role.REP, "North")
        scenario = s.scalar(select(Scenario.id).where(Scenario.key == "phone-headset-sound"))
    for n in range(3):  # three stored takes (a stand-in for each video), with their records
        clip = empty.paths.root / "clip.mp4"
        clip.write_bytes(f"take {n}".encode())
        sha, stored = store_file(empty.paths.media, clip, move=True)
        with empty.session() as s:
            take = Take(person_id=ana.id, scenario_id=scenario, attempt=n + 1, sha256=sha,
                        size_bytes=stored.stat().st_size, duration_seconds=20.0, width=1280,
                        height=720, recorded_at=utcnow())  # fmt: skip
            s.add(take)
            s.flush()
            keep_take_record(empty.paths, take_record(s, take))
    empty.close()
    empty.paths.database.write_bytes(b"")
    screen = problem_screen(empty.paths.root, size)
    grab(out, f"database-rebuild-{suffix}")
    screen.close()


def main(argv: list[str]) -> int:
    out = Path(argv[0])
    width, height = (int(n) for n in argv[1].split("x"))
    out.mkdir(parents=True, exist_ok=True)
    app = application()
    with tempfile.TemporaryDirectory(prefix="crosscoach-shots-") as tmp:
        for scheme in ("light", "dark"):
            shoot(out, scheme, (width, height), Path(tmp))
    QApplication.processEvents()
    app.quit()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
