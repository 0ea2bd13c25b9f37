"""Screenshots of sync in the desktop app: the status bar with its details open (after
a sync, and with the shared folder gone), and the Sync section of Settings.

A second data folder (a rep's computer) records a real take from ffmpeg's test
source, submits it and syncs through a shared folder; then the trainer's window
syncs with "Sync now". Runs on an X display (``Xvfb :96 -screen 0 1400x900x24 &``,
``export DISPLAY=:96``) and grabs the screen with ImageMagick's ``import``:

    QT_QPA_PLATFORM=xcb python docs/screenshots/take_sync_screenshots.py [OUT_DIR]

Everything lives in a fresh temporary folder: your own data is never touched.
"""

from __future__ import annotations

import contextlib
import io
import json
import sys
import tempfile
from pathlib import Path

from PySide6.QtWidgets import QScrollArea
from take_screenshots import grab, settle  # this folder: run as a script

from app.bootstrap import open_context
from app.cli.main import run as cli
from app.core.models import Role
from app.core.profiles import create_profile
from app.ui.launch import application
from app.ui.main_window import MainWindow
from app.ui.state import AppState
from app.ui.sync.settings_section import SyncSection

SCREEN = (1400, 900)


def crosscoach(data: Path, *args: str) -> str:
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        code = cli(["--data-dir", str(data), *args])
    if code:
        raise SystemExit(f"crosscoach {' '.join(args)} failed ({code})")
    return out.getvalue()


def reps_computer(root: Path, share: Path) -> None:
    """A rep records and submits a take, then syncs it to the shared folder."""
    crosscoach(root, "profile", "create", "--name", "Bea Costa", "--role", "rep", "--team", "North")
    crosscoach(root, "remote", "set", f"folder:{share}")
    take = json.loads(
        crosscoach(
            root,
            "record",
            "--scenario",
            "burger-fries",
            "--source",
            "test",
            "--seconds",
            "4",
            "--json",
        )
    )
    crosscoach(root, "submit", take["id"], "--note", "Second try, slower opening")
    crosscoach(root, "sync")


def main(argv: list[str]) -> int:
    out_dir = Path(argv[0]) if argv else Path(__file__).resolve().parent
    app = application()
    with tempfile.TemporaryDirectory(prefix="crosscoach-sync-shots-") as tmp:
        share = Path(tmp) / "Team share"
        share.mkdir()
        reps_computer(Path(tmp) / "rep", share)

        ctx = open_context(Path(tmp) / "trainer")
        ctx.settings.set("theme", "light")
        ctx.settings.set("remote", f"folder:{share}")
        state = AppState(ctx)
        state.apply_theme()
        with ctx.session() as s:
            state.use_profile(create_profile(s, "Ana Lima", Role.TRAINER, "North"))
        window = MainWindow(state)
        window.setGeometry(0, 0, *SCREEN)
        window.show()
        window.show_page("review")
        settle()
        window.sync_status.sync_now_action.trigger()
        while state.sync.running:
            settle(100)
        window.pages["review"].refresh()  # show what arrived
        window.sync_status.click()
        grab(out_dir, "sync-status")
        window.sync_status.details.hide()

        # The same window when the shared folder is gone (the drive unplugged).
        with ctx.session() as s:
            create_profile(s, "Carla Dias", Role.REP, "North")
        share.rename(share.with_name("unplugged"))
        window.sync_status.sync_now_action.trigger()  # a failed Sync now opens the details
        while state.sync.running:
            settle(100)
        grab(out_dir, "sync-offline")
        window.sync_status.details.hide()

        window.show_page("settings")
        page = window.pages["settings"]
        section = page.section(SyncSection)
        # What a trainer would type to move the team to its database (not saved here).
        section.mode.setCurrentIndex(section.mode.findData("postgres"))
        section.host.setText("db.north-office.example")
        section.database.setText("coaching")
        section.user.setText("ana")
        section.sslmode.setCurrentIndex(section.sslmode.findData("verify-full"))
        section.ca_file.setText("/etc/ssl/certs/north-office-ca.pem")
        section.user.editingFinished.emit()
        settle()
        page.findChild(QScrollArea).ensureWidgetVisible(section)
        grab(out_dir, "sync-settings")
        state.sync.shutdown()
        window.close()
        ctx.close()
    app.quit()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
